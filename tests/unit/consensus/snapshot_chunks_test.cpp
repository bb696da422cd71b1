// Chunked snapshots: every chunk verified on arrival against the proven
// state_digest = SHA-256(snapshot), a lying manifest or chunk refused, and a
// transfer resumed from another peer with the chunks already verified.
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

ByteView chunk_of(const Bytes& snapshot, const SnapshotManifest& m, std::uint32_t i) {
  return ByteView(snapshot).subspan(m.chunk_offset(i), m.chunk_size(i));
}

TEST(SnapshotChunks, LayoutCoversTheSnapshotExactly) {
  EXPECT_EQ(snapshot_chunk_count(0, 64), 1u);
  EXPECT_EQ(snapshot_chunk_count(64, 64), 1u);
  EXPECT_EQ(snapshot_chunk_count(65, 64), 2u);
  const Bytes snapshot = pattern(1000);
  const SnapshotManifest m = make_snapshot_manifest(snapshot, 128);
  ASSERT_EQ(m.chunk_count(), 8u);
  EXPECT_EQ(m.midstates.size(), 7u);
  EXPECT_EQ(m.chunk_offset(7), 896u);
  EXPECT_EQ(m.chunk_size(7), 104u);
}

TEST(SnapshotChunks, ManifestRoundTripsAndDecodeRefusesBadOnes) {
  const Bytes snapshot = pattern(5000);
  const SnapshotManifest m = make_snapshot_manifest(snapshot, 256);
  const Bytes bytes = encode_snapshot_manifest(m);
  auto back = decode_snapshot_manifest(bytes, ChunkLimits{});
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(back->total_bytes, m.total_bytes);
  EXPECT_EQ(back->chunk_bytes, m.chunk_bytes);
  EXPECT_EQ(back->midstates, m.midstates);

  EXPECT_FALSE(decode_snapshot_manifest(bytes, ChunkLimits{128, 1u << 20}).is_ok());  // chunk too big
  EXPECT_FALSE(decode_snapshot_manifest(bytes, ChunkLimits{4096, 4000}).is_ok());     // state too big
  Bytes truncated(bytes.begin(), bytes.end() - 32);
  EXPECT_FALSE(decode_snapshot_manifest(truncated, ChunkLimits{}).is_ok());
  Bytes odd_chunk = bytes;
  odd_chunk[1 + 8 + 3] = 100;  // chunk_bytes 100: not a multiple of 64
  EXPECT_FALSE(decode_snapshot_manifest(odd_chunk, ChunkLimits{}).is_ok());
}

TEST(SnapshotChunks, EveryChunkVerifiesLastToFirst) {
  // Above today's single-frame ceiling (about 5.7 MiB), in 64 KiB chunks.
  const Bytes snapshot = pattern((6u << 20) + 12345);
  const SnapshotManifest m = make_snapshot_manifest(snapshot, 64u << 10);
  ChunkChain chain(m, sha256(ByteView(snapshot)));
  std::uint32_t verified = 0;
  while (!chain.complete()) {
    const std::uint32_t i = chain.next_index();
    ASSERT_TRUE(chain.accept(i, chunk_of(snapshot, m, i)).is_ok()) << i;
    ++verified;
  }
  EXPECT_EQ(verified, m.chunk_count());
  EXPECT_EQ(verified, 97u);
}

TEST(SnapshotChunks, AWrongChunkIsRefusedAndTheRightOneStillAccepted) {
  const Bytes snapshot = pattern(4096);
  const SnapshotManifest m = make_snapshot_manifest(snapshot, 512);
  ChunkChain chain(m, sha256(ByteView(snapshot)));
  ASSERT_TRUE(chain.accept(7, chunk_of(snapshot, m, 7)).is_ok());
  Bytes bad(chunk_of(snapshot, m, 6).begin(), chunk_of(snapshot, m, 6).end());
  bad[17] ^= 1;
  EXPECT_FALSE(chain.accept(6, bad).is_ok());
  EXPECT_FALSE(chain.accept(6, chunk_of(snapshot, m, 5)).is_ok());  // another chunk's bytes
  EXPECT_FALSE(chain.accept(5, chunk_of(snapshot, m, 5)).is_ok());  // out of order
  EXPECT_EQ(chain.next_index(), 6u);
  EXPECT_TRUE(chain.accept(6, chunk_of(snapshot, m, 6)).is_ok());
}

