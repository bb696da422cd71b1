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
  const Hash256 digest = digester_.digest(gossip.channel, gossip.payload);
  if (!seen_.observe(digest, connection.id())) {
    ++stats_.gossip_duplicates_dropped;
    return;
  }
  ++stats_.gossip_delivered;
  if (handlers_.on_message) {
    handlers_.on_message(
        InboundMessage{connection.peer_id(), gossip.channel, true, std::move(gossip.payload)});
  }
}

void Network::Impl::forward_gossip(Channel channel, Bytes payload) {
  const Hash256 digest = digester_.digest(channel, payload);
  const auto holders = seen_.start_forwarding(digest);
  if (!holders) return;  // forwarded before: no echo
  const Bytes encoded = encode_message(Gossip{channel, std::move(payload)});
  std::vector<std::shared_ptr<Connection>> targets;
  for (const auto& [id, connection] : active_) {
    if (std::find(holders->begin(), holders->end(), connection->id()) == holders->end()) {
      targets.push_back(connection);
    }
  }
  for (const auto& connection : targets) connection->send_encoded(encoded);
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
