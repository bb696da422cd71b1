// Big-endian integers in raw memory: the byte order of every encoding we own
// (codec, storage keys and frames, p2p frames). x86 is little-endian; the
// byte swaps compile to one instruction.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace replex {

static_assert(std::endian::native == std::endian::little);

inline void store_be32(void* out, std::uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(out, &v, sizeof v);
}
inline void store_be64(void* out, std::uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(out, &v, sizeof v);
}
inline std::uint32_t load_be32(const void* in) {
  std::uint32_t v;
  std::memcpy(&v, in, sizeof v);
  return __builtin_bswap32(v);
}
inline std::uint64_t load_be64(const void* in) {
  std::uint64_t v;
  std::memcpy(&v, in, sizeof v);
  return __builtin_bswap64(v);
}

}  // namespace replex
