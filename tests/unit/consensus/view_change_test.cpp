// View change: a silent primary's prepared block carried over, exponential
// back-off, the f+1 join rule, NEW-VIEW validation, lying VIEW-CHANGEs.
#include <gtest/gtest.h>

#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

Hash256 proposed_hash(const Node& primary, Height height) {
  for (const Envelope& e : primary.sent) {
    if (e.type != MessageType::kPrePrepare) continue;
    auto m = decode_message(*e.bytes, make_validators(4), message_limits(test_config())).value();
    if (m.vote().height == height) return m.vote().block_hash;
  }
  ADD_FAILURE() << "no PRE-PREPARE at height " << height;
  return {};
}

ViewChangeBody genesis_view_change(View view) {
  return ViewChangeBody{view, 0, test_chain().genesis_hash, std::nullopt, {}};
}

Bytes view_change(ValidatorIndex sender, const ViewChangeBody& body,
                  std::vector<Bytes> blocks = {}) {
  return signed_message(sender, MessageType::kViewChange, body, std::move(blocks));
}

TEST(ViewChange, SilentPrimaryPreparedBlockIsCommittedWithTheSameHash) {
  // No retransmission: the lost COMMITs must cost the view change under test.
  Cluster c(4, without_retransmission());
  // Everyone prepares the block, but no COMMIT gets through.
  c.drop = [](const Envelope& e) { return e.type == MessageType::kCommit; };
  for (int i = 0; i < 3; ++i) c.submit_all("tx-" + std::to_string(i));
  c.advance(50);
  const Hash256 prepared = proposed_hash(c.node(0), 1);
  EXPECT_EQ(c.min_committed_height(), 0u);

  c.crash(0);  // the primary goes silent
  c.drop = nullptr;
  c.advance(3000);
  for (ValidatorIndex i = 1; i < 4; ++i) {
    EXPECT_EQ(c.replica(i).view(), 1u) << "node " << i;
    EXPECT_FALSE(c.replica(i).in_view_change());
    ASSERT_EQ(c.replica(i).committed_height(), 1u) << "node " << i;
    EXPECT_EQ(c.node(i).blocks.at(1).block_hash, prepared) << "node " << i;
    EXPECT_EQ(c.node(i).blocks.at(1).certificate.view, 1u);
    ASSERT_FALSE(c.node(i).view_changes.empty());
    EXPECT_EQ(c.node(i).view_changes.back().phase, ViewPhase::kViewEntered);
  }
  c.expect_consistent();

  // The new primary keeps going.
  c.submit_all("after");
  c.advance(100);
  for (ValidatorIndex i = 1; i < 4; ++i) EXPECT_EQ(c.replica(i).committed_height(), 2u);
}

TEST(ViewChange, ThePrimaryOfTheNewViewCanBeBehindTheBase) {
  Cluster c(4);
  // Node 1 (primary of view 1) misses everything of view 0.
  c.drop = [](const Envelope& e) { return e.to == 1; };
  for (int i = 0; i < 20; ++i) c.submit_all("tx-" + std::to_string(i));
  c.advance(100);
  EXPECT_EQ(c.replica(2).committed_height(), 2u);
  EXPECT_EQ(c.replica(1).committed_height(), 0u);
  c.drop = nullptr;
  c.crash(0);
  c.submit_all("more");
  c.advance(5000);
  for (ValidatorIndex i = 1; i < 4; ++i) EXPECT_EQ(c.replica(i).committed_height(), 3u) << i;
  c.expect_consistent();
}

TEST(ViewChange, TimeoutDoublesPerViewChangeWithoutProgressAndIsCapped) {
  Cluster c(4);
  c.crash(1);
  c.crash(2);
  c.crash(3);
  c.submit(0, "stuck");
  ASSERT_TRUE(c.node(0).timers.contains(TimerKind::kView));
  std::uint64_t last = c.node(0).timers.at(TimerKind::kView);
  EXPECT_EQ(last, c.now_ms() + 1000);
  std::vector<std::uint64_t> gaps;
  for (View v = 1; v <= 4; ++v) {
    c.advance(last - c.now_ms());  // the timer of view v-1 expires: VIEW-CHANGE(v)
    ASSERT_EQ(c.replica(0).view(), v);
    // A quorum moved to view v, but its primary (crashed) sends no NEW-VIEW.
    for (ValidatorIndex i : {1u, 2u}) c.inject(i, 0, view_change(i, genesis_view_change(v)));
    const std::uint64_t next = c.node(0).timers.at(TimerKind::kView);
    gaps.push_back(next - last);
    last = next;
  }
  const std::vector<std::uint64_t> expected{2000, 4000, 8000, 8000};
  EXPECT_EQ(gaps, expected);
  // Validator 0 is the primary of view 4: with the quorum it opens the view.
  EXPECT_EQ(c.replica(0).view(), 4u);
  EXPECT_FALSE(c.replica(0).in_view_change());
}

