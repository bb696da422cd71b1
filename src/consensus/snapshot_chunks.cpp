#include "replex/consensus/snapshot_chunks.hpp"

#include <string>

#include "replex/core/assert.hpp"
#include "replex/core/sha256_midstate.hpp"

namespace replex::consensus {

std::uint32_t SnapshotLayout::chunk_count() const {
  REPLEX_ASSERT(chunk_bytes > 0 && chunk_bytes % kSha256BlockBytes == 0);
  const std::uint64_t n = total_bytes == 0 ? 1 : (total_bytes + chunk_bytes - 1) / chunk_bytes;
  REPLEX_ASSERT_MSG(n <= UINT32_MAX, "chunks " + std::to_string(n));
  return static_cast<std::uint32_t>(n);
}

std::uint64_t SnapshotLayout::chunk_offset(std::uint32_t index) const {
  REPLEX_ASSERT(index < chunk_count());
  return std::uint64_t{index} * chunk_bytes;
}

std::uint32_t SnapshotLayout::chunk_size(std::uint32_t index) const {
  const std::uint64_t left = total_bytes - chunk_offset(index);
  return static_cast<std::uint32_t>(left < chunk_bytes ? left : chunk_bytes);
}

Status check_snapshot_layout(const SnapshotLayout& layout, const ChunkLimits& limits) {
  if (layout.chunk_bytes == 0 || layout.chunk_bytes % kSha256BlockBytes != 0 ||
      layout.chunk_bytes > limits.max_chunk_bytes) {
    return Status::invalid_argument("snapshot chunk_bytes: " + std::to_string(layout.chunk_bytes) +
                                    " is not a positive multiple of 64 up to " +
                                    std::to_string(limits.max_chunk_bytes));
  }
  if (layout.total_bytes > limits.max_state_bytes) {
    return Status::invalid_argument("snapshot total_bytes: " + std::to_string(layout.total_bytes) +
                                    " exceeds max_state_bytes " +
                                    std::to_string(limits.max_state_bytes));
  }
  // Keeps chunk_count() within u32 whatever the limits.
  if ((layout.total_bytes + layout.chunk_bytes - 1) / layout.chunk_bytes > UINT32_MAX) {
    return Status::invalid_argument("snapshot: too many chunks");
  }
  return Status::ok();
}

std::vector<Hash256> snapshot_midstates(ByteView snapshot, std::uint32_t chunk_bytes) {
  const SnapshotLayout layout{snapshot.size(), chunk_bytes};
  const std::uint32_t n = layout.chunk_count();
  std::vector<Hash256> out;
  out.reserve(n);
  out.push_back(sha256_initial_midstate());
  for (std::uint32_t i = 0; i + 1 < n; ++i) {
    out.push_back(sha256_advance(out.back(), layout.chunk_offset(i),
                                 snapshot.subspan(layout.chunk_offset(i), chunk_bytes)));
  }
  REPLEX_ASSERT(out.size() == n);
  return out;
}

ChunkChain::ChunkChain(const SnapshotLayout& layout, const Hash256& state_digest)
    : layout_(layout), verified_end_(state_digest), next_(layout.chunk_count() - 1) {}

Status ChunkChain::accept(std::uint32_t index, const Hash256& midstate_before, ByteView chunk) {
  if (complete_ || index != next_) {
    return Status::invalid_argument("snapshot chunk " + std::to_string(index) +
                                    ": not the chunk to verify next (" +
                                    (complete_ ? std::string("complete") : std::to_string(next_)) + ")");
  }
  if (chunk.size() != layout_.chunk_size(index)) {
    return Status::invalid_argument("snapshot chunk " + std::to_string(index) + ": " +
                                    std::to_string(chunk.size()) + " bytes, expected " +
                                    std::to_string(layout_.chunk_size(index)));
  }
  if (index == 0 && midstate_before != sha256_initial_midstate()) {
    return Status::invalid_argument("snapshot chunk 0: the midstate before it is not SHA-256's initial value");
  }
  const std::uint64_t offset = layout_.chunk_offset(index);
  const bool last = index + 1 == layout_.chunk_count();
  // The last chunk must end at the proven digest; any other at the midstate
  // after it, which the chunk after it already proved.
  const Hash256 got = last ? sha256_finish(midstate_before, offset, chunk)
                           : sha256_advance(midstate_before, offset, chunk);
  if (got != verified_end_) {
    return Status::invalid_argument("snapshot chunk " + std::to_string(index) +
                                    ": does not hash to the " +
                                    (last ? "proven state_digest " : "verified midstate ") +
                                    verified_end_.hex());
  }
  if (index == 0) {
    complete_ = true;
  } else {
    verified_end_ = midstate_before;  // proven: finding another would take a preimage
    --next_;
  }
  return Status::ok();
}

}  // namespace replex::consensus
