// Config validation names the field; the mempool is bounded, ordered and
// de-duplicating, and says MEMPOOL_FULL rather than dropping silently.
#include <gtest/gtest.h>

#include <algorithm>

#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

TEST(ConfigTest, DefaultsAreValidUpToAHundredValidators) {
  const Config c;
  EXPECT_TRUE(c.validate().is_ok()) << c.validate().to_string();
  EXPECT_TRUE(c.validate_for(4).is_ok());
  EXPECT_TRUE(c.validate_for(100).is_ok()) << c.validate_for(100).to_string();
}

TEST(ConfigTest, EachInvalidFieldIsNamed) {
  struct Case {
    std::function<void(Config&)> mutate;
    std::string field;
  };
  const std::vector<Case> cases{
      {[](Config& c) { c.max_block_txs = 0; }, "max_block_txs"},
      {[](Config& c) { c.max_block_bytes = 100; }, "max_block_bytes"},
      {[](Config& c) { c.max_tx_bytes = 0; }, "max_tx_bytes"},
      {[](Config& c) { c.max_block_delay_ms = 0; }, "max_block_delay_ms"},
      {[](Config& c) { c.max_inflight_heights = 0; }, "max_inflight_heights"},
      {[](Config& c) { c.view_timeout_ms = 0; }, "view_timeout_ms"},
      {[](Config& c) { c.view_timeout_max_ms = 10; }, "view_timeout_max_ms"},
      {[](Config& c) { c.max_future_views = 0; }, "max_future_views"},
      {[](Config& c) { c.checkpoint_interval = 0; }, "checkpoint_interval"},
      {[](Config& c) { c.checkpoint_interval = 2; }, "checkpoint_interval"},
      {[](Config& c) { c.max_mempool_txs = 0; }, "max_mempool_txs"},
      {[](Config& c) { c.max_mempool_bytes = 10; }, "max_mempool_bytes"},
      {[](Config& c) { c.max_message_bytes = 1000; }, "max_message_bytes"},
      {[](Config& c) { c.max_fetch_blocks = 0; }, "max_fetch_blocks"},
      {[](Config& c) { c.fetch_timeout_ms = 0; }, "fetch_timeout_ms"},
      {[](Config& c) { c.state_chunk_bytes = 100; }, "state_chunk_bytes"},
      {[](Config& c) { c.state_chunk_bytes = 0; }, "state_chunk_bytes"},
      {[](Config& c) { c.max_state_bytes = 0; }, "max_state_bytes"},
      {[](Config& c) { c.max_clock_skew_ms = ~0ull; }, "max_clock_skew_ms"},
  };
  for (const Case& k : cases) {
    Config c;
    k.mutate(c);
    const Status s = c.validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << k.field;
    EXPECT_NE(s.message().find("consensus." + k.field), std::string::npos) << s.to_string();
  }
  Config c;
  c.max_message_bytes = (c.max_block_bytes + (1 << 16));
  EXPECT_TRUE(c.validate().is_ok());
  EXPECT_NE(c.validate_for(4).message().find("largest NEW-VIEW"), std::string::npos);
}

TEST(ValidatorSetTest, QuorumsAndPrimaries) {
  for (std::size_t n : {1u, 4u, 5u, 7u, 10u, 100u}) {
    const ValidatorSet v = make_validators(n);
    EXPECT_EQ(v.max_faulty(), (n - 1) / 3);
    EXPECT_EQ(v.quorum(), n - (n - 1) / 3);
    EXPECT_EQ(v.primary_of(n + 2), 2 % n);
  }
  EXPECT_EQ(make_validators(4).quorum(), 3u);
  EXPECT_EQ(make_validators(7).quorum(), 5u);
  std::vector<PublicKey> dup{validator_key(0).public_key(), validator_key(0).public_key()};
  EXPECT_NE(ValidatorSet::create(dup).status().message().find("validators[1]: duplicate"),
            std::string::npos);
  EXPECT_FALSE(ValidatorSet::create({}).is_ok());
}

