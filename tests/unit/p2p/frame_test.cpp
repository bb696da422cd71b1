#include "replex/p2p/frame.hpp"

#include <gtest/gtest.h>

namespace replex::p2p {
namespace {

SessionKey key_of(std::uint8_t fill) {
  std::array<std::uint8_t, SessionKey::kSize> k{};
  k.fill(fill);
  return SessionKey(k);
}

ByteView header_of(const Bytes& frame) { return ByteView(frame).first(kFrameHeaderBytes); }
ByteView body_of(const Bytes& frame) { return ByteView(frame).subspan(kFrameHeaderBytes); }

TEST(Frame, SealOpenRoundTripInOrder) {
  FrameSealer sealer(key_of(7));
  FrameOpener opener(key_of(7));
  for (int i = 0; i < 5; ++i) {
    const Bytes plaintext(static_cast<std::size_t>(10 + i), static_cast<std::uint8_t>(i));
    const Bytes frame = sealer.seal(plaintext);
    ASSERT_EQ(frame.size(), kFrameHeaderBytes + plaintext.size() + kFrameTagBytes);
    auto length = decode_frame_length(header_of(frame), 1 << 20);
    ASSERT_TRUE(length.is_ok());
    EXPECT_EQ(*length, plaintext.size() + kFrameTagBytes);
    auto opened = opener.open(header_of(frame), body_of(frame));
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    EXPECT_EQ(*opened, plaintext);
  }
  EXPECT_EQ(sealer.frames_sealed(), 5u);
  EXPECT_EQ(opener.frames_opened(), 5u);
}

TEST(Frame, NonceIsTheBigEndianCounter) {
  // Frame 0 and frame 1 of one plaintext differ: the nonce moved on.
  FrameSealer sealer(key_of(1));
  const Bytes a = sealer.seal(Bytes{42});
  const Bytes b = sealer.seal(Bytes{42});
  EXPECT_NE(a, b);
}

TEST(Frame, TamperedCiphertextTagOrLengthFails) {
  FrameSealer sealer(key_of(3));
  const Bytes frame = sealer.seal(Bytes(32, 9));
  for (std::size_t i = 0; i < frame.size(); ++i) {
    Bytes bad = frame;
    bad[i] ^= 0x80;
    FrameOpener opener(key_of(3));
    EXPECT_FALSE(opener.open(header_of(bad), body_of(bad)).is_ok()) << "byte " << i;
  }
}

TEST(Frame, ReplayedOrReorderedFrameFails) {
  FrameSealer sealer(key_of(4));
  FrameOpener opener(key_of(4));
  const Bytes first = sealer.seal(Bytes{1});
  const Bytes second = sealer.seal(Bytes{2});
  EXPECT_FALSE(opener.open(header_of(second), body_of(second)).is_ok());
  ASSERT_TRUE(opener.open(header_of(first), body_of(first)).is_ok());
  EXPECT_FALSE(opener.open(header_of(first), body_of(first)).is_ok());  // replay
  EXPECT_TRUE(opener.open(header_of(second), body_of(second)).is_ok());
}

TEST(Frame, WrongKeyFails) {
  FrameSealer sealer(key_of(5));
  FrameOpener opener(key_of(6));
  const Bytes frame = sealer.seal(Bytes{1, 2});
  const auto opened = opener.open(header_of(frame), body_of(frame));
  EXPECT_EQ(opened.status().code(), StatusCode::kCorruption);
}

TEST(Frame, LengthBoundsAreEnforced) {
  const Bytes too_big = {0x00, 0x10, 0x00, 0x01};  // 1 MiB + 1
  const auto big = decode_frame_length(too_big, 1 << 20);
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(big.status().message().find("max_frame_bytes"), std::string::npos);
  const Bytes exactly = {0x00, 0x10, 0x00, 0x00};
  EXPECT_TRUE(decode_frame_length(exactly, 1 << 20).is_ok());
  const Bytes too_small = {0, 0, 0, kMinFrameCiphertextBytes - 1};
  EXPECT_EQ(decode_frame_length(too_small, 1 << 20).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace replex::p2p