TEST(ViewChange, AReplicaAloneDoesNotClimbViewsItReSendsItsViewChange) {
  Cluster c(4);
  c.crash(1);
  c.crash(2);
  c.crash(3);
  c.submit(0, "stuck");
  c.advance(1000);
  ASSERT_EQ(c.replica(0).view(), 1u);
  const std::size_t sent = c.node(0).sent.size();
  c.advance(20'000);
  EXPECT_EQ(c.replica(0).view(), 1u);
  EXPECT_TRUE(c.replica(0).in_view_change());
  ASSERT_GT(c.node(0).sent.size(), sent);
  EXPECT_EQ(c.node(0).sent.back().type, MessageType::kViewChange);
}

TEST(ViewChange, FPlusOneViewChangesMakeAReplicaJoinTheSmallestView) {
  Cluster c(4);
  c.inject(2, 1, view_change(2, genesis_view_change(2)));
  EXPECT_EQ(c.replica(1).view(), 0u);  // one is not enough: it might be Byzantine
  c.inject(3, 1, view_change(3, genesis_view_change(5)));
  EXPECT_EQ(c.replica(1).view(), 2u);
  EXPECT_TRUE(c.replica(1).in_view_change());
}

TEST(ViewChange, LyingViewChangesAreIgnoredAndReported) {
  Cluster c(4);
  // A committed height "proven" by a certificate with forged signatures.
  const Hash256 fake = sha256("fake block");
  CommitCertificate forged{0, 7, fake, {}};
  for (ValidatorIndex i = 0; i < 3; ++i) {
    Signature sig;
    sig.bytes.fill(static_cast<std::uint8_t>(i + 1));
    forged.signatures.push_back({i, sig});
  }
  c.inject(2, 1, view_change(2, ViewChangeBody{1, 7, fake, forged, {}}));
  EXPECT_TRUE(c.node(1).has_evidence(EvidenceKind::kBadSignature));

  // Height 0 with something other than the genesis hash.
  c.inject(3, 1, view_change(3, ViewChangeBody{1, 0, fake, std::nullopt, {}}));
  EXPECT_TRUE(c.node(1).has_evidence(EvidenceKind::kInvalidViewChange));

  // A genuine prepared certificate whose attached block is another block.
  const Block real = test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"a"});
  const Block other = test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"b"});
  const VoteBody vote{0, 1, block_hash(real.header)};
  PreparedCertificate cert{0,
                           1,
                           vote.block_hash,
                           sign_consensus(validator_key(0), kChainId,
                                          vote_signed_bytes(MessageType::kPrePrepare, 0, vote)),
                           {}};
  for (ValidatorIndex i : {1u, 2u}) {
    cert.prepares.push_back({i, sign_consensus(validator_key(i), kChainId,
                                               vote_signed_bytes(MessageType::kPrepare, i, vote))});
  }
  ViewChangeBody lying = genesis_view_change(1);
  lying.prepared.push_back(cert);
  c.inject(3, 1, view_change(3, lying, {encode_block(other)}));
  EXPECT_EQ(c.node(1).count_evidence(EvidenceKind::kInvalidViewChange), 2u);

  // None of them counted toward the f+1 join rule.
  EXPECT_EQ(c.replica(1).view(), 0u);
  EXPECT_FALSE(c.replica(1).in_view_change());
  // The same certificate with its real block is accepted.
  c.inject(3, 1, view_change(3, lying, {encode_block(real)}));
  c.inject(2, 1, view_change(2, genesis_view_change(1)));
  EXPECT_EQ(c.replica(1).view(), 1u);
}

