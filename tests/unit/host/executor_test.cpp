// BlockExecutor: execution and storage of committed blocks, snapshots at
// checkpoint heights, proofs kept beside snapshots, state install.
#include <gtest/gtest.h>

#include "replex/core/hash.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/host/stored_snapshot.hpp"
#include "unit/host/chain_fixture.hpp"

namespace replex::host::testing {
namespace {

TEST(BlockExecutor, ExecutesAndStoresBlockWithCertificateAndTxIndex) {
  ChainFixture chain;
  TestNode node;
  BlockExecutor executor = node.executor();
  const consensus::CertifiedBlock block = chain.next_block(chain.orders(6));

  ExecutionResult result = executor.execute({block});
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  const auto& executed = std::get<consensus::BlockExecuted>(*result.input);
  EXPECT_EQ(executed.height, 1u);
  EXPECT_EQ(executed.block_hash, block.block_hash);
  EXPECT_EQ(executed.app_hash, node.app->app_hash());
  EXPECT_FALSE(executed.state_digest.has_value());  // not a checkpoint height

  ASSERT_TRUE(result.committed.has_value());
  const CommittedBlock& committed = *result.committed;
  EXPECT_EQ(committed.tx_hashes.size(), 6u);
  EXPECT_EQ(committed.tx_codes.size(), 6u);
  EXPECT_FALSE(committed.events.empty());
  EXPECT_EQ(committed.certificate, block.certificate);

  auto stored = node.store->block_at(1);
  ASSERT_TRUE(stored.is_ok());
  EXPECT_EQ(stored->block, block.block_bytes);
  EXPECT_EQ(stored->certificate, block.certificate_bytes);
  EXPECT_EQ(stored->app_hash, executed.app_hash);
  auto located = node.store->find_tx(tx_hash(block.block->txs[2]));
  ASSERT_TRUE(located.is_ok());
  EXPECT_EQ(located->height, 1u);
  EXPECT_EQ(located->index, 2u);
}

TEST(BlockExecutor, SnapshotsAtCheckpointHeightsWithDigestAndAnchor) {
  ChainFixture chain;
  TestNode node;
  BlockExecutor executor = node.executor();
  const auto executed = chain.commit(executor, 2 * kCheckpointInterval + 1);

  auto heights = node.store->snapshot_heights();
  ASSERT_TRUE(heights.is_ok());
  EXPECT_EQ(*heights, (std::vector<std::uint64_t>{5, 10}));
  for (const consensus::BlockExecuted& e : executed) {
    EXPECT_EQ(e.state_digest.has_value(), e.height % kCheckpointInterval == 0) << e.height;
  }
  auto snapshot = node.store->snapshot_at(10);
  ASSERT_TRUE(snapshot.is_ok());
  EXPECT_EQ(sha256(snapshot->state), *executed[9].state_digest);
  auto attachment = decode_snapshot_attachment(snapshot->proof);
  ASSERT_TRUE(attachment.is_ok()) << attachment.status().to_string();
  EXPECT_EQ(attachment->block, chain.blocks()[9].block_bytes);
  EXPECT_EQ(attachment->certificate, chain.blocks()[9].certificate_bytes);
  EXPECT_TRUE(attachment->checkpoint_proof.empty());
}

TEST(BlockExecutor, KeepsTheNewestSnapshotsOnly) {
  ChainFixture chain;
  TestNode node;
  BlockExecutor executor(*node.app, *node.store, kCheckpointInterval, /*snapshots_kept=*/2);
  (void)chain.commit(executor, 4 * kCheckpointInterval);
  EXPECT_EQ(*node.store->snapshot_heights(), (std::vector<std::uint64_t>{15, 20}));
}

TEST(BlockExecutor, AttachesAStableCheckpointProofToItsSnapshot) {
  ChainFixture chain;
  TestNode node;
  BlockExecutor executor = node.executor();
  const auto executed = chain.commit(executor, kCheckpointInterval);
  const consensus::CheckpointProof proof = chain.prove(executed.back());

  ExecutionResult attached =
      executor.attach_proof({proof, consensus::encode_checkpoint_proof(proof)});
  ASSERT_TRUE(attached.status.is_ok()) << attached.status.to_string();
  EXPECT_FALSE(attached.input.has_value());
  auto attachment = decode_snapshot_attachment(node.store->snapshot_at(5)->proof);
  ASSERT_TRUE(attachment.is_ok());
  EXPECT_EQ(attachment->checkpoint_proof, consensus::encode_checkpoint_proof(proof));
}

TEST(BlockExecutor, AttachesAProofToASnapshotTakenBeforeARestart) {
  ChainFixture chain;
  TestNode node;
  const consensus::CheckpointProof proof = [&] {
    BlockExecutor before = node.executor();
    return chain.prove(chain.commit(before, kCheckpointInterval).back());
  }();
  BlockExecutor after = node.executor();  // knows nothing of the snapshot: reads and hashes it
  ExecutionResult attached = after.attach_proof({proof, consensus::encode_checkpoint_proof(proof)});
  ASSERT_TRUE(attached.status.is_ok()) << attached.status.to_string();
  const auto snapshot = node.store->snapshot_at(5);
  EXPECT_EQ(decode_snapshot_attachment(snapshot->proof)->checkpoint_proof, consensus::encode_checkpoint_proof(proof));
  EXPECT_EQ(snapshot->state, node.app->snapshot());
}

TEST(BlockExecutor, AttachesAProofOnceAndSkipsPrunedSnapshots) {
  ChainFixture chain;
  TestNode node;
  BlockExecutor executor(*node.app, *node.store, kCheckpointInterval, /*snapshots_kept=*/1);
  const auto executed = chain.commit(executor, 2 * kCheckpointInterval);
  const consensus::CheckpointProof first = chain.prove(executed[kCheckpointInterval - 1]);
  const consensus::CheckpointProof second = chain.prove(executed.back());
  // The snapshot at 5 was pruned when 10 was taken: nothing to attach to.
  ExecutionResult pruned = executor.attach_proof({first, consensus::encode_checkpoint_proof(first)});
  EXPECT_TRUE(pruned.status.is_ok()) << pruned.status.to_string();
  EXPECT_EQ(*node.store->snapshot_heights(), (std::vector<std::uint64_t>{10}));

  ASSERT_TRUE(executor.attach_proof({second, consensus::encode_checkpoint_proof(second)}).status.is_ok());
  // A second CheckpointStable for the height keeps the first proof.
  consensus::CheckpointProof again = second;
  again.signatures.pop_back();
  ASSERT_TRUE(executor.attach_proof({again, consensus::encode_checkpoint_proof(again)}).status.is_ok());
  EXPECT_EQ(decode_snapshot_attachment(node.store->snapshot_at(10)->proof)->checkpoint_proof,
            consensus::encode_checkpoint_proof(second));
}

TEST(BlockExecutor, NeverAttachesAProofOfAnotherState) {
  ChainFixture chain;
  TestNode node;
  BlockExecutor executor = node.executor();
  auto executed = chain.commit(executor, kCheckpointInterval);
  executed.back().state_digest = sha256("another state");
  const consensus::CheckpointProof proof = chain.prove(executed.back());

  ExecutionResult attached =
      executor.attach_proof({proof, consensus::encode_checkpoint_proof(proof)});
  ASSERT_TRUE(attached.status.is_ok());
  EXPECT_TRUE(
      decode_snapshot_attachment(node.store->snapshot_at(5)->proof)->checkpoint_proof.empty());
}

TEST(BlockExecutor, InstallsStateAndResetsTheChainToIt) {
  ChainFixture chain;
  TestNode source;
  BlockExecutor source_executor = source.executor();
  const auto executed = chain.commit(source_executor, 2 * kCheckpointInterval);
  const consensus::CheckpointProof proof = chain.prove(executed.back());
  const consensus::CertifiedBlock& anchor = chain.blocks().back();

  TestNode fresh;
  BlockExecutor executor = fresh.executor();
  ExecutionResult result = executor.install(
      {proof, consensus::encode_checkpoint_proof(proof), source.app->snapshot(), anchor});
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  const auto& installed = std::get<consensus::StateInstalled>(*result.input);
  EXPECT_TRUE(installed.status.is_ok());
  EXPECT_EQ(installed.height, 10u);
  ASSERT_TRUE(result.installed.has_value());
  EXPECT_EQ(result.installed->app_hash, source.app->app_hash());
  EXPECT_EQ(fresh.app->app_hash(), source.app->app_hash());
  EXPECT_EQ(fresh.store->last_height(), 10u);
  EXPECT_EQ(fresh.store->first_height(), 0u);
  auto attachment = decode_snapshot_attachment(fresh.store->snapshot_at(10)->proof);
  ASSERT_TRUE(attachment.is_ok());
  EXPECT_EQ(attachment->block, anchor.block_bytes);
  EXPECT_EQ(attachment->checkpoint_proof, consensus::encode_checkpoint_proof(proof));

  // The chain continues above the installed state.
  const consensus::CertifiedBlock next = chain.next_block(chain.orders(3));
  ExecutionResult more = executor.execute({next});
  ASSERT_TRUE(more.status.is_ok()) << more.status.to_string();
  ASSERT_TRUE(source_executor.execute({next}).status.is_ok());
  EXPECT_EQ(fresh.app->app_hash(), source.app->app_hash());
}

TEST(BlockExecutor, InstallsAStateSpooledChunkByChunk) {
  ChainFixture chain;
  TestNode source;
  BlockExecutor source_executor = source.executor();
  const auto executed = chain.commit(source_executor, 2 * kCheckpointInterval);
  const consensus::CheckpointProof proof = chain.prove(executed.back());
  const consensus::CertifiedBlock& anchor = chain.blocks().back();
  const Bytes snapshot = source.app->snapshot();
  ASSERT_GT(snapshot.size(), 128u);

  TestNode fresh;
  BlockExecutor executor = fresh.executor();
  // A chunk of an older transfer first: the new height's spool replaces it.
  ASSERT_TRUE(executor.store_chunk({5, 64, 0, Bytes(64, 7)}).status.is_ok());
  // Last chunk first, as the core verifies them.
  const std::uint64_t chunk = 64;
  for (std::uint64_t end = snapshot.size(); end > 0;) {
    const std::uint64_t offset = (end - 1) / chunk * chunk;
    const Bytes part(snapshot.begin() + static_cast<std::ptrdiff_t>(offset),
                     snapshot.begin() + static_cast<std::ptrdiff_t>(end));
    ASSERT_TRUE(executor.store_chunk({10, snapshot.size(), offset, part}).status.is_ok());
    end = offset;
  }
  consensus::InstallState install{proof, consensus::encode_checkpoint_proof(proof), {}, anchor};
  install.spooled = true;
  ExecutionResult result = executor.install(install);
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  EXPECT_TRUE(std::get<consensus::StateInstalled>(*result.input).status.is_ok());
  EXPECT_EQ(fresh.app->app_hash(), source.app->app_hash());
  EXPECT_EQ(fresh.store->snapshot_at(10)->state, snapshot);
}

// The core ends a chunked transfer once commits reach its height (blocks got
// there first); the spool, as large as the state, is then never installed.
TEST(BlockExecutor, DropsASpoolOnceACommittedBlockReachesItsHeight) {
  ChainFixture chain;
  TestNode node;
  BlockExecutor executor = node.executor();
  const consensus::Height transferring = 2 * kCheckpointInterval;
  ASSERT_TRUE(executor.store_chunk({transferring, 4096, 0, Bytes(64, 7)}).status.is_ok());
  EXPECT_EQ(executor.spool_bytes(), 4096u);
  chain.commit(executor, transferring - 1);
  EXPECT_EQ(executor.spool_bytes(), 4096u) << "dropped below the transfer's height";
  chain.commit(executor, 1);
  EXPECT_EQ(executor.spool_bytes(), 0u);
  EXPECT_EQ(node.store->last_height(), transferring);
}

TEST(BlockExecutor, RefusedSnapshotLeavesStateAndStoreUnchanged) {
  ChainFixture chain;
  TestNode source;
  BlockExecutor source_executor = source.executor();
  const auto executed = chain.commit(source_executor, kCheckpointInterval);
  const consensus::CheckpointProof proof = chain.prove(executed.back());

  TestNode fresh;
  BlockExecutor executor = fresh.executor();
  const Hash256 before = fresh.app->app_hash();
  ExecutionResult result = executor.install({proof, consensus::encode_checkpoint_proof(proof),
                                             to_bytes("not a snapshot"), chain.blocks().back()});
  ASSERT_TRUE(result.status.is_ok()) << "a refused snapshot is not a store failure";
  const auto& installed = std::get<consensus::StateInstalled>(*result.input);
  EXPECT_FALSE(installed.status.is_ok());
  EXPECT_FALSE(result.installed.has_value());
  EXPECT_EQ(fresh.app->app_hash(), before);
  EXPECT_EQ(fresh.store->last_height(), 0u);
  EXPECT_FALSE(fresh.store->latest_snapshot().is_ok());
}

TEST(BlockExecutor, StoreFailureIsReportedAsFatal) {
  ChainFixture chain;
  TestNode node;
  node.disk->set_fault_policy(storage::fail_nth(storage::IoKind::kWrite, 1));
  BlockExecutor executor = node.executor();
  ExecutionResult result = executor.execute({chain.next_block(chain.orders(2))});
  EXPECT_EQ(result.status.code(), StatusCode::kIoError) << result.status.to_string();
  EXPECT_FALSE(result.input.has_value());
}

TEST(SnapshotAttachment, RoundTripsAndRejectsDamage) {
  const SnapshotAttachment a{to_bytes("block"), to_bytes("certificate"), to_bytes("proof")};
  const Bytes encoded = encode_snapshot_attachment(a);
  auto decoded = decode_snapshot_attachment(encoded);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(*decoded, a);

  Bytes wrong_version = encoded;
  wrong_version[0] = 9;
  auto bad = decode_snapshot_attachment(wrong_version);
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_NE(bad.status().message().find("version"), std::string::npos) << bad.status().message();

  Bytes trailing = encoded;
  trailing.push_back(0);
  EXPECT_EQ(decode_snapshot_attachment(trailing).status().code(), StatusCode::kCorruption);
  const Bytes truncated(encoded.begin(), encoded.end() - 2);
  EXPECT_EQ(decode_snapshot_attachment(truncated).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace replex::host::testing