Mempool::Limits limits(std::uint64_t txs, std::uint64_t bytes) { return {txs, bytes, 100}; }

TEST(MempoolTest, OrderedDeduplicatedAndBounded) {
  Mempool m(limits(3, 1000));
  const Bytes a = to_bytes("a"), b = to_bytes("b"), c = to_bytes("c"), d = to_bytes("d");
  EXPECT_EQ(m.add(a, sha256(a), std::nullopt, 10), Mempool::AddResult::kAdded);
  EXPECT_EQ(m.add(a, sha256(a), std::nullopt, 11), Mempool::AddResult::kDuplicate);
  EXPECT_EQ(m.add(b, sha256(b), std::nullopt, 12), Mempool::AddResult::kAdded);
  EXPECT_EQ(m.add(c, sha256(c), std::nullopt, 13), Mempool::AddResult::kAdded);
  EXPECT_EQ(m.add(d, sha256(d), std::nullopt, 14), Mempool::AddResult::kFull);
  EXPECT_EQ(Mempool::result_name(Mempool::AddResult::kFull), "MEMPOOL_FULL");
  EXPECT_EQ(m.size(), 3u);
  const auto pending = [&] {
    std::vector<Bytes> order;
    m.for_each_pending([&](const Mempool::Entry& e) {
      order.push_back(e.tx);
      return true;
    });
    return order;
  };
  EXPECT_EQ(pending(), (std::vector<Bytes>{a, b, c}));
  EXPECT_EQ(m.oldest_pending_arrival_ms(), 10u);
  m.set_in_flight(sha256(a), true);
  EXPECT_EQ(m.pending_count(), 2u);
  EXPECT_EQ(m.pending_bytes(), 2u);
  EXPECT_EQ(m.oldest_pending_arrival_ms(), 12u);
  EXPECT_EQ(pending(), (std::vector<Bytes>{b, c}));
  m.set_in_flight(sha256(c), true);
  m.set_in_flight(sha256(a), false);  // back in its place, ahead of b
  EXPECT_EQ(pending(), (std::vector<Bytes>{a, b}));
  EXPECT_TRUE(m.find(sha256(c))->in_flight);
  m.set_in_flight(sha256(a), true);
  EXPECT_TRUE(m.remove(sha256(c)));
  EXPECT_TRUE(m.remove(sha256(a)));
  EXPECT_FALSE(m.remove(sha256(a)));
  EXPECT_EQ(m.add(d, sha256(d), std::nullopt, 15), Mempool::AddResult::kAdded);
  EXPECT_EQ(m.add(c, sha256(c), std::nullopt, 16), Mempool::AddResult::kAdded);
  m.set_in_flight(sha256(b), true);
  EXPECT_EQ(m.oldest_pending_arrival_ms(), 15u);
  m.clear_in_flight();
  EXPECT_EQ(m.pending_count(), 3u);
  EXPECT_EQ(m.bytes(), 3u);
  EXPECT_EQ(pending(), (std::vector<Bytes>{b, d, c}));
  EXPECT_EQ(m.oldest_pending_arrival_ms(), 12u);
}

TEST(MempoolTest, ByteLimitAndOversizedTransactions) {
  Mempool m(limits(100, 10));
  EXPECT_EQ(m.add(Bytes(6, 1), sha256(Bytes(6, 1)), std::nullopt, 0), Mempool::AddResult::kAdded);
  EXPECT_EQ(m.add(Bytes(5, 2), sha256(Bytes(5, 2)), std::nullopt, 0), Mempool::AddResult::kFull);
  EXPECT_EQ(m.add(Bytes(4, 3), sha256(Bytes(4, 3)), std::nullopt, 0), Mempool::AddResult::kAdded);
  EXPECT_EQ(m.add(Bytes(101, 4), sha256(Bytes(101, 4)), std::nullopt, 0), Mempool::AddResult::kTooLarge);
  EXPECT_EQ(m.add(Bytes{}, sha256(Bytes{}), std::nullopt, 0), Mempool::AddResult::kTooLarge);
}

