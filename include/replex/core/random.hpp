// Cryptographically secure random bytes (libsodium's randombytes), for keys
// and secrets the node generates. Thread-safe.
#pragma once

#include <cstdint>
#include <span>

namespace replex {

void random_bytes(std::span<std::uint8_t> out);

}  // namespace replex
