// Exact fixed-point decimals: text <-> integer count of 10^-scale units.
//
// Used wherever a human or JSON writes a number: "45000.00", "1.5", and JSON
// numbers taken from their source text (never through double). Parsing is
// strict and every rejection names the problem: empty input, a sign where none
// is allowed, exponent notation, too many characters, more fractional digits
// than the scale, or a value that does not fit in 64 bits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "replex/core/status.hpp"

namespace replex {

inline constexpr unsigned kMaxDecimalScale = 18;
inline constexpr std::size_t kMaxDecimalTextBytes = 40;

struct DecimalOptions {
  bool allow_negative = false;
  // Longest accepted text, in bytes.
  std::size_t max_text_bytes = kMaxDecimalTextBytes;
};

// Parses `text` into units of 10^-scale; "1.5" at scale 2 is 150.
// Rejects: empty, '+', '-' unless allowed, leading or trailing '.', anything
// but digits and one '.', exponents, more than `scale` fractional digits,
// |value| > INT64_MAX.
Result<std::int64_t> parse_decimal(std::string_view text, unsigned scale,
                                   DecimalOptions options = {});

// Unsigned variant for amounts, prices and quantities (up to UINT64_MAX).
Result<std::uint64_t> parse_decimal_unsigned(std::string_view text, unsigned scale,
                                             std::size_t max_text_bytes = kMaxDecimalTextBytes);

// Formats units of 10^-scale with exactly `scale` fractional digits: (150, 2) -> "1.50".
std::string format_decimal(std::int64_t units, unsigned scale);
std::string format_decimal_unsigned(std::uint64_t units, unsigned scale);

// Formats without trailing fractional zeros: (150, 2) -> "1.5", (100, 2) -> "1".
std::string format_decimal_trimmed(std::uint64_t units, unsigned scale);

}  // namespace replex
