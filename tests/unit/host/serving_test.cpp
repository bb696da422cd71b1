// Serving peers: blocks and state answers from the store, decoded and
// verified as the asking replica would.
#include "replex/host/serving.hpp"

#include <gtest/gtest.h>

#include "replex/consensus/state_transfer.hpp"
#include "unit/host/chain_fixture.hpp"

namespace replex::host::testing {
namespace {

struct Serving : ::testing::Test {
  consensus::ValidatorSet validators = validator_set();
  HostOptions options = host_options();
  ChainFixture fixture;
  TestNode node;

  consensus::ChainContext context() const {
    return {validators,
            kChainId,
            {options.consensus.max_block_txs, options.consensus.max_block_bytes,
             options.consensus.max_tx_bytes},
            kCheckpointInterval};
  }
};

TEST_F(Serving, BlocksRoundTripAndVerify) {
  BlockExecutor executor = node.executor();
  (void)fixture.commit(executor, 6);
  auto answer = serve_blocks(*node.store, 2, 5, options.serve);
  ASSERT_TRUE(answer.is_ok()) << answer.status().to_string();
  auto decoded = decode_blocks_answer(*answer, options.serve);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  ASSERT_EQ(decoded->blocks.size(), 4u);
  EXPECT_FALSE(decoded->from.has_value());
  consensus::Height parent = 1;
  Hash256 parent_hash = fixture.blocks()[0].block_hash;
  for (const consensus::CertifiedBlockBytes& b : decoded->blocks) {
    auto verified = consensus::verify_certified_block(b, context());
    ASSERT_TRUE(verified.is_ok()) << verified.status().to_string();
    ASSERT_TRUE(consensus::verify_chain_link(parent, parent_hash, verified->block->header).is_ok());
    parent = verified->height();
    parent_hash = verified->block_hash;
  }
  EXPECT_EQ(parent, 5u);
}

TEST_F(Serving, BlocksAnswerStopsAtTheTipAndTheLimits) {
  BlockExecutor executor = node.executor();
  (void)fixture.commit(executor, 6);
  EXPECT_EQ(decode_blocks_answer(*serve_blocks(*node.store, 4, 100, options.serve), options.serve)
                ->blocks.size(),
            3u);

  ServeLimits few = options.serve;
  few.max_answer_blocks = 2;
  EXPECT_EQ(decode_blocks_answer(*serve_blocks(*node.store, 1, 6, few), few)->blocks.size(), 2u);

  ServeLimits tiny = options.serve;
  tiny.max_answer_bytes = 1;  // smaller than any block: one still travels
  EXPECT_EQ(decode_blocks_answer(*serve_blocks(*node.store, 1, 6, tiny), tiny)->blocks.size(), 1u);
}

TEST_F(Serving, BlocksNotHeldAreNotFound) {
  BlockExecutor executor = node.executor();
  (void)fixture.commit(executor, 3);
  EXPECT_EQ(serve_blocks(*node.store, 4, 10, options.serve).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(serve_blocks(*node.store, 0, 3, options.serve).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(serve_blocks(*node.store, 3, 2, options.serve).status().code(),
            StatusCode::kInvalidArgument);
  TestNode empty;
  EXPECT_EQ(serve_blocks(*empty.store, 1, 1, options.serve).status().code(), StatusCode::kNotFound);
}

TEST_F(Serving, DecoderRejectsAnswersBeyondTheLimits) {
  BlockExecutor executor = node.executor();
  (void)fixture.commit(executor, 4);
  const Bytes answer = *serve_blocks(*node.store, 1, 4, options.serve);
  ServeLimits few = options.serve;
  few.max_answer_blocks = 3;
  auto refused = decode_blocks_answer(answer, few);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("max_answer_blocks"), std::string::npos)
      << refused.status().message();

  Bytes truncated(answer.begin(), answer.end() - 1);
  EXPECT_EQ(decode_blocks_answer(truncated, options.serve).status().code(),
            StatusCode::kCorruption);
  Bytes versioned = answer;
  versioned[0] = 7;
  EXPECT_FALSE(decode_blocks_answer(versioned, options.serve).is_ok());
}

TEST_F(Serving, StateRoundTripVerifiesAsATransfer) {
  BlockExecutor executor = node.executor();
  const auto executed = fixture.commit(executor, kCheckpointInterval + 3);
  const consensus::CheckpointProof proof = fixture.prove(executed[4]);
  ASSERT_TRUE(
      executor.attach_proof({proof, consensus::encode_checkpoint_proof(proof)}).status.is_ok());

  auto answer = serve_state(*node.store, 0, options.serve);
  ASSERT_TRUE(answer.is_ok()) << answer.status().to_string();
  auto decoded = decode_state_answer(*answer, options.serve);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->blocks.size(), 4u);  // the anchor at 5, then 6..8
  auto verified = consensus::verify_state_transfer(decoded->checkpoint_proof, decoded->snapshot,
                                                   decoded->blocks, context());
  ASSERT_TRUE(verified.is_ok()) << verified.status().to_string();
  EXPECT_EQ(verified->proof, proof);
  EXPECT_EQ(verified->anchor.height(), 5u);
  EXPECT_EQ(verified->later_blocks.size(), 3u);

  // A fresh node installs it and then holds the same state.
  TestNode fresh;
  BlockExecutor installer = fresh.executor();
  ExecutionResult installed = installer.install(
      {verified->proof, verified->proof_bytes, decoded->snapshot, verified->anchor});
  ASSERT_TRUE(installed.status.is_ok()) << installed.status.to_string();
  for (const consensus::CertifiedBlock& b : verified->later_blocks) {
    ASSERT_TRUE(installer.execute({b}).status.is_ok());
  }
  EXPECT_EQ(fresh.app->app_hash(), node.app->app_hash());
}

TEST_F(Serving, StateIsServedOnlyWithAProofAndAboveTheAsker) {
  BlockExecutor executor = node.executor();
  const auto executed = fixture.commit(executor, 2 * kCheckpointInterval);
  // Snapshots at 5 and 10, neither proven yet.
  EXPECT_EQ(serve_state(*node.store, 0, options.serve).status().code(), StatusCode::kNotFound);
  const consensus::CheckpointProof proof = fixture.prove(executed[4]);
  ASSERT_TRUE(
      executor.attach_proof({proof, consensus::encode_checkpoint_proof(proof)}).status.is_ok());
  // The proven one at 5 is served (the newer one at 10 is not proven).
  auto decoded = decode_state_answer(*serve_state(*node.store, 3, options.serve), options.serve);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(*consensus::decode_checkpoint_proof(decoded->checkpoint_proof), proof);
  EXPECT_EQ(serve_state(*node.store, 5, options.serve).status().code(), StatusCode::kNotFound);
}

TEST_F(Serving, StateDecoderRejectsAMissingAnchorAndOversizedSnapshots) {
  BlockExecutor executor = node.executor();
  const auto executed = fixture.commit(executor, kCheckpointInterval);
  const consensus::CheckpointProof proof = fixture.prove(executed.back());
  ASSERT_TRUE(
      executor.attach_proof({proof, consensus::encode_checkpoint_proof(proof)}).status.is_ok());
  const Bytes answer = *serve_state(*node.store, 0, options.serve);

  ServeLimits small = options.serve;
  small.max_snapshot_bytes = 16;
  EXPECT_EQ(serve_state(*node.store, 0, small).status().code(), StatusCode::kResourceExhausted);
  auto refused = decode_state_answer(answer, small);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("max_snapshot_bytes"), std::string::npos);

  ByteWriter w;
  w.u8(kStateAnswerVersion);
  w.bytes(consensus::encode_checkpoint_proof(proof));
  w.bytes(to_bytes("state"));
  w.u32(0);
  auto no_anchor = decode_state_answer(w.data(), options.serve);
  ASSERT_FALSE(no_anchor.is_ok());
  EXPECT_NE(no_anchor.status().message().find("anchor"), std::string::npos);
}

TEST(ServeLimits, ValidateNamesTheField) {
  ServeLimits limits;
  EXPECT_TRUE(limits.validate().is_ok());
  limits.max_answer_blocks = 0;
  EXPECT_NE(limits.validate().message().find("max_answer_blocks"), std::string::npos);
  limits = {};
  limits.max_snapshot_bytes = 0;
  EXPECT_NE(limits.validate().message().find("max_snapshot_bytes"), std::string::npos);
  HostOptions options;
  options.snapshots_kept = 0;
  EXPECT_NE(options.validate().message().find("snapshots_kept"), std::string::npos);
  options = {};
  options.consensus.checkpoint_interval = 0;
  EXPECT_NE(options.validate().message().find("consensus."), std::string::npos);
}

}  // namespace
}  // namespace replex::host::testing
