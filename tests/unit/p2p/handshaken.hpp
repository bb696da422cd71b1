// A node and a raw peer that completed the handshake with it: where the
// framing and abuse tests start.
#pragma once

#include <memory>
#include <string_view>

#include "p2p_test_support.hpp"
#include "raw_peer.hpp"

namespace replex::p2p::testing {

struct Handshaken {
  std::unique_ptr<TestNode> node;
  std::unique_ptr<RawPeer> raw;
};

inline Handshaken handshaken(NetworkConfig config = test_config("node"), std::string_view raw_label = "raw") {
  Handshaken h;
  h.node = start_node(std::move(config));
  h.raw = std::make_unique<RawPeer>(raw_label);
  EXPECT_TRUE(h.raw->connect(h.node->port()).is_ok());
  const Status s = h.raw->handshake();
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  EXPECT_TRUE(wait_until([&] { return h.node->peer_count() == 1; }));
  return h;
}

}  // namespace replex::p2p::testing
