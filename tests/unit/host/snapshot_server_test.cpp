// Chunked state transfer, serving side: peer requests, offers and chunk
// answers from a real store, verified and installed as a receiver would.
#include "replex/host/snapshot_server.hpp"

#include <gtest/gtest.h>

#include "replex/consensus/snapshot_chunks.hpp"
#include "replex/consensus/state_transfer.hpp"
#include "replex/core/codec.hpp"
#include "replex/core/hash.hpp"
#include "replex/host/peer_request.hpp"
#include "unit/host/chain_fixture.hpp"

namespace replex::host::testing {
namespace {

TEST(PeerRequest, EveryKindRoundTrips) {
  for (const PeerRequest& request :
       {PeerRequest{PeerRequestKind::kBlocks, 5, 9}, PeerRequest{PeerRequestKind::kState, 100, 0},
        PeerRequest{PeerRequestKind::kStateOffer, 100, 0, 1u << 20},
        PeerRequest{PeerRequestKind::kChunk, 120, 0, 4096, 77}}) {
    const Bytes wire = encode_peer_request(request);
    EXPECT_EQ(wire.size(), request.kind == PeerRequestKind::kBlocks || request.kind == PeerRequestKind::kState ? 17u : 25u);
    EXPECT_EQ(decode_peer_request(wire).value(), request);
  }
}

TEST(PeerRequest, RefusesJunkNamingTheField) {
  Bytes bad = encode_peer_request({PeerRequestKind::kBlocks, 5, 9});
  bad[0] = 5;
  EXPECT_NE(decode_peer_request(bad).status().message().find("request.kind"), std::string::npos);
  bad[0] = 0;
  EXPECT_FALSE(decode_peer_request(bad).is_ok());
  Bytes longer = encode_peer_request({PeerRequestKind::kBlocks, 5, 9});
  longer.push_back(0);
  EXPECT_FALSE(decode_peer_request(longer).is_ok());
  // A chunk request without its chunk fields.
  Bytes cut = encode_peer_request({PeerRequestKind::kChunk, 5, 0, 64, 1});
  cut.resize(17);
  auto refused = decode_peer_request(cut);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("request.chunk_bytes"), std::string::npos) << refused.status().message();
  EXPECT_FALSE(decode_peer_request({}).is_ok());
}

TEST(ChunkAnswer, RoundTripsAndRefusesAChunkAboveTheLimit) {
  const consensus::ChunkReceived chunk{std::nullopt, 40, 3, sha256("before"), Bytes(128, 9)};
  const Bytes wire = encode_chunk_answer(chunk);
  ServeLimits limits;
  auto decoded = decode_chunk_answer(wire, limits);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->height, 40u);
  EXPECT_EQ(decoded->index, 3u);
  EXPECT_EQ(decoded->midstate_before, chunk.midstate_before);
  EXPECT_EQ(decoded->chunk, chunk.chunk);
  EXPECT_FALSE(decoded->from.has_value());

  limits.max_chunk_bytes = 64;
  auto refused = decode_chunk_answer(wire, limits);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("max_chunk_bytes"), std::string::npos);
  EXPECT_FALSE(decode_chunk_answer(Bytes(wire.begin(), wire.end() - 1), ServeLimits{}).is_ok());
  Bytes versioned = wire;
  versioned[0] = 9;
  EXPECT_NE(decode_chunk_answer(versioned, ServeLimits{}).status().message().find("version"), std::string::npos);
}

struct SnapshotServing : ::testing::Test {
  consensus::ValidatorSet validators = validator_set();
  HostOptions options = host_options();
  ChainFixture fixture;
  TestNode node;
  std::vector<consensus::BlockExecuted> executed;

  consensus::ChainContext context() const {
    return {validators,
            kChainId,
            {options.consensus.max_block_txs, options.consensus.max_block_bytes, options.consensus.max_tx_bytes},
            kCheckpointInterval};
  }

  // Blocks up to `count`; the checkpoint at `proven` proven.
  void commit_and_prove(std::size_t count, std::size_t proven) {
    BlockExecutor executor = node.executor();
    executed = fixture.commit(executor, count);
    const consensus::CheckpointProof proof = fixture.prove(executed[proven - 1]);
    ASSERT_TRUE(executor.attach_proof({proof, consensus::encode_checkpoint_proof(proof)}).status.is_ok());
  }
};

