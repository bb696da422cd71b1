// Replica, normal case: PRE-PREPARE and votes in, prepare in order, commit,
// and release committed blocks strictly in height order.
#include <algorithm>
#include <string>

#include "replex/core/hash.hpp"
#include "replica_impl.hpp"

namespace replex::consensus {

namespace {

// Re-encodes a PRE-PREPARE this replica holds, as evidence.
SharedBytes encode_pre_prepare(const detail::Proposal& p, ValidatorIndex primary, Height height) {
  if (p.wire) return p.wire;
  Message m;
  m.type = MessageType::kPrePrepare;
  m.sender = primary;
  m.body = VoteBody{p.view, height, p.block_hash};
  m.signature = p.signature;
  m.blocks.push_back(encode_block(*p.block));
  return share(encode_message(m));
}

SharedBytes encode_vote(MessageType type, ValidatorIndex sender, const VoteBody& vote,
                        const Signature& signature) {
  Message m;
  m.type = type;
  m.sender = sender;
  m.body = vote;
  m.signature = signature;
  return share(encode_message(m));
}

}  // namespace

// --- inputs ----------------------------------------------------------------------------------

void Replica::Impl::on_pre_prepare(const Message& m, const SharedBytes& wire,
                                   std::uint64_t received_ms) {
  const VoteBody& v = m.vote();
  const ValidatorIndex primary = validators_.primary_of(v.view);
  if (m.sender != primary) {
    report(EvidenceKind::kWrongProposer, m.sender, v.view, v.height,
           "PRE-PREPARE from validator " + std::to_string(m.sender) + "; the primary of view " +
               std::to_string(v.view) + " is " + std::to_string(primary),
           {wire});
    return;
  }
  note_height_seen(m.sender, v.height);
  if (v.view < view_) {
    report(EvidenceKind::kOldView, m.sender, v.view, v.height,
           "PRE-PREPARE for view " + std::to_string(v.view) + ", replica is in view " +
               std::to_string(view_));
    return;
  }
  if (v.view > view_ || in_view_change_) {
    // The primary of a view this replica has not entered yet (its NEW-VIEW may
    // arrive later): keep a few, replayed once the view is installed.
    if (v.view > view_ + config_.max_future_views) return;
    auto& buffered = future_pre_prepares_[v.view];
    if (buffered.size() <= config_.max_inflight_heights) buffered.push_back({m, wire, received_ms});
    return;
  }
  if (!in_window(v.height)) return;  // committed already, or beyond the watermark
  Slot& slot = slots_[v.height];
  const Proposal* held = slot.accepted ? &*slot.accepted : slot.waiting ? &*slot.waiting : nullptr;
  if (held != nullptr) {
    if (held->block_hash == v.block_hash) return;  // a duplicate
    report(EvidenceKind::kEquivocation, m.sender, v.view, v.height,
           "two PRE-PREPAREs for view " + std::to_string(v.view) + " height " +
               std::to_string(v.height) + ": " + held->block_hash.hex() + " and " +
               v.block_hash.hex(),
           {encode_pre_prepare(*held, primary, v.height), wire});
    start_view_change(view_ + 1);
    return;
  }
  Proposal p;
  p.view = v.view;
  p.block_hash = v.block_hash;
  p.signature = m.signature;
  p.wire = wire;
  p.received_ms = received_ms;
  auto block = decode_block(m.blocks.at(0), block_limits(), chain_.chain_id);
  if (!block) {
    refuse_proposal(v.height, p, block.status());
    return;
  }
  if (block_hash(block->header) != v.block_hash) {
    refuse_proposal(v.height, p,
                    Status::invalid_argument("block: hash differs from the signed block_hash"));
    return;
  }
  p.block = std::make_shared<const Block>(std::move(block).value());
  // Validated once its parent is known (advance -> release_waiting_proposals).
  slot.waiting = std::move(p);
}

void Replica::Impl::on_vote(const Message& m, const SharedBytes& wire) {
  const VoteBody& v = m.vote();
  const bool prepare = m.type == MessageType::kPrepare;
  if (prepare && m.sender == validators_.primary_of(v.view)) {
    report(EvidenceKind::kMalformedMessage, m.sender, v.view, v.height,
           "PREPARE from the primary of its view (its PRE-PREPARE is its vote)", {wire});
    return;
  }
  note_height_seen(m.sender, v.height);
  if (v.view < view_) {
    report(EvidenceKind::kOldView, m.sender, v.view, v.height,
           std::string(message_type_name(m.type)) + " for view " + std::to_string(v.view) +
               ", replica is in view " + std::to_string(view_));
    return;
  }
  if (v.view > view_ + config_.max_future_views || !in_window(v.height)) return;
  detail::ViewVotes& votes = slots_[v.height].votes[v.view];
  auto& by_sender = prepare ? votes.prepares : votes.commits;
  auto [it, inserted] = by_sender.try_emplace(m.sender, detail::Vote{v.block_hash, m.signature});
  if (!inserted) {
    if (it->second.block_hash != v.block_hash) {
      report(EvidenceKind::kDoubleVote, m.sender, v.view, v.height,
             "two different " + std::string(message_type_name(m.type)) + "s for view " +
                 std::to_string(v.view) + " height " + std::to_string(v.height) +
                 "; the first counts",
             {encode_vote(m.type, m.sender, {v.view, v.height, it->second.block_hash},
                          it->second.signature),
              wire});
    }
    return;
  }
  ++(prepare ? votes.prepare_counts : votes.commit_counts)[v.block_hash];
}

// --- derivation --------------------------------------------------------------------------------

void Replica::Impl::advance() {
  for (int round = 0;; ++round) {
    REPLEX_ASSERT_MSG(round < 100000, "advance() does not converge");
    bool changed = false;
    changed |= release_waiting_proposals();
    changed |= send_prepares();
    changed |= send_commits();
    changed |= complete_commit_certificates();
    changed |= commit_ready_blocks();
    changed |= settle_checkpoints();
    changed |= propose();
    if (!changed) break;
  }
  update_catch_up();
  maybe_truncate_wal();
  update_timers();
}

bool Replica::Impl::release_waiting_proposals() {
  // Diverged, check_tx sees a wrong state: proposals wait unjudged (refusing
  // an honest one would start a view change). The installed state drops them.
  // Behind the NEW-VIEW's base, check_tx sees a stale state and used_below
  // cannot see the blocks up to the base: they wait for those blocks, as the
  // primary waits for them before it cuts.
  if (in_view_change_ || diverged_at_ || committed_height_ < view_base_height_) return false;
  bool changed = false;
  for (auto& [height, slot] : slots_) {
    if (!slot.waiting || slot.accepted || slot.waiting->judge_once_executed > executed_height_) continue;
    const std::optional<detail::Parent> parent = parent_of(height);
    if (!parent) continue;
    Proposal p = std::move(*slot.waiting);
    slot.waiting.reset();
    p.replay_keys = replay_keys_of(*p.block);
    const Status valid = validate_fresh_proposal(height, p, *parent);
    if (valid.code() == StatusCode::kUnavailable) {
      p.judge_once_executed = height - 1;
      slot.waiting = std::move(p);
      continue;
    }
    if (!valid.is_ok()) {
      refuse_proposal(height, p, valid);
      return true;
    }
    accept_proposal(height, std::move(p));
    changed = true;
  }
  return changed;
}

bool Replica::Impl::send_prepares() {
  // The primary's PRE-PREPARE is its vote; it never sends PREPARE.
  if (in_view_change_ || is_primary() || diverged_at_) return false;
  bool changed = false;
  for (auto& [height, slot] : slots_) {
    if (!slot.accepted) continue;
    const Proposal& p = *slot.accepted;
    const VoteBody vote{view_, height, p.block_hash};
    if (own_signature_state(MessageType::kPrepare, vote) == OwnSignature::kSame) continue;
    // Prepare in order: only on top of a prepared (or committed) parent.
    if (!parent_prepared(height, p.block->header.prev_block_hash)) continue;
    const auto signed_vote = sign_own(MessageType::kPrepare, vote, {}, height);
    if (!signed_vote) continue;
    broadcast(MessageType::kPrepare, signed_vote->wire);
    record_own_vote(MessageType::kPrepare, vote, signed_vote->signature);
    changed = true;
  }
  return changed;
}

bool Replica::Impl::send_commits() {
  if (in_view_change_ || diverged_at_) return false;
  bool changed = false;
  const std::size_t needed_prepares = validators_.quorum() - 1;  // plus the PRE-PREPARE
  // The chain prepared in this view above the committed block, as far as it
  // reaches: a COMMIT needs all of it below its height (docs/consensus.md,
  // "Prepare in order"). Slots ascend, so one pass extends it.
  Height chain_top = committed_height_;
  Hash256 chain_hash = committed_hash_;
  for (auto& [height, slot] : slots_) {
    if (!slot.accepted) continue;
    const Proposal& p = *slot.accepted;
    auto votes = slot.votes.find(view_);
    std::size_t count = 0;
    if (votes != slot.votes.end()) {
      auto c = votes->second.prepare_counts.find(p.block_hash);
      if (c != votes->second.prepare_counts.end()) count = c->second;
    }
    if (count < needed_prepares) continue;
    if (!slot.prepared || slot.prepared->view < view_) {
      PreparedCertificate cert{view_, height, p.block_hash, p.signature, {}};
      if (votes != slot.votes.end()) {
        for (const auto& [validator, vote] : votes->second.prepares) {
          if (cert.prepares.size() == needed_prepares) break;
          if (vote.block_hash == p.block_hash) cert.prepares.push_back({validator, vote.signature});
        }
      }
      REPLEX_ASSERT(cert.prepares.size() == needed_prepares);
      slot.prepared = std::move(cert);
      slot.prepared_block = p.block;
      changed = true;
    }
    // Prepared in this view (just above); on the chain if it extends it.
    const bool on_chain = height == chain_top + 1 && p.block->header.prev_block_hash == chain_hash;
    if (on_chain) {
      chain_top = height;
      chain_hash = p.block_hash;
    }
    const VoteBody vote{view_, height, p.block_hash};
    const OwnSignature state = own_signature_state(MessageType::kCommit, vote);
    if (state == OwnSignature::kSame) continue;
    if (!on_chain) continue;
    // The prepared certificate reaches the WAL before the COMMIT leaves, so a
    // restarted replica still reports it in VIEW-CHANGE.
    if (state == OwnSignature::kNone) {
      persist(height, WalRecordKind::kPrepared,
              encode_prepared_record(*slot.prepared, encode_block(*slot.prepared_block)));
    }
    const auto signed_vote = sign_own(MessageType::kCommit, vote, {}, height);
    if (!signed_vote) continue;
    broadcast(MessageType::kCommit, signed_vote->wire);
    record_own_vote(MessageType::kCommit, vote, signed_vote->signature);
    changed = true;
  }
  return changed;
}

bool Replica::Impl::complete_commit_certificates() {
  bool changed = false;
  for (auto& [height, slot] : slots_) {
    if (slot.commit_certificate) continue;
    for (const auto& [view, votes] : slot.votes) {
      for (const auto& [hash, count] : votes.commit_counts) {
        if (count < validators_.quorum()) continue;
        CommitCertificate cert{view, height, hash, {}};
        for (const auto& [validator, vote] : votes.commits) {
          if (cert.signatures.size() == validators_.quorum()) break;
          if (vote.block_hash == hash) cert.signatures.push_back({validator, vote.signature});
        }
        slot.commit_certificate = std::move(cert);
        changed = true;
        break;
      }
      if (slot.commit_certificate) break;
    }
  }
  return changed;
}

bool Replica::Impl::commit_ready_blocks() {
  if (installing_) return false;  // the state being installed replaces these heights
  // Diverged: nothing more is executed on the wrong state, and the proven
  // state it will install lies above every height it committed (the store
  // never discards a committed block).
  if (diverged_at_) return false;
  bool changed = false;
  for (;;) {
    const Height next = committed_height_ + 1;
    if (auto f = fetched_.find(next); f != fetched_.end()) {
      CertifiedBlock fetched = std::move(f->second);
      fetched_.erase(f);
      if (fetched.block->header.prev_block_hash != committed_hash_) {
        report(EvidenceKind::kSafetyViolation, std::nullopt, fetched.certificate.view, next,
               "a certified block at height " + std::to_string(next) +
                   " does not chain onto the committed block " + committed_hash_.hex());
        continue;
      }
      commit_block(fetched.block, fetched.block_hash, fetched.certificate);
      changed = true;
      continue;
    }
    auto it = slots_.find(next);
    if (it == slots_.end() || !it->second.commit_certificate) break;
    const CommitCertificate cert = *it->second.commit_certificate;
    std::shared_ptr<const Block> block = block_in_slot(it->second, cert.block_hash);
    if (!block) {
      // Certified, but the block never reached this replica: fetch it.
      std::vector<ValidatorIndex> peers;
      for (const SignerSignature& s : cert.signatures) {
        if (s.validator != me_) peers.push_back(s.validator);
      }
      note_catch_up_target(next, std::move(peers));
      break;
    }
    if (block->header.prev_block_hash != committed_hash_) {
      report(EvidenceKind::kSafetyViolation, std::nullopt, cert.view, next,
             "the certified block at height " + std::to_string(next) +
                 " does not chain onto the committed block " + committed_hash_.hex());
      it->second.commit_certificate.reset();
      break;
    }
    commit_block(std::move(block), cert.block_hash, cert);
    changed = true;
  }
  return changed;
}

void Replica::Impl::commit_block(std::shared_ptr<const Block> block, const Hash256& hash,
                                 const CommitCertificate& cert) {
  const Height height = block->header.height;
  REPLEX_ASSERT(height == committed_height_ + 1);
  REPLEX_ASSERT(block->header.prev_block_hash == committed_hash_);
  REPLEX_ASSERT(cert.height == height && cert.block_hash == hash);
  committed_height_ = height;
  committed_hash_ = hash;
  committed_time_ms_ = block->header.time_ms;
  committed_certificate_ = cert;
  committed_hashes_[height] = hash;
  REPLEX_ASSERT_MSG(block->tx_hashes.size() == block->txs.size(),
                    "a committed block without its transactions' hashes (make_block or decode_block fill them)");
  for (const Hash256& tx : block->tx_hashes) mempool_.remove(tx);
  auto& used = unexecuted_[height];
  if (auto slot = slots_.find(height);
      slot != slots_.end() && slot->second.accepted && slot->second.accepted->block_hash == hash) {
    used = {slot->second.accepted->block->tx_hashes, slot->second.accepted->replay_keys};
  } else {
    used = {block->tx_hashes, replay_keys_of(*block)};
  }
  const std::uint64_t block_bytes = encoded_block_bytes(chain_.chain_id, block->txs);
  detail::BlockRoom& room = unexecuted_room_[height];
  room = detail::BlockRoom{
      config_.max_block_txs - std::min<std::uint64_t>(config_.max_block_txs, block->txs.size()),
      config_.max_block_bytes - std::min(config_.max_block_bytes, block_bytes),
      {}};
  if (config_.max_block_txs_per_sender != 0) {
    std::map<abci::ReplayKey::Sender, std::uint32_t> per_sender;
    for (const std::optional<abci::ReplayKey>& key : used.second) {
      if (key && ++per_sender[key->sender()] == config_.max_block_txs_per_sender) {
        room.full_senders.insert(key->sender());
      }
    }
  }
  drop_slots_through(height);
  fetched_.erase(fetched_.begin(), fetched_.upper_bound(height));
  // Blocks got there first (fetched before the offer came, or certified in
  // rounds meanwhile): the transferred state is no longer ahead, and the
  // store never cuts a committed chain back to it.
  if (transfer_ && transfer_->height() <= height) {
    transfer_.reset();
    cancel_timer(TimerKind::kFetch);
  }
  registry_.forget_votes_through(height);
  view_change_streak_ = 0;
  restart_view_timer_ = true;
  lagging_ = false;
  fetch_retries_ = 0;
  block_requests_ = 0;
  state_requests_ = 0;
  CertifiedBlock committed{std::move(block), hash, cert, {}, encode_commit_certificate(cert)};
  committed.block_bytes = encode_block(*committed.block);
  emit(CommitBlock{std::move(committed)});
}

// --- helpers -------------------------------------------------------------------------------------

bool Replica::Impl::in_window(Height height) const {
  const Height window = config_.max_inflight_heights;
  if (height <= committed_height_) return false;
  if (height <= committed_height_ + window) return true;
  // Re-proposals of a NEW-VIEW whose base this replica has not reached yet.
  return height > view_base_height_ && height <= view_base_height_ + window;
}

std::optional<detail::Parent> Replica::Impl::parent_of(Height height) const {
  REPLEX_ASSERT(height > committed_height_);
  if (height == committed_height_ + 1) return detail::Parent{committed_hash_, committed_time_ms_};
  auto it = slots_.find(height - 1);
  if (it == slots_.end() || !it->second.accepted) return std::nullopt;
  const Proposal& p = *it->second.accepted;
  // The accepted blocks down to the committed one must chain onto it: a block
  // committed from elsewhere (fetched, or certified in a later view) orphans
  // those built on another block at its height, and nothing is judged on
  // them. Nor is anything above a gap (a NEW-VIEW base not reached yet).
  Hash256 expected = p.block->header.prev_block_hash;
  for (Height h = height - 2; h > committed_height_; --h) {
    auto below = slots_.find(h);
    if (below == slots_.end() || !below->second.accepted) return std::nullopt;
    if (below->second.accepted->block_hash != expected) return std::nullopt;
    expected = below->second.accepted->block->header.prev_block_hash;
  }
  if (expected != committed_hash_) return std::nullopt;
  return detail::Parent{p.block_hash, p.block->header.time_ms};
}

bool Replica::Impl::parent_prepared(Height height, const Hash256& prev) const {
  if (height == committed_height_ + 1) return prev == committed_hash_;
  auto it = slots_.find(height - 1);
  return it != slots_.end() && it->second.prepared && it->second.prepared->block_hash == prev;
}

std::shared_ptr<const Block> Replica::Impl::block_in_slot(const Slot& slot,
                                                          const Hash256& hash) const {
  if (slot.accepted && slot.accepted->block_hash == hash) return slot.accepted->block;
  if (slot.waiting && slot.waiting->block_hash == hash) return slot.waiting->block;
  if (slot.prepared && slot.prepared->block_hash == hash) return slot.prepared_block;
  return nullptr;
}

void Replica::Impl::accept_proposal(Height height, Proposal proposal) {
  REPLEX_ASSERT(proposal.view == view_ && proposal.block);
  if (proposal.replay_keys.size() != proposal.block->txs.size()) proposal.replay_keys = replay_keys_of(*proposal.block);
  for (const Hash256& h : proposal.block->tx_hashes) mempool_.set_in_flight(h, true);
  Slot& slot = slots_[height];
  slot.waiting.reset();
  slot.accepted = std::move(proposal);
}

void Replica::Impl::drop_slots_through(Height height) {
  for (auto it = slots_.begin(); it != slots_.end() && it->first <= height; it = slots_.erase(it)) {
    // The block committed here may be another one than the proposal this
    // replica held: its transactions are pending again.
    if (!it->second.accepted) continue;
    for (const Hash256& h : it->second.accepted->block->tx_hashes) mempool_.set_in_flight(h, false);
  }
}

void Replica::Impl::record_own_vote(MessageType type, const VoteBody& vote,
                                    const Signature& signature) {
  if (!in_window(vote.height)) return;
  detail::ViewVotes& votes = slots_[vote.height].votes[vote.view];
  auto& by_sender = type == MessageType::kPrepare ? votes.prepares : votes.commits;
  if (by_sender.try_emplace(me_, detail::Vote{vote.block_hash, signature}).second) {
    ++(type == MessageType::kPrepare ? votes.prepare_counts : votes.commit_counts)[vote.block_hash];
  }
}

}  // namespace replex::consensus