TEST(SnapshotChunks, ALyingManifestFailsAtTheFirstChunkThatReliesOnIt) {
  const Bytes snapshot = pattern(4096);
  const Hash256 digest = sha256(ByteView(snapshot));
  // Another state's manifest: any changed byte changes every later midstate,
  // so its very first chunk (the last one) fails against the proven digest.
  Bytes forged = snapshot;
  forged[1000] ^= 0xff;  // in chunk 1 of 512-byte chunks
  const SnapshotManifest other_state = make_snapshot_manifest(forged, 512);
  ChunkChain refused(other_state, digest);
  EXPECT_FALSE(refused.accept(7, chunk_of(forged, other_state, 7)).is_ok());
  // A manifest true but for midstate 0: chunks 7..2 verify, chunk 1 (which
  // starts from that midstate) fails, whatever bytes come for it.
  SnapshotManifest lie = make_snapshot_manifest(snapshot, 512);
  lie.midstates[0].bytes[5] ^= 1;
  ChunkChain chain(lie, digest);
  for (std::uint32_t i = 7; i >= 2; --i) {
    ASSERT_TRUE(chain.accept(i, chunk_of(snapshot, lie, i)).is_ok()) << i;
  }
  EXPECT_FALSE(chain.accept(1, chunk_of(snapshot, lie, 1)).is_ok());
  EXPECT_FALSE(chain.accept(1, chunk_of(forged, lie, 1)).is_ok());
  EXPECT_EQ(chain.next_index(), 1u);
  // The next peer's true manifest is adopted (it agrees on what is verified)
  // and the transfer goes on from chunk 1; the other state's one is refused.
  EXPECT_FALSE(chain.adopt(other_state).is_ok());
  ASSERT_TRUE(chain.adopt(make_snapshot_manifest(snapshot, 512)).is_ok());
  EXPECT_TRUE(chain.accept(1, chunk_of(snapshot, lie, 1)).is_ok());
  EXPECT_TRUE(chain.accept(0, chunk_of(snapshot, lie, 0)).is_ok());
  EXPECT_TRUE(chain.complete());
}

TEST(SnapshotChunks, ATransferResumesFromAnotherPeerWithTheChunksAlreadyVerified) {
  const Bytes snapshot = pattern(10000);
  const Hash256 digest = sha256(ByteView(snapshot));
  ChunkChain chain(make_snapshot_manifest(snapshot, 1024), digest);
  const SnapshotManifest& m = chain.manifest();
  for (int k = 0; k < 4; ++k) ASSERT_TRUE(chain.accept(chain.next_index(), chunk_of(snapshot, m, chain.next_index())).is_ok());
  // The first peer disappears; the chain (a few words and the manifest) is kept
  // and the next peer serves the same snapshot height from next_index() down.
  ChunkChain resumed = chain;
  EXPECT_EQ(resumed.next_index(), m.chunk_count() - 5);
  while (!resumed.complete()) {
    ASSERT_TRUE(resumed.accept(resumed.next_index(), chunk_of(snapshot, m, resumed.next_index())).is_ok());
  }
}

TEST(SnapshotChunks, AnEmptySnapshotIsOneEmptyChunk) {
  const Bytes empty;
  const SnapshotManifest m = make_snapshot_manifest(empty, 64);
  ChunkChain chain(m, sha256(ByteView(empty)));
  EXPECT_TRUE(chain.accept(0, ByteView{}).is_ok());
  EXPECT_TRUE(chain.complete());
}

}  // namespace
}  // namespace replex::consensus