TEST_F(SnapshotServing, AnOfferAndItsChunksVerifyAndInstallOnAFreshNode) {
  commit_and_prove(kCheckpointInterval + 3, kCheckpointInterval);
  const Bytes stored = node.store->snapshot_at(kCheckpointInterval)->state;
  SnapshotServer server(*node.store, options.serve);
  constexpr std::uint32_t kChunk = 256;
  ASSERT_GT(stored.size(), 4 * kChunk) << "the test wants several chunks";

  auto offer = server.serve_offer(0, kChunk);
  ASSERT_TRUE(offer.is_ok()) << offer.status().to_string();
  auto decoded = decode_state_answer(*offer, options.serve);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  ASSERT_TRUE(decoded->snapshot_bytes.has_value());
  EXPECT_EQ(*decoded->snapshot_bytes, stored.size());
  EXPECT_TRUE(decoded->snapshot.empty());
  auto verified = consensus::verify_state_offer(decoded->checkpoint_proof, decoded->blocks, context());
  ASSERT_TRUE(verified.is_ok()) << verified.status().to_string();
  EXPECT_EQ(verified->anchor.height(), kCheckpointInterval);
  EXPECT_EQ(verified->later_blocks.size(), 3u);
  EXPECT_EQ(server.held_heights(), std::vector<consensus::Height>{kCheckpointInterval});

  // Chunk by chunk, last first, each verified on arrival and spooled.
  const consensus::SnapshotLayout layout{stored.size(), kChunk};
  consensus::ChunkChain chain(layout, verified->proof.checkpoint.state_digest);
  TestNode fresh;
  BlockExecutor installer = fresh.executor();
  while (!chain.complete()) {
    const std::uint32_t index = chain.next_index();
    auto answer = server.serve_chunk(kCheckpointInterval, index, kChunk);
    ASSERT_TRUE(answer.is_ok()) << answer.status().to_string();
    auto chunk = decode_chunk_answer(*answer, options.serve);
    ASSERT_TRUE(chunk.is_ok()) << chunk.status().to_string();
    ASSERT_TRUE(chain.accept(index, chunk->midstate_before, chunk->chunk).is_ok()) << "chunk " << index;
    ASSERT_TRUE(installer
                    .store_chunk({kCheckpointInterval, layout.total_bytes, layout.chunk_offset(index),
                                  std::move(chunk->chunk)})
                    .status.is_ok());
  }
  consensus::InstallState install{verified->proof, verified->proof_bytes, {}, verified->anchor};
  install.spooled = true;
  ASSERT_TRUE(installer.install(install).status.is_ok());
  for (const consensus::CertifiedBlock& b : verified->later_blocks) ASSERT_TRUE(installer.execute({b}).status.is_ok());
  EXPECT_EQ(fresh.app->app_hash(), node.app->app_hash());
  EXPECT_EQ(fresh.store->snapshot_at(kCheckpointInterval)->state, stored);
}

TEST_F(SnapshotServing, RefusesChunkSizesAndIndexesItCannotServe) {
  commit_and_prove(kCheckpointInterval, kCheckpointInterval);
  ServeLimits limits = options.serve;
  limits.max_chunk_bytes = 4096;
  limits.max_snapshot_chunks = 8;
  SnapshotServer server(*node.store, limits);
  const std::uint64_t size = node.store->snapshot_at(kCheckpointInterval)->state.size();
  ASSERT_GT(size, 8 * 64u);
  for (const std::uint32_t bad : {0u, 100u, 8192u}) {
    auto refused = server.serve_chunk(kCheckpointInterval, 0, bad);
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(refused.status().message().find("chunk_bytes"), std::string::npos);
    EXPECT_EQ(server.serve_offer(0, bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  // 64-byte chunks would cut it in more than max_snapshot_chunks.
  EXPECT_NE(server.serve_chunk(kCheckpointInterval, 0, 64).status().message().find("max_snapshot_chunks"),
            std::string::npos);
  EXPECT_NE(server.serve_offer(0, 64).status().message().find("max_snapshot_chunks"), std::string::npos);
  const std::uint32_t chunk = 4096;
  const std::uint32_t count = consensus::SnapshotLayout{size, chunk}.chunk_count();
  EXPECT_TRUE(server.serve_chunk(kCheckpointInterval, count - 1, chunk).is_ok());
  EXPECT_NE(server.serve_chunk(kCheckpointInterval, count, chunk).status().message().find("past the last chunk"),
            std::string::npos);
}

TEST_F(SnapshotServing, ServesOnlyProvenSnapshotsAboveTheAsker) {
  BlockExecutor executor = node.executor();
  executed = fixture.commit(executor, 2 * kCheckpointInterval);
  SnapshotServer server(*node.store, options.serve);
  // Snapshots at 5 and 10, neither proven yet.
  EXPECT_EQ(server.serve_offer(0, 1024).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(server.serve_chunk(kCheckpointInterval, 0, 1024).status().code(), StatusCode::kNotFound);
  const consensus::CheckpointProof proof = fixture.prove(executed[kCheckpointInterval - 1]);
  ASSERT_TRUE(executor.attach_proof({proof, consensus::encode_checkpoint_proof(proof)}).status.is_ok());
  auto offer = decode_state_answer(*server.serve_offer(0, 1024), options.serve);
  ASSERT_TRUE(offer.is_ok());
  EXPECT_EQ(*consensus::decode_checkpoint_proof(offer->checkpoint_proof), proof);
  EXPECT_EQ(server.serve_offer(kCheckpointInterval, 1024).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(server.serve_chunk(2 * kCheckpointInterval, 0, 1024).status().code(), StatusCode::kNotFound);
}

TEST_F(SnapshotServing, HoldsAtMostTheConfiguredNumberOfSnapshots) {
  BlockExecutor executor = node.executor();
  ServeLimits limits = options.serve;
  limits.max_served_snapshots = 2;
  SnapshotServer server(*node.store, limits);
  for (std::size_t k = 1; k <= 3; ++k) {
    executed = fixture.commit(executor, kCheckpointInterval);
    const consensus::CheckpointProof proof = fixture.prove(executed.back());
    ASSERT_TRUE(executor.attach_proof({proof, consensus::encode_checkpoint_proof(proof)}).status.is_ok());
    ASSERT_TRUE(server.serve_offer(0, 1024).is_ok()) << k;
  }
  // The newest two; an evicted height is read from the store again if asked for.
  EXPECT_EQ(server.held_heights(),
            (std::vector<consensus::Height>{2 * kCheckpointInterval, 3 * kCheckpointInterval}));
}

}  // namespace
}  // namespace replex::host::testing
