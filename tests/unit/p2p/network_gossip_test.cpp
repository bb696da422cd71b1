// Network: gossip with de-duplication, request/response, peer exchange.
#include <gtest/gtest.h>

#include <future>
#include <map>

#include "p2p_test_support.hpp"

namespace replex::p2p {
namespace {

using namespace testing;
using std::chrono::milliseconds;

// Every node relays gossip it receives, as the node's mempool would after
// validating a transaction.
void relay_gossip(TestNode& node) {
  Network* net = node.network.get();
  node.recorder.set_on_message([net](const InboundMessage& m) {
    if (m.gossip) (void)net->gossip(m.channel, m.payload);
  });
}

// How many times each payload (as text) reached `node` by gossip.
std::map<std::string, int> gossip_counts(const TestNode& node) {
  std::map<std::string, int> counts;
  for (const auto& m : node.recorder.messages()) {
    if (m.gossip) ++counts[std::string(m.payload.begin(), m.payload.end())];
  }
  return counts;
}

bool all_connected(const std::vector<std::unique_ptr<TestNode>>& nodes,
                   const std::vector<std::size_t>& degree) {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i]->peer_count() != degree[i]) return false;
  }
  return true;
}

void expect_each_payload_once_everywhere_but_origin(const std::vector<std::unique_ptr<TestNode>>& nodes,
                                                    std::size_t origin,
                                                    const std::vector<std::string>& payloads) {
  ASSERT_TRUE(wait_until([&] {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (i != origin && gossip_counts(*nodes[i]).size() != payloads.size()) return false;
    }
    return true;
  }));
  // Give echoes time to show up, were there any.
  std::this_thread::sleep_for(milliseconds(300));
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto counts = gossip_counts(*nodes[i]);
    if (i == origin) {
      EXPECT_TRUE(counts.empty()) << "the origin got its own gossip back";
      continue;
    }
    ASSERT_EQ(counts.size(), payloads.size()) << "node " << i;
    for (const std::string& p : payloads) EXPECT_EQ(counts.at(p), 1) << "node " << i;
  }
}

TEST(NetworkGossip, LineTopologyDeliversEachPayloadOnceToEveryNode) {
  // 0 - 1 - 2 - 3
  std::vector<std::unique_ptr<TestNode>> line;
  for (int i = 0; i < 4; ++i) {
    NetworkConfig c = test_config("line-" + std::to_string(i));
    c.pex_enabled = false;  // keep the topology a line
    if (i > 0) c.persistent_peers = {line.back()->address()};
    line.push_back(start_node(c));
  }
  ASSERT_TRUE(wait_until([&] { return all_connected(line, {1, 2, 2, 1}); }));
  for (auto& n : line) relay_gossip(*n);
  std::vector<std::string> payloads;
  for (int i = 0; i < 20; ++i) payloads.push_back("tx-" + std::to_string(i));
  for (const auto& p : payloads)
    ASSERT_TRUE(line[0]->network->gossip(Channel::kTransactions, bytes_of(p)).is_ok());
  expect_each_payload_once_everywhere_but_origin(line, 0, payloads);
  // In a line nobody sends a payload to a peer that sent it: no duplicate at all.
  for (auto& n : line) EXPECT_EQ(n->network->stats().gossip_duplicates_dropped, 0u);
}

