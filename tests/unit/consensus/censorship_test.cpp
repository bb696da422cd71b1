// A backup that holds a valid transaction for long while blocks with room for
// it commit without it votes for a view change (Config::censorship_*).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <string>

#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

Config censorship_config() {
  Config config = test_config();
  config.censorship_timeout_ms = 2000;
  config.censorship_blocks = 3;
  return config;
}

bool committed(Cluster& c, ValidatorIndex i, std::string_view tx) {
  const Bytes bytes = to_bytes(tx);
  return std::any_of(c.node(i).blocks.begin(), c.node(i).blocks.end(), [&](const auto& entry) {
    const auto& txs = entry.second.block->txs;
    return std::find(txs.begin(), txs.end(), bytes) != txs.end();
  });
}

// "censored" reaches the three backups but never primary 0, which keeps
// committing other transactions in blocks with room to spare: to the backups
// it looks exactly like a primary leaving it out.
void run_with_one_transaction_the_primary_lacks(Cluster& c, int rounds) {
  for (ValidatorIndex i = 1; i < 4; ++i) c.submit(i, "censored");
  for (int round = 0; round < rounds && !committed(c, 1, "censored"); ++round) {
    c.submit_all(std::string("t").append(std::to_string(round)));
    c.advance(200);
  }
}

TEST(Censorship, BackupsVoteOutAPrimaryThatLeavesOutAValidTransaction) {
  Cluster c(4, censorship_config());
  run_with_one_transaction_the_primary_lacks(c, 60);
  EXPECT_TRUE(committed(c, 1, "censored"));
  EXPECT_GE(c.replica(1).view(), 1u);
  for (ValidatorIndex i = 1; i < 4; ++i) {
    ASSERT_TRUE(c.node(i).has_evidence(EvidenceKind::kCensorship)) << "backup " << i;
    const auto& found = *std::find_if(c.node(i).evidence.begin(), c.node(i).evidence.end(),
                                      [](const Evidence& e) { return e.kind == EvidenceKind::kCensorship; });
    EXPECT_EQ(found.validator, ValidatorIndex{0});
    EXPECT_NE(found.detail.find(sha256("censored").hex()), std::string::npos) << found.detail;
  }
  EXPECT_FALSE(c.node(0).has_evidence(EvidenceKind::kCensorship)) << "the primary does not suspect itself";
  c.expect_consistent();
}

// A backup whose execution lags holds the primary's block that carries the
// old transaction until it executes the state right below it ("needs:a"
// waits for "a"); the blocks it executes meanwhile left the transaction out
// only because the primary lacked it until then, and the waiting block holds
// it: no censorship.
TEST(Censorship, ATransactionInAProposalWaitingToBeJudgedIsNotLeftOut) {
  Cluster c(4, censorship_config());
  c.crash(3);  // backup 1's vote is needed for every block
  c.node(1).execute_later = true;
  c.submit_all("a");
  c.advance(200);
  c.submit(1, "x");  // the primary lacks it for now, past the censorship timeout
  const int rounds = static_cast<int>(censorship_config().censorship_timeout_ms / 200) + 1;
  for (int round = 0; round < rounds; ++round) {
    c.submit_all(std::string("t").append(std::to_string(round)));
    c.advance(200);
  }
  const Height below = c.replica(1).committed_height();
  ASSERT_EQ(below, static_cast<Height>(rounds) + 1);
  ASSERT_EQ(c.node(1).app->last_height(), 0u);
  c.submit(0, "x");
  c.submit(0, "needs:a");
  c.advance(200);
  ASSERT_EQ(c.replica(1).committed_height(), below) << "the next block waits for backup 1's judgement";
  c.node(1).execute_later = false;
  c.execute_waiting(1);
  c.advance(500);
  EXPECT_FALSE(c.node(1).has_evidence(EvidenceKind::kCensorship)) << c.node(1).evidence.front().detail;
  EXPECT_TRUE(c.node(1).evidence.empty());
  EXPECT_EQ(c.replica(1).view(), 0u);
  EXPECT_TRUE(committed(c, 1, "x"));
  EXPECT_TRUE(committed(c, 1, "needs:a"));
}

