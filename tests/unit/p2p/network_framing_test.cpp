// The frame reader: frames arrive however TCP cuts them (many per segment,
// one split over many), and one socket read serves many frames.
#include <gtest/gtest.h>

#include <random>

#include "handshaken.hpp"

namespace replex::p2p {
namespace {

using namespace testing;

// Message i: a payload whose size and bytes depend on i; every 50th is large
// (beyond one read buffer), so frames straddle reads and grow the buffer.
Bytes payload(std::size_t i) {
  const std::size_t size = i % 50 == 49 ? 200 * 1024 + i : 1 + (i * 37) % 300;
  Bytes b(size);
  for (std::size_t k = 0; k < size; ++k) b[k] = static_cast<std::uint8_t>(i * 131 + k);
  return b;
}

// The wire bytes of messages [0, count), sealed in order.
Bytes sealed_messages(RawPeer& raw, std::size_t count) {
  Bytes wire;
  for (std::size_t i = 0; i < count; ++i) {
    const Bytes frame = raw.sealer().seal(encode_message(Direct{Channel::kConsensus, payload(i)}));
    wire.insert(wire.end(), frame.begin(), frame.end());
  }
  return wire;
}

void expect_delivered_in_order(const TestNode& node, std::size_t count) {
  ASSERT_TRUE(wait_until([&] { return node.messages_on(Channel::kConsensus) == count; }))
      << node.messages_on(Channel::kConsensus) << " of " << count;
  const auto messages = node.recorder.messages();
  for (std::size_t i = 0; i < count; ++i) ASSERT_EQ(messages[i].payload, payload(i)) << "message " << i;
}

TEST(NetworkFraming, ManyFramesInOneWriteAreHandledFromFewReads) {
  auto h = handshaken();
  constexpr std::size_t kSmall = 49;  // payload(0..48) are small
  ASSERT_TRUE(h.raw->send_raw(sealed_messages(*h.raw, kSmall)).is_ok());
  expect_delivered_in_order(*h.node, kSmall);
  const auto peers = h.node->network->peers();
  ASSERT_EQ(peers.size(), 1u);
  // ~8 KiB of frames fit one read buffer; a reader of exact lengths needs two
  // reads per frame. Loopback may still cut the write, hence some slack.
  EXPECT_GE(peers[0].reads_in, 1u);
  EXPECT_LE(peers[0].reads_in, 8u) << "frames: " << kSmall;
  EXPECT_EQ(h.node->peer_count(), 1u);
}

TEST(NetworkFraming, FramesCutAnywhereArriveWhole) {
  auto h = handshaken();
  constexpr std::size_t kCount = 150;  // three large frames among them
  const Bytes wire = sealed_messages(*h.raw, kCount);
  std::mt19937_64 rng(7);
  std::size_t at = 0;
  while (at < wire.size()) {
    // Mostly tiny pieces (a header split over reads), sometimes large ones.
    const std::size_t piece = rng() % 4 == 0 ? 1 + rng() % 3'000 : 1 + rng() % 7;
    const std::size_t n = std::min(piece, wire.size() - at);
    ASSERT_TRUE(h.raw->send_raw(ByteView(wire.data() + at, n)).is_ok());
    at += n;
    if (rng() % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  expect_delivered_in_order(*h.node, kCount);
  EXPECT_EQ(h.node->peer_count(), 1u);
  EXPECT_TRUE(h.node->recorder.disconnects().empty());
}

TEST(NetworkFraming, ATamperedFrameAmongGoodOnesDropsThePeerAfterTheGoodOnes) {
  auto h = handshaken();
  Bytes wire = sealed_messages(*h.raw, 10);
  const Bytes bad = h.raw->sealer().seal(encode_message(Direct{Channel::kConsensus, payload(10)}));
  wire.insert(wire.end(), bad.begin(), bad.end());
  wire.back() ^= 0x01;  // the bad frame's tag
  // Frames after the bad one in the same read are never handled.
  const Bytes after = h.raw->sealer().seal(encode_message(Direct{Channel::kConsensus, payload(11)}));
  wire.insert(wire.end(), after.begin(), after.end());
  ASSERT_TRUE(h.raw->send_raw(wire).is_ok());
  EXPECT_TRUE(h.raw->wait_closed(kWait));
  ASSERT_TRUE(wait_until([&] { return h.node->recorder.disconnected_with("does not authenticate"); }));
  expect_delivered_in_order(*h.node, 10);
  EXPECT_EQ(h.node->messages_on(Channel::kConsensus), 10u);
}

}  // namespace
}  // namespace replex::p2p
