// 256-bit values: words, minimal bytes, parsing and int256 two's complement.
#include <gtest/gtest.h>

#include "replex/settlement/uint256.hpp"

namespace replex::settlement {
namespace {

TEST(Uint256, WordsAndMinimalBytes) {
  const U256 v = parse_u256("0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20").value();
  const Word w = to_word(v);
  for (std::size_t i = 0; i < 32; ++i) EXPECT_EQ(w[i], i + 1);
  EXPECT_EQ(u256_from_word(w), v);
  EXPECT_TRUE(to_minimal_be_bytes(0).empty());
  EXPECT_EQ(to_minimal_be_bytes(256), (Bytes{1, 0}));
  EXPECT_EQ(u256_from_be_bytes(Bytes{1, 0}).value(), 256);
  EXPECT_EQ(u256_from_be_bytes({}).value(), 0);
  EXPECT_FALSE(u256_from_be_bytes(Bytes(33, 0)).is_ok());
}

TEST(Uint256, ParsesDecimalAndHexAndRefusesOverflow) {
  EXPECT_EQ(parse_u256("0").value(), 0);
  EXPECT_EQ(parse_u256("1000000000000000000").value(), U256(1'000'000'000'000'000'000ull));
  EXPECT_EQ(parse_u256("0xff").value(), 255);
  EXPECT_EQ(parse_u256("0XFF").value(), 255);
  const std::string max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
  EXPECT_EQ(parse_u256(max).value(), ~U256(0));
  EXPECT_EQ(to_decimal(~U256(0)), max);
  EXPECT_FALSE(parse_u256("115792089237316195423570985008687907853269984665640564039457584007913129639936").is_ok());
  EXPECT_FALSE(parse_u256("0x1" + std::string(64, '0')).is_ok());
  EXPECT_FALSE(parse_u256("").is_ok());
  EXPECT_FALSE(parse_u256("0x").is_ok());
  EXPECT_FALSE(parse_u256("12a").is_ok());
  EXPECT_FALSE(parse_u256("-1").is_ok());
  EXPECT_EQ(to_quantity_hex(0), "0x0");
  EXPECT_EQ(to_quantity_hex(0x1234), "0x1234");
  EXPECT_EQ(to_quantity_hex(0xabc), "0xabc");
}

TEST(Int256, TwosComplementWordsAtTheEdges) {
  const I256 min = -(I256(1) << 255);
  const I256 max = (I256(1) << 255) - 1;
  EXPECT_TRUE(fits_int256(min));
  EXPECT_TRUE(fits_int256(max));
  EXPECT_FALSE(fits_int256(min - 1));
  EXPECT_FALSE(fits_int256(max + 1));
  EXPECT_EQ(to_hex(ByteView(int256_to_word(-1).data(), 32)), std::string(64, 'f'));
  EXPECT_EQ(to_hex(ByteView(int256_to_word(min).data(), 32)), "8" + std::string(63, '0'));
  EXPECT_EQ(to_hex(ByteView(int256_to_word(max).data(), 32)), "7" + std::string(63, 'f'));
  for (const I256& v : {I256(0), I256(1), I256(-1), I256(-250), min, max, min + 1, max - 1}) {
    EXPECT_EQ(int256_from_word(int256_to_word(v)), v) << to_decimal(v);
  }
}

TEST(Int256, ParsesSignedDecimalInRange) {
  EXPECT_EQ(parse_i256("-5").value(), I256(-5));
  EXPECT_EQ(to_decimal(parse_i256("-57896044618658097711785492504343953926634992332820282019728792003956564819968").value()),
            "-57896044618658097711785492504343953926634992332820282019728792003956564819968");
  EXPECT_FALSE(parse_i256("57896044618658097711785492504343953926634992332820282019728792003956564819968").is_ok());
  EXPECT_FALSE(parse_i256("-57896044618658097711785492504343953926634992332820282019728792003956564819969").is_ok());
  EXPECT_FALSE(parse_i256("-0x5").is_ok());
}

}  // namespace
}  // namespace replex::settlement
