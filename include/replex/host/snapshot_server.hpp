// Serving proven snapshots in chunks (docs/wire-formats.md, "Snapshot chunks").
//
// A receiver asks for an offer (proof, snapshot size, anchor and later
// blocks), then for the snapshot chunk by chunk, from one peer or several.
// The server reads a snapshot from the store once and holds it, with the
// SHA-256 midstate before every chunk for each chunk size asked for, so a
// chunk costs a copy; at most ServeLimits::max_served_snapshots are held
// (the newest heights). Thread-safe: workers serve requests concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "replex/consensus/snapshot_chunks.hpp"
#include "replex/host/serving.hpp"

namespace replex::host {

class SnapshotServer {
 public:
  // `store` outlives the server.
  SnapshotServer(const storage::Store& store, const ServeLimits& limits);
  ~SnapshotServer();
  SnapshotServer(const SnapshotServer&) = delete;
  SnapshotServer& operator=(const SnapshotServer&) = delete;

  // The state answer for the newest proven snapshot above `above_height`,
  // with its size in place of its bytes (kStateOfferVersion). kNotFound when
  // there is none; kInvalidArgument when `chunk_bytes` cannot be served.
  Result<Bytes> serve_offer(consensus::Height above_height, std::uint32_t chunk_bytes);

  // Chunk `index` of the snapshot at `height` cut in `chunk_bytes` chunks,
  // with the midstate before it. kNotFound when that snapshot is neither held
  // nor stored (proven); kInvalidArgument for a chunk size that is not a
  // positive multiple of 64 up to max_chunk_bytes, that cuts the snapshot in
  // more than max_snapshot_chunks, or an index past its end.
  Result<Bytes> serve_chunk(consensus::Height height, std::uint32_t index, std::uint32_t chunk_bytes);

  // Heights held now, ascending (for tests and metrics).
  std::vector<consensus::Height> held_heights() const;

 private:
  struct Held;
  Status check_chunk_bytes(std::uint32_t chunk_bytes) const;
  Status check_chunk_count(const consensus::SnapshotLayout& layout) const;
  // The held snapshot at `height`, or nullptr.
  std::shared_ptr<Held> find(consensus::Height height) const;
  // Holds `snapshot` (evicting the lowest height beyond the bound).
  std::shared_ptr<Held> hold(ProvenSnapshot snapshot);

  const storage::Store& store_;
  ServeLimits limits_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Held>> held_;  // ascending height
};

}  // namespace replex::host
