// Checkpoints: stabilisation with a quorum proof, WAL and log truncation.
#include <gtest/gtest.h>

#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

void commit_heights(Cluster& c, int heights, int first_tx = 0) {
  for (int i = first_tx; i < first_tx + heights * 10; ++i) c.submit_all("tx-" + std::to_string(i));
  c.advance(200);
}

TEST(Checkpoint, AQuorumOfCheckpointsBecomesStableAndTruncatesTheWal) {
  Cluster c(4);
  commit_heights(c, 12);
  for (ValidatorIndex i = 0; i < 4; ++i) {
    Node& n = c.node(i);
    ASSERT_EQ(c.replica(i).committed_height(), 12u);
    EXPECT_EQ(c.replica(i).stable_checkpoint_height(), 10u) << i;
    ASSERT_TRUE(n.proofs.contains(5));
    ASSERT_TRUE(n.proofs.contains(10));
    auto proof = decode_checkpoint_proof(n.proofs.at(10));
    ASSERT_TRUE(proof.is_ok());
    EXPECT_TRUE(verify_checkpoint_proof(*proof, c.validators(), kChainId, 5).is_ok());
    EXPECT_EQ(proof->checkpoint.block_hash, n.blocks.at(10).block_hash);
    EXPECT_EQ(proof->checkpoint.state_digest, sha256(n.snapshots.at(10)));
    ASSERT_FALSE(n.truncations.empty());
    EXPECT_EQ(n.truncations.back().below_height, 11u);
    for (const auto& [height, record] : n.wal) EXPECT_GE(height, 11u);
  }
}

TEST(Checkpoint, StableCheckpointSurvivesARestart) {
  Cluster c(4);
  commit_heights(c, 7);
  c.crash(3);
  c.restart(3);
  EXPECT_EQ(c.replica(3).stable_checkpoint_height(), 5u);
  commit_heights(c, 4, 1000);
  EXPECT_EQ(c.replica(3).committed_height(), 11u);
  EXPECT_EQ(c.replica(3).stable_checkpoint_height(), 10u);
  c.expect_consistent();
}

TEST(Checkpoint, ConflictingCheckpointsFromOneValidatorAreADoubleVote) {
  Cluster c(4);
  const CheckpointBody a{5, sha256("b"), sha256("app"), sha256("state")};
  CheckpointBody b = a;
  b.app_hash = sha256("other app");
  c.inject(2, 1, signed_message(2, MessageType::kCheckpoint, a));
  c.inject(2, 1, signed_message(2, MessageType::kCheckpoint, b));
  EXPECT_TRUE(c.node(1).has_evidence(EvidenceKind::kDoubleVote));
}

TEST(Checkpoint, CheckpointAtAHeightThatIsNotAMultipleIsMalformed) {
  Cluster c(4);
  c.inject(2, 1,
           signed_message(2, MessageType::kCheckpoint,
                          CheckpointBody{7, sha256("b"), sha256("a"), sha256("s")}));
  EXPECT_TRUE(c.node(1).has_evidence(EvidenceKind::kMalformedMessage));
}

}  // namespace
}  // namespace replex::consensus::testing
