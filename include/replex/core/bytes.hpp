// Byte containers and fixed-size digests shared by every module.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "replex/core/status.hpp"

namespace replex {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// A 32-byte digest (SHA-256, block hash, app_hash). Value type, totally ordered.
struct Hash256 {
  static constexpr std::size_t kSize = 32;
  std::array<std::uint8_t, kSize> bytes{};

  ByteView view() const { return {bytes.data(), bytes.size()}; }
  bool is_zero() const;
  std::string hex() const;
  static Result<Hash256> from_hex(std::string_view hex);
  static Result<Hash256> from_bytes(ByteView bytes);

  friend auto operator<=>(const Hash256&, const Hash256&) = default;
};

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Lower-case hex without a prefix.
std::string to_hex(ByteView bytes);
// Accepts upper or lower case and an optional "0x" prefix; errors name the offset.
Result<Bytes> from_hex(std::string_view hex);

// Standard base64 (RFC 4648, with padding), as JSON APIs carry bytes.
std::string to_base64(ByteView bytes);
// Accepts canonical padded standard base64 (exactly what to_base64 writes);
// refuses anything else.
Result<Bytes> from_base64(std::string_view text);

// SipHash-2-4 of `bytes` under a key drawn at random once per process. Every
// unordered index keyed by bytes a peer or client chooses hashes with it, so
// no one can steer many keys into one bucket. Never feeds replicated state:
// such indexes are lookup-only. Thread-safe.
std::uint64_t keyed_hash(ByteView bytes) noexcept;

struct Hash256Hasher {
  std::size_t operator()(const Hash256& h) const noexcept { return keyed_hash(h.view()); }
};
struct KeyedStringHasher {
  std::size_t operator()(std::string_view s) const noexcept { return keyed_hash(as_bytes(s)); }
};

}  // namespace replex
