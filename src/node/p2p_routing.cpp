// Node::Impl on the network thread: routing peers' payloads. Handlers only
// decode cheap headers and hand work to the worker pool or the consensus
// thread; nothing here blocks (docs/p2p.md, "Threads").
#include <spdlog/spdlog.h>

#include "node_impl.hpp"
#include "replex/consensus/messages.hpp"
#include "replex/exchange/reason.hpp"
#include "replex/host/serving.hpp"

namespace replex::node {

void Node::Impl::on_message(p2p::InboundMessage message) {
  switch (message.channel) {
    case p2p::Channel::kConsensus: {
      if (!host_->is_validator()) return;  // observers take no part in voting
      // The sender is the validator whose node id authenticated this
      // connection; the core refuses a message signed by anyone else.
      const auto sender = genesis_.index_of_node(message.from);
      if (!sender) {
        network_->report_misbehaviour(message.from, "consensus message from a node that is not a validator");
        return;
      }
      auto bytes = std::make_shared<Bytes>(std::move(message.payload));
      const bool posted = workers_->try_post_validator([this, sender = *sender, bytes, from = message.from] {
        const Status verified = consensus::verify_message(*bytes, *validators_, genesis_.chain_id(),
                                                          consensus::message_limits(consensus_config_));
        if (!verified) {
          spdlog::warn("consensus message from validator {} refused: {}", sender, verified.to_string());
          network_->report_misbehaviour(from, "invalid consensus message: " + verified.message());
          return;
        }
        consensus_loop_.post([this, sender, bytes] {
          feed(consensus::MessageReceived{sender, std::move(*bytes), true});
        });
      });
      // Dropped under overload; PBFT recovers by retransmission and catch-up.
      if (!posted) spdlog::debug("verification queue full: dropped a consensus message from {}", *sender);
      return;
    }
    case p2p::Channel::kTransactions:
      return on_gossip(message.from, message.channel, {std::move(message.payload)});
    case p2p::Channel::kBlocks: {
      auto blocks = host::decode_blocks_answer(message.payload, host_options_.serve);
      if (!blocks) {
        network_->report_misbehaviour(message.from, "malformed pushed blocks: " + blocks.status().message());
        return;
      }
      // The core verifies each block against its certificate and its parent
      // (after dropping heights it holds). Pushes are a shortcut, catch-up
      // fetches what is missed: beyond the bound they are dropped.
      const bool queued = queued_block_pushes_.load() < config_.consensus.max_queued_block_pushes;
      metrics_->on_block_push(queued);
      if (!queued) return;
      ++queued_block_pushes_;
      blocks->from = genesis_.index_of_node(message.from);
      consensus_loop_.post([this, input = std::move(*blocks), from = message.from]() mutable {
        --queued_block_pushes_;
        pushed_by_ = from;
        feed(std::move(input));
        pushed_by_.reset();
      });
      return;
    }
    case p2p::Channel::kSettlement: {
      // Batch signatures: only validators sign; the settler verifies each.
      const auto sender = genesis_.index_of_node(message.from);
      if (settler_ && sender) settler_->on_message(*sender, std::move(message.payload));
      return;
    }
    case p2p::Channel::kStateTransfer:
    case p2p::Channel::kPeerExchange:
      return;  // not used as plain messages by this node
  }
}

void Node::Impl::on_gossip(const p2p::NodeId& from, p2p::Channel channel, std::vector<Bytes> payloads) {
  if (channel != p2p::Channel::kTransactions) {
    for (Bytes& payload : payloads) on_message(p2p::InboundMessage{from, channel, true, std::move(payload)});
    return;
  }
  // The same path as local submissions; relayed only once accepted. A
  // verdict of "no such account" is charged to the peer that sent it, held
  // or refused (held, it may still be lifted: honest relays are within bounds).
  auto charge = [this, from](Result<consensus::TxStatusReport> report) {
    if (!report ||
        (report->verdict != consensus::TxVerdict::kRejected && report->verdict != consensus::TxVerdict::kHeld) ||
        report->app_code != exchange::code(exchange::Reason::kUnknownAccount)) {
      return;
    }
    if (unknown_signers_.charge(from, UnknownSignerLimiter::Clock::now()) !=
        UnknownSignerLimiter::Verdict::kNewlyOver) {
      return;
    }
    network_->report_misbehaviour(
        from, "gossiped transactions of unknown accounts beyond consensus.unknown_account_gossip_per_s (" +
                  std::to_string(config_.consensus.unknown_account_gossip_per_s) + ", burst " +
                  std::to_string(config_.consensus.unknown_account_gossip_burst) + ")");
  };
  std::vector<api::Submission> batch;
  batch.reserve(payloads.size());
  for (Bytes& tx : payloads) batch.push_back(api::Submission{std::move(tx), charge});
  admission_->submit(std::move(batch), from);
}

void Node::Impl::on_request(p2p::InboundRequest request) {
  if (request.channel != p2p::Channel::kStateTransfer) {
    (void)network_->respond(request.from, request.id, Status::unavailable("no such service"));
    return;
  }
  auto decoded = host::decode_peer_request(request.payload);
  if (!decoded) {
    (void)network_->respond(request.from, request.id, decoded.status());
    return;
  }
  // Store reads happen on a worker, never on the network thread, charged to
  // the requester's share of the pool (consensus.max_pending_jobs_per_peer).
  const bool posted = workers_->try_post([this, from = request.from, id = request.id, r = *decoded] {
    (void)network_->respond(from, id, serve(r));
  }, request.from.bytes);
  if (!posted) (void)network_->respond(request.from, request.id, Status::unavailable("busy; retry later"));
}

Result<Bytes> Node::Impl::serve(const host::PeerRequest& request) {
  switch (request.kind) {
    case host::PeerRequestKind::kBlocks:
      return host::serve_blocks(*store_, request.from_height, request.to_height, host_options_.serve);
    case host::PeerRequestKind::kState:
      return host::serve_state(*store_, request.from_height, host_options_.serve);
    case host::PeerRequestKind::kStateOffer:
      return snapshot_server_->serve_offer(request.from_height, request.chunk_bytes);
    case host::PeerRequestKind::kChunk:
      return snapshot_server_->serve_chunk(request.from_height, request.index, request.chunk_bytes);
  }
  return Status::invalid_argument("request.kind: unknown");
}

}  // namespace replex::node