TEST(ViewChange, NewViewThatDiffersFromTheSelectionIsRejectedAndTheNextViewStarts) {
  Cluster c(4);
  // Node 2 joins view 1 (f+1 VIEW-CHANGEs), then node 1 (its primary) sends a
  // NEW-VIEW re-proposing a block no VIEW-CHANGE carries.
  c.drop = [](const Envelope& e) { return e.to != 2; };
  c.inject(1, 2, view_change(1, genesis_view_change(1)));
  c.inject(3, 2, view_change(3, genesis_view_change(1)));
  ASSERT_EQ(c.replica(2).view(), 1u);
  ASSERT_TRUE(c.replica(2).in_view_change());

  NewViewBody nv;
  nv.view = 1;
  for (ValidatorIndex i : {1u, 2u, 3u}) {
    const ViewChangeBody body = genesis_view_change(1);
    const Message m =
        sign_message(MessageType::kViewChange, i, body, {}, validator_key(i), kChainId);
    nv.view_changes.push_back({i, body, m.signature});
  }
  const Hash256 bogus = sha256("bogus");
  nv.proposals.push_back(
      {1, bogus,
       sign_consensus(validator_key(1), kChainId,
                      vote_signed_bytes(MessageType::kPrePrepare, 1, {1, 1, bogus}))});
  c.inject(1, 2, signed_message(1, MessageType::kNewView, nv));
  EXPECT_TRUE(c.node(2).has_evidence(EvidenceKind::kInvalidNewView));
  EXPECT_EQ(c.replica(2).view(), 2u);
  EXPECT_TRUE(c.replica(2).in_view_change());

  // The honest NEW-VIEW (no re-proposals) is accepted by a replica in view change to 1.
  Cluster d(4);
  d.drop = [](const Envelope& e) { return e.to != 2; };
  d.inject(1, 2, view_change(1, genesis_view_change(1)));
  d.inject(3, 2, view_change(3, genesis_view_change(1)));
  nv.proposals.clear();
  d.inject(1, 2, signed_message(1, MessageType::kNewView, nv));
  EXPECT_FALSE(d.node(2).has_evidence(EvidenceKind::kInvalidNewView));
  EXPECT_EQ(d.replica(2).view(), 1u);
  EXPECT_FALSE(d.replica(2).in_view_change());
}

TEST(ViewChange, ALateViewChangeSenderGetsTheNewViewAgain) {
  Cluster c(4);
  c.submit_all("x");
  c.crash(0);
  // Node 3 misses the NEW-VIEW of view 1.
  c.drop = [](const Envelope& e) { return e.type == MessageType::kNewView && e.to == 3; };
  c.advance(1000);
  EXPECT_EQ(c.replica(1).view(), 1u);
  EXPECT_TRUE(c.replica(3).in_view_change());
  c.drop = nullptr;
  // Its VIEW-CHANGE (re-sent when it restarts, here injected again) gets the NEW-VIEW back.
  std::vector<Bytes> view_changes;
  for (const Envelope& e : c.node(3).sent) {
    if (e.type == MessageType::kViewChange && e.to == 1) view_changes.push_back(*e.bytes);
  }
  ASSERT_FALSE(view_changes.empty());
  for (Bytes& vc : view_changes) c.inject(3, 1, std::move(vc));
  EXPECT_EQ(c.replica(3).view(), 1u);
  EXPECT_FALSE(c.replica(3).in_view_change());
  c.advance(200);
  c.expect_consistent();
}

// Found by the simulator (replex-sim --seed 5, a silent validator and a
// crashed primary): replica 1 timed out in view 2 and moved to view 3, which
// replaced its VIEW-CHANGE(2); replica 0, still in view 2, then no longer
// counted a quorum there and only re-sent its VIEW-CHANGE, while view 3 never
// reached f+1 senders: the cluster stalled for good.
TEST(ViewChange, QuorumMemberMovingToALaterViewDoesNotStallTheOthers) {
  Cluster c(4);
  c.crash(1);
  c.crash(2);
  c.crash(3);
  // Validators 1 and 2 want view 2 (f+1: replica 0 joins); the primary of
  // view 2 never sends its NEW-VIEW.
  c.inject(1, 0, view_change(1, genesis_view_change(2)));
  c.inject(2, 0, view_change(2, genesis_view_change(2)));
  ASSERT_EQ(c.replica(0).view(), 2u);
  ASSERT_TRUE(c.replica(0).in_view_change());
  // Validator 1 times out first and moves on to view 3.
  c.inject(1, 0, view_change(1, genesis_view_change(3)));
  c.advance(4 * c.config().view_timeout_ms);
  EXPECT_EQ(c.replica(0).view(), 3u) << "a quorum left view 1; view 2 timed out";
}

Height vote_height(const Envelope& e) {
  return decode_message(*e.bytes, make_validators(4), message_limits(test_config()))->vote().height;
}

// Block 1 ("a") commits everywhere but at `lagging`; block 2 ("b") prepares
// everywhere and commits nowhere. The network filter doing this stays set.
void commit_block_1_except_at(Cluster& c, ValidatorIndex lagging) {
  c.drop = [lagging](const Envelope& e) {
    return e.type == MessageType::kCommit && (e.to == lagging || vote_height(e) == 2);
  };
  c.submit_all("a");
  c.advance(60);
  c.submit_all("b");
  c.advance(60);
}

