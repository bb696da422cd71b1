// Proposal validation: every refusal reports INVALID_PROPOSAL against the
// primary and starts a view change; a valid proposal is prepared.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

struct Refusal {
  std::string name;
  std::string reason;  // a fragment of the evidence detail
  // Builds the PRE-PREPARE bytes for height 1 given a valid block.
  std::function<Bytes(Block valid, std::uint64_t now_ms)> make;
};

Bytes resign(Block b) { return pre_prepare(0, 0, b); }

Block rebuilt(const Block& b, std::vector<std::string> txs) {
  return test_block(b.header.height, b.header.prev_block_hash, b.header.proposer, b.header.time_ms,
                    std::move(txs));
}

std::vector<Refusal> refusals() {
  return {
      {"WrongProposerField", "block.proposer",
       [](Block b, std::uint64_t) {
         b.header.proposer = 2;
         return resign(b);
       }},
      {"HeightMismatch", "block.height",
       [](Block b, std::uint64_t) {
         b.header.height = 2;
         return signed_message(0, MessageType::kPrePrepare, VoteBody{0, 1, block_hash(b.header)},
                               {encode_block(b)});
       }},
      {"WrongParent", "block.prev_block_hash",
       [](Block b, std::uint64_t) {
         b.header.prev_block_hash = sha256("not the genesis");
         return resign(b);
       }},
      {"TimeBeforeParent", "before the previous block",
       [](Block b, std::uint64_t) {
         b.header.time_ms = test_chain().genesis_time_ms - 1;
         return resign(b);
       }},
      {"TimeTooFarAhead", "max_clock_skew_ms",
       [](Block b, std::uint64_t now) {
         b.header.time_ms = now + 2001;
         return resign(b);
       }},
      {"TimeTooFarBehind", "max_clock_skew_ms",
       [](Block b, std::uint64_t now) {
         b.header.time_ms = now - 2001;
         return resign(b);
       }},
      {"TxRootMismatch", "block.tx_root",
       [](Block b, std::uint64_t) {
         b.header.tx_root = sha256("wrong root");
         return resign(b);
       }},
      {"TxCountMismatch", "block",
       [](Block b, std::uint64_t) {
         b.header.tx_count += 1;
         Bytes bytes = encode_header(b.header);  // claims one transaction more than follows
         for (const Bytes& tx : b.txs) {
           ByteWriter w;
           w.bytes(tx);
           bytes.insert(bytes.end(), w.data().begin(), w.data().end());
         }
         return signed_message(0, MessageType::kPrePrepare, VoteBody{0, 1, block_hash(b.header)},
                               {bytes});
       }},
      {"TooManyTransactions", "max_block_txs",
       [](Block b, std::uint64_t) {
         std::vector<std::string> txs;
         for (int i = 0; i < 11; ++i) txs.push_back(std::string("t").append(std::to_string(i)));
         return resign(rebuilt(b, txs));
       }},
      {"TooManyBytes", "max_block_bytes",
       [](Block b, std::uint64_t) {
         return resign(
             rebuilt(b, {std::string(4000, 'x'), std::string(4000, 'y'), std::string(4000, 'z')}));
       }},
      {"DuplicateTransaction", "duplicate",
       [](Block b, std::uint64_t) {
         return resign(rebuilt(b, {"a", "b", "a"}));
       }},
      {"SameReplayKeyTwice", "same replay key (signer and nonce) as block.txs[0]",
       [](Block b, std::uint64_t) {
         return resign(rebuilt(b, {"key:acct0001-first", "key:acct0001-second"}));
       }},
      {"FailsVerifyTx", "verify_tx: BAD",
       [](Block b, std::uint64_t) {
         return resign(rebuilt(b, {"a", "bad-tx"}));
       }},
      {"FailsCheckTx", "check_tx: STALE",
       [](Block b, std::uint64_t) { return resign(rebuilt(b, {"stale-tx"})); }},
      {"SignedHashIsNotTheBlock", "hash differs",
       [](Block b, std::uint64_t) {
         return signed_message(0, MessageType::kPrePrepare, VoteBody{0, 1, sha256("other")},
                               {encode_block(b)});
       }},
  };
}

Config small_blocks() {
  Config c = test_config();
  c.max_block_bytes = 8192;
  c.max_message_bytes = 1 << 20;
  return c;
}

class ProposalRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(ProposalRefusal, IsReportedAndStartsAViewChange) {
  Cluster c(4, small_blocks());
  c.drop = [](const Envelope&) { return true; };  // observe node 1 alone
  const Block valid = test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"a", "b"});
  c.inject(0, 1, GetParam().make(valid, c.now_ms()));
  ASSERT_TRUE(c.node(1).has_evidence(EvidenceKind::kInvalidProposal));
  const Evidence& e = c.node(1).evidence.back();
  EXPECT_EQ(e.validator, 0u);
  EXPECT_NE(e.detail.find(GetParam().reason), std::string::npos) << e.detail;
  EXPECT_EQ(c.replica(1).view(), 1u);
  EXPECT_TRUE(c.replica(1).in_view_change());
  // No PREPARE left node 1.
  for (const Envelope& sent : c.node(1).sent) EXPECT_NE(sent.type, MessageType::kPrepare);
}

