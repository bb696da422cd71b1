// Normal case: commit with 4 and 7 validators, batching by size and delay,
// pipelining with in-order commit.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <utility>

#include "replex/core/tx_envelope.hpp"
#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

std::string tx(int i) { return "tx-" + std::to_string(i); }

class NormalCase : public ::testing::TestWithParam<std::size_t> {};

TEST_P(NormalCase, EveryValidatorCommitsTheSameBlocks) {
  Cluster c(GetParam());
  for (int i = 0; i < 25; ++i) c.submit_all(tx(i));
  c.advance(200);
  for (ValidatorIndex i = 0; i < c.size(); ++i) {
    EXPECT_EQ(c.replica(i).committed_height(), 3u) << "node " << i;  // 10 + 10 + 5
    EXPECT_EQ(c.replica(i).view(), 0u);
    EXPECT_TRUE(c.replica(i).mempool().empty());
    EXPECT_TRUE(c.node(i).evidence.empty()) << evidence_kind_name(c.node(i).evidence[0].kind);
  }
  c.expect_consistent();
  // Every transaction landed exactly once, in submission order.
  std::vector<std::string> seen;
  for (const auto& [h, block] : c.node(1).blocks) {
    for (const Bytes& t : block.block->txs) seen.emplace_back(as_chars(t));
  }
  ASSERT_EQ(seen.size(), 25u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(seen[i], tx(i));
  // Certificates verify offline, against the validator set alone.
  for (const auto& [h, block] : c.node(2).blocks) {
    auto verified = verify_certified_block({block.block_bytes, block.certificate_bytes},
                                           {c.validators(), kChainId, {10, 1 << 20, 4096}, 5});
    EXPECT_TRUE(verified.is_ok()) << verified.status().to_string();
  }
}

INSTANTIATE_TEST_SUITE_P(Validators, NormalCase, ::testing::Values(4u, 7u));

TEST(NormalCase, SingleValidatorChainCommitsAlone) {
  Cluster c(1);
  c.submit_all("only");
  c.advance(100);
  EXPECT_EQ(c.replica(0).committed_height(), 1u);
}

TEST(Batching, AFullBlockIsCutAtOnce) {
  Cluster c(4);
  for (int i = 0; i < 10; ++i) c.submit_all(tx(i));
  // No time passed: the block was cut because it was full.
  EXPECT_EQ(c.replica(0).committed_height(), 1u);
  EXPECT_EQ(c.node(0).blocks.at(1).block->txs.size(), 10u);
}

// tx-0 waits on the primary; tx-1..3 reach it after tx-0's deadline passed,
// before the timer fired (they queued in the driver meanwhile).
std::size_t first_block_size_when_late_txs_arrive(bool as_one_batch) {
  Cluster c(4);
  c.submit(0, tx(0));
  c.node(0).clock_offset_ms = static_cast<std::int64_t>(c.config().max_block_delay_ms) + 5;
  TransactionsReceived batch;
  for (int i = 1; i <= 3; ++i) {
    batch.txs.push_back(to_bytes(tx(i)));
    if (!as_one_batch) c.feed(0, std::exchange(batch, {}));
  }
  if (as_one_batch) c.feed(0, std::move(batch));
  c.deliver_all();
  EXPECT_EQ(c.node(0).tx_reports.size(), 4u);
  for (const TxStatusReport& r : c.node(0).tx_reports) EXPECT_EQ(r.verdict, TxVerdict::kAccepted);
  EXPECT_GE(c.replica(1).committed_height(), 1u);
  return c.node(1).blocks.at(1).block->txs.size();
}

TEST(Batching, ABatchThatArrivesAfterTheDeadlineIsCutWhole) {
  EXPECT_EQ(first_block_size_when_late_txs_arrive(/*as_one_batch=*/true), 4u);
  // One by one, the first late arrival cuts the block.
  EXPECT_EQ(first_block_size_when_late_txs_arrive(/*as_one_batch=*/false), 2u);
}

TEST(Batching, TheDriversHashesOfABatchAreTheMempoolsAndTheBlocks) {
  Cluster c(4);
  TransactionsReceived batch;
  for (int i = 0; i < 10; ++i) {
    batch.txs.push_back(to_bytes(tx(i)));
    batch.tx_hashes.push_back(tx_hash(batch.txs.back()));
  }
  const std::vector<Hash256> hashes = batch.tx_hashes;
  for (ValidatorIndex i = 0; i < 4; ++i) c.feed(i, TransactionsReceived{batch});
  c.deliver_all();
  std::vector<Hash256> accepted;
  for (const TxStatusReport& r : c.node(0).tx_reports) {
    EXPECT_EQ(r.verdict, TxVerdict::kAccepted);
    accepted.push_back(r.tx_hash);
  }
  EXPECT_EQ(accepted, hashes);
  // Every replica commits the full block with the same hashes and empties its mempool.
  for (ValidatorIndex i = 0; i < 4; ++i) {
    ASSERT_GE(c.replica(i).committed_height(), 1u);
    EXPECT_EQ(c.node(i).blocks.at(1).block->tx_hashes, hashes);
    EXPECT_TRUE(c.replica(i).mempool().empty());
  }
}

TEST(Batching, APartialBlockWaitsForTheDelay) {
  Cluster c(4);
  for (int i = 0; i < 3; ++i) c.submit_all(tx(i));
  EXPECT_EQ(c.replica(0).committed_height(), 0u);
  ASSERT_TRUE(c.node(0).timers.contains(TimerKind::kBatch));
  c.advance(49);
  EXPECT_EQ(c.replica(0).committed_height(), 0u);
  c.advance(1);
  EXPECT_EQ(c.replica(0).committed_height(), 1u);
  EXPECT_EQ(c.node(0).blocks.at(1).block->txs.size(), 3u);
}

std::size_t pre_prepares_to(const Node& from, ValidatorIndex to) {
  return static_cast<std::size_t>(std::count_if(from.sent.begin(), from.sent.end(), [to](const Envelope& e) {
    return e.type == MessageType::kPrePrepare && e.to == to;
  }));
}

Config with_idle_block_delay(std::uint64_t ms) {
  Config config = test_config();
  config.idle_block_delay_ms = ms;
  return config;
}

TEST(Batching, WithNoBlockInFlightAPartialBlockWaitsOnlyTheIdleDelay) {
  Cluster c(4, with_idle_block_delay(5));
  c.submit_all(tx(0));
  c.advance(4);
  EXPECT_EQ(c.replica(0).committed_height(), 0u);
  c.advance(1);
  EXPECT_EQ(c.replica(0).committed_height(), 1u);
}

TEST(Batching, WithABlockInFlightThePrimaryWaitsTheFullDelay) {
  // Every COMMIT is held: height 1, cut after the idle delay, stays in flight.
  const auto hold_commits = [](const Envelope& e) { return e.type == MessageType::kCommit; };
  Cluster c(4, with_idle_block_delay(1));
  c.hold = hold_commits;
  c.submit_all(tx(0));
  c.advance(1);
  ASSERT_EQ(pre_prepares_to(c.node(0), 1), 1u);
  c.submit_all(tx(1));
  c.advance(c.config().max_block_delay_ms - 1);
  EXPECT_EQ(pre_prepares_to(c.node(0), 1), 1u);  // tx-1 waits behind height 1...
  c.advance(1);
  EXPECT_EQ(pre_prepares_to(c.node(0), 1), 2u);  // ...until the full delay cuts it

  // Once height 1 commits, nothing is in flight: a waiting tx goes at once.
  Cluster released(4, with_idle_block_delay(1));
  released.hold = hold_commits;
  released.submit_all(tx(0));
  released.advance(1);
  released.submit_all(tx(1));
  released.advance(10);
  EXPECT_EQ(pre_prepares_to(released.node(0), 1), 1u);
  released.release_held();  // the hold is off while they go
  EXPECT_EQ(released.replica(1).committed_height(), 2u);
  EXPECT_EQ(released.node(1).blocks.at(2).block->txs.size(), 1u);
}

TEST(Batching, ACommitThatEmptiesThePipelineBringsTheCutForward) {
  Cluster c(4, with_idle_block_delay(5));
  c.hold = [](const Envelope& e) { return e.type == MessageType::kCommit; };
  c.submit_all(tx(0));
  c.advance(5);  // height 1 is cut and stays in flight
  ASSERT_EQ(pre_prepares_to(c.node(0), 1), 1u);
  c.submit_all(tx(1));  // at t=5: due at t=55 while height 1 is in flight
  c.advance(1);
  c.release_held();  // t=6: height 1 commits; tx-1 is now due at t=10
  ASSERT_EQ(c.replica(0).committed_height(), 1u);
  c.advance(3);
  EXPECT_EQ(pre_prepares_to(c.node(0), 1), 1u);
  c.advance(1);
  EXPECT_EQ(pre_prepares_to(c.node(0), 1), 2u);
}

TEST(Batching, NoEmptyBlocksWhenIdle) {
  Cluster c(4);
  c.advance(10'000);
  EXPECT_EQ(c.replica(0).committed_height(), 0u);
  EXPECT_TRUE(c.node(0).sent.empty());
  EXPECT_TRUE(c.node(1).view_changes.empty());
}

TEST(Pipelining, PrimaryKeepsTheWindowFullAndCommitsInOrder) {
  Cluster c(4);
  // Hold every COMMIT so nothing commits: the primary still proposes the
  // whole window (4 heights), and no further.
  c.hold = [](const Envelope& e) { return e.type == MessageType::kCommit; };
  for (int i = 0; i < 60; ++i) c.submit_all(tx(i));
  std::size_t pre_prepares = 0;
  for (const Envelope& e : c.node(0).sent)
    pre_prepares += e.type == MessageType::kPrePrepare && e.to == 1;
  EXPECT_EQ(pre_prepares, 4u);
  EXPECT_EQ(c.replica(1).committed_height(), 0u);

  // Release the commits of height 2..4 first: height 1 still gates them.
  std::deque<Envelope> first_height;
  std::deque<Envelope> later;
  for (Envelope& e : c.held) {
    auto m = decode_message(*e.bytes, c.validators(), message_limits(c.config())).value();
    (m.vote().height == 1 ? first_height : later).push_back(std::move(e));
  }
  c.held = std::move(later);
  c.release_held();
  EXPECT_EQ(c.replica(1).committed_height(), 0u);
  c.held = std::move(first_height);
  c.release_held();
  c.hold = nullptr;
  c.advance(500);
  for (ValidatorIndex i = 0; i < 4; ++i) {
    EXPECT_EQ(c.replica(i).committed_height(), 6u) << "node " << i;
    const std::vector<Height> expected{1, 2, 3, 4, 5, 6};
    EXPECT_EQ(c.node(i).commit_order, expected);
  }
  c.expect_consistent();
}

}  // namespace
}  // namespace replex::consensus::testing

