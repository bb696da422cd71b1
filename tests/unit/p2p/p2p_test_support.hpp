// Test support for p2p: in-process nodes on 127.0.0.1 with OS-chosen ports,
// an event recorder, and waiting for conditions with generous deadlines.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "replex/p2p/asio.hpp"
#include "replex/p2p/network.hpp"

namespace replex::p2p::testing {

inline constexpr std::string_view kTestChain = "replex-p2p-test";
// Deadline for conditions that normally hold within milliseconds; generous so
// a loaded CI machine never fails a correct build.
inline constexpr std::chrono::milliseconds kWait{15'000};

// Polls `condition` until it holds or `timeout` passes; true if it held.
inline bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Thread-safe record of everything a Network reported.
class Recorder {
 public:
  struct Disconnect {
    NodeId peer;
    Status reason;
  };
  struct Refusal {
    std::string address;
    Status reason;
  };

  Handlers handlers() {
    Handlers h;
    h.on_message = [this](InboundMessage m) {
      std::function<void(const InboundMessage&)> hook;
      {
        std::lock_guard lock(mu_);
        messages_.push_back(m);
        hook = on_message_hook_;
      }
      if (hook) hook(m);
    };
    h.on_request = [this](InboundRequest r) {
      std::function<void(const InboundRequest&)> hook;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(r);
        hook = on_request_hook_;
      }
      if (hook) hook(r);
    };
    h.on_peer_connected = [this](const PeerInfo& p) {
      std::lock_guard lock(mu_);
      connects_.push_back(p);
    };
    h.on_peer_disconnected = [this](const NodeId& id, const Status& reason) {
      std::lock_guard lock(mu_);
      disconnects_.push_back({id, reason});
    };
    h.on_connection_refused = [this](const std::string& address, const Status& reason) {
      std::lock_guard lock(mu_);
      refusals_.push_back({address, reason});
    };
    return h;
  }

  // Runs on the network thread for every message / request, after recording it.
  void set_on_message(std::function<void(const InboundMessage&)> hook) {
    std::lock_guard lock(mu_);
    on_message_hook_ = std::move(hook);
  }
  void set_on_request(std::function<void(const InboundRequest&)> hook) {
    std::lock_guard lock(mu_);
    on_request_hook_ = std::move(hook);
  }

  std::vector<InboundMessage> messages() const {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::vector<InboundRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::vector<PeerInfo> connects() const {
    std::lock_guard lock(mu_);
    return connects_;
  }
  std::vector<Disconnect> disconnects() const {
    std::lock_guard lock(mu_);
    return disconnects_;
  }
  std::vector<Refusal> refusals() const {
    std::lock_guard lock(mu_);
    return refusals_;
  }
  // True if some refusal's message contains `text`.
  bool refused_with(std::string_view text) const {
    std::lock_guard lock(mu_);
    for (const auto& r : refusals_) {
      if (r.reason.message().find(text) != std::string::npos) return true;
    }
    return false;
  }
  bool disconnected_with(std::string_view text) const {
    std::lock_guard lock(mu_);
    for (const auto& d : disconnects_) {
      if (d.reason.message().find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<InboundMessage> messages_;
  std::vector<InboundRequest> requests_;
  std::vector<PeerInfo> connects_;
  std::vector<Disconnect> disconnects_;
  std::vector<Refusal> refusals_;
  std::function<void(const InboundMessage&)> on_message_hook_;
  std::function<void(const InboundRequest&)> on_request_hook_;
};

// Short timers so failure paths resolve quickly; still far above loopback latencies.
inline NetworkConfig test_config(std::string_view label) {
  NetworkConfig c;
  c.listen_host = "127.0.0.1";
  c.listen_port = 0;
  c.node_key = std::make_shared<const KeyPair>(KeyPair::from_label(label));
  c.chain_id = std::string(kTestChain);
  c.connect_timeout_ms = 2'000;
  c.handshake_timeout_ms = 2'000;
  c.ping_interval_ms = 100;
  c.pong_timeout_ms = 3'000;
  c.reconnect_backoff_min_ms = 20;
  c.reconnect_backoff_max_ms = 300;
  c.pex_interval_ms = 200;
  c.ban_duration_ms = 60'000;
  return c;
}

// "<id>@127.0.0.1:<port>"
inline std::string address_of(const NodeId& id, std::uint16_t port) {
  return id.hex() + "@127.0.0.1:" + std::to_string(port);
}

// A started Network and what it reported. The recorder outlives the network.
struct TestNode {
  Recorder recorder;
  std::unique_ptr<Network> network;

  NodeId id() const { return network->node_id(); }
  std::uint16_t port() const { return network->listen_port(); }
  std::string address() const { return address_of(id(), port()); }
  std::size_t peer_count() const { return network->peers().size(); }
  std::size_t messages_on(Channel channel) const {
    std::size_t n = 0;
    for (const auto& m : recorder.messages()) n += m.channel == channel ? 1 : 0;
    return n;
  }
};

inline std::unique_ptr<TestNode> start_node(NetworkConfig config) {
  auto node = std::make_unique<TestNode>();
  auto network = Network::create(std::move(config), node->recorder.handlers());
  EXPECT_TRUE(network.is_ok()) << network.status().to_string();
  if (!network.is_ok()) return nullptr;
  node->network = std::move(network).value();
  const Status started = node->network->start();
  EXPECT_TRUE(started.is_ok()) << started.to_string();
  return node;
}

// A loopback port that was free a moment ago (for tests that must know a
// node's port before it starts, e.g. two nodes that list each other).
inline std::uint16_t pick_free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

inline Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace replex::p2p::testing