// Advances the clock until node `i` has entered view 1 (at most 3 s).
void advance_into_view_1(Cluster& c, ValidatorIndex i) {
  for (int step = 0; step < 300 && (c.replica(i).view() != 1 || c.replica(i).in_view_change()); ++step) {
    c.advance(10);
  }
}

// Found by the simulator (replex-sim --seed 31 --validators 7): the primary
// of a new view was behind its NEW-VIEW's base but held a re-proposal above
// it, so it cut fresh blocks from a mempool still holding transactions the
// blocks up to the base had committed; replicas at the base refused the
// honest primary's block (INVALID_PROPOSAL) and changed views for nothing.
TEST(ViewChange, APrimaryBehindItsBaseCatchesUpBeforeProposing) {
  Cluster c(4);
  // Node 1 is the primary of view 1.
  commit_block_1_except_at(c, 1);
  ASSERT_EQ(c.replica(2).committed_height(), 1u);
  ASSERT_EQ(c.replica(1).committed_height(), 0u);
  c.drop = nullptr;
  c.serve_blocks = false;  // node 1 cannot fetch block 1 yet
  c.crash(0);
  c.submit_all("c");
  advance_into_view_1(c, 1);
  // View 1: base 1 (nodes 2 and 3 committed it), block 2 re-proposed; node 1
  // is behind the base and must not propose "a" (committed in block 1) again.
  ASSERT_EQ(c.replica(1).view(), 1u);
  ASSERT_FALSE(c.replica(1).in_view_change());
  c.advance(50);
  EXPECT_EQ(c.replica(1).committed_height(), 0u);
  for (ValidatorIndex i = 2; i < 4; ++i) {
    EXPECT_FALSE(c.node(i).has_evidence(EvidenceKind::kInvalidProposal)) << "node " << i;
  }
  c.serve_blocks = true;
  c.advance(3000);
  for (ValidatorIndex i = 1; i < 4; ++i) {
    EXPECT_FALSE(c.node(i).has_evidence(EvidenceKind::kInvalidProposal)) << "node " << i;
    EXPECT_EQ(c.replica(i).view(), 1u) << "node " << i;
    EXPECT_EQ(c.replica(i).committed_height(), 3u) << "node " << i;
  }
  c.expect_consistent();
}

// Block 1 ("a") commits at nodes 0-2 but not at node 3, which cannot fetch
// it; block 2 ("b") prepares everywhere and commits nowhere; node 0 crashes
// and view 1 begins, with base 1 and block 2 re-proposed by node 1. Commits
// for height 2 and to node 3 stay dropped.
void leave_node3_behind_the_base(Cluster& c) {
  commit_block_1_except_at(c, 3);
  ASSERT_EQ(c.replica(1).committed_height(), 1u);
  ASSERT_EQ(c.replica(3).committed_height(), 0u);
  c.serve_blocks = false;
  c.crash(0);
  advance_into_view_1(c, 3);
  ASSERT_EQ(c.replica(3).view(), 1u);
  ASSERT_FALSE(c.replica(3).in_view_change());
}

// The backups' side of the rule above: a backup behind the NEW-VIEW's base
// judges no fresh proposal until it holds the blocks up to the base. Its
// state lacks what they did (here "a", as an account a deposit created).
TEST(ViewChange, ABackupBehindTheBaseJudgesNoFreshProposalUntilItCatchesUp) {
  Cluster c(4);
  ASSERT_NO_FATAL_FAILURE(leave_node3_behind_the_base(c));
  // View 1's primary (node 1) is at the base and cuts "needs:a" above the
  // re-proposed block 2.
  c.submit_all("needs:a");
  c.advance(200);
  const auto proposed_above_base = [&] {
    for (const Envelope& e : c.node(1).sent) {
      if (e.type == MessageType::kPrePrepare && e.to == 3 && vote_height(e) == 3) return true;
    }
    return false;
  };
  ASSERT_TRUE(proposed_above_base());
  EXPECT_EQ(c.replica(3).committed_height(), 0u);
  EXPECT_FALSE(c.node(3).has_evidence(EvidenceKind::kInvalidProposal));
  c.drop = nullptr;
  c.serve_blocks = true;
  c.advance(3000);
  for (ValidatorIndex i = 1; i < 4; ++i) {
    EXPECT_FALSE(c.node(i).has_evidence(EvidenceKind::kInvalidProposal)) << "node " << i;
    EXPECT_EQ(c.replica(i).view(), 1u) << "node " << i;
    EXPECT_EQ(c.replica(i).committed_height(), 3u) << "node " << i;
  }
  c.expect_consistent();
}

