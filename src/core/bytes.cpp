#include "replex/core/bytes.hpp"

#include <sodium.h>

#include <algorithm>

#include "replex/core/sodium.hpp"

namespace replex {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string to_hex(ByteView bytes) {
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHexDigits[bytes[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes[i] & 0x0f];
  }
  return out;
}

Result<Bytes> from_hex(std::string_view hex) {
  if (hex.starts_with("0x") || hex.starts_with("0X")) hex.remove_prefix(2);
  if (hex.size() % 2 != 0) {
    return Status::invalid_argument("hex: odd number of digits (" + std::to_string(hex.size()) + ")");
  }
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      const std::size_t bad = hi < 0 ? 2 * i : 2 * i + 1;
      return Status::invalid_argument("hex: not a hex digit at offset " + std::to_string(bad));
    }
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

bool Hash256::is_zero() const {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

std::string Hash256::hex() const { return to_hex(view()); }

Result<Hash256> Hash256::from_bytes(ByteView b) {
  if (b.size() != kSize) {
    return Status::invalid_argument("hash: expected 32 bytes, got " + std::to_string(b.size()));
  }
  Hash256 h;
  std::copy(b.begin(), b.end(), h.bytes.begin());
  return h;
}

Result<Hash256> Hash256::from_hex(std::string_view hex) {
  REPLEX_ASSIGN_OR_RETURN(Bytes raw, replex::from_hex(hex));
  return from_bytes(raw);
}

}  // namespace replex

namespace replex {

// Base64 through libsodium (its base64 needs no initialisation, but every
// libsodium call goes through ensure_sodium, one rule for all).
std::string to_base64(ByteView bytes) {
  ensure_sodium();
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

Result<Bytes> from_base64(std::string_view text) {
  ensure_sodium();
  Bytes out(text.size() / 4 * 3 + 3);
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    const std::size_t at = end ? static_cast<std::size_t>(end - text.data()) : 0;
    return Status::invalid_argument("base64: invalid at offset " + std::to_string(at));
  }
  out.resize(length);
  // One text per byte string: libsodium also takes some texts that are not
  // what to_base64 writes (a fuzz input: "\xc7\x98IIAQ=="); refuse those.
  if (to_base64(out) != text) return Status::invalid_argument("base64: not canonical standard base64");
  return out;
}

}  // namespace replex
