#include "replex/settlement/uint256.hpp"

#include <algorithm>
#include <iterator>

namespace replex::settlement {
namespace {

const U256 kU256Max = ~U256(0);
const U256 kTwoPow255 = U256(1) << 255;

int digit_value(char c, int base) {
  int v = -1;
  if (c >= '0' && c <= '9') v = c - '0';
  else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
  return v < base ? v : -1;
}

}  // namespace

Word to_word(const U256& v) {
  Word w{};
  Bytes be = to_minimal_be_bytes(v);
  REPLEX_ASSERT(be.size() <= w.size());
  std::copy(be.begin(), be.end(), w.end() - static_cast<std::ptrdiff_t>(be.size()));
  return w;
}

U256 u256_from_word(const Word& w) {
  U256 v;
  boost::multiprecision::import_bits(v, w.begin(), w.end(), 8, true);
  return v;
}

Result<U256> u256_from_be_bytes(ByteView be) {
  if (be.size() > 32) {
    return Status::invalid_argument("uint256: " + std::to_string(be.size()) + " bytes, at most 32");
  }
  if (be.empty()) return U256(0);
  U256 v;
  boost::multiprecision::import_bits(v, be.begin(), be.end(), 8, true);
  return v;
}

Bytes to_minimal_be_bytes(const U256& v) {
  Bytes out;
  if (v == 0) return out;
  boost::multiprecision::export_bits(v, std::back_inserter(out), 8, true);
  REPLEX_ASSERT(!out.empty() && out.front() != 0 && out.size() <= 32);
  return out;
}

bool fits_int256(const I256& v) {
  const I256 limit(kTwoPow255);
  return v >= -limit && v < limit;
}

Word int256_to_word(const I256& v) {
  REPLEX_ASSERT_MSG(fits_int256(v), "int256 out of range: " + to_decimal(v));
  if (v >= 0) return to_word(U256(v));
  const U256 magnitude(-v);
  return to_word(~magnitude + 1);  // 2^256 - |v|
}

I256 int256_from_word(const Word& w) {
  const U256 u = u256_from_word(w);
  if (u < kTwoPow255) return I256(u);
  return -I256(~u + 1);
}

Result<U256> parse_u256(std::string_view text) {
  int base = 10;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return Status::invalid_argument("uint256: no digits");
  U256 v = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int d = digit_value(text[i], base);
    if (d < 0) {
      return Status::invalid_argument("uint256: not a base-" + std::to_string(base) + " digit at offset " +
                                      std::to_string(i));
    }
    if (v > (kU256Max - static_cast<unsigned>(d)) / static_cast<unsigned>(base)) {
      return Status::invalid_argument("uint256: value above 2^256 - 1");
    }
    v = v * static_cast<unsigned>(base) + static_cast<unsigned>(d);
  }
  return v;
}

Result<I256> parse_i256(std::string_view text) {
  const bool negative = text.starts_with('-');
  if (negative) text.remove_prefix(1);
  if (text.starts_with("0x") || text.starts_with("0X")) {
    return Status::invalid_argument("int256: decimal digits expected");
  }
  REPLEX_ASSIGN_OR_RETURN(const U256 magnitude, parse_u256(text));
  if (negative ? magnitude > kTwoPow255 : magnitude >= kTwoPow255) {
    return Status::invalid_argument("int256: value outside [-2^255, 2^255 - 1]");
  }
  const I256 m(magnitude);
  return negative ? I256(-m) : m;
}

// By hand rather than Boost's str(): GCC 12 raises a false -Wrestrict inside it.
std::string to_decimal(const U256& v) {
  if (v == 0) return "0";
  std::string digits;
  for (U256 rest = v; rest != 0; rest /= 10) {
    digits.push_back(static_cast<char>('0' + static_cast<unsigned>(rest % 10)));
  }
  return std::string(digits.rbegin(), digits.rend());
}

std::string to_decimal(const I256& v) {
  if (v >= 0) return to_decimal(U256(v));
  std::string out = to_decimal(U256(-v));
  out.insert(out.begin(), '-');  // not "-" + s: GCC 12's false -Wrestrict again
  return out;
}

std::string to_quantity_hex(const U256& v) {
  if (v == 0) return "0x0";
  std::string hex = to_hex(to_minimal_be_bytes(v));
  if (hex.front() == '0') hex.erase(0, 1);  // one leading zero nibble at most
  return "0x" + hex;
}

}  // namespace replex::settlement