// A deposit ("a") creates an account; its first order ("needs:a") reaches
// the backups, which executed "a" and relay it, and a primary whose
// execution lags. Refused on the primary's older state, it would never be
// proposed, and the backups would blame an honest primary: it is held
// instead, and proposed once the primary executed "a".
TEST(Censorship, ARelayedTransactionTheLaggingPrimaryCannotCheckYetIsHeldNotDropped) {
  Cluster c(4, censorship_config());
  ASSERT_NO_FATAL_FAILURE(c.commit_block_1_unexecuted_at(0, "a"));
  for (ValidatorIndex i = 1; i < 4; ++i) c.submit(i, "needs:a");
  c.relay(0, "needs:a");
  const TxStatusReport& held = c.node(0).tx_reports.back();
  EXPECT_EQ(held.verdict, TxVerdict::kHeld);
  EXPECT_EQ(held.app_code, TestApp::kUnmet);
  EXPECT_NE(held.message.find("held until this replica executed height 1"), std::string::npos) << held.message;
  c.submit_all("b");  // a block the primary cuts meanwhile leaves it out, and keeps it
  c.advance(100);
  ASSERT_EQ(c.replica(0).committed_height(), 2u);
  EXPECT_TRUE(c.replica(0).mempool().contains(sha256("needs:a")));
  c.node(0).execute_later = false;
  c.execute_waiting(0);
  const int rounds = static_cast<int>(censorship_config().censorship_timeout_ms / 200) + 5;
  for (int round = 0; round < rounds; ++round) {
    c.submit_all(std::string("t").append(std::to_string(round)));
    c.advance(200);
  }
  for (ValidatorIndex i = 0; i < 4; ++i) {
    EXPECT_TRUE(committed(c, i, "needs:a")) << i;
    EXPECT_TRUE(c.node(i).evidence.empty()) << "node " << i << ": " << c.node(i).evidence.front().detail;
    EXPECT_EQ(c.replica(i).view(), 0u) << i;
  }
  c.expect_consistent();
}

// A held transaction is not one the primary leaves out: the backup cannot
// check it yet (here the blocks it waits for execute one by one, long after
// it arrived), and once they executed it is kept or evicted.
TEST(Censorship, AHeldTransactionIsNotLeftOut) {
  Cluster c(4, censorship_config());
  c.node(1).execute_later = true;
  for (int round = 0; round < 6; ++round) {
    c.submit_all(std::string("t").append(std::to_string(round)));
    c.advance(200);
  }
  const Height known = c.replica(1).committed_height();
  ASSERT_GE(known, 5u);
  ASSERT_EQ(c.node(1).app->last_height(), 0u);
  c.relay(1, "needs:never-executed");
  ASSERT_EQ(c.node(1).tx_reports.back().verdict, TxVerdict::kHeld);
  const int rounds = static_cast<int>(censorship_config().censorship_timeout_ms / 200) + 1;
  for (int round = 0; round < rounds; ++round) {  // blocks keep committing, unexecuted here
    c.submit_all(std::string("u").append(std::to_string(round)));
    c.advance(200);
  }
  ASSERT_EQ(c.replica(1).view(), 0u);
  c.node(1).execute_later = false;
  c.execute_waiting(1);  // blocks with room, each executed while the transaction waits
  c.deliver_all();
  EXPECT_FALSE(c.node(1).has_evidence(EvidenceKind::kCensorship)) << c.node(1).evidence.front().detail;
  // The last of the blocks it waited for executed: the refusal is final.
  EXPECT_FALSE(c.replica(1).mempool().contains(sha256("needs:never-executed")));
  EXPECT_EQ(c.node(1).tx_reports.back().verdict, TxVerdict::kEvicted);
  EXPECT_EQ(c.node(1).tx_reports.back().app_code, TestApp::kUnmet);
}

