#include "replex/core/decimal.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace replex {
namespace {

std::string error_of(std::string_view text, unsigned scale, DecimalOptions o = {}) {
  auto r = parse_decimal(text, scale, o);
  EXPECT_FALSE(r.is_ok()) << text;
  return r.status().message();
}

bool mentions(const std::string& message, std::string_view what) {
  return message.find(what) != std::string::npos;
}

TEST(Decimal, ParsesExactly) {
  EXPECT_EQ(*parse_decimal("45000.00", 2), 4500000);
  EXPECT_EQ(*parse_decimal("1.5", 2), 150);
  EXPECT_EQ(*parse_decimal("1", 8), 100000000);
  EXPECT_EQ(*parse_decimal("0.00000001", 8), 1);
  EXPECT_EQ(*parse_decimal("007", 0), 7);
  // 0.1 + 0.2 style values are exact.
  EXPECT_EQ(*parse_decimal("0.3", 1), 3);
  EXPECT_EQ(*parse_decimal("-2.25", 2, {.allow_negative = true}), -225);
}

TEST(Decimal, BoundariesOf64Bits) {
  EXPECT_EQ(*parse_decimal("9223372036854775807", 0), std::numeric_limits<std::int64_t>::max());
  EXPECT_TRUE(mentions(error_of("9223372036854775808", 0), "out of range"));
  EXPECT_EQ(*parse_decimal_unsigned("18446744073709551615", 0), std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(parse_decimal_unsigned("18446744073709551616", 0).is_ok());
  // Overflow from scaling, not from digits.
  EXPECT_TRUE(mentions(error_of("92233720369", 8), "out of range"));
}

TEST(Decimal, RejectsEachMalformedShapeWithAReason) {
  EXPECT_TRUE(mentions(error_of("", 2), "empty"));
  EXPECT_TRUE(mentions(error_of("-1", 2), "negative"));
  EXPECT_TRUE(mentions(error_of("+1", 2), "'+'"));
  EXPECT_TRUE(mentions(error_of("1e5", 2), "exponent"));
  EXPECT_TRUE(mentions(error_of("1E5", 2), "exponent"));
  EXPECT_TRUE(mentions(error_of("1.234", 2), "more than 2 decimal places"));
  EXPECT_TRUE(mentions(error_of("1.", 2), "digit after"));
  EXPECT_TRUE(mentions(error_of(".5", 2), "digit before"));
  EXPECT_TRUE(mentions(error_of("1.2.3", 2), "more than one"));
  EXPECT_TRUE(mentions(error_of("12a", 2), "offset 2"));
  EXPECT_TRUE(mentions(error_of("1-2", 2), "sign"));
  EXPECT_TRUE(mentions(error_of(" 1", 2), "unexpected character"));
  EXPECT_TRUE(mentions(error_of(std::string(41, '1'), 2), "longer than 40"));
  EXPECT_TRUE(mentions(error_of("-", 2, {.allow_negative = true}), "no digits"));
}

TEST(Decimal, Formats) {
  EXPECT_EQ(format_decimal(150, 2), "1.50");
  EXPECT_EQ(format_decimal(5, 2), "0.05");
  EXPECT_EQ(format_decimal(-5, 2), "-0.05");
  EXPECT_EQ(format_decimal(std::numeric_limits<std::int64_t>::min(), 0), "-9223372036854775808");
  EXPECT_EQ(format_decimal(42, 0), "42");
  EXPECT_EQ(format_decimal_unsigned(4500000, 2), "45000.00");
  EXPECT_EQ(format_decimal_trimmed(150, 2), "1.5");
  EXPECT_EQ(format_decimal_trimmed(100, 2), "1");
  EXPECT_EQ(format_decimal_trimmed(0, 8), "0");
}

TEST(Decimal, FormatThenParseRoundTrips) {
  for (std::int64_t v : std::initializer_list<std::int64_t>{0, 1, 99, 100, 123456789, std::numeric_limits<std::int64_t>::max()}) {
    for (unsigned scale : {0u, 2u, 8u, 18u}) {
      EXPECT_EQ(*parse_decimal(format_decimal(v, scale), scale), v) << v << " " << scale;
    }
  }
}

}  // namespace
}  // namespace replex
