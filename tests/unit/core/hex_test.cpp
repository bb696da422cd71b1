#include <gtest/gtest.h>

#include "replex/core/bytes.hpp"

namespace replex {
namespace {

TEST(Hex, RoundTrip) {
  const Bytes raw = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(to_hex(raw), "0001abff");
  EXPECT_EQ(*from_hex("0001abff"), raw);
  EXPECT_EQ(*from_hex("0x0001ABFF"), raw);
  EXPECT_TRUE(from_hex("")->empty());
}

TEST(Hex, RejectsOddLengthAndBadDigits) {
  EXPECT_NE(from_hex("abc").status().message().find("odd number"), std::string::npos);
  EXPECT_NE(from_hex("zz").status().message().find("offset 0"), std::string::npos);
  EXPECT_NE(from_hex("0g").status().message().find("offset 1"), std::string::npos);
}

TEST(Hash256, HexAndBytes) {
  auto h = Hash256::from_hex(std::string(64, 'a'));
  ASSERT_TRUE(h.is_ok());
  EXPECT_EQ(h->hex(), std::string(64, 'a'));
  EXPECT_FALSE(h->is_zero());
  EXPECT_TRUE(Hash256{}.is_zero());
  EXPECT_FALSE(Hash256::from_hex("abcd").is_ok());
}

// Found by the rest_json fuzz target: libsodium decoded this text, which no
// byte string encodes to. A decoded text must re-encode to itself.
TEST(Base64, RefusesTextsThatAreNotCanonical) {
  const auto odd = from_base64("\xc7\x98IIAQ==");
  ASSERT_FALSE(odd.is_ok());
  EXPECT_NE(odd.status().message().find("base64"), std::string::npos);
  const Bytes some = {0x20, 0x80, 0x10, 0xff};
  auto round = from_base64(to_base64(some));
  ASSERT_TRUE(round.is_ok());
  EXPECT_EQ(*round, some);
}

}  // namespace
}  // namespace replex