TEST(MempoolTest, TheReplicaAnswersEveryTransaction) {
  Config config = test_config();
  config.max_mempool_txs = 2;
  Cluster c(4, config);
  c.drop = [](const Envelope&) { return true; };
  c.submit(1, "a");
  c.submit(1, "a");
  c.submit(1, "stale-b");
  c.submit(1, "c");
  c.submit(1, "d");
  c.submit(1, std::string(5000, 'x'));
  const auto& r = c.node(1).tx_reports;
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[0].verdict, TxVerdict::kAccepted);
  EXPECT_EQ(r[1].verdict, TxVerdict::kDuplicate);
  EXPECT_EQ(r[2].verdict, TxVerdict::kRejected);
  EXPECT_EQ(r[2].app_code, TestApp::kStale);
  EXPECT_NE(r[2].message.find("STALE"), std::string::npos);
  EXPECT_EQ(r[3].verdict, TxVerdict::kAccepted);
  EXPECT_EQ(r[4].verdict, TxVerdict::kMempoolFull);
  EXPECT_NE(r[4].message.find("MEMPOOL_FULL"), std::string::npos);
  EXPECT_NE(r[4].message.find("max_mempool_txs"), std::string::npos);
  EXPECT_EQ(r[5].verdict, TxVerdict::kTooLarge);
  EXPECT_EQ(r[0].tx_hash, sha256("a"));
}

// Held entries are in the pool (its limits count them) but not pending:
// nothing the primary may propose, nor what makes a block due.
TEST(MempoolTest, HeldEntriesAreCountedApartUntilReleasedOrRemoved) {
  Mempool m(limits(10, 1000));
  const Bytes a = to_bytes("a"), b = to_bytes("bb"), c = to_bytes("ccc");
  std::uint64_t arrival = 10;
  for (const Bytes* tx : {&a, &b, &c}) {
    ASSERT_EQ(m.add(*tx, sha256(*tx), std::nullopt, arrival++), Mempool::AddResult::kAdded);
  }
  m.hold(sha256(a), 5);
  m.hold(sha256(b), 6);
  m.hold(sha256(b), 7);  // held again: counted once
  EXPECT_EQ(m.held_count(), 2u);
  EXPECT_EQ(m.find(sha256(b))->held_until, 7u);
  EXPECT_EQ(m.find(sha256(c))->held_until, 0u);
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m.pending_count(), 1u);
  EXPECT_EQ(m.pending_bytes(), 3u);
  EXPECT_EQ(m.oldest_pending_arrival_ms(), 12u);  // c's: a and b are held
  m.release(sha256(a), 20);
  m.release(sha256(a), 21);
  m.release(sha256(c), 22);  // not held
  EXPECT_EQ(m.held_count(), 1u);
  EXPECT_EQ(m.find(sha256(a))->held_until, 0u);
  EXPECT_EQ(m.pending_count(), 2u);
  // Released, `a` may be proposed from now on: it is the newest entry.
  EXPECT_EQ(m.find(sha256(a))->arrival_ms, 20u);
  EXPECT_EQ(m.find(sha256(c))->arrival_ms, 12u);
  EXPECT_EQ(m.oldest_pending_arrival_ms(), 12u);
  std::vector<Hash256> order;
  m.for_each_pending([&](const Mempool::Entry& e) {
    order.push_back(e.hash);
    return true;
  });
  EXPECT_EQ(order, (std::vector<Hash256>{sha256(b), sha256(c), sha256(a)}));
  EXPECT_TRUE(m.remove(sha256(b)));
  EXPECT_EQ(m.held_count(), 0u);
  EXPECT_EQ(m.pending_bytes(), 4u);

  // In a proposed block (a NEW-VIEW re-proposal), a held entry keeps its
  // hold for when it comes back: the block may not commit.
  m.hold(sha256(a), 9);
  m.set_in_flight(sha256(a), true);
  EXPECT_EQ(m.held_count(), 0u);
  EXPECT_EQ(m.find(sha256(a))->held_until, 9u);
  EXPECT_EQ(m.pending_count(), 1u);  // c
  m.hold(sha256(c), 4);
  m.clear_in_flight();
  EXPECT_EQ(m.held_count(), 2u);
  EXPECT_EQ(m.pending_count(), 0u);
  EXPECT_EQ(m.pending_bytes(), 0u);
  m.set_in_flight(sha256(a), true);
  m.cap_holds(5);  // in flight or not
  EXPECT_EQ(m.find(sha256(a))->held_until, 5u);
  EXPECT_EQ(m.find(sha256(c))->held_until, 4u);
  m.set_in_flight(sha256(a), false);
  EXPECT_EQ(m.held_count(), 2u);
  m.set_in_flight(sha256(a), true);
  EXPECT_TRUE(m.remove(sha256(a)));  // committed in that block
  EXPECT_EQ(m.held_count(), 1u);
  m.release(sha256(c), 30);
  EXPECT_EQ(m.held_count(), 0u);
  EXPECT_EQ(m.find(sha256(c))->held_until, 0u);
  EXPECT_EQ(m.pending_count(), 1u);
  EXPECT_EQ(m.pending_bytes(), 3u);
}

