// Network::Impl: routing of messages, gossip with de-duplication, requests.
#include <spdlog/spdlog.h>

#include "network_impl.hpp"

namespace replex::p2p {

using boost::system::error_code;

void Network::Impl::on_message(Connection& connection, Message message) {
  if (stopping_) return;
  if (auto* direct = std::get_if<Direct>(&message)) {
    if (handlers_.on_message) {
      handlers_.on_message(
          InboundMessage{connection.peer_id(), direct->channel, false, std::move(direct->payload)});
    }
  } else if (auto* gossip = std::get_if<Gossip>(&message)) {
    route_gossip(connection, std::move(*gossip));
  } else if (auto* request = std::get_if<Request>(&message)) {
    route_request(connection, std::move(*request));
  } else if (auto* response = std::get_if<Response>(&message)) {
    route_response(connection, std::move(*response));
  } else {
    REPLEX_ASSERT_MSG(false, "pings and pongs stay inside the connection");
  }
}

std::shared_ptr<Connection> Network::Impl::active_connection(const NodeId& id) const {
  auto it = active_.find(id);
  return it == active_.end() ? nullptr : it->second;
}

// ---------------------------------------------------------------------------
// Gossip: delivered once, forwarded only when the node says so.

void Network::Impl::route_gossip(Connection& connection, Gossip gossip) {
  // Peers the sender also pushed these payloads to already hold them.
  std::vector<ConnectionId> also_holders;
  for (const NodeId& id : gossip.also_sent_to) {
    if (auto holder = active_connection(id); holder && holder->id() != connection.id()) {
      also_holders.push_back(holder->id());
    }
  }
  std::vector<Bytes> fresh;
  for (Bytes& payload : gossip.payloads) {
    const Hash256 digest = digester_.digest(gossip.channel, payload);
    const bool is_new = seen_.observe(digest, connection.id());
    for (ConnectionId holder : also_holders) seen_.observe(digest, holder);
    if (!is_new) {
      ++stats_.gossip_duplicates_dropped;
      continue;
    }
    ++stats_.gossip_delivered;
    fresh.push_back(std::move(payload));
  }
  if (fresh.empty()) return;
  if (handlers_.on_gossip) return handlers_.on_gossip(connection.peer_id(), gossip.channel, std::move(fresh));
  if (!handlers_.on_message) return;
  for (Bytes& payload : fresh) {
    handlers_.on_message(InboundMessage{connection.peer_id(), gossip.channel, true, std::move(payload)});
  }
}

void Network::Impl::forward_gossip(Channel channel, std::vector<Bytes> payloads) {
  // Payloads with the same holders go to the same peers and share one target list.
  std::map<std::vector<ConnectionId>, std::shared_ptr<const std::vector<NodeId>>> target_lists;
  for (Bytes& payload : payloads) {
    const auto holders = seen_.start_forwarding(digester_.digest(channel, payload));
    if (!holders) continue;  // forwarded before: no echo
    auto& targets = target_lists[*holders];
    if (!targets) {
      auto ids = std::make_shared<std::vector<NodeId>>();
      for (const auto& [id, connection] : active_) {
        if (std::find(holders->begin(), holders->end(), connection->id()) == holders->end()) ids->push_back(id);
      }
      targets = std::move(ids);
    }
    if (targets->empty()) continue;
    auto shared = std::make_shared<const Bytes>(std::move(payload));
    for (const NodeId& id : *targets) {
      auto connection = active_connection(id);
      REPLEX_ASSERT(connection != nullptr);  // targets were chosen from active_ above
      GossipQueue& queue = gossip_out_[connection->id()];
      const std::size_t entry_bytes = kGossipEntryOverheadBytes + shared->size();
      if (!queue.entries.empty() && queue.bytes + entry_bytes > gossip_batch_limit()) {
        flush_gossip_to(connection->id(), queue);  // full: send what waits, start the next frame
      }
      queue.entries.push_back(OutgoingGossip{channel, targets, shared});
      queue.bytes += entry_bytes;
    }
  }
  schedule_gossip_flush();
}

std::size_t Network::Impl::gossip_batch_limit() const {
  return std::min<std::size_t>(config_.max_gossip_batch_bytes, max_payload_bytes());
}

void Network::Impl::schedule_gossip_flush() {
  if (gossip_flush_scheduled_ || gossip_out_.empty()) return;
  gossip_flush_scheduled_ = true;
  if (config_.gossip_batch_delay_us == 0) {
    // Runs after every handler already queued: the batch grows while the thread is busy.
    boost::asio::post(io_, [this] { flush_gossip(); });
    return;
  }
  gossip_flush_timer_.expires_after(std::chrono::microseconds(config_.gossip_batch_delay_us));
  gossip_flush_timer_.async_wait([this](const error_code& ec) {
    if (!ec) flush_gossip();
  });
}

void Network::Impl::flush_gossip() {
  gossip_flush_scheduled_ = false;
  if (stopping_) return;
  auto queues = std::move(gossip_out_);
  gossip_out_.clear();
  for (auto& [id, queue] : queues) flush_gossip_to(id, queue);
}

// Frames of consecutive entries with the same channel and target list, each
// under the batch limit; the recipient learns the other targets.
void Network::Impl::flush_gossip_to(ConnectionId id, GossipQueue& queue) {
  auto entries = std::move(queue.entries);
  queue.entries.clear();
  queue.bytes = 0;
  const auto it = connections_.find(id);
  if (it == connections_.end() || !it->second->is_active()) return;
  const std::shared_ptr<Connection> connection = it->second;
  const NodeId& recipient = connection->peer_id();
  const std::size_t limit = gossip_batch_limit();
  std::size_t begin = 0;
  while (begin < entries.size()) {
    const OutgoingGossip& first = entries[begin];
    std::vector<NodeId> also;
    for (const NodeId& target : *first.targets) {
      if (target != recipient && also.size() < kMaxGossipAlsoSentTo) also.push_back(target);
    }
    std::size_t bytes = kGossipEntryOverheadBytes + first.payload->size();
    if (gossip_message_bytes(also.size(), bytes) > max_payload_bytes() + kMaxMessageHeaderBytes) {
      also.clear();  // one payload at the size limit: it fits without the hint
    }
    std::vector<ByteView> views{ByteView(*first.payload)};
    std::size_t end = begin + 1;
    for (; end < entries.size(); ++end) {
      const OutgoingGossip& next = entries[end];
      if (next.channel != first.channel || *next.targets != *first.targets) break;
      const std::size_t grown = bytes + kGossipEntryOverheadBytes + next.payload->size();
      if (gossip_message_bytes(also.size(), grown) > limit) break;
      bytes = grown;
      views.emplace_back(*next.payload);
    }
    if (!connection->send_encoded(encode_gossip(first.channel, also, views))) return;
    ++stats_.gossip_frames_sent;
    stats_.gossip_payloads_sent += views.size();
    begin = end;
  }
}

// ---------------------------------------------------------------------------
// Requests and responses.

void Network::Impl::route_request(Connection& connection, Request request) {
  if (request.channel == Channel::kPeerExchange) {
    if (!request.payload.empty()) {
      return connection.close(Status::corruption("peer exchange request: payload must be empty"),
                              CloseKind::kMisbehaved);
    }
    connection.send(Response{request.id, Status::ok(), addresses_for(connection.peer_id())});
    return;
  }
  if (!handlers_.on_request) {
    connection.send(Response{
        request.id,
        Status::unavailable("no request handler on channel " + std::string(channel_name(request.channel))),
        {}});
    return;
  }
  handlers_.on_request(
      InboundRequest{connection.peer_id(), request.channel, request.id, std::move(request.payload)});
}

void Network::Impl::route_response(Connection& connection, Response response) {
  auto it = requests_.find(response.id);
  if (it == requests_.end() || it->second.connection != connection.id()) {
    // Late (after its timeout) or unknown: harmless, so not misbehaviour.
    spdlog::debug("p2p: ignoring response {} from {}: no such request pending", response.id,
                  short_id(connection.peer_id()));
    return;
  }
  connection.refund_answer_bytes(response.payload.size());
  if (response.error.is_ok()) return finish_request(response.id, std::move(response.payload));
  finish_request(response.id, Status(response.error.code(), "peer " + short_id(connection.peer_id()) + ": " +
                                                                response.error.message()));
}

void Network::Impl::start_request(const NodeId& to, Channel channel, Bytes payload, std::uint32_t timeout_ms,
                                  ResponseCallback on_response) {
  if (requests_.size() >= config_.max_pending_requests) {
    return on_response(Status::resource_exhausted(
        "max_pending_requests (" + std::to_string(config_.max_pending_requests) + ") reached"));
  }
  auto connection = active_connection(to);
  if (!connection) return on_response(Status::unavailable("peer " + short_id(to) + " is not connected"));
  const RequestId id = next_request_id_++;
  PendingRequest pending;
  pending.peer = to;
  pending.connection = connection->id();
  pending.on_response = std::move(on_response);
  pending.timer = std::make_unique<boost::asio::steady_timer>(io_);
  pending.timer->expires_after(std::chrono::milliseconds(timeout_ms));
  pending.timer->async_wait([this, id, timeout_ms](const error_code& ec) {
    if (ec) return;
    finish_request(id, Status::deadline_exceeded("request " + std::to_string(id) + ": no response within " +
                                                 std::to_string(timeout_ms) + " ms"));
  });
  requests_.emplace(id, std::move(pending));
  // Booked before sending: if the send drops the connection, on_closed fails it.
  connection->send(Request{channel, id, std::move(payload)});
}

void Network::Impl::finish_request(RequestId id, Result<Bytes> response) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  PendingRequest pending = std::move(it->second);
  requests_.erase(it);
  pending.timer->cancel();
  pending.on_response(std::move(response));
}

void Network::Impl::fail_requests_of(ConnectionId connection, const Status& reason) {
  std::vector<RequestId> ids;
  for (const auto& [id, pending] : requests_) {
    if (pending.connection == connection) ids.push_back(id);
  }
  for (RequestId id : ids) finish_request(id, reason);
}

}  // namespace replex::p2p
