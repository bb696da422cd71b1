// HostOptions and ServeLimits: every limit of the replica host, with defaults.
//
// Plain value types. validate() names the first field that is out of range.
#pragma once

#include <cstdint>

#include "replex/consensus/config.hpp"
#include "replex/core/status.hpp"

namespace replex::host {

// Bounds on what a node serves to a peer in one answer, and accepts from one.
struct ServeLimits {
  // Most committed blocks in one answer (a blocks answer, or the blocks of a
  // state answer, anchor included).
  std::uint32_t max_answer_blocks = 64;
  // Most block and certificate bytes in one answer. The first block is always
  // included, so a block larger than this still travels, alone.
  std::uint64_t max_answer_bytes = std::uint64_t{16} << 20;
  // Largest snapshot served or accepted in a state answer.
  std::uint64_t max_snapshot_bytes = std::uint64_t{1} << 30;
  // Largest snapshot chunk served or accepted in a chunk answer.
  std::uint32_t max_chunk_bytes = 4u << 20;
  // Most chunks one snapshot is cut into for a receiver (the server keeps a
  // midstate per chunk): a smaller chunk size is refused.
  std::uint32_t max_snapshot_chunks = 1u << 20;
  // Snapshots held in memory for receivers fetching them chunk by chunk.
  std::uint32_t max_served_snapshots = 2;

  Status validate() const;
};

struct HostOptions {
  consensus::Config consensus;
  // Snapshots the store keeps (>= 1). One is taken at every checkpoint height.
  std::uint32_t snapshots_kept = 2;
  ServeLimits serve;

  // ServeLimits::validate(), consensus.validate() and the fields above.
  Status validate() const;
};

}  // namespace replex::host
