// Replica: creation, recovery from the WAL, and input dispatch.
#include <algorithm>
#include <string>

#include "replex/core/hash.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/core/overloaded.hpp"
#include "replica_impl.hpp"

namespace replex::consensus {

namespace {

Status check_recovered(const RecoveredState& r, const ChainInfo& chain,
                       const ValidatorSet& validators, const Config& config) {
  if (r.committed_height == 0) {
    if (r.committed_hash != chain.genesis_hash) {
      return Status::invalid_argument(
          "recovered.committed_hash: at height 0 it must be the genesis hash");
    }
  } else {
    if (!r.committed_certificate) {
      return Status::invalid_argument("recovered.committed_certificate: missing for height " +
                                      std::to_string(r.committed_height));
    }
    const CommitCertificate& cert = *r.committed_certificate;
    if (cert.height != r.committed_height || cert.block_hash != r.committed_hash) {
      return Status::invalid_argument(
          "recovered.committed_certificate: certifies another height or block");
    }
    REPLEX_RETURN_IF_ERROR(verify_commit_certificate(cert, validators, chain.chain_id)
                               .with_context("recovered.committed_certificate: "));
  }
  if (r.stable_checkpoint) {
    REPLEX_RETURN_IF_ERROR(verify_checkpoint_proof(*r.stable_checkpoint, validators, chain.chain_id,
                                                   config.checkpoint_interval)
                               .with_context("recovered.stable_checkpoint: "));
    if (r.stable_checkpoint->checkpoint.height > r.committed_height) {
      return Status::invalid_argument("recovered.stable_checkpoint: height " +
                                      std::to_string(r.stable_checkpoint->checkpoint.height) +
                                      " is above the committed height " +
                                      std::to_string(r.committed_height));
    }
  }
  return Status::ok();
}

detail::SignKey sign_key_of(const Message& m) {
  switch (m.type) {
    case MessageType::kPrePrepare:
    case MessageType::kPrepare:
    case MessageType::kCommit:
      return {m.type, m.vote().view, m.vote().height};
    case MessageType::kCheckpoint:
      return {m.type, 0, m.checkpoint().height};
    case MessageType::kViewChange:
      return {m.type, m.view_change().new_view, 0};
    case MessageType::kNewView:
      return {m.type, m.new_view().view, 0};
  }
  REPLEX_ASSERT_MSG(false, "unknown message type");
  return {};
}

}  // namespace

// --- Replica (the public wrapper) ------------------------------------------------------

Result<Replica> Replica::create(const Config& config, const ChainInfo& chain,
                                ValidatorSet validators, KeyPair key, const abci::Application& app,
                                RecoveredState recovered) {
  REPLEX_RETURN_IF_ERROR(config.validate_for(validators.size()));
  if (chain.chain_id.empty() || chain.chain_id.size() > kMaxChainIdBytes) {
    return Status::invalid_argument("chain.chain_id: must be 1.." +
                                    std::to_string(kMaxChainIdBytes) + " bytes");
  }
  const std::optional<ValidatorIndex> index = validators.index_of(key.public_key());
  if (!index) {
    return Status::invalid_argument("key: public key " + key.public_key().hex() +
                                    " is not in the validator set");
  }
  REPLEX_RETURN_IF_ERROR(check_recovered(recovered, chain, validators, config));
  auto impl = std::make_unique<Impl>(config, chain, std::move(validators), std::move(key), *index,
                                     app, recovered);
  REPLEX_RETURN_IF_ERROR(impl->recover(recovered.wal_records));
  return Replica(std::move(impl));
}

Replica::Replica(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Replica::Replica(Replica&&) noexcept = default;
Replica& Replica::operator=(Replica&&) noexcept = default;
Replica::~Replica() = default;

std::vector<Action> Replica::start(std::uint64_t now_ms) { return impl_->start(now_ms); }
std::vector<Action> Replica::handle(Input input) { return impl_->handle(std::move(input)); }
ValidatorIndex Replica::index() const { return impl_->index(); }
View Replica::view() const { return impl_->view(); }
bool Replica::in_view_change() const { return impl_->in_view_change(); }
bool Replica::is_primary() const { return impl_->is_primary(); }
Height Replica::committed_height() const { return impl_->committed_height(); }
const Hash256& Replica::committed_hash() const { return impl_->committed_hash(); }
std::optional<Height> Replica::stable_checkpoint_height() const {
  return impl_->stable_checkpoint_height();
}
std::optional<Height> Replica::diverged_at() const { return impl_->diverged_at(); }
const Mempool& Replica::mempool() const { return impl_->mempool(); }
const ValidatorSet& Replica::validators() const { return impl_->validators(); }
const Config& Replica::config() const { return impl_->config(); }

// --- Impl: construction and recovery ---------------------------------------------------------

Replica::Impl::Impl(const Config& config, const ChainInfo& chain, ValidatorSet validators,
                    KeyPair key, ValidatorIndex index, const abci::Application& app,
                    const RecoveredState& recovered)
    : config_(config),
      chain_(chain),
      validators_(std::move(validators)),
      key_(std::move(key)),
      me_(index),
      app_(app),
      limits_(message_limits(config)),
      latest_view_change_(validators_.size()),
      committed_height_(recovered.committed_height),
      committed_hash_(recovered.committed_hash),
      committed_time_ms_(recovered.committed_time_ms),
      committed_certificate_(recovered.committed_certificate),
      executed_height_(recovered.committed_height),
      stable_(recovered.stable_checkpoint),
      highest_height_seen_(validators_.size(), 0),
      mempool_(
          Mempool::Limits{config.max_mempool_txs, config.max_mempool_bytes, config.max_tx_bytes,
                          config.max_mempool_txs_per_sender}) {
  committed_hashes_[committed_height_] = committed_hash_;
  if (stable_) {
    stable_proof_bytes_ = encode_checkpoint_proof(*stable_);
    wal_truncated_below_ = stable_->checkpoint.height + 1;
  }
}

Status Replica::Impl::recover(const std::vector<Bytes>& wal_records) {
  out_ = &recovery_actions_;
  struct Replayed {
    WalRecordKind kind;
    Message message;
    SharedBytes wire;
  };
  std::vector<Replayed> replayed;
  std::vector<PreparedRecord> prepared;
  View normal_view = 0;  // highest view this replica participated in after entering it
  View view_change_view = 0;
  for (std::size_t i = 0; i < wal_records.size(); ++i) {
    const std::string where = "wal_records[" + std::to_string(i) + "]: ";
    auto record = decode_wal_record(wal_records[i]);
    if (!record) return Status::corruption(where + record.status().message());
    if (record->kind == WalRecordKind::kPrepared) {
      auto p = decode_prepared_record(record->message);
      if (!p) return Status::corruption(where + p.status().message());
      prepared.push_back(std::move(p).value());
      continue;
    }
    auto m = decode_message(record->message, validators_, limits_);
    if (!m) return Status::corruption(where + m.status().message());
    if (record->kind == WalRecordKind::kOwnMessage) {
      if (m->sender != me_) {
        return Status::corruption(where + "own message signed by validator " +
                                  std::to_string(m->sender) + ", this replica is " +
                                  std::to_string(me_));
      }
      const detail::SignKey key = sign_key_of(*m);
      const Hash256 digest = sha256(message_signed_bytes(m->type, m->sender, m->body));
      if (const auto* entry = registry_.find(key)) {
        if (entry->digest != digest) {
          return Status::corruption(where + "two different signed " +
                                    std::string(message_type_name(m->type)) +
                                    " messages for one (view, height)");
        }
      } else {
        registry_.record(key, digest, m->signature, share(record->message));
      }
      if (m->type == MessageType::kNewView) {
        const NewViewBody& nv = m->new_view();
        for (const Reproposal& p : nv.proposals) {
          const detail::SignKey pre_key{MessageType::kPrePrepare, nv.view, p.height};
          if (registry_.find(pre_key) == nullptr) {
            const VoteBody vote{nv.view, p.height, p.block_hash};
            registry_.record(pre_key,
                             sha256(vote_signed_bytes(MessageType::kPrePrepare, me_, vote)),
                             p.signature, nullptr);
          }
        }
      }
    }
    switch (m->type) {
      case MessageType::kPrePrepare:
      case MessageType::kPrepare:
      case MessageType::kCommit:
        normal_view = std::max(normal_view, m->vote().view);
        break;
      case MessageType::kViewChange:
        view_change_view = std::max(view_change_view, m->view_change().new_view);
        break;
      case MessageType::kNewView:
        normal_view = std::max(normal_view, m->new_view().view);
        break;
      case MessageType::kCheckpoint:
        break;
    }
    replayed.push_back({record->kind, std::move(m).value(), share(std::move(record->message))});
  }

  view_ = std::max(normal_view, view_change_view);
  in_view_change_ = view_change_view > normal_view;
  registry_.forget_votes_through(committed_height_);
  if (stable_) registry_.forget_checkpoints_through(stable_->checkpoint.height);
  registry_.forget_views_below(view_);

  // Prepared certificates survive the restart: the highest view per height.
  for (PreparedRecord& p : prepared) {
    if (p.certificate.height <= committed_height_) continue;
    auto block = decode_block(p.block, block_limits(), chain_.chain_id);
    if (!block || block_hash(block->header) != p.certificate.block_hash) {
      return Status::corruption("wal prepared record at height " +
                                std::to_string(p.certificate.height) + ": block does not match");
    }
    Slot& slot = slots_[p.certificate.height];
    if (!slot.prepared || slot.prepared->view < p.certificate.view) {
      slot.prepared = p.certificate;
      slot.prepared_block = std::make_shared<const Block>(std::move(block).value());
    }
  }

  if (in_view_change_) {
    for (const Replayed& r : replayed) {
      if (r.kind != WalRecordKind::kOwnMessage || r.message.type != MessageType::kViewChange ||
          r.message.view_change().new_view != view_) {
        continue;
      }
      std::vector<std::shared_ptr<const Block>> blocks;
      REPLEX_RETURN_IF_ERROR(
          validate_view_change_blocks(r.message, blocks).with_context("wal own VIEW-CHANGE: "));
      latest_view_change_[me_] = detail::ReceivedViewChange{
          SignedViewChange{me_, r.message.view_change(), r.message.signature}, std::move(blocks),
          r.wire};
      view_records_ = {{WalRecordKind::kOwnMessage, r.wire}};
    }
  } else if (view_ > 0) {
    const Replayed* entered = nullptr;
    for (const Replayed& r : replayed) {
      if (r.message.type == MessageType::kNewView && r.message.new_view().view == view_)
        entered = &r;
    }
    if (entered == nullptr) {
      return Status::corruption("wal: votes in view " + std::to_string(view_) +
                                " without the NEW-VIEW that opened it");
    }
    std::map<Hash256, std::shared_ptr<const Block>> blocks;
    auto selection = check_new_view(entered->message, blocks);
    if (!selection) return Status::corruption("wal NEW-VIEW: " + selection.status().message());
    const bool own = entered->kind == WalRecordKind::kOwnMessage;
    install_new_view(entered->message.new_view(), entered->wire, *selection, blocks,
                     /*persist=*/false, own);
    if (own) own_new_view_ = entered->wire;
  }

  // This replica's own proposals and votes of its current view, and its checkpoints.
  for (const Replayed& r : replayed) {
    if (r.kind == WalRecordKind::kOwnMessage) replay_own_record(r.message, r.wire);
  }
  return Status::ok();
}

void Replica::Impl::replay_own_record(const Message& m, const SharedBytes& wire) {
  if (m.type == MessageType::kCheckpoint) {
    const CheckpointBody& body = m.checkpoint();
    if (stable_ && body.height <= stable_->checkpoint.height) return;
    own_checkpoints_[body.height] = body;
    add_checkpoint_vote(me_, body, m.signature);
    return;
  }
  if (!is_vote_type(m.type) || in_view_change_) return;
  const VoteBody& vote = m.vote();
  if (vote.view != view_ || !in_window(vote.height)) return;
  if (m.type == MessageType::kPrePrepare) {
    Slot& slot = slots_[vote.height];
    if (slot.accepted) return;  // a re-proposal installed from the NEW-VIEW
    auto block = decode_block(m.blocks.at(0), block_limits(), chain_.chain_id);
    REPLEX_ASSERT_MSG(block.is_ok(), "own PRE-PREPARE in the WAL does not decode");
    Proposal p;
    p.view = vote.view;
    p.block_hash = vote.block_hash;
    p.signature = m.signature;
    p.block = std::make_shared<const Block>(std::move(block).value());
    p.wire = wire;
    p.received_ms = now_ms_;
    accept_proposal(vote.height, std::move(p));
    return;
  }
  record_own_vote(m.type, vote, m.signature);
}

void Replica::Impl::resend_own_messages(bool checkpoints) {
  std::vector<std::pair<MessageType, SharedBytes>> resend;
  registry_.for_each([&](const detail::SignKey& key, const detail::SigningRegistry::Entry& entry) {
    if (!entry.wire) return;
    const bool current_view = key.view == view_ && key.type != MessageType::kCheckpoint &&
                              (!is_vote_type(key.type) || key.height > committed_height_);
    const bool open_checkpoint = checkpoints && key.type == MessageType::kCheckpoint;
    if (current_view || open_checkpoint) resend.emplace_back(key.type, entry.wire);
  });
  for (auto& [type, wire] : resend) broadcast(type, wire);
}

std::vector<Action> Replica::Impl::start(std::uint64_t now_ms) {
  REPLEX_ASSERT_MSG(!started_, "Replica::start() called twice");
  started_ = true;
  now_ms_ = now_ms;
  std::vector<Action> out = std::move(recovery_actions_);
  recovery_actions_.clear();
  out_ = &out;
  // Re-send what this replica signed in its current view: peers may have
  // missed it while it was down.
  resend_own_messages(/*checkpoints=*/true);
  advance();
  out_ = nullptr;
  return out;
}

// --- Impl: dispatch -------------------------------------------------------------------------

std::vector<Action> Replica::Impl::handle(Input input) {
  REPLEX_ASSERT_MSG(started_, "Replica::start() must be called before handle()");
  std::vector<Action> out;
  out_ = &out;
  now_ms_ = input.now_ms;
  std::visit(Overloaded{
                 [this](MessageReceived& e) { on_message(e); },
                 [this](TransactionsReceived& e) { on_transactions(e); },
                 [this](TimerFired& e) { on_timer(e); },
                 [this](BlockExecuted& e) { on_block_executed(e); },
                 [this](BlocksReceived& e) { on_blocks_received(e); },
                 [this](StateReceived& e) { on_state_received(e); },
                 [this](ChunkReceived& e) { on_chunk_received(e); },
                 [this](StateInstalled& e) { on_state_installed(e); },
             },
             input.event);
  advance();
  out_ = nullptr;
  return out;
}

void Replica::Impl::on_message(MessageReceived& input) {
  if (input.sender == me_) return;  // the driver's loopback; this replica's own messages are known
  if (!validators_.contains(input.sender)) {
    report(EvidenceKind::kMalformedMessage, std::nullopt, 0, 0,
           "consensus message from non-validator index " + std::to_string(input.sender));
    return;
  }
  auto decoded = decode_message(input.bytes, validators_, limits_);
  if (!decoded) {
    report(EvidenceKind::kMalformedMessage, input.sender, 0, 0, decoded.status().message());
    return;
  }
  const Message& m = *decoded;
  if (m.sender != input.sender) {
    report(EvidenceKind::kSenderMismatch, input.sender, 0, 0,
           std::string(message_type_name(m.type)) + " signed by validator " +
               std::to_string(m.sender) + " delivered by validator " +
               std::to_string(input.sender));
    return;
  }
  if (!input.signature_verified) {
    const KnownViewChange known = [this](const SignedViewChange& vc) {
      const auto& latest = latest_view_change_[vc.sender];
      return latest && latest->signed_view_change == vc;
    };
    Status s = verify_message_signatures(m, validators_, chain_.chain_id, known);
    if (!s.is_ok()) {
      report(EvidenceKind::kBadSignature, input.sender, 0, 0, s.message());
      return;
    }
  }
  const SharedBytes wire = share(std::move(input.bytes));
  switch (m.type) {
    case MessageType::kPrePrepare:
      on_pre_prepare(m, wire, now_ms_);
      break;
    case MessageType::kPrepare:
    case MessageType::kCommit:
      on_vote(m, wire);
      break;
    case MessageType::kCheckpoint:
      on_checkpoint(m, wire);
      break;
    case MessageType::kViewChange:
      on_view_change(m, wire);
      break;
    case MessageType::kNewView:
      on_new_view(m, wire);
      break;
  }
}

void Replica::Impl::on_transactions(TransactionsReceived& input) {
  // No block is cut between them: handle() proposes (advance) after the last.
  REPLEX_ASSERT_MSG(input.tx_hashes.empty() || input.tx_hashes.size() == input.txs.size(),
                    "TransactionsReceived: " + std::to_string(input.tx_hashes.size()) + " hashes for " +
                        std::to_string(input.txs.size()) + " transactions");
  for (std::size_t i = 0; i < input.txs.size(); ++i) {
    const Hash256 hash = input.tx_hashes.empty() ? tx_hash(input.txs[i]) : input.tx_hashes[i];
    admit_transaction(std::move(input.txs[i]), hash, input.relayed);
  }
}

void Replica::Impl::admit_transaction(Bytes tx, const Hash256& hash, bool relayed) {
  TxStatusReport status{hash, TxVerdict::kAccepted, 0, {}};
  if (tx.empty() || tx.size() > config_.max_tx_bytes) {
    status.verdict = TxVerdict::kTooLarge;
    status.message = "transaction: " + std::to_string(tx.size()) +
                     " bytes, must be 1..max_tx_bytes " + std::to_string(config_.max_tx_bytes);
    emit(std::move(status));
    return;
  }
  if (mempool_.contains(hash)) {
    status.verdict = TxVerdict::kDuplicate;
    status.message = "transaction: already in the mempool";
    emit(std::move(status));
    return;
  }
  const abci::TxCheck check = app_.check_tx(tx, committed_height_ + 1);
  // The relay admitted it on its state; this replica's may lack blocks it
  // already knows of (committed or accepted, not executed): judge it once
  // they executed. A client's own submission is answered on this state.
  const Height known = known_height();
  const bool hold = !check.ok() && relayed && check.scope == abci::TxCheck::Scope::kUntilLaterState &&
                    executed_height_ < known;
  if (!check.ok() && !hold) {
    status.verdict = TxVerdict::kRejected;
    status.app_code = check.code;
    status.message = std::string(app_.reason_name(check.code)) + ": " + check.message;
    emit(std::move(status));
    return;
  }
  std::optional<abci::ReplayKey> key = app_.replay_key(tx);
  const Mempool::AddResult added = mempool_.add(std::move(tx), hash, key, now_ms_);
  if (hold && added != Mempool::AddResult::kAdded) {
    // No room to hold it: the refusal stands (and is charged to the relay).
    status.verdict = TxVerdict::kRejected;
    status.app_code = check.code;
    status.message = std::string(app_.reason_name(check.code)) + ": " + check.message;
    emit(std::move(status));
    return;
  }
  switch (added) {
    case Mempool::AddResult::kAdded:
      if (hold) {
        mempool_.hold(hash, known);
        status.verdict = TxVerdict::kHeld;
        status.app_code = check.code;
        status.message = std::string(app_.reason_name(check.code)) + ": " + check.message +
                         " (held until this replica executed height " + std::to_string(known) + ")";
      }
      break;
    case Mempool::AddResult::kDuplicate:
      status.verdict = TxVerdict::kDuplicate;
      status.message = "transaction: already in the mempool";
      break;
    case Mempool::AddResult::kKeyHeld: {
      const abci::TxCheck held = app_.replay_key_held();
      status.verdict = TxVerdict::kRejected;
      status.app_code = held.code;
      status.message = std::string(app_.reason_name(held.code)) + ": " + held.message + " (transaction " +
                       mempool_.holder_of(key.value()).value_or(Hash256{}).hex() + ")";
      break;
    }
    case Mempool::AddResult::kSenderFull:
      status.verdict = TxVerdict::kMempoolFull;
      status.message = "MEMPOOL_FULL: this sender already has " +
                       std::to_string(mempool_.count_of_sender(key.value())) +
                       " transactions waiting (max_mempool_txs_per_sender " +
                       std::to_string(config_.max_mempool_txs_per_sender) + "); retry once some commit";
      break;
    case Mempool::AddResult::kFull:
      status.verdict = TxVerdict::kMempoolFull;
      status.message = "MEMPOOL_FULL: " + std::to_string(mempool_.size()) + " transactions / " +
                       std::to_string(mempool_.bytes()) + " bytes held (max_mempool_txs " +
                       std::to_string(config_.max_mempool_txs) + ", max_mempool_bytes " +
                       std::to_string(config_.max_mempool_bytes) + "); retry later";
      break;
    case Mempool::AddResult::kTooLarge:
      status.verdict = TxVerdict::kTooLarge;
      status.message = "transaction: above max_tx_bytes";
      break;
  }
  emit(std::move(status));
}

void Replica::Impl::on_timer(const TimerFired& input) {
  auto& deadline = timers_[static_cast<std::size_t>(input.kind)];
  if (!deadline || now_ms_ < *deadline) return;  // cancelled, re-armed, or early
  deadline.reset();
  switch (input.kind) {
    case TimerKind::kBatch:
      break;  // advance() cuts the block now that it is due
    case TimerKind::kView:
      if (in_view_change_) {
        // PBFT: only once a quorum moved to this view does its NEW-VIEW
        // timing out justify the next one. A replica alone here re-sends its
        // VIEW-CHANGE (it may have been lost) instead of climbing views alone.
        if (view_change_quorum()) {
          start_view_change(view_ + 1);
        } else if (const auto& own = latest_view_change_[me_];
                   own && own->signed_view_change.body.new_view == view_) {
          broadcast(MessageType::kViewChange, own->wire);
        }
      } else if (has_pending_work() && !diverged_at_) {
        // (Diverged, this replica commits nothing by design and blames no
        // primary for it; update_timers does not arm this timer then.)
        // No commit here, but f+1 validators are ahead: the primary makes
        // progress and this replica lags. Catch up for one more timeout
        // before blaming the primary.
        if (!lagging_ && height_ahead_of(committed_height_)) {
          lagging_ = true;
          restart_view_timer_ = true;
        } else if (transfer_ || installing_) {
          // Still receiving or installing a proven state, which commits
          // nothing for many timeouts when it is large: that is not the
          // primary's doing (alone in a new view, this replica would stay there).
          restart_view_timer_ = true;
        } else {
          start_view_change(view_ + 1);
        }
      }
      break;
    case TimerKind::kRetransmit:
      // No commit for retransmit_interval_ms: a message of this round may
      // be lost; sending it again is cheaper than the view change.
      // Diverged, it has nothing of this round to re-send.
      if (!in_view_change_ && !diverged_at_) resend_own_messages(/*checkpoints=*/false);
      break;
    case TimerKind::kFetch:
      // An unanswered chunk: the next peer serving that height is asked.
      if (transfer_) {
        transfer_->missed();
        request_next_chunk();
        break;
      }
      // Unanswered: update_catch_up() asks again, the next peer first.
      fetch_.reset();
      ++fetch_retries_;
      break;
  }
}

}  // namespace replex::consensus