TEST(NetworkGossip, FullMeshDeliversEachPayloadOnceInOneFramePerPeerWithoutEchoes) {
  std::vector<std::unique_ptr<TestNode>> mesh;
  for (int i = 0; i < 4; ++i) {
    NetworkConfig c = test_config("gmesh-" + std::to_string(i));
    for (const auto& earlier : mesh) c.persistent_peers.push_back(earlier->address());
    mesh.push_back(start_node(c));
  }
  ASSERT_TRUE(wait_until([&] { return all_connected(mesh, {3, 3, 3, 3}); }));
  for (auto& n : mesh) relay_gossip(*n);
  std::vector<std::string> payloads;
  std::vector<Bytes> batch;
  for (int i = 0; i < 20; ++i) {
    payloads.push_back("order-" + std::to_string(i));
    batch.push_back(bytes_of(payloads.back()));
  }
  ASSERT_TRUE(mesh[2]->network->gossip(Channel::kTransactions, std::move(batch)).is_ok());
  expect_each_payload_once_everywhere_but_origin(mesh, 2, payloads);
  // The origin tells each peer who else got the batch, so the relays, which
  // forward everything they receive, have nobody left to send it to.
  const NetworkStats origin = mesh[2]->network->stats();
  EXPECT_EQ(origin.gossip_frames_sent, 3u);
  EXPECT_EQ(origin.gossip_payloads_sent, 3u * payloads.size());
  for (auto& n : mesh) {
    EXPECT_EQ(n->network->stats().gossip_duplicates_dropped, 0u);
    if (n != mesh[2]) {
      EXPECT_EQ(n->network->stats().gossip_payloads_sent, 0u);
    }
  }
  // Gossiping a payload again is a no-op.
  ASSERT_TRUE(mesh[2]->network->gossip(Channel::kTransactions, bytes_of(payloads[0])).is_ok());
  std::this_thread::sleep_for(milliseconds(200));
  for (std::size_t i = 0; i < mesh.size(); ++i) {
    if (i != 2) {
      EXPECT_EQ(gossip_counts(*mesh[i]).at(payloads[0]), 1);
    }
  }
  EXPECT_EQ(mesh[2]->network->stats().gossip_frames_sent, 3u);
}

TEST(NetworkGossip, ALargeBatchIsSplitUnderMaxGossipBatchBytes) {
  NetworkConfig ca = test_config("split-a");
  ca.max_gossip_batch_bytes = 1000;
  auto a = start_node(ca);
  NetworkConfig cb = test_config("split-b");
  cb.persistent_peers = {a->address()};
  auto b = start_node(cb);
  ASSERT_TRUE(wait_until([&] { return a->peer_count() == 1 && b->peer_count() == 1; }));
  std::vector<Bytes> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(Bytes(300, static_cast<std::uint8_t>(i)));
  batch.push_back(Bytes(5000, 0xee));  // over the batch bound: a frame of its own
  ASSERT_TRUE(a->network->gossip(Channel::kTransactions, std::move(batch)).is_ok());
  ASSERT_TRUE(wait_until([&] { return b->messages_on(Channel::kTransactions) == 11; }));
  // 3 payloads of 300 (+4) per frame under 1000 bytes: 4 frames, then the large one.
  EXPECT_EQ(a->network->stats().gossip_frames_sent, 5u);
  EXPECT_EQ(a->network->stats().gossip_payloads_sent, 11u);
}

TEST(NetworkGossip, UnrelayedGossipStopsAtTheFirstHop) {
  // p2p forwards only what the node relays, so invalid data does not spread.
  std::vector<std::unique_ptr<TestNode>> line;
  for (int i = 0; i < 3; ++i) {
    NetworkConfig c = test_config("norelay-" + std::to_string(i));
    c.pex_enabled = false;
    if (i > 0) c.persistent_peers = {line.back()->address()};
    line.push_back(start_node(c));
  }
  ASSERT_TRUE(wait_until([&] { return all_connected(line, {1, 2, 1}); }));
  ASSERT_TRUE(line[0]->network->gossip(Channel::kTransactions, bytes_of("invalid tx")).is_ok());
  ASSERT_TRUE(wait_until([&] { return line[1]->messages_on(Channel::kTransactions) == 1; }));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(line[2]->messages_on(Channel::kTransactions), 0u);
}

struct Pair {
  std::unique_ptr<TestNode> a;
  std::unique_ptr<TestNode> b;
};

Pair connected_pair() {
  Pair p;
  p.b = start_node(test_config("responder"));
  NetworkConfig ca = test_config("requester");
  ca.persistent_peers = {p.b->address()};
  p.a = start_node(ca);
  EXPECT_TRUE(wait_until([&] { return p.a->peer_count() == 1 && p.b->peer_count() == 1; }));
  return p;
}

