// Node::Impl on the consensus thread: host inputs, timers, transport and
// listener callbacks, and the consensus read view.
#include <spdlog/spdlog.h>

#include "node_impl.hpp"
#include "replex/host/serving.hpp"

namespace replex::node {

// --- consensus thread: inputs --------------------------------------------------------

void Node::Impl::feed(consensus::Event event) {
  handle(std::move(event));
  publish_consensus_view();
}

void Node::Impl::handle(consensus::Event event) {
  if (failed_.load()) return;
  const Status s = host_->handle(consensus::Input{unix_now_ms(), std::move(event)});
  if (!s) fatal(s);
}

void Node::Impl::admit(std::vector<VerifiedTx> batch, bool relayed) {
  if (failed_.load()) {
    for (VerifiedTx& item : batch) item.done(Status::unavailable("the node stopped after a fatal error"));
    return;
  }
  // One input for the batch: no block is cut while it is admitted, so a
  // deadline that passed while it queued does not split it (a block's size
  // limits still may).
  consensus::TransactionsReceived received;
  received.txs.reserve(batch.size());
  received.tx_hashes.reserve(batch.size());
  received.relayed = relayed;
  for (VerifiedTx& item : batch) {
    pending_admissions_[item.hash].push_back(std::move(item.done));
    received.txs.push_back(std::move(item.tx));
    received.tx_hashes.push_back(item.hash);
  }
  handle(std::move(received));
  // The mempool answers every transaction at once (TxStatusReport); one that
  // is still waiting here got no answer, which only a failed host explains.
  for (const VerifiedTx& item : batch) {
    if (auto it = pending_admissions_.find(item.hash); it != pending_admissions_.end()) {
      auto callbacks = std::move(it->second);
      pending_admissions_.erase(it);
      for (auto& callback : callbacks) callback(Status::unavailable("the node could not admit the transaction"));
    }
  }
  publish_consensus_view();  // once per batch
}

void Node::Impl::on_tx_status(const consensus::TxStatusReport& report) {
  if (report.verdict == consensus::TxVerdict::kReleased) {
    // Held transactions are not relayed (TxAdmission gossips accepted ones):
    // one is now. Best effort, as there.
    if (network_) (void)network_->gossip(p2p::Channel::kTransactions, {report.tx});
    return;
  }
  // An eviction answers no admission: the core admits a batch before it cuts
  // (and evicts), so an admission's own verdict always comes first.
  auto it = report.verdict == consensus::TxVerdict::kEvicted ? pending_admissions_.end()
                                                              : pending_admissions_.find(report.tx_hash);
  if (it == pending_admissions_.end()) {
    if (report.verdict == consensus::TxVerdict::kEvicted) {
      spdlog::debug("mempool evicted {}: {}", report.tx_hash.hex(), report.message);
      waiters_.notify_evicted(report);  // it will not commit here: its callers need not wait
    }
    return;
  }
  // One verdict per admission, in order: a batch holding the same transaction
  // twice gets "accepted" for the first and "duplicate" for the second.
  auto callback = std::move(it->second.front());
  it->second.pop_front();
  if (it->second.empty()) pending_admissions_.erase(it);
  callback(report);
}

void Node::Impl::on_view_changed(const consensus::ViewChanged& change) {
  if (change.phase == consensus::ViewPhase::kViewEntered) metrics_->on_view_change();
  // Consensus lines carry height= and view= (key=value, also in JSON logs' msg).
  spdlog::info("view change {}: height={} view={} from_view={}",
               change.phase == consensus::ViewPhase::kViewEntered ? "entered" : "started",
               host_->committed_height(), change.to, change.from);
}

void Node::Impl::on_evidence(const consensus::Evidence& evidence) {
  // A peer that sent blocks or state that do not verify is reported to p2p,
  // which disconnects and bans it (docs/p2p.md, "Misbehaviour"): a validator
  // by its index, any other peer as the sender of the push being fed.
  const bool bad_answer = evidence.kind == consensus::EvidenceKind::kInvalidCertifiedBlock ||
                          evidence.kind == consensus::EvidenceKind::kInvalidStateTransfer;
  std::optional<p2p::NodeId> culprit;
  if (evidence.validator && *evidence.validator < genesis_.validators.size()) {
    culprit = genesis_.validators[*evidence.validator].node_id;
  } else if (!evidence.validator) {
    culprit = pushed_by_;
  }
  if (bad_answer && culprit && *culprit != node_key_->public_key()) {
    network_->report_misbehaviour(*culprit,
                                  std::string(consensus::evidence_kind_name(evidence.kind)) + ": " + evidence.detail);
  }
  if (evidence.kind == consensus::EvidenceKind::kStateDivergence && !divergence_ && self_index_ &&
      evidence.validator == self_index_) {
    // Our state is not the quorum's: whatever we would answer could be wrong.
    // The core stops voting and installs the next proven checkpoint's state;
    // publish_consensus_view clears this once it has.
    divergence_ = {evidence.height, evidence.detail};
    spdlog::error("state diverged at height={}: {}; this node serves no reads or submissions and does not vote "
                  "until it installs the validators' state at their next checkpoint (docs/node.md, \"Divergence\")",
                  evidence.height, evidence.detail);
  }
  spdlog::warn("evidence: kind={} validator={} height={} view={} detail=\"{}\"",
               consensus::evidence_kind_name(evidence.kind),
               evidence.validator ? std::to_string(*evidence.validator) : std::string("-"), evidence.height,
               evidence.view, evidence.detail);
}

void Node::Impl::publish_consensus_view() {
  api::ConsensusView view;
  if (const consensus::Replica* replica = host_->replica()) {
    view.view = replica->view();
    view.primary = replica->validators().primary_of(replica->view());
    view.in_view_change = replica->in_view_change();
    view.committed_height = replica->committed_height();
    view.mempool_txs = replica->mempool().size();
    view.mempool_bytes = replica->mempool().bytes();
    if (divergence_ && !replica->diverged_at()) {
      // The core installed a proven state in place of the diverged one.
      spdlog::info("state divergence at height={} recovered: installed the validators' state at height={}; "
                   "serving and voting again (height={})",
                   divergence_->first, replica->stable_checkpoint_height().value_or(0),
                   replica->committed_height());
      divergence_.reset();
    }
  } else {
    view.committed_height = host_->committed_height();
  }
  if (divergence_) {
    view.diverged_at = divergence_->first;
    view.divergence = divergence_->second;
  }
  if (view == last_consensus_view_) return;  // most inputs change nothing a reader sees
  last_consensus_view_ = view;
  metrics_->on_consensus(view);
  views_.publish_consensus(std::make_shared<const api::ConsensusView>(view));
}

// --- consensus thread: timers ----------------------------------------------------------

void Node::Impl::set(consensus::TimerKind kind, std::uint64_t deadline_ms) {
  auto& timer = *timers_[static_cast<std::size_t>(kind)];
  const std::uint64_t now = unix_now_ms();
  timer.expires_after(std::chrono::milliseconds(deadline_ms > now ? deadline_ms - now : 0));
  // A re-armed or cancelled timer completes with operation_aborted; the core
  // also ignores stale expiries, so a late one is harmless.
  timer.async_wait([this, kind](const boost::system::error_code& ec) {
    if (!ec) feed(consensus::TimerFired{kind});
  });
}

void Node::Impl::cancel(consensus::TimerKind kind) { timers_[static_cast<std::size_t>(kind)]->cancel(); }

// --- consensus thread: transport --------------------------------------------------------

void Node::Impl::send(consensus::ValidatorIndex to, consensus::MessageType, const consensus::SharedBytes& bytes) {
  if (!network_ || !validators_->contains(to)) return;
  // Best effort like the network: PBFT retransmits and catches up.
  (void)network_->send(genesis_.validators[to].node_id, p2p::Channel::kConsensus, *bytes);
}

void Node::Impl::broadcast(consensus::MessageType, const consensus::SharedBytes& bytes) {
  if (!network_) return;
  std::vector<p2p::NodeId> to;
  to.reserve(genesis_.validators.size());
  for (std::size_t i = 0; i < genesis_.validators.size(); ++i) {
    if (self_index_ && i == *self_index_) continue;
    to.push_back(genesis_.validators[i].node_id);
  }
  (void)network_->send_to(to, p2p::Channel::kConsensus, *bytes);
}

std::optional<consensus::ValidatorIndex> Node::Impl::pick_peer(
    const std::vector<consensus::ValidatorIndex>& peers) const {
  if (!network_) return std::nullopt;
  for (const auto peer : peers) {
    if (self_index_ && peer == *self_index_) continue;
    if (validators_->contains(peer) && network_->is_connected(genesis_.validators[peer].node_id)) return peer;
  }
  return std::nullopt;
}

void Node::Impl::request_blocks(const consensus::RequestBlocks& request) {
  // Unanswered (no peer connected yet): the core retries on its fetch timer.
  if (auto peer = pick_peer(request.peers)) {
    ask_peer(*peer, {host::PeerRequestKind::kBlocks, request.from_height, request.to_height});
  }
}

void Node::Impl::request_state(const consensus::RequestState& request) {
  // With a chunk size the snapshot comes in chunks (an offer first), so its
  // size is not bounded by a frame.
  const auto kind = request.chunk_bytes > 0 ? host::PeerRequestKind::kStateOffer : host::PeerRequestKind::kState;
  if (auto peer = pick_peer(request.peers)) {
    ask_peer(*peer, {kind, request.above_height, 0, request.chunk_bytes});
  }
}

void Node::Impl::request_chunk(const consensus::RequestChunk& request) {
  if (auto peer = pick_peer(request.peers)) {
    ask_peer(*peer, {host::PeerRequestKind::kChunk, request.height, 0, request.chunk_bytes, request.index});
  }
}

namespace {

std::string_view request_name(host::PeerRequestKind kind) {
  switch (kind) {
    case host::PeerRequestKind::kBlocks: return "blocks";
    case host::PeerRequestKind::kState: return "state";
    case host::PeerRequestKind::kStateOffer: return "state offer";
    case host::PeerRequestKind::kChunk: return "snapshot chunk";
  }
  return "unknown";
}

// The answer to `request`, decoded into the core's input (structure only:
// the core verifies signatures and chunks); `from` is the peer asked.
Result<consensus::Event> decode_answer(const host::PeerRequest& request, ByteView answer,
                                       const host::ServeLimits& limits, consensus::ValidatorIndex from) {
  switch (request.kind) {
    case host::PeerRequestKind::kBlocks: {
      REPLEX_ASSIGN_OR_RETURN(consensus::BlocksReceived blocks, host::decode_blocks_answer(answer, limits));
      blocks.from = from;
      return consensus::Event{std::move(blocks)};
    }
    case host::PeerRequestKind::kState:
    case host::PeerRequestKind::kStateOffer: {
      REPLEX_ASSIGN_OR_RETURN(consensus::StateReceived state, host::decode_state_answer(answer, limits));
      state.from = from;
      return consensus::Event{std::move(state)};
    }
    case host::PeerRequestKind::kChunk: {
      REPLEX_ASSIGN_OR_RETURN(consensus::ChunkReceived chunk, host::decode_chunk_answer(answer, limits));
      if (chunk.height != request.from_height || chunk.index != request.index) {
        return Status::invalid_argument("chunk " + std::to_string(chunk.index) + " at height " +
                                        std::to_string(chunk.height) + " answers a request for chunk " +
                                        std::to_string(request.index) + " at height " +
                                        std::to_string(request.from_height));
      }
      chunk.from = from;
      return consensus::Event{std::move(chunk)};
    }
  }
  return Status::invalid_argument("unknown request kind");
}

}  // namespace

void Node::Impl::ask_peer(consensus::ValidatorIndex peer, host::PeerRequest request) {
  const p2p::NodeId& node = genesis_.validators[peer].node_id;
  const host::ServeLimits limits = host_options_.serve;
  auto on_answer = [this, peer, node, request, limits](Result<Bytes> answer) {
    // Network thread: decode here (cheap structure checks); the core verifies.
    if (!answer) {
      spdlog::debug("peer {} did not answer a {} request: {}", node.hex().substr(0, 12), request_name(request.kind),
                    answer.status().to_string());
      return;
    }
    auto input = decode_answer(request, *answer, limits, peer);
    if (!input) {
      network_->report_misbehaviour(
          node, "malformed " + std::string(request_name(request.kind)) + " answer: " + input.status().message());
      return;
    }
    consensus_loop_.post([this, input = std::move(*input)]() mutable { feed(std::move(input)); });
  };
  const Status s = network_->request(node, p2p::Channel::kStateTransfer, host::encode_peer_request(request),
                                     config_.p2p.request_timeout_ms, std::move(on_answer));
  if (!s) spdlog::debug("request to peer {} not sent: {}", node.hex().substr(0, 12), s.to_string());
}

}  // namespace replex::node
