// Recovery: snapshot + replay, refusal of stored data that fails its
// checks, completion of an interrupted state install, WAL read back.
#include "replex/host/recovery.hpp"

#include <gtest/gtest.h>

#include "replex/consensus/wal.hpp"
#include "replex/core/hash.hpp"
#include "replex/host/stored_snapshot.hpp"
#include "unit/host/chain_fixture.hpp"

namespace replex::host::testing {
namespace {

struct Recovery : ::testing::Test {
  consensus::ValidatorSet validators = validator_set();
  consensus::ChainInfo chain = chain_info();
  HostOptions options = host_options();
  ChainFixture fixture;
  TestNode node;

  Result<Recovered> run() {
    node.reopen();
    return recover(*node.app, *node.store, {chain, validators, options.consensus});
  }
};

TEST_F(Recovery, FreshStoreStartsFromGenesis) {
  auto recovered = run();
  ASSERT_TRUE(recovered.is_ok()) << recovered.status().to_string();
  EXPECT_EQ(recovered->state.committed_height, 0u);
  EXPECT_EQ(recovered->state.committed_hash, chain.genesis_hash);
  EXPECT_EQ(recovered->state.committed_time_ms, chain.genesis_time_ms);
  EXPECT_FALSE(recovered->state.committed_certificate.has_value());
  EXPECT_TRUE(recovered->state.wal_records.empty());
  EXPECT_EQ(recovered->replayed_blocks, 0u);
}

TEST_F(Recovery, ReplaysEveryBlockWithoutASnapshot) {
  BlockExecutor executor = node.executor();
  (void)fixture.commit(executor, 4);
  const Hash256 app_hash = node.app->app_hash();

  auto recovered = run();
  ASSERT_TRUE(recovered.is_ok()) << recovered.status().to_string();
  EXPECT_EQ(recovered->snapshot_height, 0u);
  EXPECT_EQ(recovered->replayed_blocks, 4u);
  EXPECT_EQ(recovered->replayed_txs, 16u);
  EXPECT_EQ(node.app->last_height(), 4u);
  EXPECT_EQ(node.app->app_hash(), app_hash);
  const consensus::RecoveredState& state = recovered->state;
  EXPECT_EQ(state.committed_height, 4u);
  EXPECT_EQ(state.committed_hash, fixture.tip_hash());
  EXPECT_EQ(state.committed_time_ms, fixture.blocks().back().block->header.time_ms);
  ASSERT_TRUE(state.committed_certificate.has_value());
  EXPECT_EQ(*state.committed_certificate, fixture.blocks().back().certificate);
}

TEST_F(Recovery, RestoresTheLatestSnapshotThenReplaysTheBlocksAfterIt) {
  BlockExecutor executor = node.executor();
  const auto executed = fixture.commit(executor, 2 * kCheckpointInterval + 3);
  const consensus::CheckpointProof proof = fixture.prove(executed[9]);
  ASSERT_TRUE(
      executor.attach_proof({proof, consensus::encode_checkpoint_proof(proof)}).status.is_ok());
  const Hash256 app_hash = node.app->app_hash();

  auto recovered = run();
  ASSERT_TRUE(recovered.is_ok()) << recovered.status().to_string();
  EXPECT_EQ(recovered->snapshot_height, 10u);
  EXPECT_EQ(recovered->replayed_blocks, 3u);
  EXPECT_EQ(node.app->app_hash(), app_hash);
  EXPECT_EQ(recovered->state.committed_height, 13u);
  ASSERT_TRUE(recovered->state.stable_checkpoint.has_value());
  EXPECT_EQ(*recovered->state.stable_checkpoint, proof);
}

TEST_F(Recovery, TakesTheStableCheckpointFromAnOlderSnapshotWhenTheLatestLacksItsProof) {
  BlockExecutor executor = node.executor();
  const auto executed = fixture.commit(executor, 2 * kCheckpointInterval);
  const consensus::CheckpointProof proof = fixture.prove(executed[4]);
  ASSERT_TRUE(
      executor.attach_proof({proof, consensus::encode_checkpoint_proof(proof)}).status.is_ok());

  auto recovered = run();
  ASSERT_TRUE(recovered.is_ok()) << recovered.status().to_string();
  EXPECT_EQ(recovered->snapshot_height, 10u);
  ASSERT_TRUE(recovered->state.stable_checkpoint.has_value());
  EXPECT_EQ(recovered->state.stable_checkpoint->checkpoint.height, 5u);
}

TEST_F(Recovery, RefusesAStoredAppHashThatReplayDoesNotReproduce) {
  BlockExecutor executor = node.executor();
  (void)fixture.commit(executor, 2);
  // Block 3 stored with an app_hash its execution does not give (a
  // divergent or damaged state machine wrote it).
  const consensus::CertifiedBlock block = fixture.next_block(fixture.orders(2));
  storage::BlockRecord record{
      3, block.block_hash, sha256("wrong"), block.block_bytes, block.certificate_bytes, {}, {}};
  ASSERT_TRUE(node.store->put_block(record).is_ok());

  auto recovered = run();
  ASSERT_FALSE(recovered.is_ok());
  EXPECT_EQ(recovered.status().code(), StatusCode::kCorruption);
  EXPECT_NE(recovered.status().message().find("height 3"), std::string::npos)
      << recovered.status().message();
  EXPECT_NE(recovered.status().message().find("app_hash"), std::string::npos);
}

TEST_F(Recovery, RefusesABlockThatDoesNotDecode) {
  BlockExecutor executor = node.executor();
  (void)fixture.commit(executor, 2);
  const consensus::CertifiedBlock block = fixture.next_block(fixture.orders(1));
  storage::BlockRecord record{
      3, block.block_hash, sha256("x"), to_bytes("not a block"), block.certificate_bytes, {}, {}};
  ASSERT_TRUE(node.store->put_block(record).is_ok());
  auto recovered = run();
  EXPECT_EQ(recovered.status().code(), StatusCode::kCorruption);
  EXPECT_NE(recovered.status().message().find("height 3"), std::string::npos)
      << recovered.status().message();
}

TEST_F(Recovery, RefusesABlockThatDoesNotChainOntoItsParent) {
  BlockExecutor executor = node.executor();
  (void)fixture.commit(executor, 1);
  // A certified block 2 of another chain.
  ChainFixture other;
  (void)other.next_block(other.orders(1));
  const consensus::CertifiedBlock foreign = other.next_block(other.orders(1));
  ExecutionResult r = executor.execute({foreign});  // stores without checking the link
  ASSERT_TRUE(r.status.is_ok());
  auto recovered = run();
  EXPECT_EQ(recovered.status().code(), StatusCode::kCorruption);
  EXPECT_NE(recovered.status().message().find("prev_block_hash"), std::string::npos)
      << recovered.status().message();
}

TEST_F(Recovery, RefusesADamagedRecordAfterPowerLoss) {
  BlockExecutor executor = node.executor();
  (void)fixture.commit(executor, 3);
  node.store.reset();
  // Power loss that flips a bit of the newest record on disk.
  ASSERT_TRUE(node.disk->crash({storage::CrashFault::Kind::kFlippedBit, 12345}).has_value());
  auto reopened = storage::MemoryStore::open(node.disk);
  if (!reopened.is_ok()) {
    EXPECT_EQ(reopened.status().code(), StatusCode::kCorruption);
    return;  // refused at open: the node does not start
  }
  node.store = std::move(reopened).value();
  node.app = genesis_app();
  auto recovered = recover(*node.app, *node.store, {chain, validators, options.consensus});
  EXPECT_EQ(recovered.status().code(), StatusCode::kCorruption) << recovered.status().to_string();
}

TEST_F(Recovery, RefusesASnapshotWhoseAnchorIsNotCertified) {
  BlockExecutor executor = node.executor();
  (void)fixture.commit(executor, kCheckpointInterval);
  auto snapshot = node.store->snapshot_at(5).value();
  auto attachment = decode_snapshot_attachment(snapshot.proof).value();
  attachment.certificate = fixture.blocks()[0].certificate_bytes;  // certifies block 1
  snapshot.proof = encode_snapshot_attachment(attachment);
  ASSERT_TRUE(node.store->put_snapshot(snapshot, 2).is_ok());
  auto recovered = run();
  EXPECT_EQ(recovered.status().code(), StatusCode::kCorruption);
  EXPECT_NE(recovered.status().message().find("snapshot at height 5"), std::string::npos)
      << recovered.status().message();
}

TEST_F(Recovery, CompletesAStateInstallInterruptedBeforeTheChainReset) {
  TestNode source;
  BlockExecutor source_executor = source.executor();
  const auto executed = fixture.commit(source_executor, kCheckpointInterval);
  const consensus::CheckpointProof proof = fixture.prove(executed.back());
  const consensus::CertifiedBlock& anchor = fixture.blocks().back();
  // The install stored the snapshot, then the node died before reset_chain_to.
  storage::SnapshotRecord snapshot{
      5, source.app->snapshot(),
      encode_snapshot_attachment({anchor.block_bytes, anchor.certificate_bytes,
                                  consensus::encode_checkpoint_proof(proof)})};
  ASSERT_TRUE(node.store->put_snapshot(snapshot, 2).is_ok());

  auto recovered = run();
  ASSERT_TRUE(recovered.is_ok()) << recovered.status().to_string();
  EXPECT_TRUE(recovered->completed_install);
  EXPECT_EQ(node.store->last_height(), 5u);
  EXPECT_EQ(node.app->app_hash(), source.app->app_hash());
  EXPECT_EQ(recovered->state.committed_height, 5u);
  EXPECT_EQ(recovered->state.committed_hash, anchor.block_hash);
  EXPECT_EQ(recovered->state.committed_certificate, anchor.certificate);
}

TEST_F(Recovery, RefusesAnUnprovenSnapshotAboveTheChain) {
  TestNode source;
  BlockExecutor source_executor = source.executor();
  (void)fixture.commit(source_executor, kCheckpointInterval);
  const consensus::CertifiedBlock& anchor = fixture.blocks().back();
  storage::SnapshotRecord snapshot{
      5, source.app->snapshot(),
      encode_snapshot_attachment({anchor.block_bytes, anchor.certificate_bytes, {}})};
  ASSERT_TRUE(node.store->put_snapshot(snapshot, 2).is_ok());
  EXPECT_EQ(run().status().code(), StatusCode::kCorruption);
}

TEST_F(Recovery, ReadsTheWalInOrder) {
  const Bytes first =
      consensus::encode_wal_record(consensus::WalRecordKind::kOwnMessage, to_bytes("a"));
  const Bytes second =
      consensus::encode_wal_record(consensus::WalRecordKind::kOwnMessage, to_bytes("b"));
  ASSERT_TRUE(node.store->wal_append(2, first, true).is_ok());
  ASSERT_TRUE(node.store->wal_append(1, second, true).is_ok());
  auto recovered = run();
  ASSERT_TRUE(recovered.is_ok()) << recovered.status().to_string();
  EXPECT_EQ(recovered->state.wal_records, (std::vector<Bytes>{first, second}));
}

TEST_F(Recovery, RequiresAGenesisApplication) {
  BlockExecutor executor = node.executor();
  (void)fixture.commit(executor, 1);
  // node.app is at height 1 now.
  auto recovered = recover(*node.app, *node.store, {chain, validators, options.consensus});
  EXPECT_EQ(recovered.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace replex::host::testing