// Nor does it accept one on that stale state: a primary that re-proposes
// "a" (committed in block 1, which node 3 lacks) is refused once node 3
// holds block 1, instead of being voted for.
TEST(ViewChange, ABackupBehindTheBaseRefusesAReplayOnceItCatchesUp) {
  Cluster c(4);
  ASSERT_NO_FATAL_FAILURE(leave_node3_behind_the_base(c));
  std::optional<Hash256> block2;
  for (const Envelope& e : c.node(0).sent) {
    if (e.type == MessageType::kPrePrepare && vote_height(e) == 2) {
      block2 = decode_message(*e.bytes, make_validators(4), message_limits(test_config()))->vote().block_hash;
    }
  }
  ASSERT_TRUE(block2.has_value());
  c.inject(1, 3, pre_prepare(1, 1, test_block(3, *block2, 1, c.now_ms(), {"a"})));
  c.advance(100);
  EXPECT_FALSE(c.node(3).has_evidence(EvidenceKind::kInvalidProposal)) << "judged only at the base";
  c.drop = nullptr;
  c.serve_blocks = true;
  c.advance(3000);
  EXPECT_GE(c.replica(3).committed_height(), 1u);
  EXPECT_TRUE(c.node(3).has_evidence(EvidenceKind::kInvalidProposal));
}

// The interleaving of SimRegressions.AProposalOnAnOrphanedBlockIsNotJudged
// (seed 703), pinned: node 3, stale in view 0, accepted primary 0's blocks 1
// ("x") and 2 ("y"), which never prepared; view 1 committed another block 1
// ("z") without it, and node 3 then commits that block, fetched. Its block 2
// now chains onto nothing it committed, so a view-0 proposal above it is not
// judged: on the orphaned chain, "z" looked "already in a block below" and
// the honest old primary was blamed (INVALID_PROPOSAL).
TEST(ViewChange, AProposalOnAnOrphanedBlockIsNotJudged) {
  Cluster c(4);
  c.drop = [](const Envelope& e) { return e.type == MessageType::kPrePrepare && e.to != 3; };
  c.submit(0, "x");
  c.advance(60);
  c.submit(0, "y");
  c.advance(60);
  std::optional<Hash256> block2;
  for (const Envelope& e : c.node(0).sent) {
    if (e.type == MessageType::kPrePrepare && e.to == 3 && vote_height(e) == 2) {
      block2 = decode_message(*e.bytes, make_validators(4), message_limits(test_config()))->vote().block_hash;
    }
  }
  ASSERT_TRUE(block2.has_value());
  ASSERT_EQ(c.replica(3).committed_height(), 0u);

  // Node 3 is paused (or it would time out of view 0 too), and the others
  // never get primary 0's view-0 blocks: they change views and commit "z".
  c.pause(3);
  c.drop = [](const Envelope& e) { return e.to == 3 || (e.type == MessageType::kPrePrepare && e.from == 0); };
  for (ValidatorIndex i = 0; i < 3; ++i) c.submit(i, "z");
  advance_into_view_1(c, 1);
  c.advance(200);
  ASSERT_EQ(c.replica(1).view(), 1u);
  ASSERT_GE(c.replica(1).committed_height(), 1u);
  c.resume(3);  // still in view 0, blocks 1 and 2 accepted; the clock stays put from here
  ASSERT_EQ(c.replica(3).view(), 0u);

  std::optional<BlocksReceived> fetched = c.blocks_answer(RequestBlocks{1, 1, {1}});
  ASSERT_TRUE(fetched.has_value());
  fetched->from = 1;
  c.feed(3, std::move(*fetched));
  c.deliver_all();
  ASSERT_EQ(c.replica(3).committed_height(), 1u);
  ASSERT_EQ(c.replica(3).view(), 0u);

  const std::size_t sent_before = c.node(3).sent.size();
  c.drop = [](const Envelope& e) { return e.from == 3; };
  c.inject(0, 3, pre_prepare(0, 0, test_block(3, *block2, 0, c.now_ms(), {"z"})));
  c.deliver_all();
  EXPECT_FALSE(c.node(3).has_evidence(EvidenceKind::kInvalidProposal))
      << c.node(3).evidence.front().detail;
  for (std::size_t k = sent_before; k < c.node(3).sent.size(); ++k) {
    const Envelope& e = c.node(3).sent[k];
    EXPECT_FALSE(e.type == MessageType::kPrepare && vote_height(e) == 3) << "voted on an orphaned chain";
  }
}

}  // namespace
}  // namespace replex::consensus::testing
