#include "replex/consensus/observer.hpp"

#include <algorithm>
#include <string>

#include "chunk_transfer.hpp"
#include "request_peers.hpp"
#include "replex/core/assert.hpp"
#include "replex/core/overloaded.hpp"

namespace replex::consensus {

namespace {

void report(std::vector<Action>& out, EvidenceKind kind, std::optional<ValidatorIndex> validator,
            Height height, std::string detail) {
  out.emplace_back(EvidenceFound{Evidence{kind, validator, 0, height, std::move(detail), {}}});
}

}  // namespace

Result<Observer> Observer::create(const Config& config, const ChainInfo& chain,
                                  ValidatorSet validators, Height committed_height,
                                  const Hash256& committed_hash) {
  REPLEX_RETURN_IF_ERROR(config.validate());
  if (chain.chain_id.empty() || chain.chain_id.size() > kMaxChainIdBytes) {
    return Status::invalid_argument("chain.chain_id: must be 1.." +
                                    std::to_string(kMaxChainIdBytes) + " bytes");
  }
  if (committed_height == 0 && committed_hash != chain.genesis_hash) {
    return Status::invalid_argument("committed_hash: at height 0 it must be the genesis hash");
  }
  return Observer(config, chain, std::move(validators), committed_height, committed_hash);
}

Observer::Observer(const Config& config, const ChainInfo& chain, ValidatorSet validators,
                   Height committed_height, const Hash256& committed_hash)
    : config_(config),
      chain_(chain),
      validators_(std::move(validators)),
      committed_height_(committed_height),
      committed_hash_(committed_hash),
      target_height_(committed_height) {
  REPLEX_ASSERT(validators_.size() > 0);
  for (ValidatorIndex i = 0; i < validators_.size(); ++i) peers_.push_back(i);
}

Observer::Observer(Observer&&) noexcept = default;
Observer& Observer::operator=(Observer&&) noexcept = default;
Observer::~Observer() = default;

ChainContext Observer::chain_context() const {
  return {validators_,
          chain_.chain_id,
          {config_.max_block_txs, config_.max_block_bytes, config_.max_tx_bytes},
          config_.checkpoint_interval};
}

std::vector<Action> Observer::start(std::uint64_t now_ms) {
  now_ms_ = now_ms;
  std::vector<Action> out;
  // Whatever the peers have above this height; later pushes reveal the rest.
  request_blocks(committed_height_ + config_.max_fetch_blocks, out);
  return out;
}

std::vector<Action> Observer::handle(Input input) {
  now_ms_ = input.now_ms;
  std::vector<Action> out;
  std::visit(Overloaded{
                 [&](TimerFired& e) { on_timer(e, out); },
                 [&](BlocksReceived& e) { on_blocks(e, out); },
                 [&](StateReceived& e) { on_state(e, out); },
                 [&](ChunkReceived& e) { on_chunk(e, out); },
                 [&](StateInstalled& e) { on_state_installed(e, out); },
                 [](auto&) {},  // messages, transactions, executions: not an observer's
             },
             input.event);
  release(out);
  catch_up(out);
  return out;
}

// --- blocks -----------------------------------------------------------------------------------

void Observer::on_blocks(const BlocksReceived& input, std::vector<Action>& out) {
  const ChainContext chain = chain_context();
  const Height limit = committed_height_ + 2 * Height{config_.max_fetch_blocks};
  for (std::size_t i = 0; i < input.blocks.size(); ++i) {
    // Held: dropped before its signatures are checked (a later height is
    // verified even beyond `limit`: it tells the observer how far to fetch).
    const auto claimed = claimed_height(input.blocks[i]);
    if (claimed && *claimed <= committed_height_) continue;
    auto block = verify_certified_block(input.blocks[i], chain);
    if (!block) {
      report(out, EvidenceKind::kInvalidCertifiedBlock, input.from, 0,
             "blocks[" + std::to_string(i) + "]: " + block.status().message());
      break;
    }
    const Height height = block->height();
    if (height <= committed_height_) continue;
    REPLEX_ASSERT(height >= 1);
    target_height_ = std::max(target_height_, height);
    if (input.from && validators_.contains(*input.from) && peers_.front() != *input.from) {
      // The sender has it: ask it first, then the others (a new first peer,
      // so block requests start their rotation over).
      std::vector<ValidatorIndex> peers{*input.from};
      for (ValidatorIndex p : peers_) {
        if (p != *input.from) peers.push_back(p);
      }
      peers_ = std::move(peers);
      block_requests_ = 0;
    }
    if (height <= limit) pending_.try_emplace(height, std::move(block).value());
  }
}

void Observer::release(std::vector<Action>& out) {
  if (installing_) return;  // the state being installed replaces these heights
  const Height before = committed_height_;
  for (auto it = pending_.find(committed_height_ + 1); it != pending_.end();
       it = pending_.find(committed_height_ + 1)) {
    CertifiedBlock block = std::move(it->second);
    pending_.erase(it);
    const Status link = verify_chain_link(committed_height_, committed_hash_, block.block->header);
    if (!link.is_ok()) {
      out.emplace_back(EvidenceFound{Evidence{EvidenceKind::kSafetyViolation,
                                              std::nullopt,
                                              block.certificate.view,
                                              block.height(),
                                              "certified block: " + link.message(),
                                              {}}});
      continue;
    }
    REPLEX_ASSERT(block.height() == committed_height_ + 1);
    committed_height_ = block.height();
    committed_hash_ = block.block_hash;
    out.emplace_back(CommitBlock{std::move(block)});
  }
  pending_.erase(pending_.begin(), pending_.upper_bound(committed_height_));
  // Nothing pending at or below the committed height, nothing beyond the window.
  REPLEX_ASSERT(pending_.empty() || pending_.begin()->first > committed_height_ + 1);
  if (committed_height_ == before) return;
  // Progress: the next requests start with the likeliest peers again.
  fetch_retries_ = 0;
  block_requests_ = 0;
  state_requests_ = 0;
  if (transfer_ && transfer_->height() <= committed_height_) {
    transfer_.reset();  // blocks got there first
    cancel_fetch_timer(out);
  }
}

// --- state transfer ---------------------------------------------------------------------------

void Observer::keep_later_blocks(VerifiedState& state) {
  const Height base = std::max(committed_height_, state.anchor.height());
  target_height_ = std::max(target_height_, state.anchor.height());
  for (CertifiedBlock& b : state.later_blocks) {
    const Height height = b.height();
    target_height_ = std::max(target_height_, height);
    if (height > committed_height_ && height <= base + 2 * Height{config_.max_fetch_blocks}) {
      pending_.insert_or_assign(height, std::move(b));
    }
  }
  state.later_blocks.clear();
}

void Observer::on_state(StateReceived& input, std::vector<Action>& out) {
  if (installing_) return;
  if (input.snapshot_bytes) return on_state_offered(input, out);
  auto verified =
      verify_state_transfer(input.checkpoint_proof, input.snapshot, input.blocks, chain_context());
  if (!verified) {
    report(out, EvidenceKind::kInvalidStateTransfer, input.from, 0, verified.status().message());
    return;
  }
  // Later blocks are verified committed blocks either way.
  keep_later_blocks(*verified);
  if (verified->anchor.height() <= committed_height_) return;  // not newer than ours
  out.emplace_back(InstallState{verified->proof, verified->proof_bytes, std::move(input.snapshot),
                                verified->anchor});
  installing_ = std::move(verified).value();
  transfer_.reset();  // this state is in hand
  fetch_.reset();
  cancel_fetch_timer(out);
}

void Observer::on_state_offered(StateReceived& input, std::vector<Action>& out) {
  // Proof, anchor and later blocks now; the snapshot follows chunk by chunk.
  auto verified = verify_state_offer(input.checkpoint_proof, input.blocks, chain_context());
  if (!verified) {
    report(out, EvidenceKind::kInvalidStateTransfer, input.from, 0, verified.status().message());
    return;
  }
  const auto layout = detail::ChunkTransfer::layout_of_offer(*input.snapshot_bytes, config_);
  if (!layout) {
    report(out, EvidenceKind::kInvalidStateTransfer, input.from, 0, layout.status().message());
    return;
  }
  keep_later_blocks(*verified);
  const Height height = verified->proof.checkpoint.height;
  if (height <= committed_height_) return;
  // The transfer under way goes on unless this state is newer.
  if (transfer_ && transfer_->height() >= height) return;
  // The offering peer, then the proof's signers (they executed that height).
  std::vector<ValidatorIndex> likely;
  if (input.from) likely.push_back(*input.from);
  for (const SignerSignature& s : verified->proof.signatures) likely.push_back(s.validator);
  transfer_ = std::make_unique<detail::ChunkTransfer>(std::move(verified).value(), *layout,
                                                      peers_for_request(likely, 0));
  fetch_.reset();
  request_next_chunk(out);
}

void Observer::request_next_chunk(std::vector<Action>& out) {
  REPLEX_ASSERT(transfer_ != nullptr);
  std::optional<RequestChunk> request = transfer_->next_request();
  if (!request) {
    // Every peer asked twice in vain: given up, a request without progress;
    // catch-up asks again.
    transfer_.reset();
    cancel_fetch_timer(out);
    ++fetch_retries_;
    return;
  }
  out.emplace_back(std::move(*request));
  set_fetch_timer(out);
}

void Observer::on_chunk(const ChunkReceived& input, std::vector<Action>& out) {
  if (installing_ || !transfer_) return;
  detail::ChunkTransfer::Received received = transfer_->receive(input);
  switch (received.verdict) {
    case detail::ChunkTransfer::Verdict::kIgnored:  // late, duplicate or another transfer's
      return;
    case detail::ChunkTransfer::Verdict::kRefused:  // its sender's fault; the next peer is asked
      report(out, EvidenceKind::kInvalidStateTransfer, input.from, input.height,
             received.refusal.message());
      request_next_chunk(out);
      return;
    case detail::ChunkTransfer::Verdict::kAccepted:
      out.emplace_back(std::move(*received.store));
      break;
  }
  if (!transfer_->complete()) {
    request_next_chunk(out);
    return;
  }
  REPLEX_ASSERT_MSG(transfer_->height() > committed_height_,
                    "a transfer at or below the committed height (commits end it)");
  out.emplace_back(transfer_->install_action());
  installing_ = transfer_->take_offer();
  transfer_.reset();
  cancel_fetch_timer(out);
}

void Observer::on_state_installed(const StateInstalled& input, std::vector<Action>& out) {
  detail::assert_confirms_install(installing_, input);
  const CertifiedBlock& anchor = installing_->anchor;
  if (!input.status.is_ok()) {
    // The state is unchanged; catch-up asks again.
    installing_.reset();
    ++fetch_retries_;
    return;
  }
  REPLEX_ASSERT(anchor.height() > committed_height_);
  committed_height_ = anchor.height();
  committed_hash_ = anchor.block_hash;
  target_height_ = std::max(target_height_, committed_height_);
  installing_.reset();
  pending_.erase(pending_.begin(), pending_.upper_bound(committed_height_));
  fetch_retries_ = 0;
  block_requests_ = 0;
  state_requests_ = 0;
  blocks_after_install_ = true;
  if (transfer_ && transfer_->height() <= committed_height_) {
    transfer_.reset();
    cancel_fetch_timer(out);
  }
}

// --- catch-up ---------------------------------------------------------------------------------

void Observer::on_timer(const TimerFired& input, std::vector<Action>& out) {
  if (input.kind != TimerKind::kFetch || !fetch_deadline_ms_ || now_ms_ < *fetch_deadline_ms_) {
    return;  // not ours, cancelled, re-armed or early
  }
  fetch_deadline_ms_.reset();
  if (transfer_) {
    // An unanswered chunk: the next peer serving that height is asked.
    transfer_->missed();
    request_next_chunk(out);
    return;
  }
  // Unanswered, or answered without progress (a peer that lacks the blocks
  // answers not-found): catch_up() asks again, the next peer first.
  fetch_.reset();
  ++fetch_retries_;
}

void Observer::catch_up(std::vector<Action>& out) {
  // A chunked transfer runs to its end (its fetch timer moves it on).
  if (installing_ || transfer_) return;
  // A request that brought progress ends: the next one (if still behind)
  // starts at once. One without progress waits for the timer.
  if (fetch_ && committed_height_ > fetch_->committed_at_request) {
    fetch_.reset();
    cancel_fetch_timer(out);
  }
  if (target_height_ <= committed_height_) blocks_after_install_ = false;
  if (fetch_ || target_height_ <= committed_height_) return;
  // Far behind, state and blocks alternate (either may be what peers can
  // serve); close behind, or right after an install (the chain moved on while
  // a large state arrived, and would again), blocks, until every peer was
  // asked in vain (peers that installed state themselves no longer hold old
  // blocks).
  const std::uint64_t peer_count = std::max<std::uint64_t>(1, validators_.size());
  const bool far_behind =
      !blocks_after_install_ && target_height_ - committed_height_ >= config_.checkpoint_interval;
  const bool ask_state =
      far_behind ? fetch_retries_ % 2 == 0 : fetch_retries_ > 0 && fetch_retries_ % peer_count == 0;
  if (!ask_state) {
    request_blocks(std::min<Height>(target_height_, committed_height_ + config_.max_fetch_blocks),
                   out);
    return;
  }
  // No CHECKPOINT reaches an observer: it asks for the newest proven state
  // above its height, and the answer carries its own proof.
  out.emplace_back(RequestState{committed_height_, std::nullopt,
                                peers_for_request(peers_, state_requests_++),
                                config_.state_chunk_bytes});
  fetch_ = Fetch{true, committed_height_};
  set_fetch_timer(out);
}

void Observer::request_blocks(Height to, std::vector<Action>& out) {
  REPLEX_ASSERT(to > committed_height_);
  out.emplace_back(
      RequestBlocks{committed_height_ + 1, to, peers_for_request(peers_, block_requests_++)});
  fetch_ = Fetch{false, committed_height_};
  set_fetch_timer(out);
}

std::vector<ValidatorIndex> Observer::peers_for_request(const std::vector<ValidatorIndex>& likely,
                                                        std::uint32_t rotation) const {
  return detail::peers_for_request(validators_, likely, rotation, std::nullopt);
}

void Observer::set_fetch_timer(std::vector<Action>& out) {
  fetch_deadline_ms_ = now_ms_ + config_.fetch_timeout_ms;
  out.emplace_back(SetTimer{TimerKind::kFetch, *fetch_deadline_ms_});
}

void Observer::cancel_fetch_timer(std::vector<Action>& out) {
  if (!fetch_deadline_ms_) return;
  fetch_deadline_ms_.reset();
  out.emplace_back(CancelTimer{TimerKind::kFetch});
}

}  // namespace replex::consensus
