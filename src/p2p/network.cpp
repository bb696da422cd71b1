#include "replex/p2p/network.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <set>

#include "network_impl.hpp"

#include <pthread.h>

namespace replex::p2p {

namespace asio = boost::asio;

std::string_view direction_name(Direction direction) {
  return direction == Direction::kInbound ? "inbound" : "outbound";
}

std::string short_id(const NodeId& id) { return id.hex().substr(0, 12); }

namespace {

// Validators, persistent peers and allowed_peers (validated), without `self`.
std::set<NodeId> priority_ids(const NetworkConfig& config, const std::vector<PeerAddress>& persistent,
                              const NodeId& self) {
  std::set<NodeId> ids(config.validator_ids.begin(), config.validator_ids.end());
  for (const PeerAddress& address : persistent) ids.insert(*address.id);
  for (const std::string& hex : config.allowed_peers) ids.insert(PublicKey::from_hex(hex).value());
  ids.erase(self);
  return ids;
}

}  // namespace

// ---------------------------------------------------------------------------
// Network: a thin handle over Impl.

Result<std::unique_ptr<Network>> Network::create(NetworkConfig config, Handlers handlers) {
  REPLEX_RETURN_IF_ERROR(config.validate());
  std::vector<PeerAddress> persistent;
  for (const std::string& text : config.persistent_peers) {
    PeerAddress address = PeerAddress::parse(text).value();  // validate() parsed it
    if (*address.id == config.node_key->public_key()) {
      spdlog::info("p2p: persistent peer {} is this node; skipped", text);
      continue;
    }
    persistent.push_back(std::move(address));
  }
  std::vector<PeerAddress> seeds;
  for (const std::string& text : config.seeds) seeds.push_back(PeerAddress::parse(text).value());
  auto impl =
      std::make_unique<Impl>(std::move(config), std::move(handlers), std::move(persistent), std::move(seeds));
  return std::unique_ptr<Network>(new Network(std::move(impl)));
}

Network::Network(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Network::~Network() { stop(); }

Status Network::start() { return impl_->start(); }
void Network::stop() { impl_->stop(); }
const NodeId& Network::node_id() const { return impl_->node_id(); }
std::uint16_t Network::listen_port() const { return impl_->listen_port(); }
std::size_t Network::max_payload_bytes() const { return impl_->max_payload_bytes(); }

Status Network::send(const NodeId& to, Channel channel, Bytes payload) {
  return impl_->send_to({to}, channel, std::move(payload), false);
}
Status Network::send_to(std::span<const NodeId> to, Channel channel, Bytes payload) {
  return impl_->send_to(std::vector<NodeId>(to.begin(), to.end()), channel, std::move(payload), false);
}
Status Network::broadcast(Channel channel, Bytes payload) {
  return impl_->send_to({}, channel, std::move(payload), true);
}
Status Network::gossip(Channel channel, Bytes payload) {
  std::vector<Bytes> payloads;
  payloads.push_back(std::move(payload));
  return impl_->gossip(channel, std::move(payloads));
}
Status Network::gossip(Channel channel, std::vector<Bytes> payloads) {
  return impl_->gossip(channel, std::move(payloads));
}
Status Network::request(const NodeId& to, Channel channel, Bytes payload, std::uint32_t timeout_ms,
                        ResponseCallback on_response) {
  return impl_->request(to, channel, std::move(payload), timeout_ms, std::move(on_response));
}
Status Network::respond(const NodeId& to, RequestId id, Result<Bytes> response) {
  return impl_->respond(to, id, std::move(response));
}
void Network::report_misbehaviour(const NodeId& peer, std::string reason) {
  impl_->report_misbehaviour(peer, std::move(reason));
}
bool Network::is_connected(const NodeId& peer) const { return impl_->is_connected(peer); }
std::vector<PeerInfo> Network::peers() const { return impl_->peers(); }
NetworkStats Network::stats() const { return impl_->stats(); }

// ---------------------------------------------------------------------------
// Impl: lifecycle.

Network::Impl::Impl(NetworkConfig config, Handlers handlers, std::vector<PeerAddress> persistent,
                    std::vector<PeerAddress> seeds)
    : config_(std::move(config)),
      handlers_(std::move(handlers)),
      self_id_(config_.node_key->public_key()),
      priority_ids_(priority_ids(config_, persistent, self_id_)),
      acceptor_(io_),
      accept_retry_timer_(io_),
      pex_timer_(io_),
      seed_timer_(io_),
      rng_(std::random_device{}()),
      peer_log_bucket_(config_.max_peer_log_lines_per_s, config_.max_peer_log_burst_lines, Clock::now()),
      address_book_(config_.max_known_addresses, config_.max_known_addresses_per_source),
      seen_(config_.max_seen_messages),
      gossip_flush_timer_(io_) {
  for (PeerAddress& address : persistent) {
    const NodeId id = *address.id;
    boost::system::error_code ec;
    if (const auto ip = asio::ip::make_address(address.host, ec); !ec) note_priority_ip(id, ip_text(ip));
    PersistentPeer peer;
    peer.address = std::move(address);
    peer.timer = std::make_unique<asio::steady_timer>(io_);
    persistent_.emplace(id, std::move(peer));
  }
  for (PeerAddress& address : seeds) seeds_.push_back(Seed{std::move(address), 0, false, {}});
}

Network::Impl::~Impl() { stop(); }

Status Network::Impl::start() {
  std::lock_guard lock(lifecycle_mu_);
  if (lifecycle_ != Lifecycle::kCreated)
    return Status::failed_precondition("start: the network was started before");
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(config_.listen_host, ec);
  REPLEX_ASSERT_MSG(!ec, "listen_host was validated");
  const tcp::endpoint endpoint(address, config_.listen_port);
  const std::string where = endpoint_text(endpoint);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.close(ec);
    return Status::io_error("listen on " + where + ": " + ec.message());
  }
  bound_port_ = acceptor_.local_endpoint(ec).port();
  lifecycle_ = Lifecycle::kRunning;
  work_.emplace(io_.get_executor());
  asio::post(io_, [this] { on_start(); });
  thread_ = std::thread([this] { run_loop(); });
  spdlog::info("p2p: node {} listening on {}:{} (chain '{}')", short_id(self_id_), config_.listen_host,
               bound_port_.load(), config_.chain_id);
  return Status::ok();
}

void Network::Impl::run_loop() {
  pthread_setname_np(pthread_self(), "replex-p2p");  // for top -H and perf
  // A handler that throws is a bug in it; the network keeps serving the other peers.
  for (;;) {
    try {
      io_.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("p2p: a handler threw and was abandoned: {}", e.what());
    } catch (...) {
      spdlog::error("p2p: a handler threw a non-exception and was abandoned");
    }
  }
}

void Network::Impl::stop() {
  {
    std::lock_guard lock(lifecycle_mu_);
    if (lifecycle_ != Lifecycle::kRunning) {
      lifecycle_ = Lifecycle::kStopped;
      return;
    }
    REPLEX_ASSERT_MSG(std::this_thread::get_id() != thread_.get_id(),
                      "Network::stop called from the network thread (a handler)");
    lifecycle_ = Lifecycle::kStopped;
    // Posted under the lock, so every post_if_running that succeeded runs before it.
    asio::post(io_, [this] { shutdown(); });
  }
  work_.reset();
  thread_.join();
  spdlog::info("p2p: node {} stopped", short_id(self_id_));
}

bool Network::Impl::post_if_running(std::function<void()> work) {
  std::lock_guard lock(lifecycle_mu_);
  if (lifecycle_ != Lifecycle::kRunning) return false;
  asio::post(io_, std::move(work));
  return true;
}

void Network::Impl::on_start() {
  accept_next();
  for (auto& [id, peer] : persistent_) dial_persistent(id);
  dial_seeds();
  schedule_pex();
}

void Network::Impl::shutdown() {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_timer_.cancel();
  pex_timer_.cancel();
  seed_timer_.cancel();
  gossip_flush_timer_.cancel();
  gossip_out_.clear();
  for (auto& [id, peer] : persistent_) peer.timer->cancel();
  for (auto& [dial_id, dial] : dials_) {
    dial->resolver.cancel();
    dial->timer.cancel();
    dial->socket.close(ignored);
  }
  std::vector<std::shared_ptr<Connection>> open;
  for (const auto& [id, connection] : connections_) open.push_back(connection);
  for (const auto& connection : open)
    connection->close(Status::unavailable("network stopping"), CloseKind::kNormal);
  REPLEX_ASSERT(connections_.empty() && active_.empty());
  // Every accepted request hears back exactly once, even now.
  auto pending = std::move(requests_);
  requests_.clear();
  for (auto& [id, request] : pending) {
    request.timer->cancel();
    request.on_response(Status::unavailable("network stopped"));
  }
  std::lock_guard lock(registry_mu_);
  registry_.clear();
}

// ---------------------------------------------------------------------------
// Impl: public API, any thread.

std::size_t Network::Impl::max_payload_bytes() const {
  return config_.max_frame_bytes - kFrameTagBytes - kMaxMessageHeaderBytes;
}

Status Network::Impl::payload_check(Channel channel, std::size_t payload_bytes) const {
  if (!is_application_channel(channel)) {
    return Status::invalid_argument("channel: " + std::string(channel_name(channel)) +
                                    " is reserved for p2p");
  }
  if (!channel_from_wire(static_cast<std::uint8_t>(channel))) {
    return Status::invalid_argument("channel: " + std::to_string(static_cast<unsigned>(channel)) +
                                    " is not a channel");
  }
  if (payload_bytes > max_payload_bytes()) {
    return Status::invalid_argument("payload: " + std::to_string(payload_bytes) + " bytes, at most " +
                                    std::to_string(max_payload_bytes()) + " under max_frame_bytes");
  }
  return Status::ok();
}

Status Network::Impl::send_to(std::vector<NodeId> to, Channel channel, Bytes payload, bool all_peers) {
  REPLEX_RETURN_IF_ERROR(payload_check(channel, payload.size()));
  bool any = false;
  {
    std::lock_guard lock(registry_mu_);
    if (all_peers) {
      any = !registry_.empty();
    } else {
      for (const NodeId& id : to) any = any || registry_.contains(id);
    }
  }
  if (!any) {
    return Status::unavailable(all_peers ? "no peer is connected"
                               : to.size() == 1
                                   ? "peer " + short_id(to.front()) + " is not connected"
                                   : "none of the " + std::to_string(to.size()) + " peers is connected");
  }
  const bool posted =
      post_if_running([this, to = std::move(to), channel, all_peers, payload = std::move(payload)]() mutable {
        if (stopping_) return;
        const Bytes encoded = encode_message(Direct{channel, std::move(payload)});
        if (all_peers) {
          std::vector<std::shared_ptr<Connection>> targets;
          for (const auto& [id, connection] : active_) targets.push_back(connection);
          for (const auto& connection : targets) connection->send_encoded(encoded);
          return;
        }
        for (const NodeId& id : to) {
          if (auto connection = active_connection(id)) connection->send_encoded(encoded);
        }
      });
  return posted ? Status::ok() : Status::unavailable("network is not running");
}

Status Network::Impl::gossip(Channel channel, std::vector<Bytes> payloads) {
  for (const Bytes& payload : payloads) REPLEX_RETURN_IF_ERROR(payload_check(channel, payload.size()));
  if (payloads.empty()) return Status::ok();
  const bool posted = post_if_running([this, channel, payloads = std::move(payloads)]() mutable {
    if (!stopping_) forward_gossip(channel, std::move(payloads));
  });
  return posted ? Status::ok() : Status::unavailable("network is not running");
}

Status Network::Impl::request(const NodeId& to, Channel channel, Bytes payload, std::uint32_t timeout_ms,
                              ResponseCallback on_response) {
  REPLEX_RETURN_IF_ERROR(payload_check(channel, payload.size()));
  if (timeout_ms == 0) return Status::invalid_argument("timeout_ms: must be at least 1");
  if (!on_response) return Status::invalid_argument("on_response: missing");
  if (!is_connected(to)) return Status::unavailable("peer " + short_id(to) + " is not connected");
  // When the post is refused the lambda, and the callback in it, is dropped
  // uncalled, which is the contract for an error return.
  const bool posted =
      post_if_running([this, to, channel, timeout_ms, payload = std::move(payload), on_response]() mutable {
        if (stopping_) return on_response(Status::unavailable("network stopped"));
        start_request(to, channel, std::move(payload), timeout_ms, std::move(on_response));
      });
  return posted ? Status::ok() : Status::unavailable("network is not running");
}

Status Network::Impl::respond(const NodeId& to, RequestId id, Result<Bytes> response) {
  if (response.is_ok() && response->size() > max_payload_bytes()) {
    return Status::invalid_argument("response: " + std::to_string(response->size()) + " bytes, at most " +
                                    std::to_string(max_payload_bytes()) + " under max_frame_bytes");
  }
  const bool posted = post_if_running([this, to, id, response = std::move(response)]() mutable {
    if (stopping_) return;
    auto connection = active_connection(to);
    if (!connection) return;
    Response r{id, response.status(), {}};
    if (response.is_ok()) r.payload = std::move(response).value();
    connection->send(r);
  });
  return posted ? Status::ok() : Status::unavailable("network is not running");
}

void Network::Impl::report_misbehaviour(const NodeId& peer, std::string reason) {
  post_if_running([this, peer, reason = std::move(reason)] {
    if (stopping_) return;
    const Status status = Status::permission_denied("reported by the node: " + reason);
    if (auto connection = active_connection(peer)) {
      connection->close(status, CloseKind::kMisbehaved);  // bans via on_closed
    } else {
      ban(peer, status);
    }
  });
}

bool Network::Impl::is_connected(const NodeId& peer) const {
  std::lock_guard lock(registry_mu_);
  return registry_.contains(peer);
}

std::vector<PeerInfo> Network::Impl::peers() const {
  std::lock_guard lock(registry_mu_);
  std::vector<PeerInfo> out;
  out.reserve(registry_.size());
  for (const auto& [id, entry] : registry_) {
    PeerInfo info = entry.info;
    info.bytes_in = entry.counters->bytes_in.load(std::memory_order_relaxed);
    info.bytes_out = entry.counters->bytes_out.load(std::memory_order_relaxed);
    info.messages_in = entry.counters->messages_in.load(std::memory_order_relaxed);
    info.reads_in = entry.counters->reads_in.load(std::memory_order_relaxed);
    info.messages_out = entry.counters->messages_out.load(std::memory_order_relaxed);
    out.push_back(std::move(info));
  }
  return out;
}

NetworkStats Network::Impl::stats() const {
  NetworkStats s;
  s.handshakes_completed = stats_.handshakes_completed.load();
  s.connections_refused = stats_.connections_refused.load();
  s.peers_banned = stats_.peers_banned.load();
  s.peer_log_lines_suppressed = stats_.peer_log_lines_suppressed.load();
  s.peers_dropped_slow = stats_.peers_dropped_slow.load();
  s.peers_dropped_silent = stats_.peers_dropped_silent.load();
  s.gossip_delivered = stats_.gossip_delivered.load();
  s.gossip_duplicates_dropped = stats_.gossip_duplicates_dropped.load();
  s.gossip_payloads_sent = stats_.gossip_payloads_sent.load();
  s.gossip_frames_sent = stats_.gossip_frames_sent.load();
  return s;
}

}  // namespace replex::p2p
