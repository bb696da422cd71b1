// A peer that sends garbage or oversized frames to a validator's p2p port —
// before the handshake, and after completing a real one — is disconnected,
// and the cluster is unaffected: the validator stays healthy and connected
// to the others, and orders submitted through it keep committing everywhere.
// Strangers holding every handshake slot do not keep a restarted validator out.
#include <gtest/gtest.h>

#include <random>

#include "cluster_test_util.hpp"
#include "hostile_peer.hpp"
#include "replex/p2p/frame.hpp"

namespace replex::cluster {
namespace {

constexpr std::chrono::milliseconds kDropTimeout = 15s;

Bytes random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 prng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(prng());
  return out;
}

Bytes frame_header(std::uint32_t length) {
  return {static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
          static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
}

TEST(ClusterHostilePeer, GarbageAndOversizedFramesAreDroppedAndTheClusterIsUnaffected) {
  auto cluster = Cluster::create({.validators = 4});
  CLUSTER_ASSERT_OK(cluster);
  Cluster& c = **cluster;
  CLUSTER_ASSERT_OK(c.start_all());
  constexpr std::size_t kTarget = 1;
  const std::uint16_t port = c.p2p_port(kTarget);
  auto config = c.config(kTarget);
  CLUSTER_ASSERT_OK(config);
  const std::uint32_t max_frame_bytes = config->p2p.network.max_frame_bytes;

  {
    SCOPED_TRACE("garbage instead of a Hello");
    HostilePeer peer;
    CLUSTER_ASSERT_OK(peer.connect(port));
    CLUSTER_ASSERT_OK(peer.send_raw(random_bytes(4096, 1)));
    EXPECT_TRUE(peer.wait_closed(kDropTimeout));
  }
  {
    SCOPED_TRACE("a megabyte of garbage");
    HostilePeer peer;
    CLUSTER_ASSERT_OK(peer.connect(port));
    (void)peer.send_raw(random_bytes(1 << 20, 2));  // the node may close mid-way
    EXPECT_TRUE(peer.wait_closed(kDropTimeout));
  }
  {
    SCOPED_TRACE("a Hello for another chain");
    HostilePeer peer;
    CLUSTER_ASSERT_OK(peer.connect(port));
    EXPECT_FALSE(peer.handshake("another-chain").is_ok());
    EXPECT_TRUE(peer.wait_closed(kDropTimeout));
  }
  {
    SCOPED_TRACE("after the handshake, a frame announcing more than max_frame_bytes");
    HostilePeer peer;
    CLUSTER_ASSERT_OK(peer.connect(port));
    CLUSTER_ASSERT_OK(peer.handshake(c.chain_id()));
    CLUSTER_ASSERT_OK(peer.send_raw(frame_header(max_frame_bytes + 1)));
    (void)peer.send_raw(random_bytes(64 * 1024, 3));
    EXPECT_TRUE(peer.wait_closed(kDropTimeout));
  }
  {
    SCOPED_TRACE("after the handshake, a frame that does not authenticate");
    HostilePeer peer;
    CLUSTER_ASSERT_OK(peer.connect(port));
    CLUSTER_ASSERT_OK(peer.handshake(c.chain_id()));
    Bytes frame = frame_header(1024);
    const Bytes body = random_bytes(1024, 4);
    frame.insert(frame.end(), body.begin(), body.end());
    CLUSTER_ASSERT_OK(peer.send_raw(frame));
    EXPECT_TRUE(peer.wait_closed(kDropTimeout));
  }
  {
    SCOPED_TRACE("after the handshake, a sealed frame whose message does not decode");
    HostilePeer peer;
    CLUSTER_ASSERT_OK(peer.connect(port));
    CLUSTER_ASSERT_OK(peer.handshake(c.chain_id()));
    CLUSTER_ASSERT_OK(peer.send_sealed(random_bytes(200, 5)));
    EXPECT_TRUE(peer.wait_closed(kDropTimeout));
  }

  // The validator is healthy, still connected to every other validator, and
  // orders submitted through any node (the attacked one included) commit.
  CLUSTER_ASSERT_OK(c.wait_connected());
  auto load = c.make_load({.max_in_flight = 64, .total = 400});
  CLUSTER_ASSERT_OK(load);
  (*load)->start(0);
  ASSERT_TRUE((*load)->wait_done(Cluster::kProgressTimeout));
  (*load)->stop();
  const std::vector<Ack> acks = (*load)->acks();
  EXPECT_EQ(acks.size(), 400u) << (*load)->failure_summary();
  EXPECT_GT(acks_from(acks, kTarget), 0u);
  for (const std::size_t node : c.all()) EXPECT_TRUE(c.running(node)) << "node" << node;
  CLUSTER_ASSERT_OK(wait_caught_up_and_agree(c, acks));
}

// Issue 12 item 3: strangers hold every validator's handshake slots with
// silent sockets (32 each, from 8 addresses other than the validators'),
// reopened as soon as they are closed. A validator restarts: it reconnects to
// every other validator, and orders through it commit. Before the slot rules
// nobody's handshake queue had room for it.
TEST(ClusterHostilePeer, RestartedValidatorReconnectsWhileStrangersHoldEveryHandshakeSlot) {
  auto cluster = Cluster::create({.validators = 4});
  CLUSTER_ASSERT_OK(cluster);
  Cluster& c = **cluster;
  CLUSTER_ASSERT_OK(c.start_all());
  constexpr std::size_t kSockets = 32;  // max_pending_handshakes
  std::vector<std::unique_ptr<StalledHandshakes>> floods;
  for (std::size_t i = 0; i < 4; ++i) {
    floods.push_back(std::make_unique<StalledHandshakes>(c.p2p_port(i), kSockets, 10 + 10 * static_cast<int>(i)));
  }
  for (const auto& flood : floods) EXPECT_EQ(flood->open(), kSockets);

  constexpr std::size_t kRestarted = 2;
  CLUSTER_ASSERT_OK(c.stop(kRestarted));
  const auto restarted = std::chrono::steady_clock::now();
  CLUSTER_ASSERT_OK(c.start(kRestarted));
  CLUSTER_ASSERT_OK(c.wait_connected(30s));
  std::printf("[ measure  ] restarted validator reconnected %lld ms after its start, 4x%zu stalled sockets\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - restarted)
                                         .count()),
              kSockets);

  auto load = c.make_load({.max_in_flight = 32, .total = 200});
  CLUSTER_ASSERT_OK(load);
  (*load)->start(0);
  ASSERT_TRUE((*load)->wait_done(Cluster::kProgressTimeout));
  (*load)->stop();
  const std::vector<Ack> acks = (*load)->acks();
  EXPECT_EQ(acks.size(), 200u) << (*load)->failure_summary();
  EXPECT_GT(acks_from(acks, kRestarted), 0u);
  CLUSTER_ASSERT_OK(wait_caught_up_and_agree(c, acks));
}

}  // namespace
}  // namespace replex::cluster