INSTANTIATE_TEST_SUITE_P(Every, ProposalRefusal, ::testing::ValuesIn(refusals()),
                         [](const auto& p) { return p.param.name; });

TEST(ProposalValidation, AValidProposalIsPrepared) {
  Cluster c(4, small_blocks());
  c.drop = [](const Envelope&) { return true; };
  c.inject(0, 1, pre_prepare(0, 0, test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"a"})));
  EXPECT_TRUE(c.node(1).evidence.empty());
  ASSERT_FALSE(c.node(1).sent.empty());
  EXPECT_EQ(c.node(1).sent.back().type, MessageType::kPrepare);
  // The PREPARE was persisted before it was sent.
  EXPECT_FALSE(c.node(1).wal.empty());
}

TEST(ProposalValidation, TransactionInAnUncommittedAncestorIsRefused) {
  Cluster c(4, small_blocks());
  c.drop = [](const Envelope&) { return true; };
  const Block first = test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"a"});
  c.inject(0, 1, pre_prepare(0, 0, first));
  const Block second = test_block(2, block_hash(first.header), 0, c.now_ms(), {"b", "a"});
  c.inject(0, 1, pre_prepare(0, 0, second));
  ASSERT_TRUE(c.node(1).has_evidence(EvidenceKind::kInvalidProposal));
  EXPECT_NE(c.node(1).evidence.back().detail.find("already in a block below"), std::string::npos);
}

TEST(ProposalValidation, AReplayKeyUsedByAnUncommittedAncestorIsRefused) {
  Cluster c(4, small_blocks());
  c.drop = [](const Envelope&) { return true; };
  const Block first = test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"key:acct0001-a"});
  c.inject(0, 1, pre_prepare(0, 0, first));
  const Block second = test_block(2, block_hash(first.header), 0, c.now_ms(), {"b", "key:acct0001-b"});
  c.inject(0, 1, pre_prepare(0, 0, second));
  ASSERT_TRUE(c.node(1).has_evidence(EvidenceKind::kInvalidProposal));
  EXPECT_NE(c.node(1).evidence.back().detail.find("block.txs[1]: its replay key"), std::string::npos)
      << c.node(1).evidence.back().detail;
}

TEST(ProposalValidation, ValidityDoesNotDependOnHowFarExecutionGot) {
  Cluster c(4, small_blocks());
  ASSERT_NO_FATAL_FAILURE(c.commit_block_1_unexecuted_at(1, "key:acct0001-first"));
  ASSERT_EQ(c.node(2).app->last_height(), 1u);
  // A proposal reusing the committed transaction's key: node 2 refuses it by
  // check_tx, node 1 (whose state does not show it yet) by the same rule.
  c.drop = [](const Envelope&) { return true; };
  const Block second =
      test_block(2, c.node(2).blocks.at(1).block_hash, 0, c.now_ms(), {"key:acct0001-second"});
  c.inject(0, 1, pre_prepare(0, 0, second));
  c.inject(0, 2, pre_prepare(0, 0, second));
  ASSERT_TRUE(c.node(1).has_evidence(EvidenceKind::kInvalidProposal));
  ASSERT_TRUE(c.node(2).has_evidence(EvidenceKind::kInvalidProposal));
  EXPECT_NE(c.node(1).evidence.back().detail.find("replay key"), std::string::npos) << c.node(1).evidence.back().detail;
  EXPECT_NE(c.node(2).evidence.back().detail.find("check_tx: REPLAY"), std::string::npos)
      << c.node(2).evidence.back().detail;
}

// The other way round: a refusal a later state may lift ("needs:a" before
// "a" executed, as an order from an account a deposit creates) is final only
// on the state right below the block. A backup whose execution lags the
// primary's waits for it instead of refusing an honest proposal.
TEST(ProposalValidation, ARefusalALaterStateMayLiftWaitsForTheStateBelowTheBlock) {
  Cluster c(4, small_blocks());
  ASSERT_NO_FATAL_FAILURE(c.commit_block_1_unexecuted_at(1, "a"));
  c.submit(0, "needs:a");                       // the primary executed "a"
  c.advance(100);
  EXPECT_TRUE(c.node(1).evidence.empty()) << c.node(1).evidence.front().detail;
  c.node(1).execute_later = false;
  c.execute_waiting(1);
  c.advance(100);
  for (ValidatorIndex i = 0; i < 4; ++i) {
    EXPECT_TRUE(c.node(i).evidence.empty()) << "node " << i << ": " << c.node(i).evidence.front().detail;
    EXPECT_EQ(c.replica(i).view(), 0u) << i;
    EXPECT_EQ(c.replica(i).committed_height(), 2u) << i;
  }
  EXPECT_EQ(c.node(1).blocks.at(2).block->txs, std::vector<Bytes>{to_bytes("needs:a")});

  // On the state right below the block the refusal is final.
  c.drop = [](const Envelope&) { return true; };
  const Block third = test_block(3, c.node(2).blocks.at(2).block_hash, 0, c.now_ms(), {"needs:z"});
  c.inject(0, 2, pre_prepare(0, 0, third));
  ASSERT_TRUE(c.node(2).has_evidence(EvidenceKind::kInvalidProposal));
  EXPECT_NE(c.node(2).evidence.back().detail.find("check_tx: UNMET"), std::string::npos)
      << c.node(2).evidence.back().detail;
}

