#include "replex/core/decimal.hpp"

#include <limits>

namespace replex {
namespace {

std::string quoted(std::string_view text) {
  // Keep messages short and printable even for hostile input.
  std::string out = "\"";
  for (char c : text.substr(0, 48)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > 48) out += "...";
  out += '"';
  return out;
}

// Parses the unsigned magnitude of `text` (no sign) into units of 10^-scale.
Result<std::uint64_t> parse_magnitude(std::string_view text, std::string_view original,
                                      unsigned scale) {
  if (text.empty()) return Status::invalid_argument("decimal " + quoted(original) + ": no digits");
  std::uint64_t units = 0;
  unsigned fraction_digits = 0;
  bool seen_dot = false;
  std::size_t int_digits = 0;
  auto overflow = [&] {
    return Status::invalid_argument("decimal " + quoted(original) + ": value out of range");
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (seen_dot) return Status::invalid_argument("decimal " + quoted(original) + ": more than one '.'");
      if (int_digits == 0) {
        return Status::invalid_argument("decimal " + quoted(original) + ": needs a digit before '.'");
      }
      if (i + 1 == text.size()) {
        return Status::invalid_argument("decimal " + quoted(original) + ": needs a digit after '.'");
      }
      seen_dot = true;
      continue;
    }
    if (c == 'e' || c == 'E') {
      return Status::invalid_argument("decimal " + quoted(original) +
                                      ": exponent notation is not accepted; write the digits out");
    }
    if (c == '+' || c == '-') {
      return Status::invalid_argument("decimal " + quoted(original) + ": sign in the middle of the number");
    }
    if (c < '0' || c > '9') {
      return Status::invalid_argument("decimal " + quoted(original) + ": unexpected character at offset " +
                                      std::to_string(original.size() - text.size() + i));
    }
    if (seen_dot) {
      if (++fraction_digits > scale) {
        return Status::invalid_argument("decimal " + quoted(original) + ": more than " +
                                        std::to_string(scale) + " decimal places");
      }
    } else {
      ++int_digits;
    }
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (units > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return overflow();
    units = units * 10 + digit;
  }
  for (unsigned i = fraction_digits; i < scale; ++i) {
    if (units > std::numeric_limits<std::uint64_t>::max() / 10) return overflow();
    units *= 10;
  }
  return units;
}

Status check_common(std::string_view text, unsigned scale, std::size_t max_text_bytes) {
  REPLEX_ASSERT_MSG(scale <= kMaxDecimalScale, "decimal scale above 18");
  if (text.empty()) return Status::invalid_argument("decimal: empty");
  if (text.size() > max_text_bytes) {
    return Status::invalid_argument("decimal " + quoted(text) + ": longer than " +
                                    std::to_string(max_text_bytes) + " characters");
  }
  if (text.front() == '+') {
    return Status::invalid_argument("decimal " + quoted(text) + ": '+' sign is not accepted");
  }
  return Status::ok();
}

std::string format_units(std::uint64_t magnitude, unsigned scale, bool negative, bool trim) {
  std::string digits = std::to_string(magnitude);
  if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
  std::string out = negative ? "-" : "";
  const std::size_t int_len = digits.size() - scale;
  out.append(digits, 0, int_len);
  std::string fraction = digits.substr(int_len);
  if (trim) {
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  }
  if (!fraction.empty()) {
    out += '.';
    out += fraction;
  }
  return out;
}

}  // namespace

Result<std::int64_t> parse_decimal(std::string_view text, unsigned scale, DecimalOptions options) {
  REPLEX_RETURN_IF_ERROR(check_common(text, scale, options.max_text_bytes));
  bool negative = false;
  std::string_view body = text;
  if (body.front() == '-') {
    if (!options.allow_negative) {
      return Status::invalid_argument("decimal " + quoted(text) + ": negative values are not allowed");
    }
    negative = true;
    body.remove_prefix(1);
  }
  auto magnitude = parse_magnitude(body, text, scale);
  if (!magnitude) return magnitude.status();
  const std::uint64_t limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (*magnitude > limit) {
    return Status::invalid_argument("decimal " + quoted(text) + ": value out of range");
  }
  const auto value = static_cast<std::int64_t>(*magnitude);
  return negative ? -value : value;
}

Result<std::uint64_t> parse_decimal_unsigned(std::string_view text, unsigned scale,
                                             std::size_t max_text_bytes) {
  REPLEX_RETURN_IF_ERROR(check_common(text, scale, max_text_bytes));
  if (text.front() == '-') {
    return Status::invalid_argument("decimal " + quoted(text) + ": negative values are not allowed");
  }
  return parse_magnitude(text, text, scale);
}

std::string format_decimal(std::int64_t units, unsigned scale) {
  REPLEX_ASSERT(scale <= kMaxDecimalScale);
  const bool negative = units < 0;
  const std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(units + 1)) + 1 : static_cast<std::uint64_t>(units);
  return format_units(magnitude, scale, negative, false);
}

std::string format_decimal_unsigned(std::uint64_t units, unsigned scale) {
  REPLEX_ASSERT(scale <= kMaxDecimalScale);
  return format_units(units, scale, false, false);
}

std::string format_decimal_trimmed(std::uint64_t units, unsigned scale) {
  REPLEX_ASSERT(scale <= kMaxDecimalScale);
  return format_units(units, scale, false, true);
}

}  // namespace replex