// Released, a transaction that was held for longer than the censorship
// timeout is only now relayed, to a primary that may not have it yet: the
// backup's clock for it starts at the release, not at its first arrival.
TEST(Censorship, AReleasedTransactionIsTimedFromItsRelease) {
  Cluster c(4, censorship_config());
  ASSERT_NO_FATAL_FAILURE(c.commit_block_1_unexecuted_at(1, "a"));
  c.relay(1, "needs:a");  // the primary never receives it (this cluster relays nothing)
  ASSERT_EQ(c.node(1).tx_reports.back().verdict, TxVerdict::kHeld);
  const int rounds = static_cast<int>(censorship_config().censorship_timeout_ms / 200) + 1;
  for (int round = 0; round < rounds; ++round) {  // blocks commit, unexecuted at backup 1
    c.submit_all(std::string("t").append(std::to_string(round)));
    c.advance(200);
  }
  ASSERT_EQ(c.replica(1).view(), 0u);
  const std::uint64_t released_at = c.now_ms();
  c.node(1).execute_later = false;
  c.execute_waiting(1);
  c.deliver_all();
  const auto& reports = c.node(1).tx_reports;
  ASSERT_TRUE(std::any_of(reports.begin(), reports.end(), [](const TxStatusReport& r) {
    return r.verdict == TxVerdict::kReleased && r.tx_hash == sha256("needs:a");
  }));
  const Mempool::Entry* entry = c.replica(1).mempool().find(sha256("needs:a"));
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->arrival_ms, released_at);
  for (int round = 0; round < 5; ++round) {  // blocks with room leave it out, within the timeout
    c.submit_all(std::string("u").append(std::to_string(round)));
    c.advance(200);
  }
  EXPECT_FALSE(c.node(1).has_evidence(EvidenceKind::kCensorship)) << c.node(1).evidence.front().detail;
  EXPECT_EQ(c.replica(1).view(), 0u);
}

TEST(Censorship, WithoutTheWatchTheTransactionWaitsForever) {
  Config config = censorship_config();
  config.censorship_timeout_ms = 0;
  Cluster c(4, config);
  run_with_one_transaction_the_primary_lacks(c, 60);
  EXPECT_FALSE(committed(c, 1, "censored"));
  EXPECT_EQ(c.replica(1).view(), 0u);
  EXPECT_GT(c.replica(1).committed_height(), 30u);
}

// An overloaded honest primary fills its blocks: however long a transaction
// waits behind others, full blocks never count as leaving it out.
TEST(Censorship, FullBlocksAreNotCensorship) {
  Config config = censorship_config();
  config.max_block_txs = 2;
  Cluster c(4, config);
  for (ValidatorIndex i = 1; i < 4; ++i) c.submit(i, "censored");
  for (int round = 0; round < 40; ++round) {
    for (int k = 0; k < 3; ++k) {
      c.submit_all(std::string("full-").append(std::to_string(round)).append("-").append(std::to_string(k)));
    }
    c.advance(200);
  }
  EXPECT_GT(c.replica(1).committed_height(), 30u);
  for (ValidatorIndex i = 0; i < 4; ++i) {
    EXPECT_FALSE(c.node(i).has_evidence(EvidenceKind::kCensorship)) << i;
    EXPECT_EQ(c.replica(i).view(), 0u) << i;
  }
  // Once blocks have room again and still leave it out, the backups act.
  run_with_one_transaction_the_primary_lacks(c, 60);
  EXPECT_TRUE(committed(c, 1, "censored"));
  EXPECT_TRUE(c.node(1).has_evidence(EvidenceKind::kCensorship));
}

// One sender's backlog drains at max_block_txs_per_sender a block: its oldest
// transaction waits past the timeout in blocks that have room for others,
// which is the primary keeping the cap, not leaving it out.
TEST(Censorship, ASendersFullShareOfTheBlockIsNotCensorship) {
  Config config = censorship_config();
  config.censorship_timeout_ms = 500;
  config.max_block_txs_per_sender = 1;
  Cluster c(4, config);
  // Every message takes one 100 ms round, so blocks take time to commit.
  c.hold = [](const Envelope&) { return true; };
  auto round = [&] {
    std::deque<Envelope> sent = std::move(c.held);
    c.held.clear();
    for (const Envelope& e : sent) c.inject(e.from, e.to, *e.bytes);
    c.advance(100);
  };
  char tx[32];
  for (int n = 1; n <= 200; ++n) {
    std::snprintf(tx, sizeof tx, "key:AAAAAAAA/%08d", n);
    c.submit_all(tx);
  }
  for (int r = 0; r < 60; ++r) {
    if (r % 3 == 0) c.submit_all(std::string("other-").append(std::to_string(r)));
    round();
  }
  ASSERT_FALSE(c.replica(1).mempool().empty()) << "the backlog outlasted the timeout";
  EXPECT_GT(c.replica(1).committed_height(), 10u);
  for (ValidatorIndex i = 0; i < 4; ++i) {
    EXPECT_FALSE(c.node(i).has_evidence(EvidenceKind::kCensorship)) << i;
    EXPECT_EQ(c.replica(i).view(), 0u) << i;
  }
}

}  // namespace
}  // namespace replex::consensus::testing
