// Byzantine inputs: equivocation, double votes, old-view replays, forged
// signatures, sender mismatch, and junk that must never crash the core.
#include <gtest/gtest.h>

#include <random>

#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

TEST(Byzantine, EquivocatingPrimaryIsReportedAndStartsAViewChange) {
  Cluster c(4);
  c.hold = [](const Envelope& e) { return e.type == MessageType::kPrepare; };
  c.submit_all("a");
  c.advance(50);  // the primary proposed block 1
  const Block other = test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"b"});
  c.inject(0, 1, pre_prepare(0, 0, other));
  ASSERT_TRUE(c.node(1).has_evidence(EvidenceKind::kEquivocation));
  const Evidence& e = c.node(1).evidence.back();
  EXPECT_EQ(e.validator, 0u);
  ASSERT_EQ(e.messages.size(), 2u);
  // Both conflicting PRE-PREPAREs verify: the evidence is provable offline.
  for (const SharedBytes& m : e.messages) {
    EXPECT_TRUE(verify_message(*m, c.validators(), kChainId, message_limits(c.config())).is_ok());
  }
  EXPECT_EQ(c.replica(1).view(), 1u);
  EXPECT_TRUE(c.replica(1).in_view_change());
}

TEST(Byzantine, DoubleVoteCountsTheFirstAndIsReported) {
  Cluster c(4);
  const Hash256 a = sha256("a");
  const Hash256 b = sha256("b");
  c.inject(2, 1, signed_message(2, MessageType::kPrepare, VoteBody{0, 1, a}));
  EXPECT_TRUE(c.node(1).evidence.empty());
  c.inject(2, 1, signed_message(2, MessageType::kPrepare, VoteBody{0, 1, b}));
  ASSERT_EQ(c.node(1).count_evidence(EvidenceKind::kDoubleVote), 1u);
  EXPECT_EQ(c.node(1).evidence.back().messages.size(), 2u);
  // An identical retransmission is not a double vote.
  c.inject(2, 1, signed_message(2, MessageType::kPrepare, VoteBody{0, 1, a}));
  EXPECT_EQ(c.node(1).count_evidence(EvidenceKind::kDoubleVote), 1u);
  // Same for COMMIT.
  c.inject(3, 1, signed_message(3, MessageType::kCommit, VoteBody{0, 1, a}));
  c.inject(3, 1, signed_message(3, MessageType::kCommit, VoteBody{0, 1, b}));
  EXPECT_EQ(c.node(1).count_evidence(EvidenceKind::kDoubleVote), 2u);
}

TEST(Byzantine, DoubleVotesCannotForgeACommit) {
  // Two validators vote for both of two blocks: only first votes count, so
  // neither block reaches a quorum of COMMITs at a replica.
  Cluster c(4);
  const Block x = test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"x"});
  const Hash256 hx = block_hash(x.header);
  const Hash256 hy = sha256("y");
  c.inject(2, 1, signed_message(2, MessageType::kCommit, VoteBody{0, 1, hy}));
  c.inject(3, 1, signed_message(3, MessageType::kCommit, VoteBody{0, 1, hy}));
  c.inject(2, 1, signed_message(2, MessageType::kCommit, VoteBody{0, 1, hx}));
  c.inject(3, 1, signed_message(3, MessageType::kCommit, VoteBody{0, 1, hx}));
  c.inject(0, 1, signed_message(0, MessageType::kCommit, VoteBody{0, 1, hx}));
  c.inject(0, 1, pre_prepare(0, 0, x));
  EXPECT_EQ(c.replica(1).committed_height(), 0u);
}

