// Snapshots in verified chunks, without changing what the checkpoint signs.
//
// Chunk i of a snapshot of L bytes is bytes [i*C, min((i+1)*C, L)), C a
// multiple of 64. A manifest lists L, C and the SHA-256 midstate after each
// chunk but the last. The proven state_digest = SHA-256(snapshot) vouches for
// the last chunk and the midstate before it; each verified midstate then
// vouches for the chunk before it. So chunks are verified on arrival, from the
// last to the first (ChunkChain), and a lying manifest fails at the first chunk
// that relies on it. Format: docs/wire-formats.md#snapshot-chunks.
#pragma once

#include <cstdint>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"

namespace replex::consensus {

// What a receiver accepts; both are named limits in its configuration.
struct ChunkLimits {
  std::uint32_t max_chunk_bytes = 4u << 20;
  std::uint64_t max_state_bytes = 4ull << 30;
};

struct SnapshotManifest {
  std::uint64_t total_bytes = 0;
  std::uint32_t chunk_bytes = 0;       // a multiple of 64, > 0
  std::vector<Hash256> midstates;      // after chunks 0 .. count-2

  std::uint32_t chunk_count() const;
  // Offset and size of chunk `index` (< chunk_count()).
  std::uint64_t chunk_offset(std::uint32_t index) const;
  std::uint32_t chunk_size(std::uint32_t index) const;
};

// Chunks of `chunk_bytes` (a multiple of 64) for `total_bytes`: at least one,
// so an empty snapshot is one empty chunk.
std::uint32_t snapshot_chunk_count(std::uint64_t total_bytes, std::uint32_t chunk_bytes);

// The manifest of `snapshot` cut into `chunk_bytes` chunks (the serving side).
SnapshotManifest make_snapshot_manifest(ByteView snapshot, std::uint32_t chunk_bytes);

Bytes encode_snapshot_manifest(const SnapshotManifest& manifest);
// Refuses a chunk size that is zero, not a multiple of 64 or above the limit,
// a total above the limit, and a midstate count that does not match.
Result<SnapshotManifest> decode_snapshot_manifest(ByteView bytes, const ChunkLimits& limits);

// Verifies chunks of one manifest against a proven state digest, last chunk
// first. Small and copyable: a transfer resumes from another peer with the
// same chain, whatever chunks it already verified. Not thread-safe.
class ChunkChain {
 public:
  ChunkChain(SnapshotManifest manifest, const Hash256& state_digest);

  // The chunk to verify next; meaningless once complete().
  std::uint32_t next_index() const { return next_; }
  bool complete() const { return complete_; }
  const SnapshotManifest& manifest() const { return manifest_; }

  // Verifies `chunk` as chunk `index`; on success the next one is index-1.
  // Refuses an index other than next_index(), a wrong size and wrong bytes.
  Status accept(std::uint32_t index, ByteView chunk);

  // Switches to another peer's manifest of the same snapshot (a lying one
  // failed): it must agree on the size, the chunk size and every midstate
  // already verified; the chunks verified so far stay verified.
  Status adopt(SnapshotManifest other);

 private:
  SnapshotManifest manifest_;
  Hash256 state_digest_;
  std::uint32_t next_ = 0;
  bool complete_ = false;
};

}  // namespace replex::consensus
