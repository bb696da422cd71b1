// Peers outside the validator set, at a real in-process validator over
// loopback. Pushed blocks: a flood of blocks the node already holds is
// bounded and dropped before any certificate is checked (the node keeps
// committing, the pusher is not banned); a block whose certificate does not
// verify gets its pusher banned. Gossip: transactions of accounts that do not
// exist are tolerated up to a per-peer bucket, and beyond it the peer is banned.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <regex>

#include "node_harness.hpp"
#include "raw_peer.hpp"
#include "replex/consensus/block.hpp"
#include "replex/consensus/certificates.hpp"
#include "replex/host/peer_request.hpp"
#include "replex/host/serving.hpp"
#include "support/http_client.hpp"

namespace replex::node {
namespace {

using p2p::testing::RawPeer;
using replex::testing::http_request;
using testing::NodeHarness;
using namespace std::chrono_literals;

constexpr std::uint32_t kMaxQueuedPushes = 4;
constexpr std::uint32_t kUnknownAccountBurst = 50;

// The node's answer to a blocks request for heights 1..to.
Result<Bytes> fetch_blocks(RawPeer& peer, std::uint64_t to) {
  const std::uint64_t id = 77;
  REPLEX_RETURN_IF_ERROR(peer.send_message(
      p2p::Request{p2p::Channel::kStateTransfer, id, host::encode_peer_request({host::PeerRequestKind::kBlocks, 1, to})}));
  for (;;) {
    REPLEX_ASSIGN_OR_RETURN(p2p::Message message, peer.read_message(10s));
    const auto* response = std::get_if<p2p::Response>(&message);
    if (response == nullptr || response->id != id) continue;  // PEX and the like
    if (!response->error) return response->error;
    return response->payload;
  }
}

// replex_p2p_block_pushes_total with outcome="queued" or "dropped" (both: "").
double pushes_counted(const std::string& rest, const std::string& outcome = "") {
  const auto answer = http_request(rest, "GET", "/metrics");
  static const std::regex line(R"re(replex_p2p_block_pushes_total\{outcome="(queued|dropped)"\} ([0-9.e+]+))re");
  double total = 0;
  for (auto it = std::sregex_iterator(answer.body.begin(), answer.body.end(), line); it != std::sregex_iterator(); ++it) {
    if (outcome.empty() || (*it)[1].str() == outcome) total += std::stod((*it)[2].str());
  }
  return total;
}

class NodeOutsidePeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    ASSERT_TRUE(harness_.start().is_ok());
    for (std::uint64_t nonce = 1; nonce <= 3; ++nonce) {
      v1::SubmitTransactionResponse response;
      ASSERT_TRUE(harness_.submit(harness_.limit_buy(0, nonce), true, &response).ok());
    }
  }

  std::unique_ptr<RawPeer> connect(std::string_view label) {
    auto peer = std::make_unique<RawPeer>(label, harness_.chain_id());
    EXPECT_TRUE(peer->connect(harness_.node().p2p_port()).is_ok());
    const Status s = peer->handshake();
    EXPECT_TRUE(s.is_ok()) << s.to_string();
    return peer;
  }

  NodeHarness harness_{[](config::NodeConfig& c) {
    c.consensus.max_queued_block_pushes = kMaxQueuedPushes;
    c.consensus.unknown_account_gossip_per_s = 1;
    c.consensus.unknown_account_gossip_burst = kUnknownAccountBurst;
  }};
};

