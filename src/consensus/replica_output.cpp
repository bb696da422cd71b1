// Replica, output: signing through the registry, persist-before-send,
// timers and reports.
#include <algorithm>
#include <string>

#include "replex/core/hash.hpp"
#include "replica_impl.hpp"

namespace replex::consensus {

namespace {

detail::SignKey sign_key_for(MessageType type, const MessageBody& body) {
  switch (type) {
    case MessageType::kPrePrepare:
    case MessageType::kPrepare:
    case MessageType::kCommit: {
      const VoteBody& v = std::get<VoteBody>(body);
      return {type, v.view, v.height};
    }
    case MessageType::kCheckpoint:
      return {type, 0, std::get<CheckpointBody>(body).height};
    case MessageType::kViewChange:
      return {type, std::get<ViewChangeBody>(body).new_view, 0};
    case MessageType::kNewView:
      return {type, std::get<NewViewBody>(body).view, 0};
  }
  REPLEX_ASSERT_MSG(false, "unknown message type");
  return {};
}

}  // namespace

Replica::Impl::OwnSignature Replica::Impl::own_signature_state(MessageType type,
                                                               const MessageBody& body) const {
  const auto* entry = registry_.find(sign_key_for(type, body));
  if (entry == nullptr) return OwnSignature::kNone;
  const Hash256 digest = sha256(message_signed_bytes(type, me_, body));
  return entry->digest == digest ? OwnSignature::kSame : OwnSignature::kConflict;
}

std::optional<Replica::Impl::SignedOwn> Replica::Impl::sign_own(MessageType type, MessageBody body,
                                                                std::vector<Bytes> blocks,
                                                                Height wal_height) {
  const detail::SignKey key = sign_key_for(type, body);
  const Bytes signed_bytes = message_signed_bytes(type, me_, body);
  const Hash256 digest = sha256(signed_bytes);
  if (auto* entry = registry_.find(key)) {
    if (entry->digest == digest && entry->wire) return SignedOwn{entry->wire, entry->signature};
    if (!entry->refusal_reported) {
      entry->refusal_reported = true;
      report(EvidenceKind::kRefusedToSign, me_, key.view, key.height,
             "refused to sign a " + std::string(message_type_name(type)) + " for view " +
                 std::to_string(key.view) + " height " + std::to_string(key.height) +
                 " that differs from the one this replica signed before");
    }
    return std::nullopt;
  }
  Message m;
  m.type = type;
  m.sender = me_;
  m.body = std::move(body);
  m.blocks = std::move(blocks);
  m.signature = sign_consensus(key_, chain_.chain_id, signed_bytes);
  SharedBytes wire = share(encode_message(m));
  REPLEX_ASSERT_MSG(wire->size() <= config_.max_message_bytes,
                    "own message above max_message_bytes (validate_for checks the worst case)");
  // Persist before send: the record precedes the send in the action list.
  persist(wal_height, WalRecordKind::kOwnMessage, *wire);
  registry_.record(key, digest, m.signature, wire);
  return SignedOwn{std::move(wire), m.signature};
}

void Replica::Impl::broadcast(MessageType type, SharedBytes wire) {
  emit(BroadcastMessage{type, std::move(wire)});
}

void Replica::Impl::send_to(ValidatorIndex to, MessageType type, SharedBytes wire) {
  REPLEX_ASSERT(validators_.contains(to) && to != me_);
  emit(SendMessage{to, type, std::move(wire)});
}

void Replica::Impl::persist(Height height, WalRecordKind kind, const Bytes& message) {
  emit(PersistRecord{height, encode_wal_record(kind, message)});
}

void Replica::Impl::report(EvidenceKind kind, std::optional<ValidatorIndex> validator, View view,
                           Height height, std::string detail, std::vector<SharedBytes> messages) {
  emit(EvidenceFound{
      Evidence{kind, validator, view, height, std::move(detail), std::move(messages)}});
}

void Replica::Impl::set_timer(TimerKind kind, std::uint64_t deadline_ms) {
  auto& slot = timers_[static_cast<std::size_t>(kind)];
  if (slot == deadline_ms) return;
  slot = deadline_ms;
  emit(SetTimer{kind, deadline_ms});
}

void Replica::Impl::cancel_timer(TimerKind kind) {
  auto& slot = timers_[static_cast<std::size_t>(kind)];
  if (!slot) return;
  slot.reset();
  emit(CancelTimer{kind});
}

bool Replica::Impl::has_pending_work() const {
  // A held entry waits for this replica's own execution, not for a primary.
  if (mempool_.size() > mempool_.held_count()) return true;
  // An uncommitted proposal of the current view: held, or prepared (which
  // is all that is left of it after a restart).
  for (const auto& [height, slot] : slots_) {
    if (slot.accepted || slot.waiting) return true;
    if (slot.prepared && slot.prepared->view == view_) return true;
  }
  return false;
}

std::uint64_t Replica::Impl::current_view_timeout_ms() const {
  // Doubles per consecutive view change without a commit, capped.
  std::uint64_t timeout = config_.view_timeout_ms;
  for (std::uint32_t i = 0; i < view_change_streak_ && timeout < config_.view_timeout_max_ms; ++i) {
    timeout *= 2;
  }
  return std::min(timeout, config_.view_timeout_max_ms);
}

void Replica::Impl::update_timers() {
  const auto& view_timer = timers_[static_cast<std::size_t>(TimerKind::kView)];
  if (in_view_change_) {
    // Waiting for NEW-VIEW: on expiry, the next view (once a quorum is here)
    // or the VIEW-CHANGE again (on_timer).
    if (!view_timer) set_timer(TimerKind::kView, now_ms_ + current_view_timeout_ms());
  } else {
    if (restart_view_timer_) cancel_timer(TimerKind::kView);
    // A diverged replica commits nothing by design: no timer blames the primary for it.
    if (has_pending_work() && !diverged_at_) {
      if (!view_timer) set_timer(TimerKind::kView, now_ms_ + current_view_timeout_ms());
    } else {
      cancel_timer(TimerKind::kView);
    }
  }
  // Retransmission follows the view timer: restarted by progress, off
  // during a view change (the VIEW-CHANGE has its own re-send).
  const auto& retransmit_timer = timers_[static_cast<std::size_t>(TimerKind::kRetransmit)];
  if (restart_view_timer_ || in_view_change_ || config_.retransmit_interval_ms == 0 || !view_timer) {
    cancel_timer(TimerKind::kRetransmit);
  }
  if (!in_view_change_ && config_.retransmit_interval_ms != 0 && view_timer && !retransmit_timer) {
    set_timer(TimerKind::kRetransmit, now_ms_ + config_.retransmit_interval_ms);
  }
  restart_view_timer_ = false;

  // The primary's block-cut deadline for a partial block.
  bool batch_wanted = false;
  if (is_primary() && !in_view_change_ && !installing_ && !diverged_at_ &&
      mempool_.pending_count() > 0) {
    const Height height = next_proposal_height();
    const auto oldest = mempool_.oldest_pending_arrival_ms();
    // A deadline already passed means propose() could not cut (nothing a
    // timer would change), so only a future deadline is armed.
    const std::uint64_t due = oldest ? *oldest + block_delay_ms() : 0;
    if (in_window(height) && parent_of(height) && oldest && due > now_ms_) {
      batch_wanted = true;
      set_timer(TimerKind::kBatch, due);
    }
  }
  if (!batch_wanted) cancel_timer(TimerKind::kBatch);
}

BlockLimits Replica::Impl::block_limits() const {
  return {config_.max_block_txs, config_.max_block_bytes, config_.max_tx_bytes};
}

}  // namespace replex::consensus
