// Chunked snapshots: every chunk verified on arrival against the proven
// state_digest = SHA-256(snapshot), a lying chunk or midstate refused and
// blamed on its sender, and a transfer resumed from another peer.
#include "replex/consensus/snapshot_chunks.hpp"

#include <gtest/gtest.h>

#include "replex/core/hash.hpp"

namespace replex::consensus {
namespace {

Bytes pattern(std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i * 131 + (i >> 9));
  return out;
}

// A peer serving `snapshot` in `chunk_bytes` chunks, as a server would.
struct Server {
  Server(const Bytes& s, std::uint32_t chunk_bytes)
      : snapshot(s), layout{s.size(), chunk_bytes}, midstates(snapshot_midstates(s, chunk_bytes)) {}
  ByteView chunk(std::uint32_t i) const {
    return ByteView(snapshot).subspan(layout.chunk_offset(i), layout.chunk_size(i));
  }
  Status give(ChunkChain& chain, std::uint32_t i) const { return chain.accept(i, midstates[i], chunk(i)); }

  const Bytes& snapshot;
  SnapshotLayout layout;
  std::vector<Hash256> midstates;
};

TEST(SnapshotChunks, LayoutCoversTheSnapshotExactly) {
  EXPECT_EQ((SnapshotLayout{0, 64}.chunk_count()), 1u);
  EXPECT_EQ((SnapshotLayout{64, 64}.chunk_count()), 1u);
  EXPECT_EQ((SnapshotLayout{65, 64}.chunk_count()), 2u);
  const SnapshotLayout l{1000, 128};
  ASSERT_EQ(l.chunk_count(), 8u);
  EXPECT_EQ(l.chunk_offset(7), 896u);
  EXPECT_EQ(l.chunk_size(7), 104u);
  EXPECT_EQ(snapshot_midstates(pattern(1000), 128).size(), 8u);
}

TEST(SnapshotChunks, LayoutLimitsAreChecked) {
  const ChunkLimits limits{4096, 1u << 20};
  EXPECT_TRUE(check_snapshot_layout({5000, 256}, limits).is_ok());
  EXPECT_FALSE(check_snapshot_layout({5000, 0}, limits).is_ok());
  EXPECT_FALSE(check_snapshot_layout({5000, 100}, limits).is_ok());   // not a multiple of 64
  EXPECT_FALSE(check_snapshot_layout({5000, 8192}, limits).is_ok());  // above max_chunk_bytes
  EXPECT_FALSE(check_snapshot_layout({(1u << 20) + 1, 256}, limits).is_ok());  // max_state_bytes
}

TEST(SnapshotChunks, AStateAboveTheSingleFrameCeilingVerifiesChunkByChunk) {
  // Above today's single-frame ceiling (about 5.7 MiB), in 64 KiB chunks.
  const Bytes snapshot = pattern((6u << 20) + 12345);
  const Server server(snapshot, 64u << 10);
  ChunkChain chain(server.layout, sha256(ByteView(snapshot)));
  std::uint32_t verified = 0;
  while (!chain.complete()) {
    ASSERT_TRUE(server.give(chain, chain.next_index()).is_ok()) << chain.next_index();
    ++verified;
  }
  EXPECT_EQ(verified, 97u);
}

TEST(SnapshotChunks, AWrongChunkOrMidstateIsRefusedAndTheRightOneStillAccepted) {
  const Bytes snapshot = pattern(4096);
  const Server server(snapshot, 512);
  ChunkChain chain(server.layout, sha256(ByteView(snapshot)));
  ASSERT_TRUE(server.give(chain, 7).is_ok());
  Bytes bad(server.chunk(6).begin(), server.chunk(6).end());
  bad[17] ^= 1;
  EXPECT_FALSE(chain.accept(6, server.midstates[6], bad).is_ok());
  EXPECT_FALSE(chain.accept(6, server.midstates[5], server.chunk(6)).is_ok());  // wrong midstate
  EXPECT_FALSE(chain.accept(6, server.midstates[6], server.chunk(5)).is_ok());  // another chunk
  EXPECT_FALSE(server.give(chain, 5).is_ok());                                  // out of order
  EXPECT_FALSE(chain.accept(6, server.midstates[6], ByteView(bad).first(100)).is_ok());  // size
  EXPECT_EQ(chain.next_index(), 6u);
  EXPECT_TRUE(server.give(chain, 6).is_ok());
}

TEST(SnapshotChunks, AnotherStatesChunksFailAtTheFirstChunk) {
  const Bytes snapshot = pattern(4096);
  Bytes forged = snapshot;
  forged[1000] ^= 0xff;  // in chunk 1: every later midstate differs too
  const Server liar(forged, 512);
  ChunkChain chain(liar.layout, sha256(ByteView(snapshot)));
  EXPECT_FALSE(liar.give(chain, 7).is_ok());
  // A liar that changes only chunk 1 needs a midstate before chunk 2 that
  // hashes on to the verified one: chunks 7..2 pass, chunk 1 cannot.
  const Server honest(snapshot, 512);
  for (std::uint32_t i = 7; i >= 2; --i) ASSERT_TRUE(honest.give(chain, i).is_ok()) << i;
  EXPECT_FALSE(liar.give(chain, 1).is_ok());
  EXPECT_FALSE(chain.accept(1, honest.midstates[1], liar.chunk(1)).is_ok());
  EXPECT_TRUE(honest.give(chain, 1).is_ok());
  EXPECT_FALSE(chain.accept(0, honest.midstates[1], honest.chunk(0)).is_ok());  // not the IV
  EXPECT_TRUE(honest.give(chain, 0).is_ok());
  EXPECT_TRUE(chain.complete());
}

TEST(SnapshotChunks, ATransferResumesFromAnotherPeerWithTheChunksAlreadyVerified) {
  const Bytes snapshot = pattern(10000);
  const Server first(snapshot, 1024);
  ChunkChain chain(first.layout, sha256(ByteView(snapshot)));
  for (int k = 0; k < 4; ++k) ASSERT_TRUE(first.give(chain, chain.next_index()).is_ok());
  // The first peer disappears; the next one serves the same snapshot height
  // from next_index() down.
  EXPECT_EQ(chain.next_index(), chain.layout().chunk_count() - 5);
  const Server second(snapshot, 1024);
  while (!chain.complete()) ASSERT_TRUE(second.give(chain, chain.next_index()).is_ok());
}

TEST(SnapshotChunks, AnEmptySnapshotIsOneEmptyChunk) {
  const Bytes empty;
  const Server server(empty, 64);
  ChunkChain chain(server.layout, sha256(ByteView(empty)));
  EXPECT_TRUE(server.give(chain, 0).is_ok());
  EXPECT_TRUE(chain.complete());
}

}  // namespace
}  // namespace replex::consensus