// Held: relayed, refused on this replica's state by a refusal a later state
// may lift, while blocks it knows of have not executed. Anything else is
// answered on this state at once.
TEST(MempoolTest, OnlyARelayedTransactionALaterStateMayAdmitIsHeld) {
  Cluster c(4);
  ASSERT_NO_FATAL_FAILURE(c.commit_block_1_unexecuted_at(1, "a"));
  const auto& r = c.node(1).tx_reports;
  c.submit(1, "needs:a");  // a client's own
  EXPECT_EQ(r.back().verdict, TxVerdict::kRejected);
  c.relay(1, "stale-b");  // a lasting refusal
  EXPECT_EQ(r.back().verdict, TxVerdict::kRejected);
  EXPECT_EQ(r.back().app_code, TestApp::kStale);
  c.relay(1, "needs:a");
  EXPECT_EQ(r.back().verdict, TxVerdict::kHeld);
  EXPECT_EQ(r.back().app_code, TestApp::kUnmet);
  EXPECT_EQ(tx_verdict_name(r.back().verdict), "HELD");
  EXPECT_EQ(c.replica(1).mempool().held_count(), 1u);
  c.relay(1, "needs:a");
  EXPECT_EQ(r.back().verdict, TxVerdict::kDuplicate);
  // Once it executed what it knew of, a relayed transaction is judged at once.
  c.node(1).execute_later = false;
  c.execute_waiting(1);
  c.deliver_all();
  EXPECT_EQ(c.replica(1).mempool().held_count(), 0u);  // "a" executed: an ordinary entry
  EXPECT_TRUE(c.replica(1).mempool().contains(sha256("needs:a")));
  const auto released = std::find_if(r.begin(), r.end(), [](const TxStatusReport& s) {
    return s.verdict == TxVerdict::kReleased;
  });
  ASSERT_NE(released, r.end());  // for the driver to relay, as it did not while held
  EXPECT_EQ(released->tx_hash, sha256("needs:a"));
  EXPECT_EQ(released->tx, to_bytes("needs:a"));
  c.relay(1, "needs:z");
  EXPECT_EQ(r.back().verdict, TxVerdict::kRejected);
}

// No room to hold it (here the pool is full): the refusal stands, with the
// application's code (so the node charges the relay for it).
TEST(MempoolTest, ARelayedTransactionWithNoRoomToBeHeldIsRefused) {
  Config config = test_config();
  config.max_mempool_txs = 1;
  Cluster c(4, config);
  ASSERT_NO_FATAL_FAILURE(c.commit_block_1_unexecuted_at(1, "a"));
  c.drop = [](const Envelope&) { return true; };
  c.submit(1, "b");  // the pool is full
  c.relay(1, "needs:a");
  const TxStatusReport& r = c.node(1).tx_reports.back();
  EXPECT_EQ(r.verdict, TxVerdict::kRejected);
  EXPECT_EQ(r.app_code, TestApp::kUnmet);
  EXPECT_EQ(c.replica(1).mempool().held_count(), 0u);
}