namespace replex::consensus::testing {
namespace {

// Every PREPARE is lost the first time it is sent: the round stalls short
// of a quorum everywhere until the replicas re-send.
void lose_first_prepares(Cluster& c) {
  auto sent_once = std::make_shared<std::set<std::pair<ValidatorIndex, ValidatorIndex>>>();
  c.drop = [sent_once](const Envelope& e) {
    return e.type == MessageType::kPrepare && sent_once->insert({e.from, e.to}).second;
  };
}

// The heights node i sent COMMIT for in `view`.
std::set<Height> commits_sent(Cluster& c, ValidatorIndex i, View view = 0) {
  std::set<Height> heights;
  for (const Envelope& e : c.node(i).sent) {
    if (e.type != MessageType::kCommit) continue;
    auto m = decode_message(*e.bytes, c.validators(), message_limits(c.config()));
    if (m.is_ok() && m->vote().view == view) heights.insert(m->vote().height);
  }
  return heights;
}

// Found by the simulator (seed 25467: drops, partitions, a double-voting
// Byzantine validator): a primary holds prepared certificates for 17 and 18
// but not 15 and 16 (its PRE-PREPARE counts as its vote at 17 whether or not
// it prepared 16), and sent COMMIT for 18 on its prepared parent. With the
// Byzantine validator and one more, that made a commit certificate at 18; the
// next view's quorum held 18's chain at no honest replica, so it proposed
// another block at 18, and every replica waited forever for the certified one.
// A COMMIT needs every height above the committed one prepared.
TEST(PrepareInOrder, ACommitWaitsForTheWholeChainAboveTheCommittedBlockToPrepare) {
  Cluster c(4);
  c.drop = [](const Envelope&) { return true; };  // node 1 alone
  const Block b1 = test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"a"});
  const Block b2 = test_block(2, block_hash(b1.header), 0, c.now_ms(), {"b"});
  const Block b3 = test_block(3, block_hash(b2.header), 0, c.now_ms(), {"c"});
  for (const Block* b : {&b1, &b2, &b3}) c.inject(0, 1, pre_prepare(0, 0, *b));
  // 2 and 3 prepare heights 2 and 3: node 1 holds prepared certificates for
  // them, not for 1 (its own PREPARE alone).
  for (ValidatorIndex v : {2u, 3u}) {
    for (const Block* b : {&b2, &b3}) {
      c.inject(v, 1, signed_message(v, MessageType::kPrepare, VoteBody{0, b->header.height, block_hash(b->header)}));
    }
  }
  EXPECT_TRUE(commits_sent(c, 1).empty()) << "COMMIT for height " << *commits_sent(c, 1).begin();
  c.inject(2, 1, signed_message(2, MessageType::kPrepare, VoteBody{0, 1, block_hash(b1.header)}));
  EXPECT_EQ(commits_sent(c, 1), (std::set<Height>{1, 2, 3}));
}