Result<Bytes> ask(TestNode& from, const NodeId& to, Bytes payload, std::uint32_t timeout_ms = 10'000) {
  auto promise = std::make_shared<std::promise<Result<Bytes>>>();
  auto future = promise->get_future();
  const Status s = from.network->request(to, Channel::kStateTransfer, std::move(payload), timeout_ms,
                                         [promise](Result<Bytes> r) { promise->set_value(std::move(r)); });
  if (!s.is_ok()) return s;
  if (future.wait_for(kWait) != std::future_status::ready) return Status::internal("callback never ran");
  return future.get();
}

TEST(NetworkRequest, AnsweredFromAnotherThread) {
  auto p = connected_pair();
  Network* b = p.b->network.get();
  std::vector<std::thread> workers;
  std::mutex workers_mu;
  p.b->recorder.set_on_request([&, b](const InboundRequest& r) {
    // Answer off the network thread, as a storage-backed state transfer would.
    std::lock_guard lock(workers_mu);
    workers.emplace_back([b, r] {
      Bytes reversed(r.payload.rbegin(), r.payload.rend());
      (void)b->respond(r.from, r.id, std::move(reversed));
    });
  });
  auto response = ask(*p.a, p.b->id(), bytes_of("snapshot?"));
  {
    std::lock_guard lock(workers_mu);
    for (auto& w : workers) w.join();
  }
  ASSERT_TRUE(response.is_ok()) << response.status().to_string();
  EXPECT_EQ(*response, bytes_of("?tohspans"));
  ASSERT_EQ(p.b->recorder.requests().size(), 1u);
  EXPECT_EQ(p.b->recorder.requests()[0].channel, Channel::kStateTransfer);
  EXPECT_EQ(p.b->recorder.requests()[0].from, p.a->id());
}