// A held entry waits for this replica's execution, not for a primary: alone,
// it arms no view timer.
TEST(MempoolTest, AHeldTransactionAloneIsNoPendingWork) {
  Cluster c(4);
  ASSERT_NO_FATAL_FAILURE(c.commit_block_1_unexecuted_at(1, "a"));
  ASSERT_FALSE(c.node(1).timers.contains(TimerKind::kView));
  c.relay(1, "needs:a");
  ASSERT_EQ(c.node(1).tx_reports.back().verdict, TxVerdict::kHeld);
  EXPECT_FALSE(c.node(1).timers.contains(TimerKind::kView));
  EXPECT_EQ(c.replica(1).mempool().pending_count(), 0u);
  c.submit(1, "b");  // an ordinary one is
  EXPECT_TRUE(c.node(1).timers.contains(TimerKind::kView));
}

// A held transaction may wait for a block the new view does not re-propose:
// entering it, a replica holds it only until the base and the re-proposals
// executed, and judges it at once if they have.
TEST(MempoolTest, ANewViewJudgesAHoldOnABlockItDiscarded) {
  Cluster c(4);
  c.crash(0);  // the primary of view 0; its block reaches node 1 alone
  c.inject(0, 1, pre_prepare(0, 0, test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"a"})));
  ASSERT_EQ(c.replica(1).committed_height(), 0u);  // "a" accepted, not committed
  c.relay(1, "needs:a");
  ASSERT_EQ(c.node(1).tx_reports.back().verdict, TxVerdict::kHeld);
  EXPECT_EQ(c.replica(1).mempool().find(sha256("needs:a"))->held_until, 1u);
  c.submit_all("b");  // pending work: the view timers run
  // Node 1, the next primary, waits for the others' VIEW-CHANGEs.
  c.hold = [](const Envelope& e) { return e.to == 1 && e.type == MessageType::kViewChange; };
  for (int step = 0; step < 300 && !c.replica(1).in_view_change(); ++step) c.advance(10);
  ASSERT_TRUE(c.replica(1).in_view_change());
  EXPECT_EQ(c.replica(1).mempool().held_count(), 1u) << "a NEW-VIEW may still re-propose it";
  // Node 1's blocks of view 1 commit nothing meanwhile (nothing executes).
  std::deque<Envelope> view_changes = std::move(c.held);
  c.held.clear();
  c.hold = [](const Envelope& e) { return e.type == MessageType::kPrepare || e.type == MessageType::kCommit; };
  for (const Envelope& e : view_changes) c.inject(e.from, e.to, *e.bytes);
  for (int step = 0; step < 300 && (c.replica(1).view() == 0 || c.replica(1).in_view_change()); ++step) {
    c.advance(10);
  }
  ASSERT_EQ(c.replica(1).view(), 1u);
  ASSERT_EQ(c.node(1).app->last_height(), 0u);
  EXPECT_EQ(c.replica(1).mempool().held_count(), 0u);
  EXPECT_FALSE(c.replica(1).mempool().contains(sha256("needs:a")));  // nothing committed made it valid
  const auto& r = c.node(1).tx_reports;
  EXPECT_TRUE(std::any_of(r.begin(), r.end(), [](const TxStatusReport& s) {
    return s.tx_hash == sha256("needs:a") && s.verdict == TxVerdict::kEvicted;
  }));
}

