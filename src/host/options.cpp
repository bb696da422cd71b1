#include "replex/host/options.hpp"

#include <string>

namespace replex::host {

Status ServeLimits::validate() const {
  if (max_answer_blocks == 0) {
    return Status::invalid_argument("serve.max_answer_blocks: must be > 0");
  }
  if (max_answer_bytes == 0) {
    return Status::invalid_argument("serve.max_answer_bytes: must be > 0");
  }
  // Answers carry u32 length prefixes.
  constexpr std::uint64_t kMaxField = 0xffffffffull;
  if (max_answer_bytes > kMaxField) {
    return Status::invalid_argument("serve.max_answer_bytes: " + std::to_string(max_answer_bytes) +
                                    " is above the format's 4 GiB - 1");
  }
  if (max_snapshot_bytes == 0 || max_snapshot_bytes > kMaxField) {
    return Status::invalid_argument("serve.max_snapshot_bytes: must be 1 .. 4 GiB - 1, is " +
                                    std::to_string(max_snapshot_bytes));
  }
  if (max_chunk_bytes < 64) {
    return Status::invalid_argument("serve.max_chunk_bytes: must be >= 64, is " + std::to_string(max_chunk_bytes));
  }
  if (max_snapshot_chunks == 0) return Status::invalid_argument("serve.max_snapshot_chunks: must be > 0");
  if (max_served_snapshots == 0) return Status::invalid_argument("serve.max_served_snapshots: must be > 0");
  return Status::ok();
}

Status HostOptions::validate() const {
  REPLEX_RETURN_IF_ERROR(consensus.validate().with_context("consensus."));
  if (snapshots_kept == 0) return Status::invalid_argument("snapshots_kept: must be >= 1");
  return serve.validate();
}

}  // namespace replex::host
