// Network under abuse: junk, tampering, oversize, silence, floods, slow readers.
// Each misbehaving peer is a RawPeer that speaks the real protocol until the
// moment the test makes it misbehave.
#include <gtest/gtest.h>

#include <random>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "handshaken.hpp"

namespace replex::p2p {
namespace {

using namespace testing;
using std::chrono::milliseconds;

TEST(NetworkAbuse, TamperedFrameDropsAndBansThePeer) {
  auto h = handshaken(test_config("node"));
  ASSERT_TRUE(h.raw->send_message(Direct{Channel::kConsensus, bytes_of("fine")}).is_ok());
  ASSERT_TRUE(wait_until([&] { return h.node->messages_on(Channel::kConsensus) == 1; }));
  ASSERT_TRUE(h.raw->send_message(Direct{Channel::kConsensus, bytes_of("flipped")}, /*tamper=*/true).is_ok());
  EXPECT_TRUE(h.raw->wait_closed(kWait));
  ASSERT_TRUE(wait_until([&] { return h.node->recorder.disconnected_with("does not authenticate"); }));
  EXPECT_EQ(h.node->recorder.disconnects()[0].reason.code(), StatusCode::kCorruption);
  EXPECT_EQ(h.node->messages_on(Channel::kConsensus), 1u);  // the tampered one never arrived
  EXPECT_EQ(h.node->network->stats().peers_banned, 1u);

  // Banned: the same identity is refused at once.
  RawPeer again("raw");
  ASSERT_TRUE(again.connect(h.node->port()).is_ok());
  EXPECT_FALSE(again.handshake().is_ok());
  EXPECT_TRUE(wait_until([&] { return h.node->recorder.refused_with("is banned"); }));
  EXPECT_EQ(h.node->peer_count(), 0u);
}

TEST(NetworkAbuse, OversizedFrameDropsThePeer) {
  NetworkConfig c = test_config("node");
  c.max_frame_bytes = 64 * 1024;
  auto h = handshaken(c);
  const std::uint32_t length = c.max_frame_bytes + 1;
  const Bytes header = {static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
                        static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
  ASSERT_TRUE(h.raw->send_raw(header).is_ok());
  EXPECT_TRUE(h.raw->wait_closed(kWait));
  ASSERT_TRUE(wait_until([&] { return h.node->recorder.disconnected_with("exceeds max_frame_bytes"); }));
  EXPECT_EQ(h.node->network->stats().peers_banned, 1u);
}

TEST(NetworkAbuse, GarbageInsteadOfHelloIsRefused) {
  auto node = start_node(test_config("node"));
  RawPeer raw("raw");
  ASSERT_TRUE(raw.connect(node->port()).is_ok());
  ASSERT_TRUE(raw.send_raw(Bytes(200, 'G')).is_ok());
  EXPECT_TRUE(raw.wait_closed(kWait));
  ASSERT_TRUE(wait_until([&] { return node->recorder.refused_with("hello.magic"); }));
  EXPECT_EQ(node->peer_count(), 0u);
  EXPECT_EQ(node->network->stats().connections_refused, 1u);
}

// What spdlog's default logger writes while this lives (info and above).
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(std::move(logger));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::size_t count(std::string_view text) const {
    std::size_t n = 0;
    for (const std::string& line : sink_->last_formatted()) n += line.find(text) != std::string::npos ? 1 : 0;
    return n;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4096);
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(NetworkAbuse, AFloodOfFailedHandshakesIsLoggedAtTheConfiguredRate) {
  NetworkConfig config = test_config("node");
  config.max_peer_log_lines_per_s = 1;
  config.max_peer_log_burst_lines = 3;
  LogCapture logs;
  auto node = start_node(std::move(config));
  constexpr std::uint64_t kFlood = 50;
  for (std::uint64_t i = 0; i < kFlood; ++i) {
    RawPeer raw("raw");
    ASSERT_TRUE(raw.connect(node->port()).is_ok());
    ASSERT_TRUE(raw.send_raw(Bytes(200, 'G')).is_ok());
    EXPECT_TRUE(raw.wait_closed(kWait));
  }
  ASSERT_TRUE(wait_until([&] { return node->network->stats().connections_refused == kFlood; }));
  // Every failure is either written or counted; beyond the burst most are counted.
  EXPECT_TRUE(wait_until([&] {
    return logs.count("handshake with") + node->network->stats().peer_log_lines_suppressed == kFlood;
  }));
  EXPECT_GT(node->network->stats().peer_log_lines_suppressed, 0u);
  // Once the bucket refills, the next line written says how many were left out.
  ASSERT_TRUE(wait_until([&] {
    RawPeer raw("raw");
    if (raw.connect(node->port()).is_ok() && raw.send_raw(Bytes(200, 'G')).is_ok()) raw.wait_closed(kWait);
    return logs.count("peer log lines suppressed (p2p.max_peer_log_lines_per_s = 1)") == 1;
  }));
}

TEST(NetworkAbuse, GarbageAfterTheHandshakeDropsThePeer) {
  auto h = handshaken(test_config("node"));
  std::mt19937 rng(7);
  Bytes junk(100);
  for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
  junk[0] = 0;  // a plausible length (96 bytes) so the garbage reaches the decryption
  junk[1] = 0;
  junk[2] = 0;
  junk[3] = 96;
  ASSERT_TRUE(h.raw->send_raw(junk).is_ok());
  EXPECT_TRUE(h.raw->wait_closed(kWait));
  ASSERT_TRUE(wait_until([&] { return h.node->recorder.disconnected_with("does not authenticate"); }));
}

TEST(NetworkAbuse, AuthenticMalformedMessageDropsThePeer) {
  auto h = handshaken(test_config("node"));
  // Properly sealed, but the plaintext is not a message.
  const Bytes frame = h.raw->sealer().seal(Bytes{0xee, 1, 2});
  ASSERT_TRUE(h.raw->send_raw(frame).is_ok());
  EXPECT_TRUE(h.raw->wait_closed(kWait));
  ASSERT_TRUE(
      wait_until([&] { return h.node->recorder.disconnected_with("message.kind: unknown kind 238"); }));
  EXPECT_EQ(h.node->network->stats().peers_banned, 1u);
}

TEST(NetworkAbuse, SilentSocketFailsTheHandshakeTimeout) {
  NetworkConfig c = test_config("node");
  c.handshake_timeout_ms = 200;
  auto node = start_node(c);
  RawPeer raw("raw");
  ASSERT_TRUE(raw.connect(node->port()).is_ok());  // and then nothing at all
  EXPECT_TRUE(raw.wait_closed(kWait));
  ASSERT_TRUE(wait_until([&] { return node->recorder.refused_with("handshake_timeout_ms"); }));
  EXPECT_EQ(node->recorder.refusals()[0].reason.code(), StatusCode::kDeadlineExceeded);
}

TEST(NetworkAbuse, HeartbeatDropsAPeerThatFallsSilent) {
  NetworkConfig c = test_config("node");
  c.ping_interval_ms = 50;
  c.pong_timeout_ms = 400;
  auto h = handshaken(c);  // the raw peer never answers pings
  EXPECT_TRUE(h.raw->wait_closed(kWait));
  ASSERT_TRUE(wait_until([&] { return h.node->recorder.disconnected_with("heartbeat"); }));
  EXPECT_EQ(h.node->recorder.disconnects()[0].reason.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(h.node->network->stats().peers_dropped_silent, 1u);
  EXPECT_EQ(h.node->network->stats().peers_banned, 0u);  // silence is not misbehaviour
}

TEST(NetworkAbuse, HeartbeatKeepsLivePeersConnected) {
  NetworkConfig cb = test_config("b");
  cb.ping_interval_ms = 50;
  cb.pong_timeout_ms = 200;
  auto b = start_node(cb);
  NetworkConfig ca = test_config("a");
  ca.ping_interval_ms = 50;
  ca.pong_timeout_ms = 200;
  ca.persistent_peers = {b->address()};
  auto a = start_node(ca);
  ASSERT_TRUE(wait_until([&] { return a->peer_count() == 1 && b->peer_count() == 1; }));
  // Idle for many pong timeouts: pings alone keep the connection.
  std::this_thread::sleep_for(milliseconds(1'200));
  EXPECT_EQ(a->peer_count(), 1u);
  EXPECT_EQ(b->peer_count(), 1u);
  EXPECT_EQ(a->network->stats().peers_dropped_silent + b->network->stats().peers_dropped_silent, 0u);
}

TEST(NetworkAbuse, MessageFloodHitsTheRateLimit) {
  NetworkConfig c = test_config("node");
  c.recv_rate_messages_per_s = 20;
  c.recv_burst_messages = 40;
  auto h = handshaken(c);
  for (int i = 0; i < 200; ++i) {
    if (!h.raw->send_message(Pong{static_cast<std::uint64_t>(i)}).is_ok()) break;  // closed under us
  }
  EXPECT_TRUE(h.raw->wait_closed(kWait));
  ASSERT_TRUE(wait_until([&] { return h.node->recorder.disconnected_with("recv_rate_messages_per_s"); }));
  EXPECT_EQ(h.node->recorder.disconnects()[0].reason.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(h.node->network->stats().peers_banned, 1u);
}

TEST(NetworkAbuse, ByteFloodHitsTheRateLimit) {
  NetworkConfig c = test_config("node");
  c.max_frame_bytes = 16 * 1024;
  c.recv_rate_bytes_per_s = 1024;
  c.recv_burst_bytes = 20 * 1024;
  auto h = handshaken(c);
  for (int i = 0; i < 20; ++i) {
    if (!h.raw->send_message(Direct{Channel::kBlocks, Bytes(8 * 1024, 1)}).is_ok()) break;
  }
  EXPECT_TRUE(h.raw->wait_closed(kWait));
  ASSERT_TRUE(wait_until([&] { return h.node->recorder.disconnected_with("recv_rate_bytes_per_s"); }));
  // Two frames fit the burst and were delivered; the third broke the limit.
  EXPECT_EQ(h.node->messages_on(Channel::kBlocks), 2u);
}

TEST(NetworkAbuse, SlowReaderIsDroppedWhenItsSendQueueIsFull) {
  NetworkConfig c = test_config("node");
  c.max_frame_bytes = 256 * 1024;
  c.max_send_queue_bytes = 1024 * 1024;
  c.recv_burst_bytes = 1024 * 1024;
  Handshaken h;
  h.node = start_node(c);
  h.raw = std::make_unique<RawPeer>("slow");
  h.raw->shrink_receive_buffer();
  ASSERT_TRUE(h.raw->connect(h.node->port()).is_ok());
  ASSERT_TRUE(h.raw->handshake().is_ok());
  ASSERT_TRUE(wait_until([&] { return h.node->peer_count() == 1; }));
  // The raw peer reads nothing; the kernel buffers fill, then the queue does.
  const Bytes payload(200 * 1024, 7);
  std::size_t sent = 0;
  while (sent < 512u * 1024 * 1024) {
    if (!h.node->network->send(h.raw->id(), Channel::kBlocks, payload).is_ok()) break;
    sent += payload.size();
    if (sent % (8 * 1024 * 1024) == 0) std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_TRUE(wait_until([&] { return h.node->recorder.disconnected_with("max_send_queue_bytes"); }));
  EXPECT_EQ(h.node->network->stats().peers_dropped_slow, 1u);
  EXPECT_EQ(h.node->network->stats().peers_banned, 0u);  // slow is not malicious
  EXPECT_TRUE(h.raw->wait_closed(kWait));
}

TEST(NetworkAbuse, MeshKeepsWorkingWhileOnePeerMisbehaves) {
  std::vector<std::unique_ptr<TestNode>> mesh;
  for (int i = 0; i < 3; ++i) {
    NetworkConfig c = test_config("mesh-" + std::to_string(i));
    for (const auto& earlier : mesh) c.persistent_peers.push_back(earlier->address());
    mesh.push_back(start_node(c));
  }
  ASSERT_TRUE(wait_until([&] {
    return std::all_of(mesh.begin(), mesh.end(), [](const auto& n) { return n->peer_count() == 2; });
  }));
  for (auto& n : mesh) {
    Network* net = n->network.get();
    n->recorder.set_on_message([net](const InboundMessage& m) {
      if (m.gossip) (void)net->gossip(m.channel, m.payload);
    });
  }
  RawPeer bad("byzantine");
  ASSERT_TRUE(bad.connect(mesh[0]->port()).is_ok());
  ASSERT_TRUE(bad.handshake().is_ok());
  ASSERT_TRUE(wait_until([&] { return mesh[0]->peer_count() == 3; }));
  ASSERT_TRUE(bad.send_message(Gossip{Channel::kTransactions, {}, {bytes_of("forged")}}, true).is_ok());
  ASSERT_TRUE(bad.wait_closed(kWait));

  ASSERT_TRUE(mesh[1]->network->gossip(Channel::kTransactions, bytes_of("tx-1")).is_ok());
  ASSERT_TRUE(wait_until([&] {
    return mesh[0]->messages_on(Channel::kTransactions) == 1 &&
           mesh[2]->messages_on(Channel::kTransactions) == 1;
  }));
  for (auto& n : mesh) EXPECT_EQ(n->peer_count(), 2u);
  EXPECT_EQ(mesh[0]->network->stats().peers_banned, 1u);
}

}  // namespace
}  // namespace replex::p2p