// The same at a backup of the new view, which proposes nothing that would
// evict it: with no block left to wait for, the hold is judged on entering
// the view (no block executes here meanwhile).
TEST(MempoolTest, ABackupJudgesAHoldOnADiscardedBlockOnEnteringTheNewView) {
  Cluster c(4);
  c.crash(0);  // the primary of view 0; its block reaches node 2 alone
  c.inject(0, 2, pre_prepare(0, 0, test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"a"})));
  c.relay(2, "needs:a");
  ASSERT_EQ(c.node(2).tx_reports.back().verdict, TxVerdict::kHeld);
  c.hold = [](const Envelope& e) { return e.type == MessageType::kPrepare || e.type == MessageType::kCommit; };
  c.submit_all("b");  // pending work: the view timers run
  for (int step = 0; step < 300 && (c.replica(2).view() == 0 || c.replica(2).in_view_change()); ++step) {
    c.advance(10);
  }
  ASSERT_EQ(c.replica(2).view(), 1u);
  ASSERT_EQ(c.replica(2).committed_height(), 0u);
  EXPECT_FALSE(c.replica(2).mempool().contains(sha256("needs:a")));
  const auto& r = c.node(2).tx_reports;
  EXPECT_TRUE(std::any_of(r.begin(), r.end(), [](const TxStatusReport& s) {
    return s.tx_hash == sha256("needs:a") && s.verdict == TxVerdict::kEvicted;
  }));
}

// In a view change no block is accepted, but a prepared one may be
// re-proposed: a relayed transaction may wait for it.
TEST(MempoolTest, InAViewChangeARelayedTransactionMayWaitForAPreparedBlock) {
  Cluster c(4);
  c.hold = [](const Envelope& e) { return e.type == MessageType::kCommit; };
  c.submit_all("a");
  c.advance(100);
  ASSERT_EQ(c.replica(1).committed_height(), 0u);  // "a" prepared, not committed
  ASSERT_FALSE(c.held.empty());
  c.crash(0);
  c.held.clear();
  c.hold = [](const Envelope& e) { return e.type == MessageType::kCommit || e.type == MessageType::kViewChange; };
  for (int step = 0; step < 300 && !c.replica(1).in_view_change(); ++step) c.advance(10);
  ASSERT_TRUE(c.replica(1).in_view_change());
  c.relay(1, "needs:a");
  EXPECT_EQ(c.node(1).tx_reports.back().verdict, TxVerdict::kHeld);
  EXPECT_EQ(c.replica(1).mempool().find(sha256("needs:a"))->held_until, 1u);
}

// ...but a committed block will execute: the hold on it survives the view
// change, and the transaction is kept once it executed.
TEST(MempoolTest, AViewChangeKeepsAHoldOnACommittedBlock) {
  Cluster c(4);
  ASSERT_NO_FATAL_FAILURE(c.commit_block_1_unexecuted_at(1, "a"));
  c.relay(1, "needs:a");
  ASSERT_EQ(c.node(1).tx_reports.back().verdict, TxVerdict::kHeld);
  c.crash(0);  // the primary
  c.submit(1, "b");  // pending work: node 1's view timer runs
  for (int step = 0; step < 300 && c.replica(1).view() == 0; ++step) c.advance(10);
  ASSERT_GE(c.replica(1).view(), 1u);
  EXPECT_EQ(c.replica(1).mempool().held_count(), 1u);
  c.node(1).execute_later = false;
  c.execute_waiting(1);
  c.deliver_all();
  EXPECT_EQ(c.replica(1).mempool().held_count(), 0u);
  const auto& r = c.node(1).tx_reports;
  const auto verdict_of_needs_a = [&](TxVerdict v) {
    return std::any_of(r.begin(), r.end(), [&](const TxStatusReport& s) {
      return s.tx_hash == sha256("needs:a") && s.verdict == v;
    });
  };
  EXPECT_TRUE(verdict_of_needs_a(TxVerdict::kReleased));
  EXPECT_FALSE(verdict_of_needs_a(TxVerdict::kEvicted));
}

abci::ReplayKey replay_key(char c) {
  abci::ReplayKey k;
  k.bytes.fill(static_cast<std::uint8_t>(c));
  return k;
}