TEST(Byzantine, OldViewMessagesAreRejectedAndReported) {
  // No retransmission: the lost COMMITs must cost the view change under test.
  Cluster c(4, without_retransmission());
  c.drop = [](const Envelope& e) { return e.type == MessageType::kCommit; };
  c.submit_all("a");
  c.advance(50);
  // A PREPARE node 2 sent in view 0.
  Bytes old_prepare;
  for (const Envelope& e : c.node(2).sent) {
    if (e.type == MessageType::kPrepare) old_prepare = *e.bytes;
  }
  ASSERT_FALSE(old_prepare.empty());
  c.crash(0);
  c.drop = nullptr;
  c.advance(2000);
  ASSERT_EQ(c.replica(1).view(), 1u);
  const std::size_t before = c.node(1).count_evidence(EvidenceKind::kOldView);
  c.inject(2, 1, old_prepare);
  EXPECT_EQ(c.node(1).count_evidence(EvidenceKind::kOldView), before + 1);
  // An old-view PRE-PREPARE too.
  const Block stale = test_block(2, c.replica(1).committed_hash(), 0, c.now_ms(), {"z"});
  c.inject(0, 1, pre_prepare(0, 0, stale));
  EXPECT_EQ(c.node(1).count_evidence(EvidenceKind::kOldView), before + 2);
}

TEST(Byzantine, PrePrepareFromANonPrimaryIsReportedWithoutAViewChange) {
  Cluster c(4);
  const Block b = test_block(1, test_chain().genesis_hash, 2, c.now_ms(), {"a"});
  c.inject(2, 1, pre_prepare(2, 0, b));
  EXPECT_TRUE(c.node(1).has_evidence(EvidenceKind::kWrongProposer));
  EXPECT_FALSE(c.replica(1).in_view_change());
}

TEST(Byzantine, ForgedSignatureAndSenderMismatchAreReported) {
  Cluster c(4);
  const Bytes m = signed_message(2, MessageType::kPrepare, VoteBody{0, 1, sha256("a")});
  ASSERT_GT(m.size(), 68u);
  Bytes forged = m;
  forged.at(m.size() - 10) ^= 0x01;  // inside the signature (before the u32 block count)
  c.inject(2, 1, forged);
  EXPECT_TRUE(c.node(1).has_evidence(EvidenceKind::kBadSignature));
  // Validator 3 relays validator 2's vote as its own.
  c.inject(3, 1, m);
  ASSERT_TRUE(c.node(1).has_evidence(EvidenceKind::kSenderMismatch));
  EXPECT_EQ(c.node(1).evidence.back().validator, 3u);
  // A signature verified by the driver is not checked again: the flag is
  // the driver's promise, so only use it after verify_message().
  EXPECT_FALSE(
      verify_message(forged, c.validators(), kChainId, message_limits(c.config())).is_ok());
  EXPECT_TRUE(verify_message(m, c.validators(), kChainId, message_limits(c.config())).is_ok());
  c.feed(1, MessageReceived{2, m, true});
  EXPECT_EQ(c.node(1).count_evidence(EvidenceKind::kBadSignature), 1u);
}

TEST(Byzantine, JunkNeverCrashesTheCore) {
  Cluster c(4);
  c.submit_all("a");
  c.advance(50);
  std::vector<Bytes> samples;
  for (ValidatorIndex i = 0; i < 4; ++i) {
    for (const Envelope& e : c.node(i).sent) samples.push_back(*e.bytes);
  }
  ASSERT_FALSE(samples.empty());
  std::mt19937_64 rng(42);
  std::size_t fed = 0;
  for (const Bytes& sample : samples) {
    // Every truncation, and random bit flips.
    for (std::size_t len = 0; len < sample.size(); len += 1 + sample.size() / 64) {
      c.inject(2, 3, Bytes(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(len)));
      ++fed;
    }
    for (int k = 0; k < 20; ++k) {
      Bytes mutated = sample;
      mutated[rng() % mutated.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      c.inject(2, 3, mutated);
      ++fed;
    }
  }
  for (int k = 0; k < 200; ++k) {
    Bytes random(rng() % 300);
    for (auto& b : random) b = static_cast<std::uint8_t>(rng());
    c.inject(1, 3, random);
    ++fed;
  }
  EXPECT_GT(fed, 200u);
  EXPECT_FALSE(c.node(3).evidence.empty());
  // The cluster still works.
  c.advance(5000);
  c.submit_all("b");
  c.advance(5000);
  EXPECT_GE(c.replica(3).committed_height(), 1u);
  c.expect_consistent();
}

}  // namespace
}  // namespace replex::consensus::testing
