#include "replex/core/random.hpp"

#include <sodium.h>

#include "replex/core/sodium.hpp"

namespace replex {

void random_bytes(std::span<std::uint8_t> out) {
  ensure_sodium();
  randombytes_buf(out.data(), out.size());
}

}  // namespace replex
