#include "chunk_transfer.hpp"

#include <algorithm>

#include "replex/core/assert.hpp"

namespace replex::consensus::detail {

Result<SnapshotLayout> ChunkTransfer::layout_of_offer(std::uint64_t snapshot_bytes,
                                                      const Config& config) {
  const SnapshotLayout layout{snapshot_bytes, config.state_chunk_bytes};
  REPLEX_RETURN_IF_ERROR(check_snapshot_layout(
      layout, ChunkLimits{config.state_chunk_bytes, config.max_state_bytes}));
  return layout;
}

ChunkTransfer::ChunkTransfer(VerifiedState offer, const SnapshotLayout& layout,
                             std::vector<ValidatorIndex> peers)
    : offer_(std::move(offer)),
      chain_(layout, offer_.proof.checkpoint.state_digest),
      peers_(std::move(peers)) {}

std::optional<RequestChunk> ChunkTransfer::next_request() const {
  REPLEX_ASSERT(!chain_.complete());
  if (misses_ >= 2 * std::max<std::size_t>(1, peers_.size())) return std::nullopt;
  std::vector<ValidatorIndex> peers = peers_;
  if (!peers.empty()) {
    const auto shift = static_cast<std::ptrdiff_t>(turn_ % peers.size());
    std::rotate(peers.begin(), peers.begin() + shift, peers.end());
  }
  return RequestChunk{height(), chain_.next_index(), chain_.layout().chunk_bytes,
                      std::move(peers)};
}

void ChunkTransfer::missed() {
  ++turn_;
  ++misses_;
}

ChunkTransfer::Received ChunkTransfer::receive(const ChunkReceived& input) {
  if (input.height != height() || chain_.complete() || input.index != chain_.next_index()) {
    return {};
  }
  Status accepted = chain_.accept(input.index, input.midstate_before, input.chunk);
  if (!accepted.is_ok()) {
    // Only its sender can be at fault (the chunk's end is proven); the next
    // peer is asked for the same chunk.
    missed();
    return {Verdict::kRefused, std::move(accepted), std::nullopt};
  }
  misses_ = 0;
  const SnapshotLayout& layout = chain_.layout();
  return {Verdict::kAccepted, Status::ok(),
          StoreChunk{input.height, layout.total_bytes, layout.chunk_offset(input.index),
                     input.chunk}};
}

InstallState ChunkTransfer::install_action() const {
  REPLEX_ASSERT(chain_.complete());
  return InstallState{offer_.proof, offer_.proof_bytes, {}, offer_.anchor, /*spooled=*/true};
}

void assert_confirms_install(const std::optional<VerifiedState>& installing, const StateInstalled& input) {
  REPLEX_ASSERT_MSG(installing.has_value(), "StateInstalled without an InstallState");
  REPLEX_ASSERT_MSG(input.height == installing->anchor.height() && input.block_hash == installing->anchor.block_hash,
                    "StateInstalled for another state than the one being installed");
}

}  // namespace replex::consensus::detail