// And a refusal a later state may cause ("before:a" once "a" executed, as an
// attestation of a deposit a later block credited) keeps a transaction out
// of the mempool but does not make a block invalid: a primary whose
// execution lags includes it, and execution rejects it.
TEST(ProposalValidation, ARefusalALaterStateMayCauseDoesNotMakeABlockInvalid) {
  Cluster c(4, small_blocks());
  ASSERT_NO_FATAL_FAILURE(c.commit_block_1_unexecuted_at(0, "a"));  // the primary's execution lags
  ASSERT_EQ(c.replica(1).committed_height(), 1u);
  c.submit(0, "before:a");  // admitted on the primary's state, where "a" has not executed
  c.advance(100);
  for (ValidatorIndex i = 0; i < 4; ++i) {
    EXPECT_TRUE(c.node(i).evidence.empty()) << "node " << i << ": " << c.node(i).evidence.front().detail;
    EXPECT_EQ(c.replica(i).view(), 0u) << i;
  }
  ASSERT_EQ(c.replica(1).committed_height(), 2u);
  EXPECT_EQ(c.node(1).blocks.at(2).block->txs, std::vector<Bytes>{to_bytes("before:a")});
}

TEST(ProposalValidation, AnHonestPrimaryLeavesOutWhatItsUnexecutedBlocksUsedUp) {
  Cluster c(4, small_blocks());
  ASSERT_NO_FATAL_FAILURE(c.commit_block_1_unexecuted_at(0, "key:acct0001-first"));  // the primary's execution lags
  // The primary still admits the same key (its state is at height 0); the
  // backups, which executed height 1, do not.
  c.submit_all("key:acct0001-second");
  c.submit_all("other");
  c.advance(100);
  for (ValidatorIndex i = 0; i < 4; ++i) {
    EXPECT_TRUE(c.node(i).evidence.empty()) << "node " << i << ": " << c.node(i).evidence.front().detail;
    EXPECT_EQ(c.replica(i).view(), 0u) << i;
  }
  ASSERT_EQ(c.replica(1).committed_height(), 2u);
  EXPECT_EQ(c.node(1).blocks.at(2).block->txs, std::vector<Bytes>{to_bytes("other")});
  // Once the primary executes, check_tx evicts the conflicting transaction.
  c.execute_waiting(0);
  c.deliver_all();
  const Hash256 second = tx_hash(to_bytes("key:acct0001-second"));
  EXPECT_TRUE(std::any_of(c.node(0).tx_reports.begin(), c.node(0).tx_reports.end(), [&](const TxStatusReport& r) {
    return r.tx_hash == second && r.verdict == TxVerdict::kEvicted;
  }));
}

TEST(ProposalValidation, AChildArrivingBeforeItsParentWaitsInsteadOfBeingRefused) {
  Cluster c(4, small_blocks());
  c.drop = [](const Envelope&) { return true; };
  const Block first = test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"a"});
  const Block second = test_block(2, block_hash(first.header), 0, c.now_ms(), {"b"});
  c.inject(0, 1, pre_prepare(0, 0, second));
  EXPECT_TRUE(c.node(1).evidence.empty());
  c.inject(0, 1, pre_prepare(0, 0, first));
  EXPECT_TRUE(c.node(1).evidence.empty());
  EXPECT_FALSE(c.replica(1).in_view_change());
}

TEST(ProposalValidation, ATransactionVerifiedInTheMempoolIsNotVerifiedAgain) {
  Cluster c(4, small_blocks());
  c.drop = [](const Envelope&) { return true; };
  c.submit(1, "known");
  const std::size_t before = c.node(1).app->verify_calls();
  c.inject(
      0, 1,
      pre_prepare(0, 0,
                  test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"known", "unknown"})));
  EXPECT_TRUE(c.node(1).evidence.empty());
  EXPECT_EQ(c.node(1).app->verify_calls(), before + 1);  // "unknown" only
}

TEST(ProposalValidation, HeightsBeyondTheWindowAreIgnored) {
  Cluster c(4, small_blocks());
  c.drop = [](const Envelope&) { return true; };
  c.inject(0, 1, pre_prepare(0, 0, test_block(5, sha256("x"), 0, c.now_ms(), {"a"})));
  EXPECT_TRUE(c.node(1).evidence.empty());
  EXPECT_FALSE(c.replica(1).in_view_change());
}

}  // namespace
}  // namespace replex::consensus::testing