TEST_F(NodeOutsidePeerTest, AFloodOfHeldBlocksIsBoundedAndCostsTheSenderNothingButIsHarmless) {
  auto pusher = connect("outsider pushing held blocks");
  auto answer = fetch_blocks(*pusher, 1'000);
  ASSERT_TRUE(answer.is_ok()) << answer.status().to_string();

  // Thousands of pushes in a few writes: far more than the bound can queue.
  constexpr int kPushes = 3'000;
  Bytes wire;
  for (int i = 0; i < kPushes; ++i) {
    const Bytes frame = pusher->sealer().seal(p2p::encode_message(p2p::Direct{p2p::Channel::kBlocks, *answer}));
    wire.insert(wire.end(), frame.begin(), frame.end());
  }
  ASSERT_TRUE(pusher->send_raw(wire).is_ok());

  // Every push was either queued or dropped over the bound; none was an offence.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (pushes_counted(harness_.rest()) < kPushes && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(pushes_counted(harness_.rest()), kPushes);
  RecordProperty("dropped_over_the_bound", std::to_string(pushes_counted(harness_.rest(), "dropped")));
  // Still connected and served: nothing it pushed was an offence.
  EXPECT_TRUE(fetch_blocks(*pusher, 1).is_ok());

  // And the node still commits.
  v1::SubmitTransactionResponse response;
  ASSERT_TRUE(harness_.submit(harness_.limit_buy(0, 4), true, &response).ok());
  EXPECT_EQ(response.status(), v1::SUBMIT_STATUS_COMMITTED);
}

TEST_F(NodeOutsidePeerTest, AnOutsiderPushingABlockWithAForgedCertificateIsBanned) {
  auto pusher = connect("outsider pushing a forged block");
  auto answer = fetch_blocks(*pusher, 1'000);
  ASSERT_TRUE(answer.is_ok()) << answer.status().to_string();
  auto held = host::decode_blocks_answer(*answer, host::ServeLimits{});
  ASSERT_TRUE(held.is_ok()) << held.status().to_string();
  ASSERT_FALSE(held->blocks.empty());

  // The newest held block and its certificate moved two heights up (above
  // the committed height, so they are checked): the signatures no longer match.
  const consensus::CertifiedBlockBytes& newest = held->blocks.back();
  auto block = consensus::decode_block(newest.block, consensus::BlockLimits{1'000'000, 1u << 30, 1u << 20},
                                       harness_.chain_id());
  ASSERT_TRUE(block.is_ok()) << block.status().to_string();
  auto certificate = consensus::decode_commit_certificate(newest.certificate);
  ASSERT_TRUE(certificate.is_ok()) << certificate.status().to_string();
  block->header.height += 2;
  certificate->height = block->header.height;
  certificate->block_hash = consensus::block_hash(block->header);
  const std::vector<consensus::CertifiedBlockBytes> forged{
      {consensus::encode_block(*block), consensus::encode_commit_certificate(*certificate)}};
  ASSERT_TRUE(pusher->send_message(p2p::Direct{p2p::Channel::kBlocks, host::encode_blocks_answer(forged)}).is_ok());

  EXPECT_TRUE(pusher->wait_closed(10s));
  // Banned: the same identity cannot come back.
  RawPeer again("outsider pushing a forged block", harness_.chain_id());
  ASSERT_TRUE(again.connect(harness_.node().p2p_port()).is_ok());
  EXPECT_FALSE(again.handshake().is_ok());
}

// Orders signed by keys no deposit ever funded: valid signatures, no account.
std::vector<Bytes> strangers_orders(const NodeHarness& harness, int first, int count) {
  std::vector<Bytes> txs;
  for (int i = first; i < first + count; ++i) {
    exchange::PlaceOrderArgs args;
    args.market = "BTC-USDT";
    args.side = exchange::Side::kBuy;
    args.price = 10'000;
    args.quantity = 10'000;
    txs.push_back(harness.builder().place_order(KeyPair::from_label("stranger " + std::to_string(i)),
                                                exchange::TxHeader{1, 900}, args));
  }
  return txs;
}

TEST_F(NodeOutsidePeerTest, AnOutsiderGossipingTransactionsOfUnknownAccountsIsBannedBeyondItsBucket) {
  auto peer = connect("outsider gossiping strangers' orders");
  // Within the bucket (an honest relay a deposit ahead of us sends a few): tolerated.
  ASSERT_TRUE(peer->send_message(p2p::Gossip{p2p::Channel::kTransactions, {}, strangers_orders(harness_, 0, 20)}).is_ok());
  std::this_thread::sleep_for(500ms);  // verdicts in
  EXPECT_TRUE(fetch_blocks(*peer, 1).is_ok());

  // Far beyond it: banned, and the node keeps committing.
  for (int first = 20; first < 220; first += 50) {
    if (!peer->send_message(p2p::Gossip{p2p::Channel::kTransactions, {}, strangers_orders(harness_, first, 50)})
             .is_ok()) {
      break;  // closed under us
    }
  }
  EXPECT_TRUE(peer->wait_closed(10s));
  RawPeer again("outsider gossiping strangers' orders", harness_.chain_id());
  ASSERT_TRUE(again.connect(harness_.node().p2p_port()).is_ok());
  EXPECT_FALSE(again.handshake().is_ok());
  v1::SubmitTransactionResponse response;
  ASSERT_TRUE(harness_.submit(harness_.limit_buy(0, 4), true, &response).ok());
  EXPECT_EQ(response.status(), v1::SUBMIT_STATUS_COMMITTED);
}

}  // namespace
}  // namespace replex::node
