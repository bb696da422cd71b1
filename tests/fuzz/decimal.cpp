// Decimals (core/decimal.hpp): parse_decimal and parse_decimal_unsigned
// against a reference written from the documented grammar,
//   text := ['-'] digit+ ['.' digit{1..scale}]   (at most max_text_bytes)
// computed in 128-bit arithmetic, plus round trips through the formatters.
// Input: scale byte, flags byte, then the text.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "replex/core/decimal.hpp"

namespace {

using replex::kMaxDecimalScale;

// The value the grammar gives `text` (sign excluded), or nullopt when it is
// not in the grammar; `overflow` is set when it is but exceeds 64 bits.
std::optional<unsigned __int128> reference_magnitude(std::string_view text, unsigned scale, bool& overflow) {
  overflow = false;
  const std::size_t dot = text.find('.');
  const std::string_view int_part = text.substr(0, dot);
  const std::string_view frac_part = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  auto all_digits = [](std::string_view s) {
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (int_part.empty() || !all_digits(int_part)) return std::nullopt;
  if (dot != std::string_view::npos && (frac_part.empty() || !all_digits(frac_part) || frac_part.size() > scale)) {
    return std::nullopt;
  }
  constexpr unsigned __int128 kCap = static_cast<unsigned __int128>(std::numeric_limits<std::uint64_t>::max()) + 1;
  unsigned __int128 v = 0;
  auto push = [&](unsigned digit) {
    v = v * 10 + digit;
    if (v >= kCap) {
      overflow = true;
      v = kCap;  // saturate: stays above every 64-bit value
    }
  };
  for (char c : int_part) push(static_cast<unsigned>(c - '0'));
  for (char c : frac_part) push(static_cast<unsigned>(c - '0'));
  for (std::size_t i = frac_part.size(); i < scale; ++i) push(0);
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const unsigned scale = data[0] % (kMaxDecimalScale + 1);
  const bool allow_negative = (data[1] & 1) != 0;
  const std::size_t max_text_bytes = (data[1] & 2) != 0 ? 12 : replex::kMaxDecimalTextBytes;
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  const std::string shown = "scale " + std::to_string(scale) + " text \"" + std::string(text) + "\"";

  const bool length_ok = !text.empty() && text.size() <= max_text_bytes;
  const bool negative = !text.empty() && text.front() == '-';
  bool overflow = false;

  // Unsigned.
  {
    const auto got = replex::parse_decimal_unsigned(text, scale, max_text_bytes);
    const auto want = length_ok && !negative ? reference_magnitude(text, scale, overflow) : std::nullopt;
    const bool accept = want.has_value() && !overflow;
    FUZZ_CHECK(got.is_ok() == accept, "parse_decimal_unsigned: accepts differently from the grammar: " + shown +
                                          (got.is_ok() ? "" : " (" + got.status().message() + ")"));
    if (accept) {
      FUZZ_CHECK(*got == static_cast<std::uint64_t>(*want), "parse_decimal_unsigned: wrong value: " + shown);
      const std::string formatted = replex::format_decimal_unsigned(*got, scale);
      const auto again = replex::parse_decimal_unsigned(formatted, scale, 64);
      FUZZ_CHECK(again.is_ok() && *again == *got, "format_decimal_unsigned does not parse back: " + formatted);
      const std::string trimmed = replex::format_decimal_trimmed(*got, scale);
      const auto again_trimmed = replex::parse_decimal_unsigned(trimmed, scale, 64);
      FUZZ_CHECK(again_trimmed.is_ok() && *again_trimmed == *got,
                 "format_decimal_trimmed does not parse back: " + trimmed);
      FUZZ_CHECK(trimmed.empty() || trimmed.back() != '.', "trimmed form ends in '.': " + trimmed);
    } else {
      FUZZ_CHECK(!got.status().message().empty(), "a refusal without a message: " + shown);
    }
  }

  // Signed.
  {
    replex::DecimalOptions options;
    options.allow_negative = allow_negative;
    options.max_text_bytes = max_text_bytes;
    const auto got = replex::parse_decimal(text, scale, options);
    std::optional<unsigned __int128> want;
    if (length_ok && (!negative || allow_negative)) {
      want = reference_magnitude(negative ? text.substr(1) : text, scale, overflow);
    }
    const bool accept =
        want.has_value() && !overflow && *want <= static_cast<unsigned __int128>(std::numeric_limits<std::int64_t>::max());
    FUZZ_CHECK(got.is_ok() == accept, "parse_decimal: accepts differently from the grammar: " + shown +
                                          (got.is_ok() ? "" : " (" + got.status().message() + ")"));
    if (accept) {
      const auto magnitude = static_cast<std::int64_t>(*want);
      FUZZ_CHECK(*got == (negative ? -magnitude : magnitude), "parse_decimal: wrong value: " + shown);
      const std::string formatted = replex::format_decimal(*got, scale);
      replex::DecimalOptions wide;
      wide.allow_negative = true;
      wide.max_text_bytes = 64;
      const auto again = replex::parse_decimal(formatted, scale, wide);
      FUZZ_CHECK(again.is_ok() && *again == *got, "format_decimal does not parse back: " + formatted);
    }
  }
  return 0;
}
