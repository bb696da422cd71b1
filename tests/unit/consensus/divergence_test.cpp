// Divergence: a replica whose own checkpoint differs from the quorum's stops
// taking part (no votes, proposals, commits or CHECKPOINTs), installs the next
// proven state above its committed height, and then takes part again.
#include <gtest/gtest.h>

#include <string>

#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

// Ten transactions per height, submitted everywhere, then time for them to
// commit (long enough for a view change when a primary stays silent).
void commit_heights(Cluster& c, int heights, int first_tx, std::uint64_t ms = 300) {
  for (int i = first_tx; i < first_tx + heights * 10; ++i) c.submit_all("tx-" + std::to_string(i));
  c.advance(ms);
}

// What node i sent from its `from`-th message on, by type.
std::size_t sent_since(Cluster& c, ValidatorIndex i, std::size_t from, MessageType type) {
  std::size_t count = 0;
  const auto& sent = c.node(i).sent;
  for (std::size_t k = from; k < sent.size(); ++k) count += sent[k].type == type;
  return count;
}

void expect_diverged_at(Cluster& c, ValidatorIndex i, Height height) {
  EXPECT_EQ(c.replica(i).diverged_at(), std::optional<Height>(height));
  bool reported = false;
  for (const Evidence& e : c.node(i).evidence) {
    if (e.kind != EvidenceKind::kStateDivergence) continue;
    EXPECT_EQ(e.validator, std::optional<ValidatorIndex>(i)) << e.detail;
    reported |= e.height == height;
  }
  EXPECT_TRUE(reported) << "no STATE_DIVERGENCE at height " << height;
}

TEST(Divergence, ADivergedBackupStopsVotingThenInstallsTheNextProvenStateAndVotesAgain) {
  Cluster c(4);
  c.node(3).app->bend_at(3);  // from height 3 on its state is not the others'
  commit_heights(c, 5, 0);
  ASSERT_EQ(c.replica(0).committed_height(), 5u);
  ASSERT_EQ(c.replica(3).committed_height(), 5u);
  expect_diverged_at(c, 3, 5);
  for (ValidatorIndex i = 0; i < 3; ++i) {
    EXPECT_FALSE(c.replica(i).diverged_at()) << i;
    EXPECT_FALSE(c.node(i).has_evidence(EvidenceKind::kStateDivergence)) << i;
  }

  // The three others commit on; node 3 neither votes, commits nor signs a CHECKPOINT.
  const std::size_t mark = c.node(3).sent.size();
  commit_heights(c, 3, 100);
  EXPECT_EQ(c.replica(0).committed_height(), 8u);
  EXPECT_EQ(c.replica(3).committed_height(), 5u);
  EXPECT_EQ(c.replica(3).diverged_at(), std::optional<Height>(5));
  EXPECT_EQ(c.node(3).installs, 0u);
  for (MessageType type : {MessageType::kPrePrepare, MessageType::kPrepare, MessageType::kCommit,
                           MessageType::kCheckpoint, MessageType::kViewChange}) {
    EXPECT_EQ(sent_since(c, 3, mark, type), 0u) << message_type_name(type);
  }
  EXPECT_FALSE(c.node(3).timers.contains(TimerKind::kRetransmit));
  EXPECT_FALSE(c.node(3).timers.contains(TimerKind::kView));
  EXPECT_EQ(c.replica(0).view(), 0u);  // nobody needed a view change

  // Checkpoint 10 is proven: node 3 asks for it at once (not an interval
  // ahead of its height 5) and installs it in place of its own state.
  commit_heights(c, 2, 200);
  c.advance(2000);
  ASSERT_EQ(c.node(3).installs, 1u);
  bool targeted = false;
  for (const RequestState& r : c.node(3).state_requests) {
    targeted |= r.target && r.target->checkpoint.height == 10 && r.above_height == 5 && r.chunk_bytes > 0;
  }
  EXPECT_TRUE(targeted);
  EXPECT_FALSE(c.replica(3).diverged_at());
  EXPECT_EQ(c.replica(3).stable_checkpoint_height(), std::optional<Height>(10));
  EXPECT_EQ(c.replica(3).committed_height(), c.replica(0).committed_height());
  EXPECT_EQ(c.node(3).app->app_hash(), c.node(0).app->app_hash());
  EXPECT_EQ(c.node(3).app->snapshot(), c.node(0).app->snapshot());

  // It takes part again: it votes, and commits with the others.
  const std::size_t rejoined = c.node(3).sent.size();
  commit_heights(c, 6, 300);
  EXPECT_EQ(c.replica(0).committed_height(), 16u);
  EXPECT_EQ(c.replica(3).committed_height(), 16u);
  EXPECT_GT(sent_since(c, 3, rejoined, MessageType::kCommit), 0u);
  EXPECT_GT(sent_since(c, 3, rejoined, MessageType::kCheckpoint), 0u);
  EXPECT_EQ(c.node(3).app->app_hash(), c.node(0).app->app_hash());
  EXPECT_EQ(c.replica(3).stable_checkpoint_height(), std::optional<Height>(15));
  EXPECT_EQ(c.node(3).count_evidence(EvidenceKind::kStateDivergence), 1u);
  for (ValidatorIndex i = 0; i < 3; ++i) {
    EXPECT_FALSE(c.node(i).has_evidence(EvidenceKind::kInvalidProposal)) << i;
  }
  c.expect_consistent();
}

