#include "replex/p2p/config.hpp"

#include <gtest/gtest.h>

#include "replex/p2p/channel.hpp"

namespace replex::p2p {
namespace {

NetworkConfig valid_config() {
  NetworkConfig c;
  c.node_key = std::make_shared<const KeyPair>(KeyPair::from_label("node"));
  c.chain_id = "replex-test";
  return c;
}

// The message of validate() on a config changed by `edit`.
std::string error_after(const std::function<void(NetworkConfig&)>& edit) {
  NetworkConfig c = valid_config();
  edit(c);
  const Status s = c.validate();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
  return s.message();
}

TEST(PeerAddress, ParsesIdHostAndPort) {
  const std::string id = KeyPair::from_label("x").public_key().hex();
  auto a = PeerAddress::parse(id + "@validator-1.replex.svc:26656");
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_EQ(a->id->hex(), id);
  EXPECT_EQ(a->host, "validator-1.replex.svc");
  EXPECT_EQ(a->port, 26656);
  EXPECT_EQ(a->to_string(), id + "@validator-1.replex.svc:26656");

  auto v6 = PeerAddress::parse("[::1]:9000");
  ASSERT_TRUE(v6.is_ok());
  EXPECT_FALSE(v6->id.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->endpoint(), "[::1]:9000");
}

TEST(PeerAddress, RejectionsNameTheProblem) {
  const auto error_of = [](std::string_view text) { return PeerAddress::parse(text).status().message(); };
  EXPECT_NE(error_of("localhost").find("expected host:port"), std::string::npos);
  EXPECT_NE(error_of("localhost:0").find("port must be 1..65535"), std::string::npos);
  EXPECT_NE(error_of("localhost:70000").find("port"), std::string::npos);
  EXPECT_NE(error_of("localhost:12ab").find("port"), std::string::npos);
  EXPECT_NE(error_of(":80").find("empty host"), std::string::npos);
  EXPECT_NE(error_of("::1:80").find("bracketed"), std::string::npos);
  EXPECT_NE(error_of("[::1:80").find("[ipv6]:port"), std::string::npos);
  EXPECT_NE(error_of("abcd@host:1").find("node id"), std::string::npos);
  EXPECT_NE(error_of("ho st:1").find("invalid character"), std::string::npos);
}

TEST(NetworkConfig, DefaultsWithKeyAndChainAreValid) { EXPECT_TRUE(valid_config().validate().is_ok()); }

TEST(NetworkConfig, EveryBadFieldIsNamed) {
  EXPECT_NE(error_after([](auto& c) { c.listen_host = "localhost"; }).find("listen_host"), std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.node_key.reset(); }).find("node_key: missing"), std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.chain_id.clear(); }).find("chain_id: empty"), std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.chain_id = std::string(65, 'c'); }).find("chain_id"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.persistent_peers = {"127.0.0.1:1"}; }).find("persistent_peers[0]"),
            std::string::npos);
  const std::string id = KeyPair::from_label("x").public_key().hex();
  EXPECT_NE(error_after([&](auto& c) {
              c.persistent_peers = {id + "@a:1", id + "@b:2"};
            }).find("persistent_peers[1]: duplicate"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.seeds = {"ok:1", "bad"}; }).find("seeds[1]"), std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.max_peers = 0; }).find("max_peers"), std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.max_pending_handshakes = 0; }).find("max_pending_handshakes"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.max_frame_bytes = 100; }).find("max_frame_bytes"), std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.max_frame_bytes = kMaxFrameBytesLimit + 1; }).find("max_frame_bytes"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.connect_timeout_ms = 0; }).find("connect_timeout_ms"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.handshake_timeout_ms = 0; }).find("handshake_timeout_ms"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.ping_interval_ms = 0; }).find("ping_interval_ms"), std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.pong_timeout_ms = c.ping_interval_ms; }).find("pong_timeout_ms"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.reconnect_backoff_min_ms = 0; }).find("reconnect_backoff_min_ms"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.reconnect_backoff_max_ms = 1; }).find("reconnect_backoff_max_ms"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.recv_rate_bytes_per_s = 0; }).find("recv_rate_bytes_per_s"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.recv_burst_bytes = c.max_frame_bytes; }).find("recv_burst_bytes"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.recv_rate_messages_per_s = 0; }).find("recv_rate_messages_per_s"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.recv_burst_messages = 0; }).find("recv_burst_messages"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.max_send_queue_bytes = 10; }).find("max_send_queue_bytes"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.max_seen_messages = 0; }).find("max_seen_messages"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.pex_interval_ms = 0; }).find("pex_interval_ms"), std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.max_pex_addresses = 0; }).find("max_pex_addresses"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) {
              c.max_frame_bytes = kMinFrameBytes;
              c.recv_burst_bytes = c.max_send_queue_bytes = 1 << 20;
              c.max_pex_addresses = 1000;
            }).find("max_pex_addresses"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.max_known_addresses = 0; }).find("max_known_addresses"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.max_pending_requests = 0; }).find("max_pending_requests"),
            std::string::npos);
}

TEST(NetworkConfig, SlotAndAllowlistFieldsAreChecked) {
  const NetworkConfig defaults;
  EXPECT_EQ(defaults.max_pending_handshakes_per_ip, 4u);
  EXPECT_EQ(defaults.max_inbound_peers_per_ip, 8u);
  EXPECT_EQ(defaults.inbound_handshake_timeout_ms, 2'000u);
  EXPECT_EQ(defaults.max_known_addresses_per_source, 64u);
  EXPECT_FALSE(defaults.private_validator);
  EXPECT_NE(error_after([](auto& c) { c.allowed_peers = {"zz"}; }).find("allowed_peers[0]: 'zz' is not a node id"),
            std::string::npos);
  const std::string id = KeyPair::from_label("x").public_key().hex();
  EXPECT_NE(error_after([&](auto& c) { c.allowed_peers = {id, id}; }).find("allowed_peers[1]: duplicate node id"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.private_validator = true; }).find("private_validator: needs persistent_peers"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.max_inbound_peers_per_ip = 0; }).find("max_inbound_peers_per_ip"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.max_pending_handshakes_per_ip = 0; }).find("max_pending_handshakes_per_ip"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.max_pending_handshakes_per_ip = 33; })
                .find("max_pending_handshakes_per_ip: 33 exceeds max_pending_handshakes (32)"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.inbound_handshake_timeout_ms = 0; }).find("inbound_handshake_timeout_ms"),
            std::string::npos);
  EXPECT_NE(error_after([](auto& c) { c.max_known_addresses_per_source = 0; }).find("max_known_addresses_per_source"),
            std::string::npos);
}

TEST(Channel, WireValuesAndNames) {
  EXPECT_EQ(channel_from_wire(1), Channel::kConsensus);
  EXPECT_EQ(channel_from_wire(6), Channel::kPeerExchange);
  EXPECT_FALSE(channel_from_wire(0).has_value());
  EXPECT_FALSE(channel_from_wire(7).has_value());
  EXPECT_EQ(channel_name(Channel::kStateTransfer), "state_transfer");
  EXPECT_FALSE(is_application_channel(Channel::kPeerExchange));
  EXPECT_TRUE(is_application_channel(Channel::kBlocks));
}

}  // namespace
}  // namespace replex::p2p