TEST(MempoolTest, AReplayKeyIsHeldByOneTransactionUntilItLeaves) {
  Mempool m(limits(10, 1000));
  const Bytes a = to_bytes("a"), a2 = to_bytes("a2"), b = to_bytes("b");
  EXPECT_EQ(m.add(a, sha256(a), replay_key('k'), 1), Mempool::AddResult::kAdded);
  EXPECT_EQ(m.add(a, sha256(a), replay_key('k'), 2), Mempool::AddResult::kDuplicate);
  EXPECT_EQ(m.add(a2, sha256(a2), replay_key('k'), 3), Mempool::AddResult::kKeyHeld);
  EXPECT_EQ(Mempool::result_name(Mempool::AddResult::kKeyHeld), "REPLAY_KEY_HELD");
  EXPECT_EQ(m.holder_of(replay_key('k')), sha256(a));
  EXPECT_EQ(m.add(b, sha256(b), replay_key('l'), 4), Mempool::AddResult::kAdded);
  EXPECT_EQ(m.size(), 2u);
  m.set_in_flight(sha256(a), true);  // in flight, the key is still held
  EXPECT_EQ(m.add(a2, sha256(a2), replay_key('k'), 5), Mempool::AddResult::kKeyHeld);
  EXPECT_TRUE(m.remove(sha256(a)));
  EXPECT_FALSE(m.holder_of(replay_key('k')));
  EXPECT_EQ(m.add(a2, sha256(a2), replay_key('k'), 6), Mempool::AddResult::kAdded);
}

// A second transaction with a held replay key (for the exchange: a signer's
// nonce) is refused with the application's reason, naming the holder; the
// first stays and commits.
TEST(MempoolTest, TheReplicaRefusesASecondTransactionWithAHeldReplayKey) {
  Cluster c(4);
  c.drop = [](const Envelope&) { return true; };
  c.submit(1, "key:00000001-first");
  c.submit(1, "key:00000001-second");
  c.submit(1, "key:00000002-other");
  const auto& r = c.node(1).tx_reports;
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].verdict, TxVerdict::kAccepted);
  EXPECT_EQ(r[1].verdict, TxVerdict::kRejected);
  EXPECT_EQ(r[1].app_code, TestApp::kReplay);
  EXPECT_NE(r[1].message.find("REPLAY: tx: replay key held (transaction " + sha256("key:00000001-first").hex()),
            std::string::npos)
      << r[1].message;
  EXPECT_EQ(r[2].verdict, TxVerdict::kAccepted);
  EXPECT_EQ(c.replica(1).mempool().size(), 2u);
}

abci::ReplayKey sender_key(char sender, std::uint8_t sequence) {
  abci::ReplayKey k;
  std::fill_n(k.bytes.begin(), abci::ReplayKey::kSenderBytes, static_cast<std::uint8_t>(sender));
  k.bytes.back() = sequence;
  return k;
}

TEST(MempoolTest, OneSenderHoldsAtMostItsQuota) {
  Mempool::Limits l = limits(100, 1000);
  l.max_txs_per_sender = 2;
  Mempool m(l);
  const Bytes a1 = to_bytes("a1"), a2 = to_bytes("a2"), a3 = to_bytes("a3"), b1 = to_bytes("b1");
  EXPECT_EQ(m.add(a1, sha256(a1), sender_key('a', 1), 0), Mempool::AddResult::kAdded);
  EXPECT_EQ(m.add(a2, sha256(a2), sender_key('a', 2), 0), Mempool::AddResult::kAdded);
  EXPECT_EQ(m.add(a3, sha256(a3), sender_key('a', 3), 0), Mempool::AddResult::kSenderFull);
  EXPECT_EQ(Mempool::result_name(Mempool::AddResult::kSenderFull), "SENDER_QUOTA");
  EXPECT_EQ(m.add(b1, sha256(b1), sender_key('b', 1), 0), Mempool::AddResult::kAdded) << "others still get in";
  EXPECT_EQ(m.count_of_sender(sender_key('a', 9)), 2u);
  EXPECT_TRUE(m.remove(sha256(a1)));
  EXPECT_EQ(m.count_of_sender(sender_key('a', 9)), 1u);
  EXPECT_EQ(m.add(a3, sha256(a3), sender_key('a', 3), 0), Mempool::AddResult::kAdded);
}

