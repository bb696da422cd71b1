#include "replex/core/codec.hpp"

#include <gtest/gtest.h>

namespace replex {
namespace {

TEST(Codec, RoundTripsEveryFieldKind) {
  ByteWriter w;
  w.u8(7);
  w.boolean(true);
  w.u32(0x01020304);
  w.u64(0x0102030405060708ULL);
  w.i64(-5);
  w.str("BTC-USDT");
  Hash256 h;
  h.bytes[0] = 9;
  w.hash(h);
  const Bytes data = w.take();
  // Big-endian, fixed layout.
  EXPECT_EQ(data[2], 0x01);
  EXPECT_EQ(data[5], 0x04);

  ByteReader r(data);
  EXPECT_EQ(r.u8("a"), 7);
  EXPECT_TRUE(r.boolean("b"));
  EXPECT_EQ(r.u32("c"), 0x01020304u);
  EXPECT_EQ(r.u64("d"), 0x0102030405060708ULL);
  EXPECT_EQ(r.i64("e"), -5);
  EXPECT_EQ(r.str("f"), "BTC-USDT");
  EXPECT_EQ(r.hash("g"), h);
  EXPECT_TRUE(r.finish().is_ok());
}

TEST(Codec, TruncationNamesFieldAndOffset) {
  ByteWriter w;
  w.u32(1);
  ByteReader r(w.data());
  (void)r.u32("first");
  (void)r.u64("height");
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("height at offset 4"), std::string::npos);
  // The first failure sticks.
  (void)r.u8("later");
  EXPECT_NE(r.status().message().find("height"), std::string::npos);
}

TEST(Codec, RejectsTrailingBytesOversizedFieldsAndBadBooleans) {
  ByteWriter w;
  w.u8(1);
  w.u8(2);
  ByteReader trailing(w.data());
  (void)trailing.u8("x");
  EXPECT_FALSE(trailing.finish().is_ok());

  ByteWriter big;
  big.u32(1000);
  ByteReader limited(big.data(), 10);
  (void)limited.bytes("payload");
  EXPECT_NE(limited.status().message().find("exceeds limit"), std::string::npos);

  const Bytes two = {2};
  ByteReader b(two);
  (void)b.boolean("flag");
  EXPECT_FALSE(b.ok());
}

}  // namespace
}  // namespace replex
