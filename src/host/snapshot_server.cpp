#include "replex/host/snapshot_server.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "replex/consensus/snapshot_chunks.hpp"

namespace replex::host {

using consensus::Height;

namespace {

// Chunk sizes whose midstates one held snapshot keeps (receivers normally all
// ask for the default size).
constexpr std::size_t kChunkSizesHeld = 2;

}  // namespace

struct SnapshotServer::Held {
  explicit Held(ProvenSnapshot s) : snapshot(std::move(s)) {}

  // Computed once per chunk size, under `mutex`; the vector is never changed after.
  std::shared_ptr<const std::vector<Hash256>> midstates(std::uint32_t chunk_bytes) {
    std::lock_guard lock(mutex);
    auto it = by_chunk_bytes.find(chunk_bytes);
    if (it != by_chunk_bytes.end()) return it->second;
    if (by_chunk_bytes.size() >= kChunkSizesHeld) by_chunk_bytes.erase(by_chunk_bytes.begin());
    auto computed = std::make_shared<const std::vector<Hash256>>(
        consensus::snapshot_midstates(snapshot.state, chunk_bytes));
    by_chunk_bytes.emplace(chunk_bytes, computed);
    return computed;
  }

  const ProvenSnapshot snapshot;
  std::mutex mutex;
  std::map<std::uint32_t, std::shared_ptr<const std::vector<Hash256>>> by_chunk_bytes;
};

SnapshotServer::SnapshotServer(const storage::Store& store, const ServeLimits& limits)
    : store_(store), limits_(limits) {}

SnapshotServer::~SnapshotServer() = default;

Status SnapshotServer::check_chunk_bytes(std::uint32_t chunk_bytes) const {
  if (chunk_bytes == 0 || chunk_bytes % 64 != 0 || chunk_bytes > limits_.max_chunk_bytes) {
    return Status::invalid_argument("chunk_bytes: " + std::to_string(chunk_bytes) +
                                    " is not a positive multiple of 64 up to max_chunk_bytes " +
                                    std::to_string(limits_.max_chunk_bytes));
  }
  return Status::ok();
}

Status SnapshotServer::check_chunk_count(const consensus::SnapshotLayout& layout) const {
  const std::uint32_t count = layout.chunk_count();
  if (count > limits_.max_snapshot_chunks) {
    return Status::invalid_argument("chunk_bytes: " + std::to_string(layout.chunk_bytes) + " cuts the " +
                                    std::to_string(layout.total_bytes) + "-byte snapshot in " +
                                    std::to_string(count) + " chunks, above max_snapshot_chunks " +
                                    std::to_string(limits_.max_snapshot_chunks));
  }
  return Status::ok();
}

std::shared_ptr<SnapshotServer::Held> SnapshotServer::find(Height height) const {
  std::lock_guard lock(mutex_);
  for (const auto& held : held_) {
    if (held->snapshot.height == height) return held;
  }
  return nullptr;
}

std::shared_ptr<SnapshotServer::Held> SnapshotServer::hold(ProvenSnapshot snapshot) {
  std::lock_guard lock(mutex_);
  for (const auto& held : held_) {
    if (held->snapshot.height == snapshot.height) return held;  // another worker was first
  }
  auto held = std::make_shared<Held>(std::move(snapshot));
  auto at = std::upper_bound(held_.begin(), held_.end(), held->snapshot.height,
                             [](Height h, const auto& other) { return h < other->snapshot.height; });
  held_.insert(at, held);
  // Receivers of an evicted height still being served finish from another
  // peer or ask for a newer offer; in-flight answers keep their shared_ptr.
  while (held_.size() > limits_.max_served_snapshots) held_.erase(held_.begin());
  return held;
}

Result<Bytes> SnapshotServer::serve_offer(Height above_height, std::uint32_t chunk_bytes) {
  REPLEX_RETURN_IF_ERROR(check_chunk_bytes(chunk_bytes).with_context("serve_offer: "));
  auto heights = store_.snapshot_heights();
  if (!heights) return heights.status().with_context("serve_offer: ");
  for (auto it = heights->rbegin(); it != heights->rend() && *it > above_height; ++it) {
    std::shared_ptr<Held> held = find(*it);
    if (!held) {
      auto proven = read_proven_snapshot(store_, *it);
      if (!proven) return proven.status().with_context("serve_offer: ");
      if (!*proven) continue;
      held = hold(std::move(**proven));
    }
    const consensus::SnapshotLayout layout{held->snapshot.state.size(), chunk_bytes};
    REPLEX_RETURN_IF_ERROR(check_chunk_count(layout).with_context("serve_offer: "));
    auto answer = answer_state(store_, held->snapshot, /*offer=*/true, limits_);
    if (!answer) return answer.status().with_context("serve_offer: ");
    return answer;
  }
  return Status::not_found("serve_offer: no proven snapshot above height " + std::to_string(above_height));
}

Result<Bytes> SnapshotServer::serve_chunk(Height height, std::uint32_t index, std::uint32_t chunk_bytes) {
  REPLEX_RETURN_IF_ERROR(check_chunk_bytes(chunk_bytes).with_context("serve_chunk: "));
  std::shared_ptr<Held> held = find(height);
  if (!held) {
    auto proven = read_proven_snapshot(store_, height);
    if (!proven) return proven.status().with_context("serve_chunk: ");
    if (!*proven) {
      return Status::not_found("serve_chunk: no proven snapshot at height " + std::to_string(height));
    }
    held = hold(std::move(**proven));
  }
  const consensus::SnapshotLayout layout{held->snapshot.state.size(), chunk_bytes};
  REPLEX_RETURN_IF_ERROR(check_chunk_count(layout).with_context("serve_chunk: "));
  const std::uint32_t count = layout.chunk_count();
  if (index >= count) {
    return Status::invalid_argument("serve_chunk: index " + std::to_string(index) + " is past the last chunk " +
                                    std::to_string(count - 1));
  }
  const auto midstates = held->midstates(chunk_bytes);
  const std::uint64_t offset = layout.chunk_offset(index);
  const auto* begin = held->snapshot.state.data() + offset;
  return encode_chunk_answer(consensus::ChunkReceived{
      std::nullopt, height, index, (*midstates)[index], Bytes(begin, begin + layout.chunk_size(index))});
}

std::vector<Height> SnapshotServer::held_heights() const {
  std::lock_guard lock(mutex_);
  std::vector<Height> heights;
  for (const auto& held : held_) heights.push_back(held->snapshot.height);
  return heights;
}

}  // namespace replex::host