TEST(MempoolTest, TheReplicaAnswersASenderOverItsQuotaMempoolFull) {
  Config config = test_config();
  config.max_mempool_txs_per_sender = 2;
  Cluster c(4, config);
  c.drop = [](const Envelope&) { return true; };
  for (const char* tx : {"key:AAAAAAAA/00000001", "key:AAAAAAAA/00000002", "key:AAAAAAAA/00000003",
                         "key:BBBBBBBB/00000001"}) {
    c.submit(1, tx);
  }
  const auto& r = c.node(1).tx_reports;
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[1].verdict, TxVerdict::kAccepted);
  EXPECT_EQ(r[2].verdict, TxVerdict::kMempoolFull);
  EXPECT_NE(r[2].message.find("max_mempool_txs_per_sender 2"), std::string::npos) << r[2].message;
  EXPECT_EQ(r[3].verdict, TxVerdict::kAccepted);
}

// The primary gives one sender at most max_block_txs_per_sender places in a
// block; the rest of its transactions wait, and others' still get in.
TEST(MempoolTest, APrimaryCapsEachSendersShareOfABlock) {
  Config config = test_config();
  config.max_block_txs_per_sender = 2;
  Cluster c(4, config);
  for (int n = 1; n <= 5; ++n) c.submit_all("key:AAAAAAAA/0000000" + std::to_string(n));
  c.submit_all("key:BBBBBBBB/00000001");
  c.advance(1000);
  ASSERT_GE(c.node(0).blocks.size(), 3u);
  std::size_t total = 0;
  for (const auto& [height, block] : c.node(0).blocks) {
    std::size_t of_a = 0;
    for (const Bytes& tx : block.block->txs) of_a += as_chars(tx).starts_with("key:AAAAAAAA");
    EXPECT_LE(of_a, 2u) << "height " << height;
    total += block.block->txs.size();
  }
  EXPECT_EQ(total, 6u);
  EXPECT_EQ(c.node(0).blocks.begin()->second.block->txs.size(), 3u) << "two of A's and B's";
}

TEST(MempoolTest, CommittedTransactionsLeaveEveryMempool) {
  Cluster c(4);
  for (int i = 0; i < 5; ++i) c.submit_all(std::string("t").append(std::to_string(i)));
  EXPECT_EQ(c.replica(2).mempool().size(), 5u);
  c.advance(100);
  for (ValidatorIndex i = 0; i < 4; ++i) EXPECT_TRUE(c.replica(i).mempool().empty());
  // A replayed transaction no longer passes check_tx.
  c.submit(2, "t1");
  EXPECT_EQ(c.node(2).tx_reports.back().verdict, TxVerdict::kRejected);
}

}  // namespace
}  // namespace replex::consensus::testing

namespace replex::consensus::testing {
namespace {

// Pins a fixed bug: when a height committed with another block than the
// proposal a replica had accepted (committed through fetched blocks after a
// view it missed), that proposal's transactions stayed marked in flight
// forever: never proposed again, never re-checked.
TEST(MempoolTest, InFlightMarksOfAReplacedProposalAreReleased) {
  Cluster c(4);
  c.drop = [](const Envelope&) { return true; };
  c.submit(1, "a");
  c.inject(0, 1, pre_prepare(0, 0, test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"a"})));
  ASSERT_EQ(c.replica(1).mempool().pending_count(), 0u);  // "a" is in flight

  const Block other = test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"b"});
  const VoteBody vote{0, 1, block_hash(other.header)};
  CommitCertificate cert{0, 1, vote.block_hash, {}};
  for (ValidatorIndex i : {0u, 2u, 3u}) {
    cert.signatures.push_back(
        {i, sign_consensus(validator_key(i), kChainId,
                           vote_signed_bytes(MessageType::kCommit, i, vote))});
  }
  c.feed(1, BlocksReceived{2, {{encode_block(other), encode_commit_certificate(cert)}}});
  c.deliver_all();
  ASSERT_EQ(c.replica(1).committed_height(), 1u);
  EXPECT_EQ(c.replica(1).mempool().size(), 1u);
  EXPECT_EQ(c.replica(1).mempool().pending_count(), 1u);  // "a" is pending again
}

}  // namespace
}  // namespace replex::consensus::testing
