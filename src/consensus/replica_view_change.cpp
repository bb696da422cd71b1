// Replica, view change: VIEW-CHANGE out and in, the f+1 join rule, the new
// primary's NEW-VIEW, and installing a NEW-VIEW after recomputing its selection.
#include <algorithm>
#include <set>
#include <string>

#include "replex/core/hash.hpp"
#include "replica_impl.hpp"

namespace replex::consensus {

void Replica::Impl::on_view_change(const Message& m, const SharedBytes& wire) {
  const ViewChangeBody& body = m.view_change();
  auto& latest = latest_view_change_[m.sender];
  if (latest) {
    const View held = latest->signed_view_change.body.new_view;
    if (body.new_view < held) return;  // superseded by the sender's later VIEW-CHANGE
    if (body.new_view == held) {
      if (latest->signed_view_change.body == body) {
        // A retransmission: the sender may have missed this view's NEW-VIEW.
        if (body.new_view == view_ && !in_view_change_ && own_new_view_) {
          send_to(m.sender, MessageType::kNewView, own_new_view_);
        }
        return;
      }
      report(EvidenceKind::kDoubleVote, m.sender, body.new_view, 0,
             "two different VIEW-CHANGEs for view " + std::to_string(body.new_view),
             {latest->wire, wire});
      return;
    }
  }
  if (body.new_view < view_) {
    report(EvidenceKind::kOldView, m.sender, body.new_view, 0,
           "VIEW-CHANGE for view " + std::to_string(body.new_view) + ", replica is in view " +
               std::to_string(view_));
    return;
  }
  // Content the structure check could not judge without the chain: a lying
  // VIEW-CHANGE is ignored (and reported), it never counts toward a quorum.
  if (body.committed_height == 0 && body.committed_hash != chain_.genesis_hash) {
    report(EvidenceKind::kInvalidViewChange, m.sender, body.new_view, 0,
           "VIEW-CHANGE.committed_hash: height 0 must be the genesis hash", {wire});
    return;
  }
  std::vector<std::shared_ptr<const Block>> blocks;
  const Status blocks_ok = validate_view_change_blocks(m, blocks);
  if (!blocks_ok.is_ok()) {
    report(EvidenceKind::kInvalidViewChange, m.sender, body.new_view, 0, blocks_ok.message(),
           {wire});
    return;
  }
  latest = detail::ReceivedViewChange{SignedViewChange{m.sender, body, m.signature},
                                      std::move(blocks), wire};
  if (body.committed_height > committed_height_) {
    note_catch_up_target(body.committed_height, {m.sender});
  }
  if (body.new_view == view_ && !in_view_change_) {
    // The sender has not seen this view's NEW-VIEW yet.
    if (own_new_view_) send_to(m.sender, MessageType::kNewView, own_new_view_);
    return;
  }
  join_higher_view_if_needed();
  send_new_view_if_ready();
}

Status Replica::Impl::validate_view_change_blocks(
    const Message& m, std::vector<std::shared_ptr<const Block>>& blocks) const {
  const ViewChangeBody& body = m.view_change();
  REPLEX_ASSERT(m.blocks.size() == body.prepared.size());  // decode_message checked
  for (std::size_t i = 0; i < body.prepared.size(); ++i) {
    const std::string where = "VIEW-CHANGE.blocks[" + std::to_string(i) + "]: ";
    auto block = decode_block(m.blocks[i], block_limits(), chain_.chain_id);
    if (!block) return block.status().with_context(where);
    if (block_hash(block->header) != body.prepared[i].block_hash ||
        block->header.height != body.prepared[i].height) {
      return Status::invalid_argument(where + "not the block of prepared certificate " +
                                      std::to_string(i));
    }
    blocks.push_back(std::make_shared<const Block>(std::move(block).value()));
  }
  return Status::ok();
}

bool Replica::Impl::view_change_quorum() const {
  // A validator whose latest VIEW-CHANGE is for a later view has left this
  // one too: it still counts, or a quorum member timing out first would
  // leave the others waiting here for good.
  std::size_t count = 0;
  for (const auto& vc : latest_view_change_) {
    if (vc && vc->signed_view_change.body.new_view >= view_) ++count;
  }
  return count >= validators_.quorum();
}

void Replica::Impl::join_higher_view_if_needed() {
  // PBFT's liveness rule: f+1 validators (so at least one honest) want a
  // higher view; join the smallest of their views instead of waiting to time out.
  std::vector<View> higher;
  for (ValidatorIndex i = 0; i < latest_view_change_.size(); ++i) {
    if (i == me_ || !latest_view_change_[i]) continue;
    const View v = latest_view_change_[i]->signed_view_change.body.new_view;
    if (v > view_) higher.push_back(v);
  }
  if (higher.size() < validators_.max_faulty() + 1) return;
  start_view_change(*std::min_element(higher.begin(), higher.end()));
}

void Replica::Impl::start_view_change(View target) {
  REPLEX_ASSERT_MSG(target > view_, "a view change only moves forward");
  emit(ViewChanged{view_, target, ViewPhase::kViewChangeStarted});
  view_ = target;
  in_view_change_ = true;
  view_change_streak_ = std::min<std::uint32_t>(view_change_streak_ + 1, 63);
  leave_old_views();
  view_records_.clear();
  own_new_view_.reset();

  ViewChangeBody body;
  body.new_view = target;
  body.committed_height = committed_height_;
  body.committed_hash = committed_hash_;
  body.committed_certificate = committed_certificate_;
  std::vector<Bytes> blocks;
  std::vector<std::shared_ptr<const Block>> block_ptrs;
  for (const auto& [height, slot] : slots_) {
    if (height > committed_height_ + config_.max_inflight_heights) break;
    if (!slot.prepared) continue;
    body.prepared.push_back(*slot.prepared);
    blocks.push_back(encode_block(*slot.prepared_block));
    block_ptrs.push_back(slot.prepared_block);
  }
  const auto signed_vc =
      sign_own(MessageType::kViewChange, body, std::move(blocks), committed_height_ + 1);
  if (signed_vc) {
    broadcast(MessageType::kViewChange, signed_vc->wire);
    view_records_.emplace_back(WalRecordKind::kOwnMessage, signed_vc->wire);
    latest_view_change_[me_] =
        detail::ReceivedViewChange{SignedViewChange{me_, std::move(body), signed_vc->signature},
                                   std::move(block_ptrs), signed_vc->wire};
  }
  cancel_timer(TimerKind::kView);  // update_timers() re-arms it with the doubled timeout
  send_new_view_if_ready();
}

void Replica::Impl::leave_old_views() {
  for (auto& [height, slot] : slots_) {
    slot.accepted.reset();
    slot.waiting.reset();
    slot.votes.erase(slot.votes.begin(), slot.votes.lower_bound(view_));
  }
  future_pre_prepares_.erase(future_pre_prepares_.begin(), future_pre_prepares_.lower_bound(view_));
  mempool_.clear_in_flight();
  registry_.forget_views_below(view_);
}

void Replica::Impl::send_new_view_if_ready() {
  if (!in_view_change_ || validators_.primary_of(view_) != me_) return;
  // Diverged, it would open a view it cannot propose in: the others time
  // out and move on to the next primary.
  if (diverged_at_) return;
  const auto& own = latest_view_change_[me_];
  if (!own || own->signed_view_change.body.new_view != view_) return;
  // A quorum of VIEW-CHANGEs for this view, lowest senders first (own included).
  std::vector<const detail::ReceivedViewChange*> chosen{&*own};
  for (ValidatorIndex i = 0; i < latest_view_change_.size() && chosen.size() < validators_.quorum();
       ++i) {
    const auto& vc = latest_view_change_[i];
    if (i != me_ && vc && vc->signed_view_change.body.new_view == view_) chosen.push_back(&*vc);
  }
  if (chosen.size() < validators_.quorum()) return;
  std::sort(chosen.begin(), chosen.end(), [](const auto* a, const auto* b) {
    return a->signed_view_change.sender < b->signed_view_change.sender;
  });

  NewViewBody nv;
  nv.view = view_;
  std::map<Hash256, std::shared_ptr<const Block>> known;
  for (const detail::ReceivedViewChange* vc : chosen) {
    nv.view_changes.push_back(vc->signed_view_change);
    for (const auto& block : vc->blocks) known.emplace(block_hash(block->header), block);
  }
  auto selection = select_new_view(nv.view_changes, [&](const Hash256& h) -> const Block* {
    auto it = known.find(h);
    return it == known.end() ? nullptr : it->second.get();
  });
  REPLEX_ASSERT_MSG(selection.is_ok(), selection.status().to_string());

  for (const SelectedProposal& p : selection->proposals) {
    const VoteBody vote{view_, p.height, p.block_hash};
    if (own_signature_state(MessageType::kPrePrepare, vote) == OwnSignature::kConflict) {
      report(EvidenceKind::kRefusedToSign, me_, view_, p.height,
             "NEW-VIEW re-proposal conflicts with a PRE-PREPARE this replica signed before");
      return;
    }
    const Bytes signed_bytes = vote_signed_bytes(MessageType::kPrePrepare, me_, vote);
    nv.proposals.push_back(
        {p.height, p.block_hash, sign_consensus(key_, chain_.chain_id, signed_bytes)});
  }
  std::vector<Bytes> blocks;
  std::map<Hash256, std::shared_ptr<const Block>> attached;
  for (const Hash256& h : selection->examined_blocks) {
    blocks.push_back(encode_block(*known.at(h)));
    attached.emplace(h, known.at(h));
  }
  const auto signed_nv =
      sign_own(MessageType::kNewView, nv, std::move(blocks), committed_height_ + 1);
  if (!signed_nv) return;
  for (const Reproposal& p : nv.proposals) {
    const detail::SignKey key{MessageType::kPrePrepare, view_, p.height};
    if (registry_.find(key) == nullptr) {
      const VoteBody vote{view_, p.height, p.block_hash};
      registry_.record(key, sha256(vote_signed_bytes(MessageType::kPrePrepare, me_, vote)),
                       p.signature, nullptr);
    }
  }
  broadcast(MessageType::kNewView, signed_nv->wire);
  own_new_view_ = signed_nv->wire;
  install_new_view(nv, signed_nv->wire, *selection, attached, /*persist=*/false, /*own=*/true);
}

Result<NewViewSelection> Replica::Impl::check_new_view(
    const Message& m, std::map<Hash256, std::shared_ptr<const Block>>& blocks) const {
  const NewViewBody& nv = m.new_view();
  for (std::size_t i = 0; i < nv.view_changes.size(); ++i) {
    const ViewChangeBody& vc = nv.view_changes[i].body;
    if (vc.committed_height == 0 && vc.committed_hash != chain_.genesis_hash) {
      return Status::invalid_argument("NEW-VIEW.view_changes[" + std::to_string(i) +
                                      "].committed_hash: height 0 must be the genesis hash");
    }
  }
  for (std::size_t i = 0; i < m.blocks.size(); ++i) {
    auto block = decode_block(m.blocks[i], block_limits(), chain_.chain_id);
    if (!block) return block.status().with_context("NEW-VIEW.blocks[" + std::to_string(i) + "]: ");
    const Hash256 hash = block_hash(block->header);
    if (!blocks.emplace(hash, std::make_shared<const Block>(std::move(block).value())).second) {
      return Status::invalid_argument("NEW-VIEW.blocks[" + std::to_string(i) + "]: attached twice");
    }
  }
  auto selection = select_new_view(nv.view_changes, [&](const Hash256& h) -> const Block* {
    auto it = blocks.find(h);
    return it == blocks.end() ? nullptr : it->second.get();
  });
  if (!selection) return selection.status().with_context("NEW-VIEW: ");
  if (selection->examined_blocks.size() != blocks.size()) {
    return Status::invalid_argument("NEW-VIEW.blocks: " + std::to_string(blocks.size()) +
                                    " attached, the selection reads " +
                                    std::to_string(selection->examined_blocks.size()));
  }
  if (selection->proposals.size() != nv.proposals.size()) {
    return Status::invalid_argument("NEW-VIEW.proposals: " + std::to_string(nv.proposals.size()) +
                                    " re-proposals, the selection from its VIEW-CHANGEs gives " +
                                    std::to_string(selection->proposals.size()));
  }
  for (std::size_t i = 0; i < nv.proposals.size(); ++i) {
    const SelectedProposal& want = selection->proposals[i];
    const Reproposal& got = nv.proposals[i];
    if (got.height != want.height || got.block_hash != want.block_hash) {
      return Status::invalid_argument(
          "NEW-VIEW.proposals[" + std::to_string(i) + "]: height " + std::to_string(got.height) +
          " block " + got.block_hash.hex() + ", the selection gives height " +
          std::to_string(want.height) + " block " + want.block_hash.hex());
    }
    if (blocks.at(want.block_hash)->header.height != want.height) {
      return Status::invalid_argument("NEW-VIEW.blocks: the block re-proposed at height " +
                                      std::to_string(want.height) + " has another height");
    }
  }
  return selection;
}

void Replica::Impl::on_new_view(const Message& m, const SharedBytes& wire) {
  const NewViewBody& nv = m.new_view();
  const ValidatorIndex primary = validators_.primary_of(nv.view);
  if (m.sender != primary) {
    report(EvidenceKind::kWrongProposer, m.sender, nv.view, 0,
           "NEW-VIEW from validator " + std::to_string(m.sender) + "; the primary of view " +
               std::to_string(nv.view) + " is " + std::to_string(primary),
           {wire});
    return;
  }
  if (nv.view < view_) {
    report(EvidenceKind::kOldView, m.sender, nv.view, 0,
           "NEW-VIEW for view " + std::to_string(nv.view) + ", replica is in view " +
               std::to_string(view_));
    return;
  }
  if (nv.view == view_ && !in_view_change_) return;  // already installed
  std::map<Hash256, std::shared_ptr<const Block>> blocks;
  auto selection = check_new_view(m, blocks);
  if (!selection) {
    report(EvidenceKind::kInvalidNewView, m.sender, nv.view, 0, selection.status().message(),
           {wire});
    if (nv.view == view_) start_view_change(view_ + 1);
    return;
  }
  // A valid NEW-VIEW proves a quorum left the older views: entering it
  // directly (even from a lower view) is safe.
  install_new_view(nv, wire, *selection, blocks, /*persist=*/true, /*own=*/false);
}

void Replica::Impl::install_new_view(const NewViewBody& nv, const SharedBytes& wire,
                                     const NewViewSelection& selection,
                                     const std::map<Hash256, std::shared_ptr<const Block>>& blocks,
                                     bool persist_record, bool own) {
  REPLEX_ASSERT(nv.view >= view_);
  const View from = view_;
  view_ = nv.view;
  in_view_change_ = false;
  leave_old_views();
  view_base_height_ = selection.base_height;
  if (persist_record) persist(committed_height_ + 1, WalRecordKind::kAcceptedNewView, *wire);
  view_records_.clear();
  view_records_.emplace_back(own ? WalRecordKind::kOwnMessage : WalRecordKind::kAcceptedNewView,
                             wire);
  if (!own) own_new_view_.reset();
  emit(ViewChanged{from, view_, ViewPhase::kViewEntered});

  for (const Reproposal& p : nv.proposals) {
    if (p.height <= committed_height_) {
      auto it = committed_hashes_.find(p.height);
      if (it != committed_hashes_.end() && it->second != p.block_hash) {
        report(EvidenceKind::kSafetyViolation, validators_.primary_of(view_), view_, p.height,
               "NEW-VIEW re-proposes " + p.block_hash.hex() + " at committed height " +
                   std::to_string(p.height) + " (committed " + it->second.hex() + ")");
      }
      continue;
    }
    Proposal proposal;
    proposal.view = view_;
    proposal.block_hash = p.block_hash;
    proposal.signature = p.signature;
    proposal.block = blocks.at(p.block_hash);
    proposal.received_ms = now_ms_;
    // Carried over: a quorum prepared it, so it is not validated as fresh.
    accept_proposal(p.height, std::move(proposal));
  }
  // A held entry may wait for a block of an old view this one does not
  // re-propose: it waits for the base and the re-proposals at most (one in a
  // re-proposed block too, should it come back), and is judged now if those
  // executed (or none is known), so no one waits on it for nothing.
  const Height known = known_height();
  if (known != 0) mempool_.cap_holds(known);
  if (mempool_.held_count() != 0) recheck_mempool(executed_height_ + 1, /*holds_final=*/known == 0);
  if (selection.base_height > committed_height_) {
    // This replica is behind the base: fetch the committed blocks before
    // voting above them (prepare in order waits for them).
    std::vector<ValidatorIndex> peers;
    for (const SignedViewChange& vc : nv.view_changes) {
      if (vc.sender != me_ && vc.body.committed_height >= selection.base_height)
        peers.push_back(vc.sender);
    }
    note_catch_up_target(selection.base_height, std::move(peers));
  }
  restart_view_timer_ = true;
  auto buffered = future_pre_prepares_.find(view_);
  if (buffered != future_pre_prepares_.end()) {
    std::vector<detail::BufferedPrePrepare> replay = std::move(buffered->second);
    future_pre_prepares_.erase(buffered);
    for (const detail::BufferedPrePrepare& b : replay)
      on_pre_prepare(b.message, b.wire, b.received_ms);
  }
}

}  // namespace replex::consensus