// ...prepared in the COMMIT's view: a certificate of an older view at a
// lower height may be outranked there in the next view change (a later view
// prepared another block at that height elsewhere), which would orphan the
// chain of the COMMIT's block all the same.
TEST(PrepareInOrder, ACommitCountsOnlyCertificatesOfItsView) {
  Cluster c(4);
  c.hold = [](const Envelope& e) { return e.type == MessageType::kCommit; };
  c.submit_all("a");
  c.advance(100);
  c.submit_all("b");
  c.advance(100);
  ASSERT_EQ(c.replica(1).committed_height(), 0u);  // 1 and 2 prepared in view 0, not committed
  c.held.clear();
  c.crash(0);
  // View 1 (primary: node 1) re-proposes 1 and 2; the PREPAREs for 1 never
  // reach node 1, which holds a view-0 certificate for it.
  const auto height_of = [&c](const Envelope& e) {
    auto m = decode_message(*e.bytes, c.validators(), message_limits(c.config()));
    return m.is_ok() ? m->vote().height : Height{0};
  };
  c.hold = [&](const Envelope& e) {
    return e.type == MessageType::kCommit || (e.to == 1 && e.type == MessageType::kPrepare && height_of(e) == 1);
  };
  for (int step = 0; step < 300 && (c.replica(1).view() == 0 || c.replica(1).in_view_change()); ++step) {
    c.advance(10);
  }
  ASSERT_EQ(c.replica(1).view(), 1u);
  c.advance(100);
  EXPECT_TRUE(commits_sent(c, 1, 1).empty()) << "COMMIT in view 1 for height " << *commits_sent(c, 1, 1).begin();
  c.hold = nullptr;
  c.release_held();
  c.advance(100);
  EXPECT_EQ(c.replica(1).committed_height(), 2u);
}

TEST(Retransmission, LostVotesAreSentAgainBeforeTheViewTimesOut) {
  Cluster c(4);
  lose_first_prepares(c);
  c.submit_all("lost-once");
  c.advance(c.config().max_block_delay_ms);
  EXPECT_EQ(c.replica(1).committed_height(), 0u);
  c.advance(c.config().retransmit_interval_ms);
  for (ValidatorIndex i = 0; i < 4; ++i) {
    EXPECT_EQ(c.replica(i).committed_height(), 1u) << i;
    EXPECT_EQ(c.replica(i).view(), 0u) << i;
    EXPECT_TRUE(c.node(i).view_changes.empty()) << i;
  }
}

TEST(Retransmission, WithoutItTheSameLossCostsAViewChange) {
  const Config config = without_retransmission();
  Cluster c(4, config);
  lose_first_prepares(c);
  c.submit_all("lost-once");
  c.advance(config.max_block_delay_ms + 3 * config.view_timeout_ms);
  EXPECT_GE(c.replica(1).view(), 1u);
}

}  // namespace
}  // namespace replex::consensus::testing
