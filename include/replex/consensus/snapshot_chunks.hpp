// Snapshots in verified chunks, without changing what the checkpoint signs.
//
// Chunk i of a snapshot of L bytes is bytes [i*C, min((i+1)*C, L)), C a
// multiple of 64. A chunk travels with the SHA-256 midstate before it. The
// proven state_digest = SHA-256(snapshot) vouches for the last chunk and its
// midstate; each verified midstate vouches for the chunk before it and that
// chunk's midstate. So chunks are verified on arrival, last to first
// (ChunkChain), and a wrong chunk or midstate is the sender's fault alone.
// Format: docs/wire-formats.md#snapshot-chunks.
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

// How a snapshot is cut: the receiver names chunk_bytes, the server the size.
struct SnapshotLayout {
  std::uint64_t total_bytes = 0;
  std::uint32_t chunk_bytes = 0;  // a positive multiple of 64

  // At least one, so an empty snapshot is one empty chunk.
  std::uint32_t chunk_count() const;
  // Offset and size of chunk `index` (< chunk_count()).
  std::uint64_t chunk_offset(std::uint32_t index) const;
  std::uint32_t chunk_size(std::uint32_t index) const;
};

// Refuses a chunk size that is zero, not a multiple of 64 or above the limit,
// and a total above the limit.
Status check_snapshot_layout(const SnapshotLayout& layout, const ChunkLimits& limits);

// The serving side: the midstate before every chunk (entry 0 is SHA-256's
// initial value), computed once per snapshot and chunk size.
std::vector<Hash256> snapshot_midstates(ByteView snapshot, std::uint32_t chunk_bytes);

// Verifies chunks of one snapshot against its proven state digest, last chunk
// first. Small and copyable: a transfer resumes with another peer from
// next_index(), whatever chunks it already verified. Not thread-safe.
class ChunkChain {
 public:
  // `layout` passed check_snapshot_layout.
  ChunkChain(const SnapshotLayout& layout, const Hash256& state_digest);

  // The chunk to verify next; meaningless once complete().
  std::uint32_t next_index() const { return next_; }
  bool complete() const { return complete_; }
  const SnapshotLayout& layout() const { return layout_; }

  // Verifies `chunk` as chunk `index`, with `midstate_before` as the midstate
  // its sender claims before it; on success the next one is index-1. Refuses
  // an index other than next_index(), a wrong size, wrong bytes or midstate.
  Status accept(std::uint32_t index, const Hash256& midstate_before, ByteView chunk);

 private:
  SnapshotLayout layout_;
  Hash256 verified_end_;  // the digest (last chunk) or the verified midstate after next_
  std::uint32_t next_ = 0;
  bool complete_ = false;
};

}  // namespace replex::consensus
