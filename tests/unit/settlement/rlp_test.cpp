// RLP against the examples of the Ethereum wiki / Yellow Paper, round trips,
// and the non-canonical encodings the decoder must refuse.
#include <gtest/gtest.h>

#include "replex/settlement/rlp.hpp"

namespace replex::settlement::rlp {
namespace {

Bytes hex(std::string_view h) { return from_hex(h).value(); }
Item str(std::string_view s) { return Item::of_bytes(to_bytes(s)); }

TEST(Rlp, WikiExamples) {
  EXPECT_EQ(to_hex(encode_bytes(as_bytes("dog"))), "83646f67");
  EXPECT_EQ(to_hex(encode(Item::of_list({str("cat"), str("dog")}))), "c88363617483646f67");
  EXPECT_EQ(to_hex(encode_bytes({})), "80");
  EXPECT_EQ(to_hex(encode(Item::of_list({}))), "c0");
  EXPECT_EQ(to_hex(encode_uint(0)), "80");
  EXPECT_EQ(to_hex(encode_bytes(hex("00"))), "00");  // the byte 0x00
  EXPECT_EQ(to_hex(encode_uint(15)), "0f");
  EXPECT_EQ(to_hex(encode_uint(1024)), "820400");
  // The set-theoretical representation of three: [ [], [[]], [ [], [[]] ] ].
  const Item empty = Item::of_list({});
  const Item one = Item::of_list({empty});
  const Item three = Item::of_list({empty, one, Item::of_list({empty, one})});
  EXPECT_EQ(to_hex(encode(three)), "c7c0c1c0c3c0c1c0");
  // A 56-byte string takes the long form: 0xb8, then the length.
  const std::string lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
  ASSERT_EQ(lorem.size(), 56u);
  EXPECT_EQ(to_hex(encode_bytes(as_bytes(lorem))), "b838" + to_hex(as_bytes(lorem)));
}

TEST(Rlp, IntegersAreMinimalBigEndian) {
  EXPECT_EQ(to_hex(encode_uint(0x7f)), "7f");
  EXPECT_EQ(to_hex(encode_uint(0x80)), "8180");
  EXPECT_EQ(to_hex(encode_uint(0xffff)), "82ffff");
  EXPECT_EQ(to_hex(encode_uint(~U256(0))), "a0" + std::string(64, 'f'));
}

TEST(Rlp, LongListsAndStringsRoundTrip) {
  std::vector<Item> items;
  for (int i = 0; i < 40; ++i) items.push_back(Item::of_bytes(Bytes(static_cast<std::size_t>(i * 9), 0xab)));
  items.push_back(Item::of_list({str("nested"), Item::of_list({str("deeper")})}));
  items.push_back(Item::of_bytes(Bytes(70000, 0x01)));  // three length bytes
  const Item list = Item::of_list(items);
  const Bytes encoded = encode(list);
  auto decoded = decode(encoded);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, list);
  EXPECT_EQ(decode(hex("c7c0c1c0c3c0c1c0")).value(), decode(encode(decode(hex("c7c0c1c0c3c0c1c0")).value())).value());
}

TEST(Rlp, DecodedIntegers) {
  EXPECT_EQ(decode(hex("820400")).value().as_uint().value(), 1024);
  EXPECT_EQ(decode(hex("80")).value().as_u64().value(), 0u);
  EXPECT_FALSE(decode(hex("820004")).value().as_uint().is_ok()) << "leading zero";
  EXPECT_FALSE(decode(hex("00")).value().as_uint().is_ok()) << "zero must be the empty string";
  EXPECT_FALSE(decode(hex("c0")).value().as_uint().is_ok()) << "a list";
  EXPECT_FALSE(decode(hex("89010000000000000000")).value().as_u64().is_ok()) << "2^64";
  EXPECT_FALSE(Item::of_bytes(Bytes(33, 1)).as_uint().is_ok()) << "33 bytes";
}

TEST(Rlp, NonCanonicalAndMalformedInputIsRefused) {
  for (const char* bad : {
           "",                  // nothing
           "8100",              // a byte below 0x80 with a prefix
           "817f",              // same
           "b80100",            // long form for a 1-byte string
           "b90000",            // long-form length with a leading zero (and short)
           "83646f",            // truncated string
           "c883636174",        // truncated list
           "c2830102",          // element runs past the list
           "83646f6700",        // trailing byte
           "f800",              // long-form list with a short length
           "bbffffffff",        // length beyond the input
       }) {
    EXPECT_FALSE(decode(hex(bad)).is_ok()) << bad;
  }
}

TEST(Rlp, NestingDeeperThanTheLimitIsRefused) {
  // kMaxDepth + 1 lists, each wrapping the next: [[[...[]...]]].
  Item item = Item::of_list({});
  for (std::size_t i = 0; i < kMaxDepth; ++i) item = Item::of_list({item});
  auto too_deep = decode(encode(item));
  ASSERT_FALSE(too_deep.is_ok());
  EXPECT_NE(too_deep.status().message().find("nested"), std::string::npos);
  Item ok = Item::of_list({});
  for (std::size_t i = 0; i + 1 < kMaxDepth; ++i) ok = Item::of_list({ok});
  EXPECT_TRUE(decode(encode(ok)).is_ok());
}

}  // namespace
}  // namespace replex::settlement::rlp
