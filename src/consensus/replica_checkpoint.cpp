// Replica, checkpoints and catch-up: CHECKPOINT after execution, stable
// checkpoints and WAL truncation, fetching committed blocks, state transfer.
#include <algorithm>
#include <functional>
#include <string>

#include "replex/core/hash.hpp"
#include "replica_impl.hpp"
#include "request_peers.hpp"

namespace replex::consensus {

namespace {

// Checkpoint votes kept per validator above the stable checkpoint: enough to
// find a quorum at the newest checkpoint while a replica lags, and bounded.
constexpr std::size_t kCheckpointHeightsPerValidator = 2;

SharedBytes encode_checkpoint(ValidatorIndex sender, const CheckpointBody& body,
                              const Signature& signature) {
  Message m;
  m.type = MessageType::kCheckpoint;
  m.sender = sender;
  m.body = body;
  m.signature = signature;
  return share(encode_message(m));
}

}  // namespace

// --- checkpoints ------------------------------------------------------------------------------

void Replica::Impl::on_block_executed(const BlockExecuted& input) {
  REPLEX_ASSERT_MSG(input.height <= committed_height_, "BlockExecuted for a height not committed");
  auto known = committed_hashes_.find(input.height);
  REPLEX_ASSERT_MSG(known == committed_hashes_.end() || known->second == input.block_hash,
                    "BlockExecuted for another block than the one committed");
  if (input.height <= executed_height_) return;
  executed_height_ = input.height;
  std::optional<detail::BlockRoom> room;
  if (auto it = unexecuted_room_.find(input.height); it != unexecuted_room_.end()) room = it->second;
  unexecuted_.erase(unexecuted_.begin(), unexecuted_.upper_bound(executed_height_));
  unexecuted_room_.erase(unexecuted_room_.begin(), unexecuted_room_.upper_bound(executed_height_));
  recheck_mempool(executed_height_ + 1);
  // A diverged replica blames no primary: its verdicts rest on a wrong state.
  if (!diverged_at_) watch_for_censorship(input.height, room);
  if (input.height % config_.checkpoint_interval != 0) return;
  REPLEX_ASSERT_MSG(input.state_digest.has_value(),
                    "BlockExecuted at a checkpoint height needs state_digest");
  const CheckpointBody body{input.height, input.block_hash, input.app_hash, *input.state_digest};
  if (stable_ && input.height <= stable_->checkpoint.height) {
    // The quorum's proof made this height stable before this replica had
    // executed it: compare now, settle_checkpoints could not.
    if (input.height == stable_->checkpoint.height && body != stable_->checkpoint) {
      note_divergence(body, stable_->checkpoint);
    }
    return;
  }
  // Diverged, its digest is wrong: it signs no CHECKPOINT (a vote for a
  // state that is not the chain's), and resends none.
  if (diverged_at_) return;
  own_checkpoints_[input.height] = body;
  const auto signed_checkpoint = sign_own(MessageType::kCheckpoint, body, {}, input.height);
  if (!signed_checkpoint) return;
  broadcast(MessageType::kCheckpoint, signed_checkpoint->wire);
  add_checkpoint_vote(me_, body, signed_checkpoint->signature);
}

void Replica::Impl::on_checkpoint(const Message& m, const SharedBytes& wire) {
  const CheckpointBody& body = m.checkpoint();
  note_height_seen(m.sender, body.height);
  if (stable_ && body.height <= stable_->checkpoint.height) return;
  auto& votes = checkpoint_votes_[body.height];
  auto existing = votes.find(m.sender);
  if (existing != votes.end() && existing->second.body != body) {
    report(EvidenceKind::kDoubleVote, m.sender, 0, body.height,
           "two different CHECKPOINTs for height " + std::to_string(body.height),
           {encode_checkpoint(m.sender, existing->second.body, existing->second.signature), wire});
    return;
  }
  add_checkpoint_vote(m.sender, body, m.signature);
}

void Replica::Impl::add_checkpoint_vote(ValidatorIndex from, const CheckpointBody& body,
                                        const Signature& signature) {
  auto& votes = checkpoint_votes_[body.height];
  if (!votes.try_emplace(from, detail::CheckpointVote{body, signature}).second) return;
  // Bound memory: keep this validator's newest few checkpoint heights.
  std::size_t held = 0;
  for (auto it = checkpoint_votes_.rbegin(); it != checkpoint_votes_.rend(); ++it) {
    if (!it->second.contains(from)) continue;
    if (++held > kCheckpointHeightsPerValidator) it->second.erase(from);
  }
  std::erase_if(checkpoint_votes_, [](const auto& entry) { return entry.second.empty(); });

  auto at = checkpoint_votes_.find(body.height);
  if (at == checkpoint_votes_.end()) return;
  CheckpointProof proof{body, {}};
  for (const auto& [validator, vote] : at->second) {
    if (vote.body == body) proof.signatures.push_back({validator, vote.signature});
  }
  if (proof.signatures.size() < validators_.quorum()) return;
  proof.signatures.resize(validators_.quorum());
  proven_checkpoints_.try_emplace(body.height, std::move(proof));
}

bool Replica::Impl::settle_checkpoints() {
  // The newest proven checkpoint this replica has committed becomes stable.
  bool changed = false;
  while (!proven_checkpoints_.empty() && proven_checkpoints_.begin()->first <= committed_height_) {
    CheckpointProof proof = std::move(proven_checkpoints_.begin()->second);
    proven_checkpoints_.erase(proven_checkpoints_.begin());
    const Height height = proof.checkpoint.height;
    if (stable_ && height <= stable_->checkpoint.height) continue;
    auto committed = committed_hashes_.find(height);
    if (committed != committed_hashes_.end() && committed->second != proof.checkpoint.block_hash) {
      report(EvidenceKind::kSafetyViolation, std::nullopt, 0, height,
             "a checkpoint quorum certifies block " + proof.checkpoint.block_hash.hex() +
                 " at height " + std::to_string(height) + ", this replica committed " +
                 committed->second.hex());
      continue;
    }
    auto own = own_checkpoints_.find(height);
    if (own != own_checkpoints_.end() && own->second != proof.checkpoint) {
      note_divergence(own->second, proof.checkpoint);
    }
    stable_ = std::move(proof);
    stable_proof_bytes_ = encode_checkpoint_proof(*stable_);
    emit(CheckpointStable{*stable_, stable_proof_bytes_});
    // The log at or below the stable checkpoint is no longer needed.
    checkpoint_votes_.erase(checkpoint_votes_.begin(), checkpoint_votes_.upper_bound(height));
    own_checkpoints_.erase(own_checkpoints_.begin(), own_checkpoints_.upper_bound(height));
    committed_hashes_.erase(committed_hashes_.begin(), committed_hashes_.lower_bound(height));
    registry_.forget_checkpoints_through(height);
    changed = true;
  }
  return changed;
}

void Replica::Impl::note_divergence(const CheckpointBody& own, const CheckpointBody& proven) {
  const Height height = proven.height;
  report(EvidenceKind::kStateDivergence, me_, 0, height,
         "this replica's state after height " + std::to_string(height) +
             " differs from the checkpoint quorum's (app_hash " + own.app_hash.hex() + " vs " +
             proven.app_hash.hex() + ", state_digest " + own.state_digest.hex() + " vs " +
             proven.state_digest.hex() + ")");
  if (diverged_at_) return;
  // From here on it validates, votes, proposes and commits nothing (a wrong
  // state judges proposals wrongly, and blocks it committed now would have to
  // be discarded to install the quorum's state): it waits for a proven
  // checkpoint above its committed height and installs that (update_catch_up).
  diverged_at_ = height;
  lagging_ = false;
  cancel_timer(TimerKind::kBatch);
}

void Replica::Impl::maybe_truncate_wal() {
  if (!stable_) return;
  const Height height = stable_->checkpoint.height;
  // Only once the driver has executed (and so stored) the stable height:
  // after a crash the store then starts at or above it.
  if (executed_height_ < height || wal_truncated_below_ > height) return;
  // Records of the current view must outlive the truncation: re-persist them
  // above it first.
  for (const auto& [kind, wire] : view_records_) persist(height + 1, kind, *wire);
  emit(TruncateWal{height + 1});
  wal_truncated_below_ = height + 1;
}

// --- catch-up -----------------------------------------------------------------------------------

void Replica::Impl::note_height_seen(ValidatorIndex from, Height height) {
  if (from == me_) return;
  Height& seen = highest_height_seen_[from];
  seen = std::max(seen, height);
}

std::optional<Height> Replica::Impl::height_ahead_of(Height horizon) const {
  // f+1 validators (so at least one honest) work above `horizon`: the
  // (f+1)-th highest of their heights is real.
  std::vector<Height> ahead;
  for (ValidatorIndex i = 0; i < highest_height_seen_.size(); ++i) {
    if (highest_height_seen_[i] > horizon) ahead.push_back(highest_height_seen_[i]);
  }
  const std::size_t needed = validators_.max_faulty() + 1;
  if (ahead.size() < needed) return std::nullopt;
  std::nth_element(ahead.begin(), ahead.begin() + static_cast<std::ptrdiff_t>(needed - 1),
                   ahead.end(), std::greater<>());
  return ahead[needed - 1];
}

void Replica::Impl::refresh_catch_up_target() {
  // Working above this replica's window means it missed commits. While it
  // changes views (or knows it lags) it commits nothing of the others' view
  // itself, so any height above its own counts.
  const bool own_progress_only = in_view_change_ || lagging_ || diverged_at_.has_value();
  const Height horizon =
      committed_height_ + (own_progress_only ? 0 : Height{config_.max_inflight_heights});
  const std::optional<Height> ahead = height_ahead_of(horizon);
  if (!ahead) return;
  std::vector<ValidatorIndex> peers;
  for (ValidatorIndex i = 0; i < highest_height_seen_.size(); ++i) {
    if (highest_height_seen_[i] >= *ahead) peers.push_back(i);
  }
  note_catch_up_target(*ahead, std::move(peers));
}

void Replica::Impl::note_catch_up_target(Height height, std::vector<ValidatorIndex> peers) {
  if (height <= catch_up_target_) return;
  catch_up_target_ = height;
  if (!peers.empty()) catch_up_peers_ = std::move(peers);
}

std::vector<ValidatorIndex> Replica::Impl::peers_for_request(
    const std::vector<ValidatorIndex>& likely, std::uint32_t rotation) const {
  return detail::peers_for_request(validators_, likely, rotation, me_);
}

void Replica::Impl::update_catch_up() {
  // A chunked transfer runs to its end (its fetch timer moves it on) unless
  // commits reach its height first (commit_block) or a whole state is
  // installed meanwhile; the replica catches up the rest from the installed state.
  if (installing_ || transfer_) return;
  refresh_catch_up_target();
  // A request ends when it brought commit progress: the next one (if still
  // behind) starts right after, not on the timer. An answer without progress
  // (a peer that lacks those blocks) waits for the timer, which then asks
  // the next peer.
  if (fetch_ && committed_height_ > fetch_->committed_at_request) {
    fetch_.reset();
    cancel_timer(TimerKind::kFetch);
  }
  if (catch_up_target_ <= committed_height_ && !height_ahead_of(committed_height_)) blocks_after_install_ = false;
  // A proven checkpoint at least an interval ahead: state transfer, even if
  // a block fetch is outstanding (it would take longer, or peers may no
  // longer hold those blocks). A diverged replica commits nothing more, so
  // any proven checkpoint above its committed height is its way back. Right
  // after an install, blocks first (blocks_after_install_).
  if (!proven_checkpoints_.empty() && !(fetch_ && fetch_->state) && (diverged_at_ || !blocks_after_install_)) {
    const CheckpointProof& newest = proven_checkpoints_.rbegin()->second;
    const Height height = newest.checkpoint.height;
    const Height gap = diverged_at_ ? 1 : Height{config_.checkpoint_interval};
    if (height > committed_height_ && height - committed_height_ >= gap) {
      std::vector<ValidatorIndex> signers;
      for (const SignerSignature& s : newest.signatures) signers.push_back(s.validator);
      emit(RequestState{committed_height_, newest, peers_for_request(signers, state_requests_++),
                        config_.state_chunk_bytes});
      fetch_ = detail::OutstandingFetch{true, height, committed_height_};
      set_timer(TimerKind::kFetch, now_ms_ + config_.fetch_timeout_ms);
      return;
    }
  }
  if (fetch_) return;  // one request at a time; the fetch timer retries
  if (catch_up_target_ <= committed_height_) return;
  // Far behind, or every peer was asked for blocks in vain (a peer that
  // installed state itself no longer holds old blocks): ask for a peer's
  // latest stable state instead; the answer carries its own proof. Far
  // behind, state and blocks alternate, as either may be what peers can serve.
  const std::uint64_t peer_count = std::max<std::uint64_t>(1, validators_.size() - 1);
  const bool far_behind =
      !blocks_after_install_ && catch_up_target_ - committed_height_ >= config_.checkpoint_interval;
  // Diverged, blocks are of no use (it cannot commit them): only a peer's
  // newer stable state (its proof comes with it) is asked for.
  const bool ask_state =
      diverged_at_ ||
      (far_behind ? fetch_retries_ % 2 == 0 : fetch_retries_ > 0 && fetch_retries_ % peer_count == 0);
  if (ask_state) {
    emit(RequestState{committed_height_, std::nullopt,
                      peers_for_request(catch_up_peers_, state_requests_++),
                      config_.state_chunk_bytes});
    fetch_ = detail::OutstandingFetch{true, catch_up_target_, committed_height_};
    set_timer(TimerKind::kFetch, now_ms_ + config_.fetch_timeout_ms);
    return;
  }
  const Height from = committed_height_ + 1;
  const Height to =
      std::min<Height>(catch_up_target_, committed_height_ + config_.max_fetch_blocks);
  emit(RequestBlocks{from, to, peers_for_request(catch_up_peers_, block_requests_++)});
  fetch_ = detail::OutstandingFetch{false, to, committed_height_};
  set_timer(TimerKind::kFetch, now_ms_ + config_.fetch_timeout_ms);
}

void Replica::Impl::on_blocks_received(const BlocksReceived& input) {
  const Height limit = committed_height_ + 2 * Height{config_.max_fetch_blocks};
  for (std::size_t i = 0; i < input.blocks.size(); ++i) {
    // Held or too far ahead: dropped before its signatures are checked.
    const auto claimed = claimed_height(input.blocks[i]);
    if (claimed && (*claimed <= committed_height_ || *claimed > limit)) continue;
    auto block = verify_certified_block(input.blocks[i], chain_context());
    if (!block) {
      report(EvidenceKind::kInvalidCertifiedBlock, input.from, 0, 0,
             "blocks[" + std::to_string(i) + "]: " + block.status().message());
      return;
    }
    const Height height = block->height();
    if (height <= committed_height_ || height > limit) continue;
    std::vector<ValidatorIndex> peers;
    if (input.from && validators_.contains(*input.from)) peers.push_back(*input.from);
    note_catch_up_target(height, std::move(peers));
    fetched_.try_emplace(height, std::move(block).value());
  }
}

void Replica::Impl::on_state_received(StateReceived& input) {
  if (installing_) return;
  if (input.snapshot_bytes) return on_state_offered(input);
  auto verified =
      verify_state_transfer(input.checkpoint_proof, input.snapshot, input.blocks, chain_context());
  if (!verified) {
    report(EvidenceKind::kInvalidStateTransfer, input.from, 0, 0, verified.status().message());
    return;
  }
  // Later blocks are verified committed blocks either way (kept within the
  // same bound as fetched blocks).
  const Height base = std::max(committed_height_, verified->anchor.height());
  for (CertifiedBlock& b : verified->later_blocks) {
    const Height height = b.height();
    if (height > committed_height_ && height <= base + 2 * Height{config_.max_fetch_blocks}) {
      fetched_.insert_or_assign(height, std::move(b));
    }
  }
  verified->later_blocks.clear();
  if (verified->proof.checkpoint.height <= committed_height_) return;  // not newer than ours
  emit(InstallState{verified->proof, verified->proof_bytes, std::move(input.snapshot),
                    verified->anchor});
  installing_ = std::move(verified).value();
  // This state is in hand: a chunked transfer under way (its timer is
  // cancelled below) would otherwise be left without one, and catch-up
  // would wait on it for ever.
  transfer_.reset();
  fetch_.reset();
  cancel_timer(TimerKind::kFetch);
}

void Replica::Impl::on_state_offered(StateReceived& input) {
  // Proof, anchor and later blocks now; the snapshot follows chunk by chunk.
  auto verified = verify_state_offer(input.checkpoint_proof, input.blocks, chain_context());
  if (!verified) {
    report(EvidenceKind::kInvalidStateTransfer, input.from, 0, 0, verified.status().message());
    return;
  }
  const auto layout = detail::ChunkTransfer::layout_of_offer(*input.snapshot_bytes, config_);
  if (!layout) {
    report(EvidenceKind::kInvalidStateTransfer, input.from, 0, 0, layout.status().message());
    return;
  }
  const Height base = std::max(committed_height_, verified->anchor.height());
  for (CertifiedBlock& b : verified->later_blocks) {
    const Height height = b.height();
    if (height > committed_height_ && height <= base + 2 * Height{config_.max_fetch_blocks}) {
      fetched_.insert_or_assign(height, std::move(b));
    }
  }
  verified->later_blocks.clear();
  const Height height = verified->proof.checkpoint.height;
  if (height <= committed_height_) return;
  // The transfer under way goes on unless this state is newer; a newer one
  // starts over (the driver discards the older spool on its first chunk).
  if (transfer_ && transfer_->height() >= height) return;
  std::vector<ValidatorIndex> signers;
  if (input.from && validators_.contains(*input.from)) signers.push_back(*input.from);
  for (const SignerSignature& s : verified->proof.signatures) signers.push_back(s.validator);
  transfer_.emplace(std::move(verified).value(), *layout, peers_for_request(signers, 0));
  fetch_.reset();
  cancel_timer(TimerKind::kFetch);
  request_next_chunk();
}

void Replica::Impl::request_next_chunk() {
  REPLEX_ASSERT(transfer_.has_value());
  // Every peer asked twice in vain (none serves this height any more): give
  // up on it; catch-up asks for state again, and a new offer starts over.
  std::optional<RequestChunk> request = transfer_->next_request();
  if (!request) {
    transfer_.reset();
    cancel_timer(TimerKind::kFetch);
    return;
  }
  emit(std::move(*request));
  set_timer(TimerKind::kFetch, now_ms_ + config_.fetch_timeout_ms);
}

void Replica::Impl::on_chunk_received(const ChunkReceived& input) {
  if (installing_ || !transfer_) return;
  detail::ChunkTransfer::Received received = transfer_->receive(input);
  switch (received.verdict) {
    case detail::ChunkTransfer::Verdict::kIgnored:  // late, duplicate or another transfer's
      return;
    case detail::ChunkTransfer::Verdict::kRefused:  // its sender's fault; the next peer is asked
      report(EvidenceKind::kInvalidStateTransfer, input.from, 0, input.height,
             received.refusal.message());
      request_next_chunk();
      return;
    case detail::ChunkTransfer::Verdict::kAccepted:
      emit(std::move(*received.store));
      break;
  }
  if (!transfer_->complete()) {
    request_next_chunk();
    return;
  }
  REPLEX_ASSERT_MSG(transfer_->height() > committed_height_,
                    "a transfer at or below the committed height (commit_block ends it)");
  emit(transfer_->install_action());
  installing_ = transfer_->take_offer();
  transfer_.reset();
  cancel_timer(TimerKind::kFetch);
}

void Replica::Impl::on_state_installed(const StateInstalled& input) {
  detail::assert_confirms_install(installing_, input);
  const CertifiedBlock& anchor = installing_->anchor;
  if (!input.status.is_ok()) {
    // The state is unchanged; catch-up asks again.
    installing_.reset();
    return;
  }
  const Height height = anchor.height();
  committed_height_ = height;
  committed_hash_ = anchor.block_hash;
  committed_time_ms_ = anchor.block->header.time_ms;
  committed_certificate_ = anchor.certificate;
  committed_hashes_.clear();
  committed_hashes_[height] = anchor.block_hash;
  executed_height_ = height;
  unexecuted_.erase(unexecuted_.begin(), unexecuted_.upper_bound(height));
  unexecuted_room_.erase(unexecuted_room_.begin(), unexecuted_room_.upper_bound(height));
  drop_slots_through(height);
  fetched_.erase(fetched_.begin(), fetched_.upper_bound(height));
  registry_.forget_votes_through(height);
  stable_ = installing_->proof;
  stable_proof_bytes_ = installing_->proof_bytes;
  checkpoint_votes_.erase(checkpoint_votes_.begin(), checkpoint_votes_.upper_bound(height));
  own_checkpoints_.erase(own_checkpoints_.begin(), own_checkpoints_.upper_bound(height));
  proven_checkpoints_.erase(proven_checkpoints_.begin(), proven_checkpoints_.upper_bound(height));
  registry_.forget_checkpoints_through(height);
  installing_.reset();
  if (transfer_ && transfer_->height() <= height) transfer_.reset();
  // The proven state replaced the diverged one: it takes part again, and
  // catches up from here as any lagging replica does.
  diverged_at_.reset();
  blocks_after_install_ = true;
  view_change_streak_ = 0;
  restart_view_timer_ = true;
  // The restored state executed transactions this replica never saw committed.
  recheck_mempool(height + 1);
}

}  // namespace replex::consensus
