// Inbound slots under attack: strangers who open sockets and never finish the
// handshake, or who fill max_peers, must not keep validators and configured
// peers out (issue 12, items 3 and 4).
#include <gtest/gtest.h>

#include <unistd.h>

#include "p2p_test_support.hpp"
#include "raw_peer.hpp"
#include "stall_flood.hpp"

namespace replex::p2p {
namespace {

using namespace testing;
using std::chrono::milliseconds;

bool connected(const TestNode& a, const TestNode& b) {
  return a.network->is_connected(b.id()) && b.network->is_connected(a.id());
}

// Both validators' handshake slots (max_pending_handshakes, 32) are held by
// silent sockets from 32 addresses, each reopened the moment the node closes
// it. One validator restarts: it must reconnect although neither side has a
// free handshake slot for strangers. Before issue 12 it never did.
TEST(NetworkSlots, ValidatorRestartReconnectsWhileStrangersHoldEveryHandshakeSlot) {
  const std::uint16_t v_port = pick_free_port();
  NetworkConfig ca = test_config("a");
  ca.persistent_peers = {address_of(KeyPair::from_label("v").public_key(), v_port)};
  auto a = start_node(ca);
  ASSERT_NE(a, nullptr);
  const auto v_config = [&] {
    NetworkConfig c = test_config("v");
    c.listen_port = v_port;
    c.persistent_peers = {a->address()};
    return c;
  };
  auto v = start_node(v_config());
  ASSERT_NE(v, nullptr);
  ASSERT_TRUE(wait_until([&] { return connected(*a, *v); }));

  StallFlood flood_a(a->port(), 32, 1, 10);
  StallFlood flood_v(v_port, 32, 1, 60);
  ASSERT_TRUE(wait_until([&] { return flood_a.open() == 32 && flood_v.open() == 32; }));
  std::this_thread::sleep_for(milliseconds(300));  // the queues are full

  v->network->stop();
  v.reset();
  ASSERT_TRUE(wait_until([&] { return a->peer_count() == 0; }));
  const auto restarted = std::chrono::steady_clock::now();
  v = start_node(v_config());
  ASSERT_NE(v, nullptr);
  const bool reconnected = wait_until([&] { return connected(*a, *v); }, milliseconds(20'000));
  const auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - restarted);
  std::printf("[ measure  ] validator restart with 2x32 stalled inbound sockets: %s after %lld ms "
              "(stalled sockets closed by the nodes: %llu + %llu)\n",
              reconnected ? "reconnected" : "NOT reconnected", static_cast<long long>(took.count()),
              static_cast<unsigned long long>(flood_a.closed_by_node()),
              static_cast<unsigned long long>(flood_v.closed_by_node()));
  // Before the slot rules it failed to reconnect within 20 s in 3 of 4 runs
  // (and took 11.7 s in the fourth); now it takes milliseconds.
  EXPECT_TRUE(reconnected);
  EXPECT_LT(took, milliseconds(5'000));
}

NodeId id_of(std::string_view label) { return KeyPair::from_label(label).public_key(); }

// A stranger's socket from `from_ip` is admitted, i.e. not closed at once.
bool admitted(std::uint16_t port, const std::string& from_ip, std::vector<int>& keep) {
  const int fd = open_silent_socket(port, from_ip);
  if (fd < 0) return false;
  keep.push_back(fd);
  return !closed_by_node(fd, 300);
}

struct Sockets {
  std::vector<int> fds;
  ~Sockets() {
    for (int fd : fds) ::close(fd);
  }
};

TEST(NetworkSlots, OneIpHoldsAtMostMaxPendingHandshakesPerIp) {
  NetworkConfig c = test_config("node");
  c.max_pending_handshakes = 8;
  c.max_pending_handshakes_per_ip = 3;
  auto node = start_node(c);
  Sockets held;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(admitted(node->port(), "127.0.0.2", held.fds)) << i;
  EXPECT_FALSE(admitted(node->port(), "127.0.0.2", held.fds));  // the (cap+1)-th from that IP
  EXPECT_TRUE(wait_until([&] { return node->recorder.refused_with("max_pending_handshakes_per_ip (3) reached for 127.0.0.2"); }));
  // Another IP still gets slots, and a real peer from it a handshake.
  EXPECT_TRUE(admitted(node->port(), "127.0.0.3", held.fds));
  RawPeer peer("peer");
  ASSERT_TRUE(peer.connect(node->port(), "127.0.0.4").is_ok());
  EXPECT_TRUE(peer.handshake().is_ok());
  EXPECT_TRUE(wait_until([&] { return node->network->is_connected(peer.id()); }));
}

// 32 strangers from 8 IPs hold every outsiders' handshake slot; a persistent
// peer connecting from its configured address still gets through.
TEST(NetworkSlots, StalledStrangersDoNotKeepAPersistentPeerOut) {
  NetworkConfig c = test_config("node");
  c.persistent_peers = {address_of(id_of("validator"), pick_free_port())};  // nobody listens there
  auto node = start_node(c);
  StallFlood flood(node->port(), 32, 4, 10);
  ASSERT_TRUE(wait_until([&] { return flood.open() == 32; }));
  Sockets held;
  EXPECT_FALSE(admitted(node->port(), "127.0.0.200", held.fds));  // a stranger: no slot left
  EXPECT_TRUE(wait_until([&] { return node->recorder.refused_with("max_pending_handshakes (32) reached"); }));
  RawPeer validator("validator");
  ASSERT_TRUE(validator.connect(node->port(), "127.0.0.1").is_ok());
  const Status s = validator.handshake();
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  EXPECT_TRUE(wait_until([&] { return node->network->is_connected(validator.id()); }));
}

TEST(NetworkSlots, InboundHandshakesHaveTheShorterDeadline) {
  NetworkConfig c = test_config("node");
  c.handshake_timeout_ms = 10'000;
  c.inbound_handshake_timeout_ms = 200;
  auto node = start_node(c);
  const int fd = open_silent_socket(node->port(), "127.0.0.2");
  ASSERT_GE(fd, 0);
  const auto opened = std::chrono::steady_clock::now();
  EXPECT_TRUE(closed_by_node(fd, 5'000));  // well before handshake_timeout_ms
  EXPECT_LT(std::chrono::steady_clock::now() - opened, milliseconds(5'000));
  ::close(fd);
  EXPECT_TRUE(wait_until([&] { return node->recorder.refused_with("inbound_handshake_timeout_ms (200)"); }));
}

// Outsiders fill max_peers; validators and allowed peers have slots of their own.
TEST(NetworkSlots, MaxPeersFilledByStrangersStillAdmitsValidatorsAndAllowedPeers) {
  NetworkConfig c = test_config("node");
  c.max_peers = 2;
  c.validator_ids = {id_of("validator")};
  c.allowed_peers = {id_of("sentry").hex()};
  auto node = start_node(c);
  std::vector<std::unique_ptr<RawPeer>> strangers;
  for (int i = 0; i < 2; ++i) {
    strangers.push_back(std::make_unique<RawPeer>("stranger-" + std::to_string(i)));
    ASSERT_TRUE(strangers.back()->connect(node->port(), "127.0.0.2").is_ok());
    ASSERT_TRUE(strangers.back()->handshake().is_ok());
  }
  ASSERT_TRUE(wait_until([&] { return node->peer_count() == 2; }));
  RawPeer third("stranger-2");
  ASSERT_TRUE(third.connect(node->port(), "127.0.0.2").is_ok());
  (void)third.handshake();
  EXPECT_TRUE(wait_until([&] { return node->recorder.refused_with("max_peers (2) reached"); }));
  std::vector<std::unique_ptr<RawPeer>> priority;
  for (const std::string label : {"validator", "sentry"}) {
    priority.push_back(std::make_unique<RawPeer>(label));
    ASSERT_TRUE(priority.back()->connect(node->port(), "127.0.0.2").is_ok());
    ASSERT_TRUE(priority.back()->handshake().is_ok()) << label;
    EXPECT_TRUE(wait_until([&] { return node->network->is_connected(priority.back()->id()); })) << label;
  }
  EXPECT_EQ(node->peer_count(), 4u);
  for (const PeerInfo& p : node->network->peers()) {
    EXPECT_EQ(p.priority, p.id == id_of("validator") || p.id == id_of("sentry"));
  }
}

TEST(NetworkSlots, OneIpHoldsAtMostMaxInboundPeersPerIp) {
  NetworkConfig c = test_config("node");
  c.max_inbound_peers_per_ip = 2;
  c.validator_ids = {id_of("validator")};
  auto node = start_node(c);
  std::vector<std::unique_ptr<RawPeer>> peers;
  for (int i = 0; i < 3; ++i) {
    peers.push_back(std::make_unique<RawPeer>("same-ip-" + std::to_string(i)));
    ASSERT_TRUE(peers.back()->connect(node->port(), "127.0.0.2").is_ok());
    (void)peers.back()->handshake();
  }
  EXPECT_TRUE(wait_until([&] { return node->recorder.refused_with("max_inbound_peers_per_ip (2) reached for 127.0.0.2"); }));
  EXPECT_EQ(node->peer_count(), 2u);
  RawPeer other_ip("other-ip");
  ASSERT_TRUE(other_ip.connect(node->port(), "127.0.0.3").is_ok());
  ASSERT_TRUE(other_ip.handshake().is_ok());
  RawPeer validator("validator");  // same IP, but a slot of its own
  ASSERT_TRUE(validator.connect(node->port(), "127.0.0.2").is_ok());
  ASSERT_TRUE(validator.handshake().is_ok());
  EXPECT_TRUE(wait_until([&] { return node->peer_count() == 4; }));
}

// A private validator behind a sentry: it refuses strangers, does no peer
// exchange, and the sentry's PEX answers do not list it.
TEST(NetworkSlots, PrivateValidatorTalksOnlyToItsConfiguredPeers) {
  auto sentry = start_node(test_config("sentry"));
  NetworkConfig co = test_config("outsider");
  co.persistent_peers = {sentry->address()};
  auto outsider = start_node(co);
  ASSERT_TRUE(wait_until([&] { return sentry->peer_count() == 1; }));
  NetworkConfig cv = test_config("private");
  cv.private_validator = true;
  cv.persistent_peers = {sentry->address()};
  auto validator = start_node(cv);
  ASSERT_TRUE(wait_until([&] { return sentry->peer_count() == 2 && validator->peer_count() == 1; }));

  RawPeer stranger("stranger");
  ASSERT_TRUE(stranger.connect(validator->port()).is_ok());
  EXPECT_FALSE(stranger.handshake().is_ok());
  EXPECT_TRUE(wait_until([&] { return validator->recorder.refused_with("private_validator"); }));

  // Many PEX rounds (pex_interval_ms 200): the outsider learns the validator
  // from nobody, and the validator dials nobody it learnt.
  std::this_thread::sleep_for(milliseconds(1'500));
  EXPECT_FALSE(validator->network->is_connected(outsider->id()));
  EXPECT_FALSE(outsider->network->is_connected(validator->id()));
  EXPECT_EQ(validator->peer_count(), 1u);
  for (const PeerInfo& p : sentry->network->peers()) {
    if (p.id == validator->id()) {
      EXPECT_EQ(p.listen_address, "");  // it announces no port
    }
  }
}

}  // namespace
}  // namespace replex::p2p
