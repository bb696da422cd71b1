#include "replex/consensus/config.hpp"

#include <string>

#include "replex/consensus/messages.hpp"

namespace replex::consensus {
namespace {

Status positive(std::uint64_t value, std::string_view name) {
  if (value == 0)
    return Status::invalid_argument("consensus." + std::string(name) + ": must be > 0");
  return Status::ok();
}

Status at_most(std::uint64_t value, std::uint64_t limit, std::string_view name) {
  if (value > limit) {
    return Status::invalid_argument("consensus." + std::string(name) + ": " +
                                    std::to_string(value) + " exceeds " + std::to_string(limit));
  }
  return Status::ok();
}

// Room for a block header and one length prefix beside the transactions.
constexpr std::uint64_t kBlockOverheadBytes = 256;
// Bounds that keep memory and timer arithmetic sane.
constexpr std::uint64_t kMaxWindowHeights = 1024;
constexpr std::uint64_t kMaxTimeoutMs = 24ull * 3600 * 1000;
constexpr std::uint64_t kMaxBlockTxs = 1'000'000;

}  // namespace

Status Config::validate() const {
  REPLEX_RETURN_IF_ERROR(positive(max_block_txs, "max_block_txs"));
  REPLEX_RETURN_IF_ERROR(at_most(max_block_txs, kMaxBlockTxs, "max_block_txs"));
  REPLEX_RETURN_IF_ERROR(positive(max_tx_bytes, "max_tx_bytes"));
  REPLEX_RETURN_IF_ERROR(at_most(max_tx_bytes, UINT32_MAX, "max_tx_bytes"));
  if (max_block_bytes < max_tx_bytes + kBlockOverheadBytes) {
    return Status::invalid_argument(
        "consensus.max_block_bytes: " + std::to_string(max_block_bytes) +
        " cannot hold one transaction of max_tx_bytes " + std::to_string(max_tx_bytes) +
        " plus the header");
  }
  REPLEX_RETURN_IF_ERROR(positive(max_block_delay_ms, "max_block_delay_ms"));
  REPLEX_RETURN_IF_ERROR(at_most(max_block_delay_ms, kMaxTimeoutMs, "max_block_delay_ms"));
  if (idle_block_delay_ms > max_block_delay_ms) {
    return Status::invalid_argument("consensus.idle_block_delay_ms: " + std::to_string(idle_block_delay_ms) +
                                    " is above max_block_delay_ms " + std::to_string(max_block_delay_ms) +
                                    " (0 turns it off)");
  }
  REPLEX_RETURN_IF_ERROR(positive(max_inflight_heights, "max_inflight_heights"));
  REPLEX_RETURN_IF_ERROR(at_most(max_inflight_heights, kMaxWindowHeights, "max_inflight_heights"));
  REPLEX_RETURN_IF_ERROR(positive(view_timeout_ms, "view_timeout_ms"));
  REPLEX_RETURN_IF_ERROR(at_most(view_timeout_ms, kMaxTimeoutMs, "view_timeout_ms"));
  if (view_timeout_max_ms < view_timeout_ms) {
    return Status::invalid_argument(
        "consensus.view_timeout_max_ms: " + std::to_string(view_timeout_max_ms) +
        " is below view_timeout_ms " + std::to_string(view_timeout_ms));
  }
  REPLEX_RETURN_IF_ERROR(at_most(view_timeout_max_ms, kMaxTimeoutMs, "view_timeout_max_ms"));
  if (retransmit_interval_ms >= view_timeout_ms) {
    return Status::invalid_argument("consensus.retransmit_interval_ms: " + std::to_string(retransmit_interval_ms) +
                                    " must be below view_timeout_ms " + std::to_string(view_timeout_ms) +
                                    " (0 turns retransmission off)");
  }
  REPLEX_RETURN_IF_ERROR(at_most(censorship_timeout_ms, kMaxTimeoutMs, "censorship_timeout_ms"));
  REPLEX_RETURN_IF_ERROR(positive(censorship_blocks, "censorship_blocks"));
  REPLEX_RETURN_IF_ERROR(at_most(censorship_blocks, kMaxWindowHeights, "censorship_blocks"));
  REPLEX_RETURN_IF_ERROR(positive(max_future_views, "max_future_views"));
  REPLEX_RETURN_IF_ERROR(at_most(max_future_views, kMaxWindowHeights, "max_future_views"));
  REPLEX_RETURN_IF_ERROR(positive(checkpoint_interval, "checkpoint_interval"));
  if (checkpoint_interval < max_inflight_heights) {
    return Status::invalid_argument(
        "consensus.checkpoint_interval: " + std::to_string(checkpoint_interval) +
        " is below max_inflight_heights " + std::to_string(max_inflight_heights));
  }
  REPLEX_RETURN_IF_ERROR(at_most(max_clock_skew_ms, kMaxTimeoutMs, "max_clock_skew_ms"));
  REPLEX_RETURN_IF_ERROR(positive(max_mempool_txs, "max_mempool_txs"));
  if (max_mempool_bytes < max_tx_bytes) {
    return Status::invalid_argument(
        "consensus.max_mempool_bytes: " + std::to_string(max_mempool_bytes) +
        " cannot hold one transaction of max_tx_bytes " + std::to_string(max_tx_bytes));
  }
  if (max_message_bytes < max_block_bytes + kBlockOverheadBytes) {
    return Status::invalid_argument(
        "consensus.max_message_bytes: " + std::to_string(max_message_bytes) +
        " cannot hold a PRE-PREPARE with a block of max_block_bytes " +
        std::to_string(max_block_bytes));
  }
  REPLEX_RETURN_IF_ERROR(at_most(max_message_bytes, UINT32_MAX, "max_message_bytes"));
  REPLEX_RETURN_IF_ERROR(positive(max_fetch_blocks, "max_fetch_blocks"));
  REPLEX_RETURN_IF_ERROR(at_most(max_fetch_blocks, kMaxWindowHeights, "max_fetch_blocks"));
  REPLEX_RETURN_IF_ERROR(positive(fetch_timeout_ms, "fetch_timeout_ms"));
  REPLEX_RETURN_IF_ERROR(at_most(fetch_timeout_ms, kMaxTimeoutMs, "fetch_timeout_ms"));
  REPLEX_RETURN_IF_ERROR(positive(state_chunk_bytes, "state_chunk_bytes"));
  if (state_chunk_bytes % 64 != 0) {
    return Status::invalid_argument("consensus.state_chunk_bytes: " +
                                    std::to_string(state_chunk_bytes) + " is not a multiple of 64");
  }
  REPLEX_RETURN_IF_ERROR(positive(max_state_bytes, "max_state_bytes"));
  return Status::ok();
}

Status Config::validate_for(std::size_t validator_count) const {
  REPLEX_RETURN_IF_ERROR(validate());
  const std::uint64_t needed = max_new_view_bytes(validator_count, *this);
  if (max_message_bytes < needed) {
    return Status::invalid_argument(
        "consensus.max_message_bytes: " + std::to_string(max_message_bytes) +
        " is below the largest NEW-VIEW (" + std::to_string(needed) + " bytes for " +
        std::to_string(validator_count) + " validators, max_inflight_heights " +
        std::to_string(max_inflight_heights) + ", max_block_bytes " +
        std::to_string(max_block_bytes) + ")");
  }
  return Status::ok();
}

}  // namespace replex::consensus