TEST(NetworkRequest, ErrorsTimeoutsAndDisconnectsReachTheCaller) {
  auto p = connected_pair();
  Network* b = p.b->network.get();
  p.b->recorder.set_on_request([b](const InboundRequest& r) {
    if (r.payload == bytes_of("missing"))
      (void)b->respond(r.from, r.id, Status::not_found("no snapshot at 12"));
    // "ignored" gets no answer at all
  });
  auto missing = ask(*p.a, p.b->id(), bytes_of("missing"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("no snapshot at 12"), std::string::npos);

  auto ignored = ask(*p.a, p.b->id(), bytes_of("ignored"), 100);
  EXPECT_EQ(ignored.status().code(), StatusCode::kDeadlineExceeded);

  const NodeId stranger = KeyPair::from_label("stranger").public_key();
  EXPECT_EQ(p.a->network->request(stranger, Channel::kStateTransfer, {}, 100, [](Result<Bytes>) {}).code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(p.a->network->request(p.b->id(), Channel::kPeerExchange, {}, 100, [](Result<Bytes>) {}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(p.a->network->request(p.b->id(), Channel::kStateTransfer, {}, 0, [](Result<Bytes>) {}).code(),
            StatusCode::kInvalidArgument);

  // A request in flight when the peer goes away fails with kUnavailable.
  auto promise = std::make_shared<std::promise<Result<Bytes>>>();
  auto future = promise->get_future();
  ASSERT_TRUE(p.a->network
                  ->request(p.b->id(), Channel::kStateTransfer, bytes_of("ignored"), 60'000,
                            [promise](Result<Bytes> r) { promise->set_value(std::move(r)); })
                  .is_ok());
  std::this_thread::sleep_for(milliseconds(50));
  p.b.reset();
  ASSERT_EQ(future.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(future.get().status().code(), StatusCode::kUnavailable);
}

// A state transfer asks for chunks as fast as they come: answers to our own
// requests do not count as a flood, however far they exceed the receive rate.
TEST(NetworkRequest, AnswersWeAskedForAreNotAFlood) {
  Pair p;
  p.b = start_node(test_config("responder"));
  NetworkConfig ca = test_config("requester");
  ca.persistent_peers = {p.b->address()};
  ca.max_frame_bytes = 1u << 20;
  ca.recv_rate_bytes_per_s = 256u << 10;  // 256 KiB/s
  ca.recv_burst_bytes = ca.max_frame_bytes + 4;
  p.a = start_node(ca);
  ASSERT_TRUE(wait_until([&] { return p.a->peer_count() == 1 && p.b->peer_count() == 1; }));
  Network* b = p.b->network.get();
  p.b->recorder.set_on_request([b](const InboundRequest& r) { (void)b->respond(r.from, r.id, Bytes(512u << 10, 7)); });
  for (int i = 0; i < 16; ++i) {  // 8 MiB at once, 32 times the rate
    auto answer = ask(*p.a, p.b->id(), bytes_of("chunk " + std::to_string(i)));
    ASSERT_TRUE(answer.is_ok()) << i << ": " << answer.status().to_string();
    EXPECT_EQ(answer->size(), 512u << 10);
  }
  EXPECT_EQ(p.a->peer_count(), 1u) << "the responder was not dropped";
}

TEST(NetworkRequest, WithoutHandlerTheAnswerIsUnavailable) {
  // The recorder always installs on_request, so the responder here has no handlers at all.
  auto bare = Network::create(test_config("bare"), {});
  ASSERT_TRUE(bare.is_ok());
  ASSERT_TRUE((*bare)->start().is_ok());
  NetworkConfig c = test_config("asker");
  c.persistent_peers = {address_of((*bare)->node_id(), (*bare)->listen_port())};
  auto asker = start_node(c);
  ASSERT_TRUE(wait_until([&] { return asker->peer_count() == 1; }));
  auto r = ask(*asker, (*bare)->node_id(), bytes_of("anyone?"));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("no request handler"), std::string::npos);
}

TEST(NetworkPex, NodeThatKnowsOnlyASeedDiscoversTheOthers) {
  auto seed = start_node(test_config("seed"));
  std::vector<std::unique_ptr<TestNode>> members;
  for (int i = 0; i < 2; ++i) {
    NetworkConfig c = test_config("member-" + std::to_string(i));
    c.persistent_peers = {seed->address()};
    members.push_back(start_node(c));
  }
  ASSERT_TRUE(wait_until([&] { return seed->peer_count() == 2; }));

  NetworkConfig c = test_config("observer");
  c.seeds = {"127.0.0.1:" + std::to_string(seed->port())};  // no id: any identity is fine
  auto observer = start_node(c);
  ASSERT_TRUE(wait_until([&] {
    return observer->network->is_connected(seed->id()) && observer->network->is_connected(members[0]->id()) &&
           observer->network->is_connected(members[1]->id());
  }));
  for (const auto& p : observer->network->peers()) EXPECT_EQ(p.direction, Direction::kOutbound);
}

TEST(NetworkPex, DisabledPexDialsNobodyNew) {
  auto seed = start_node(test_config("seed"));
  NetworkConfig cm = test_config("member");
  cm.persistent_peers = {seed->address()};
  auto member = start_node(cm);
  ASSERT_TRUE(wait_until([&] { return seed->peer_count() == 1; }));
  NetworkConfig c = test_config("quiet");
  c.pex_enabled = false;
  c.seeds = {seed->address()};
  auto quiet = start_node(c);
  ASSERT_TRUE(wait_until([&] { return quiet->network->is_connected(seed->id()); }));
  std::this_thread::sleep_for(milliseconds(600));  // three peer exchange rounds
  // The member may learn the quiet node's address and dial it; the quiet
  // node itself dials only its seed.
  for (const auto& p : quiet->network->peers()) {
    if (p.direction == Direction::kOutbound) {
      EXPECT_EQ(p.id, seed->id());
    }
  }
}

}  // namespace
}  // namespace replex::p2p