TEST(Divergence, ADivergedPrimaryStopsProposingTheOthersMoveOnAndItRejoinsInTheirView) {
  Cluster c(4);
  c.node(0).app->bend_at(2);  // the primary of view 0
  commit_heights(c, 5, 0);
  ASSERT_EQ(c.replica(1).committed_height(), 5u);
  expect_diverged_at(c, 0, 5);
  const std::size_t mark = c.node(0).sent.size();

  // Its pending transactions find no proposal: the others time out and
  // change view; it follows them (it joins by the f+1 rule) but opens nothing.
  commit_heights(c, 3, 100, 5000);
  EXPECT_EQ(c.replica(1).view(), 1u);
  EXPECT_EQ(c.replica(1).committed_height(), 8u);
  EXPECT_EQ(c.replica(0).committed_height(), 5u);
  EXPECT_EQ(c.replica(0).view(), 1u);
  EXPECT_FALSE(c.replica(0).in_view_change());
  for (MessageType type : {MessageType::kPrePrepare, MessageType::kPrepare, MessageType::kCommit,
                           MessageType::kCheckpoint, MessageType::kNewView}) {
    EXPECT_EQ(sent_since(c, 0, mark, type), 0u) << message_type_name(type);
  }

  commit_heights(c, 2, 200, 3000);
  ASSERT_EQ(c.node(0).installs, 1u);
  EXPECT_FALSE(c.replica(0).diverged_at());
  EXPECT_EQ(c.replica(0).committed_height(), c.replica(1).committed_height());
  EXPECT_EQ(c.node(0).app->app_hash(), c.node(1).app->app_hash());

  // Back as a backup of view 1, voting.
  const std::size_t rejoined = c.node(0).sent.size();
  commit_heights(c, 3, 300);
  EXPECT_EQ(c.replica(0).view(), c.replica(1).view());
  EXPECT_EQ(c.replica(0).committed_height(), c.replica(1).committed_height());
  EXPECT_GE(c.replica(0).committed_height(), 13u);
  EXPECT_GT(sent_since(c, 0, rejoined, MessageType::kPrepare), 0u);
  EXPECT_EQ(c.node(0).app->app_hash(), c.node(1).app->app_hash());
  c.expect_consistent();
}

// The checkpoint quorum may be complete before this replica executed the
// height (execution runs behind commits): the comparison happens once it has.
TEST(Divergence, FoundWhenTheQuorumProofIsStableBeforeTheReplicaExecutedTheHeight) {
  Cluster c(4);
  c.node(3).app->bend_at(4);
  c.node(3).execute_later = true;
  commit_heights(c, 5, 0);
  ASSERT_EQ(c.replica(3).committed_height(), 5u);
  ASSERT_EQ(c.replica(3).stable_checkpoint_height(), std::optional<Height>(5));
  EXPECT_FALSE(c.replica(3).diverged_at());
  c.node(3).execute_later = false;
  c.execute_waiting(3);
  c.advance(0);
  expect_diverged_at(c, 3, 5);
  commit_heights(c, 5, 100);
  c.advance(2000);
  EXPECT_EQ(c.node(3).installs, 1u);
  EXPECT_FALSE(c.replica(3).diverged_at());
  EXPECT_EQ(c.node(3).app->app_hash(), c.node(0).app->app_hash());
  c.expect_consistent();
}

// The diverged mode is not persisted: restarted, the replica rebuilds its
// (wrong) state, takes part, finds the divergence again at the next
// checkpoint, and recovers at the one after.
TEST(Divergence, AReplicaRestartedWhileDivergedFindsItAgainAndStillRecovers) {
  Cluster c(4);
  c.node(3).app->bend_at(3);
  commit_heights(c, 5, 0);
  expect_diverged_at(c, 3, 5);
  c.crash(3);
  c.restart(3);
  EXPECT_FALSE(c.replica(3).diverged_at());
  commit_heights(c, 5, 100);
  EXPECT_EQ(c.replica(3).committed_height(), 10u);
  expect_diverged_at(c, 3, 10);
  commit_heights(c, 5, 200);
  c.advance(2000);
  EXPECT_EQ(c.node(3).installs, 1u);
  EXPECT_FALSE(c.replica(3).diverged_at());
  EXPECT_EQ(c.replica(3).committed_height(), c.replica(0).committed_height());
  EXPECT_EQ(c.node(3).app->app_hash(), c.node(0).app->app_hash());
  commit_heights(c, 2, 300);
  EXPECT_EQ(c.replica(3).committed_height(), c.replica(0).committed_height());
  c.expect_consistent();
}

}  // namespace
}  // namespace replex::consensus::testing
