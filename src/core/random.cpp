#include "replex/core/random.hpp"

#include <sodium.h>

#include <array>

#include "replex/core/bytes.hpp"
#include "replex/core/sodium.hpp"

namespace replex {

void random_bytes(std::span<std::uint8_t> out) {
  ensure_sodium();
  randombytes_buf(out.data(), out.size());
}

std::uint64_t keyed_hash(ByteView bytes) noexcept {
  static const auto key = [] {
    std::array<std::uint8_t, crypto_shorthash_KEYBYTES> k{};
    random_bytes(k);
    return k;
  }();
  std::array<std::uint8_t, crypto_shorthash_BYTES> out{};
  static_assert(sizeof(std::uint64_t) == crypto_shorthash_BYTES);
  crypto_shorthash(out.data(), bytes.data(), bytes.size(), key.data());
  std::uint64_t v;
  __builtin_memcpy(&v, out.data(), sizeof(v));
  return v;
}

}  // namespace replex
