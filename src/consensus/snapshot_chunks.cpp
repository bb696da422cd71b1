#include "replex/consensus/snapshot_chunks.hpp"

#include <string>

#include "replex/core/assert.hpp"
#include "replex/core/codec.hpp"
#include "replex/core/sha256_midstate.hpp"

namespace replex::consensus {
namespace {

constexpr std::uint8_t kManifestVersion = 1;

}  // namespace

std::uint32_t snapshot_chunk_count(std::uint64_t total_bytes, std::uint32_t chunk_bytes) {
  REPLEX_ASSERT(chunk_bytes > 0 && chunk_bytes % kSha256BlockBytes == 0);
  const std::uint64_t n = total_bytes == 0 ? 1 : (total_bytes + chunk_bytes - 1) / chunk_bytes;
  REPLEX_ASSERT_MSG(n <= UINT32_MAX, "chunks " + std::to_string(n));
  return static_cast<std::uint32_t>(n);
}

std::uint32_t SnapshotManifest::chunk_count() const {
  return snapshot_chunk_count(total_bytes, chunk_bytes);
}

std::uint64_t SnapshotManifest::chunk_offset(std::uint32_t index) const {
  REPLEX_ASSERT(index < chunk_count());
  return std::uint64_t{index} * chunk_bytes;
}

std::uint32_t SnapshotManifest::chunk_size(std::uint32_t index) const {
  const std::uint64_t offset = chunk_offset(index);
  const std::uint64_t left = total_bytes - offset;
  return static_cast<std::uint32_t>(left < chunk_bytes ? left : chunk_bytes);
}

SnapshotManifest make_snapshot_manifest(ByteView snapshot, std::uint32_t chunk_bytes) {
  SnapshotManifest m;
  m.total_bytes = snapshot.size();
  m.chunk_bytes = chunk_bytes;
  const std::uint32_t n = m.chunk_count();
  m.midstates.reserve(n - 1);
  Hash256 midstate = sha256_initial_midstate();
  for (std::uint32_t i = 0; i + 1 < n; ++i) {
    midstate = sha256_advance(midstate, m.chunk_offset(i), snapshot.subspan(m.chunk_offset(i), chunk_bytes));
    m.midstates.push_back(midstate);
  }
  REPLEX_ASSERT(m.midstates.size() + 1 == n);
  return m;
}

Bytes encode_snapshot_manifest(const SnapshotManifest& manifest) {
  REPLEX_ASSERT(manifest.midstates.size() + 1 == manifest.chunk_count());
  ByteWriter w;
  w.u8(kManifestVersion);
  w.u64(manifest.total_bytes);
  w.u32(manifest.chunk_bytes);
  w.u32(static_cast<std::uint32_t>(manifest.midstates.size()));
  for (const Hash256& h : manifest.midstates) w.hash(h);
  return w.take();
}

Result<SnapshotManifest> decode_snapshot_manifest(ByteView bytes, const ChunkLimits& limits) {
  ByteReader r(bytes);
  const std::uint8_t version = r.u8("manifest.version");
  SnapshotManifest m;
  m.total_bytes = r.u64("manifest.total_bytes");
  m.chunk_bytes = r.u32("manifest.chunk_bytes");
  const std::uint32_t count = r.u32("manifest.midstates");
  if (!r.ok()) return r.status();
  if (version != kManifestVersion) {
    return Status::invalid_argument("manifest.version: " + std::to_string(version) + ", expected " +
                                    std::to_string(kManifestVersion));
  }
  if (m.chunk_bytes == 0 || m.chunk_bytes % kSha256BlockBytes != 0 ||
      m.chunk_bytes > limits.max_chunk_bytes) {
    return Status::invalid_argument("manifest.chunk_bytes: " + std::to_string(m.chunk_bytes) +
                                    " is not a positive multiple of 64 up to " +
                                    std::to_string(limits.max_chunk_bytes));
  }
  if (m.total_bytes > limits.max_state_bytes) {
    return Status::invalid_argument("manifest.total_bytes: " + std::to_string(m.total_bytes) +
                                    " exceeds max_state_bytes " +
                                    std::to_string(limits.max_state_bytes));
  }
  // Checked before reading, so a claimed count cannot make us allocate.
  if (std::uint64_t{count} + 1 != m.chunk_count() || r.remaining() != std::uint64_t{count} * 32) {
    return Status::invalid_argument("manifest.midstates: " + std::to_string(count) + " for " +
                                    std::to_string(m.chunk_count()) + " chunks");
  }
  m.midstates.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) m.midstates.push_back(r.hash("manifest.midstate"));
  REPLEX_RETURN_IF_ERROR(r.finish());
  return m;
}

ChunkChain::ChunkChain(SnapshotManifest manifest, const Hash256& state_digest)
    : manifest_(std::move(manifest)), state_digest_(state_digest) {
  REPLEX_ASSERT(manifest_.midstates.size() + 1 == manifest_.chunk_count());
  next_ = manifest_.chunk_count() - 1;
}

Status ChunkChain::accept(std::uint32_t index, ByteView chunk) {
  if (complete_ || index != next_) {
    return Status::invalid_argument("snapshot chunk " + std::to_string(index) +
                                    ": not the chunk to verify next (" +
                                    (complete_ ? std::string("complete") : std::to_string(next_)) + ")");
  }
  if (chunk.size() != manifest_.chunk_size(index)) {
    return Status::invalid_argument("snapshot chunk " + std::to_string(index) + ": " +
                                    std::to_string(chunk.size()) + " bytes, expected " +
                                    std::to_string(manifest_.chunk_size(index)));
  }
  const std::uint64_t offset = manifest_.chunk_offset(index);
  const Hash256 before = index == 0 ? sha256_initial_midstate() : manifest_.midstates[index - 1];
  const bool last = index + 1 == manifest_.chunk_count();
  // The last chunk must end at the proven digest; any other at the midstate
  // after it, which the chunk after it already proved.
  const Hash256 got = last ? sha256_finish(before, offset, chunk) : sha256_advance(before, offset, chunk);
  const Hash256& want = last ? state_digest_ : manifest_.midstates[index];
  if (got != want) {
    return Status::invalid_argument("snapshot chunk " + std::to_string(index) +
                                    ": does not hash to the " +
                                    (last ? "proven state_digest " : "verified midstate ") +
                                    want.hex());
  }
  if (index == 0) {
    complete_ = true;
  } else {
    --next_;
  }
  return Status::ok();
}

Status ChunkChain::adopt(SnapshotManifest other) {
  if (other.total_bytes != manifest_.total_bytes || other.chunk_bytes != manifest_.chunk_bytes ||
      other.midstates.size() != manifest_.midstates.size()) {
    return Status::invalid_argument("snapshot manifest: another layout than the one being verified");
  }
  // Midstates at or after next_ (after complete_, all) were proven by chunks.
  const std::size_t first_proven = complete_ ? 0 : next_;
  for (std::size_t i = first_proven; i < manifest_.midstates.size(); ++i) {
    if (other.midstates[i] != manifest_.midstates[i]) {
      return Status::invalid_argument("snapshot manifest: midstate " + std::to_string(i) +
                                      " differs from the verified one");
    }
  }
  manifest_ = std::move(other);
  return Status::ok();
}

}  // namespace replex::consensus
