// Censorship watch: a backup that holds a valid transaction for long while
// blocks with room for it commit without it votes for a view change.
//
// Suspicion, not proof (the primary may never have received it), so the bar
// is high: the oldest pending transaction has waited censorship_timeout_ms,
// passes check_tx on the executed state, is in no block above it nor in a
// proposal waiting for the state right below it, and
// censorship_blocks blocks in a row had room for it (its sender's
// max_block_txs_per_sender share included). An honest primary proposes its
// pending transactions oldest first up to the block limits, so a block with
// room leaves out only what it does not hold.
#include <algorithm>

#include "replica_impl.hpp"

namespace replex::consensus {

void Replica::Impl::watch_for_censorship(Height height, const std::optional<detail::BlockRoom>& room) {
  if (censorship_view_ != view_) {
    censorship_view_ = view_;
    censored_blocks_ = 0;
  }
  const Mempool::Entry* oldest = nullptr;  // of those not held
  mempool_.for_each_pending([&](const Mempool::Entry& e) {
    if (e.held_until != 0) return true;
    oldest = &e;
    return false;
  });
  const bool left_out = config_.censorship_timeout_ms != 0 && !is_primary() && !in_view_change_ && room &&
                        oldest != nullptr && now_ms_ >= oldest->arrival_ms + config_.censorship_timeout_ms &&
                        room->fits(oldest->tx.size(), oldest->key);
  if (!left_out) {
    censored_blocks_ = 0;
    return;
  }
  // recheck_mempool just ran: the entry, not held, passes check_tx. A block committed
  // or accepted above the executed height may still use it up.
  const detail::UsedUp used = used_below(committed_height_ + config_.max_inflight_heights + 1);
  if (used.hashes.contains(oldest->hash) || (oldest->key && used.keys.contains(*oldest->key)) ||
      held_by_waiting_proposal(oldest->hash)) {
    censored_blocks_ = 0;
    return;
  }
  if (++censored_blocks_ < config_.censorship_blocks) return;
  const ValidatorIndex primary = validators_.primary_of(view_);
  report(EvidenceKind::kCensorship, primary, view_, height,
         "transaction " + oldest->hash.hex() + " waited " + std::to_string(now_ms_ - oldest->arrival_ms) +
             " ms in this mempool while " + std::to_string(censored_blocks_) +
             " blocks in a row with room for it committed without it (through height " + std::to_string(height) +
             ", primary " + std::to_string(primary) + ")");
  censored_blocks_ = 0;
  start_view_change(view_ + 1);
}

bool Replica::Impl::held_by_waiting_proposal(const Hash256& tx) const {
  // Only one on a known parent that waits for the state right below it
  // (TxCheck::Scope): a parentless one costs a Byzantine primary nothing.
  return std::any_of(slots_.upper_bound(committed_height_), slots_.end(), [&](const auto& entry) {
    const std::optional<Proposal>& waiting = entry.second.waiting;
    return waiting && waiting->view == view_ && waiting->judge_once_executed != 0 &&
           std::find(waiting->block->tx_hashes.begin(), waiting->block->tx_hashes.end(), tx) !=
               waiting->block->tx_hashes.end();
  });
}

}  // namespace replex::consensus
