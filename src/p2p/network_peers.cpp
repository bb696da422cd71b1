// Network::Impl: accepting and dialling, handshake decisions, bans, peer exchange.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "backoff.hpp"
#include "network_impl.hpp"

namespace replex::p2p {

namespace asio = boost::asio;
using boost::system::error_code;
using std::chrono::milliseconds;

namespace {
// New addresses dialled per peer exchange round or answer, so that joining a
// large network does not open a burst of sockets at once.
constexpr std::size_t kMaxPexDialsPerRound = 4;
// Peers asked for addresses per peer exchange round.
constexpr std::size_t kPexPeersPerRound = 2;
}  // namespace

// ---------------------------------------------------------------------------
// Accepting and dialling.

void Network::Impl::accept_next() {
  acceptor_.async_accept([this](const error_code& ec, tcp::socket socket) {
    if (stopping_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      // E.g. out of file descriptors: pause instead of spinning.
      spdlog::warn("p2p: accept failed: {}; retrying in 100 ms", ec.message());
      accept_retry_timer_.expires_after(milliseconds(100));
      accept_retry_timer_.async_wait([this](const error_code& wait_ec) {
        if (!wait_ec && !stopping_) accept_next();
      });
      return;
    }
    accept_inbound(std::move(socket));
    accept_next();
  });
}

std::shared_ptr<Connection> Network::Impl::add_connection(tcp::socket socket, Direction direction,
                                                          DialOrigin origin) {
  const ConnectionId id = next_connection_id_++;
  // A private validator announces no listen port, so no PEX answer lists it.
  const std::uint16_t announced_port = config_.private_validator ? 0 : bound_port_.load();
  auto connection = std::make_shared<Connection>(*this, config_, id, std::move(socket), direction,
                                                 std::move(origin), announced_port);
  connections_.emplace(id, connection);
  return connection;
}

void Network::Impl::dial(DialOrigin origin, const PeerAddress& address) {
  REPLEX_ASSERT(!stopping_);
  ++outbound_in_progress_;
  if (origin.expected_id) outbound_targets_.insert(*origin.expected_id);
  const std::uint64_t dial_id = next_dial_id_++;
  auto& dial = *dials_.emplace(dial_id, std::make_unique<PendingDial>(io_)).first->second;
  dial.origin = std::move(origin);
  dial.address = address.endpoint();
  spdlog::debug("p2p: dialling {}", address.to_string());
  dial.timer.expires_after(milliseconds(config_.connect_timeout_ms));
  dial.timer.async_wait([this, dial_id](const error_code& ec) {
    if (ec) return;
    if (auto it = dials_.find(dial_id); it != dials_.end()) {
      error_code ignored;
      it->second->resolver.cancel();
      it->second->socket.close(ignored);  // completes the connect with operation_aborted
    }
  });
  dial.resolver.async_resolve(
      address.host, std::to_string(address.port),
      [this, dial_id](const error_code& ec, const tcp::resolver::results_type& results) {
        auto it = dials_.find(dial_id);
        if (it == dials_.end()) return;
        if (ec || stopping_) return on_dial_done(dial_id, ec ? ec : asio::error::operation_aborted);
        asio::async_connect(it->second->socket, results,
                            [this, dial_id](const error_code& connect_ec, const tcp::endpoint&) {
                              on_dial_done(dial_id, connect_ec);
                            });
      });
}

void Network::Impl::on_dial_done(std::uint64_t dial_id, const error_code& ec) {
  auto it = dials_.find(dial_id);
  if (it == dials_.end()) return;
  std::unique_ptr<PendingDial> dial = std::move(it->second);
  dials_.erase(it);
  dial->timer.cancel();
  if (stopping_) return;
  if (ec) {
    const std::string why =
        ec == asio::error::operation_aborted
            ? "no connection within connect_timeout_ms (" + std::to_string(config_.connect_timeout_ms) + ")"
            : ec.message();
    return dial_failed(dial->origin, dial->address, Status::io_error("dial " + dial->address + ": " + why));
  }
  if (dial->origin.source == DialSource::kPersistent) {
    // The configured host answered there: its sockets get the priority handshake pool.
    error_code remote_ec;
    const tcp::endpoint remote = dial->socket.remote_endpoint(remote_ec);
    if (!remote_ec) note_priority_ip(*dial->origin.expected_id, ip_text(remote.address()));
  }
  add_connection(std::move(dial->socket), Direction::kOutbound, dial->origin)->start();
}

void Network::Impl::dial_failed(const DialOrigin& origin, const std::string& address, const Status& reason) {
  spdlog::info("p2p: {}", reason.message());
  if (handlers_.on_connection_refused) handlers_.on_connection_refused(address, reason);
  outbound_attempt_ended(origin, false);
}

// Books the end of a dial or outbound handshake: it became a peer or it did not.
void Network::Impl::outbound_attempt_ended(const DialOrigin& origin, bool became_peer) {
  REPLEX_ASSERT(outbound_in_progress_ > 0);
  --outbound_in_progress_;
  if (origin.expected_id) {
    const auto it = outbound_targets_.find(*origin.expected_id);
    REPLEX_ASSERT(it != outbound_targets_.end());
    outbound_targets_.erase(it);  // one entry: another dial of the same id may still be running
  }
  if (stopping_) return;
  switch (origin.source) {
    case DialSource::kPersistent: {
      PersistentPeer& peer = persistent_.at(*origin.expected_id);
      peer.dialing = false;
      if (!became_peer) {
        ++peer.failures;
        schedule_persistent_dial(peer, backoff(peer.failures));
      }
      break;
    }
    case DialSource::kSeed: {
      Seed& seed = seeds_.at(origin.seed_index);
      seed.dialing = false;
      if (became_peer) {
        seed.failures = 0;
      } else {
        ++seed.failures;
        seed.retry_at = Clock::now() + backoff(seed.failures);
        if (active_.empty()) dial_seeds();  // schedules the redial
      }
      break;
    }
    case DialSource::kPex:
      if (became_peer) {
        address_book_.record_success(*origin.expected_id);
      } else {
        address_book_.record_failure(*origin.expected_id,
                                     Clock::now() + backoff(address_book_.failures(*origin.expected_id) + 1));
      }
      break;
    case DialSource::kNone: REPLEX_ASSERT_MSG(false, "an outbound connection without a dial origin");
  }
}

std::chrono::milliseconds Network::Impl::backoff(std::uint32_t failures) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  double u = unit(rng_);
  if (u >= 1.0) u = 0.0;  // libstdc++ may round up to the bound
  return backoff_delay(failures > 0 ? failures - 1 : 0, config_.reconnect_backoff_min_ms,
                       config_.reconnect_backoff_max_ms, u);
}

void Network::Impl::schedule_persistent_dial(PersistentPeer& peer, milliseconds delay) {
  const NodeId id = *peer.address.id;
  delay = std::max(delay, ban_remaining(id));
  spdlog::debug("p2p: redial {} in {} ms", peer.address.to_string(), delay.count());
  peer.timer->expires_after(delay);
  peer.timer->async_wait([this, id](const error_code& ec) {
    if (!ec && !stopping_) dial_persistent(id);
  });
}

void Network::Impl::dial_persistent(const NodeId& id) {
  PersistentPeer& peer = persistent_.at(id);
  if (stopping_ || peer.dialing || active_.contains(id)) return;
  if (is_banned(id)) return schedule_persistent_dial(peer, ban_remaining(id));
  peer.dialing = true;
  dial(DialOrigin{DialSource::kPersistent, id, 0}, peer.address);
}

void Network::Impl::dial_seeds() {
  const Clock::time_point now = Clock::now();
  std::optional<Clock::time_point> next_retry;
  for (std::size_t i = 0; i < seeds_.size(); ++i) {
    Seed& seed = seeds_[i];
    if (seed.dialing) continue;
    if (now < seed.retry_at) {
      next_retry = std::min(next_retry.value_or(seed.retry_at), seed.retry_at);
      continue;
    }
    if (const auto& id = seed.address.id) {
      if (*id == self_id_ || active_.contains(*id) || outbound_targets_.contains(*id) || is_banned(*id))
        continue;
    }
    if (config_.private_validator && !(seed.address.id && is_priority(*seed.address.id))) continue;
    seed.dialing = true;
    dial(DialOrigin{DialSource::kSeed, seed.address.id, i}, seed.address);
  }
  // With no peer at all the seeds are the only way in: retry as soon as one
  // may be dialed again rather than at the next peer-exchange round.
  if (next_retry && active_.empty()) schedule_seed_redial(*next_retry);
}

void Network::Impl::schedule_seed_redial(Clock::time_point when) {
  seed_timer_.expires_at(when);
  seed_timer_.async_wait([this](const error_code& ec) {
    if (!ec && !stopping_ && active_.empty()) dial_seeds();
  });
}

// ---------------------------------------------------------------------------
// Handshake decisions.

Status Network::Impl::on_hello(Connection& connection, const Hello& hello) {
  if (hello.identity == self_id_) {
    return Status::permission_denied("connected to itself (node id " + short_id(self_id_) + ")");
  }
  if (const auto& expected = connection.origin().expected_id; expected && hello.identity != *expected) {
    return Status::permission_denied("wrong identity: expected " + expected->hex() + ", the peer is " +
                                     hello.identity.hex());
  }
  if (is_banned(hello.identity)) {
    return Status::permission_denied("peer " + short_id(hello.identity) + " is banned for " +
                                     std::to_string(ban_remaining(hello.identity).count()) + " more ms");
  }
  if (config_.private_validator && !is_priority(hello.identity)) {
    return Status::permission_denied("private_validator: " + short_id(hello.identity) +
                                     " is not a validator, persistent peer or allowed peer");
  }
  return Status::ok();
}

Status Network::Impl::on_authenticated(Connection& connection) {
  const NodeId& id = connection.peer_id();
  if (is_banned(id)) return Status::permission_denied("peer " + short_id(id) + " is banned");
  if (auto it = active_.find(id); it != active_.end()) {
    // Keep one connection per peer, the same one on both sides: if one node
    // initiated both, the newer (it only redials when it believes the old one
    // dead); otherwise the one initiated by the smaller node id.
    const auto initiator = [&](const Connection& c) -> const NodeId& {
      return c.direction() == Direction::kOutbound ? self_id_ : id;
    };
    const NodeId& existing = initiator(*it->second);
    const NodeId& fresh = initiator(connection);
    if (existing != fresh && existing < fresh) {
      return Status::already_exists("duplicate connection to " + short_id(id) +
                                    ": keeping the one initiated by the smaller node id " +
                                    short_id(existing));
    }
    return Status::ok();  // replaces the existing one in on_active
  }
  return admit_peer(connection);
}

void Network::Impl::on_active(Connection& connection) {
  ++stats_.handshakes_completed;
  if (connection.direction() == Direction::kOutbound) {
    outbound_attempt_ended(connection.origin(), true);
  } else {
    release_pending(connection.id());
  }
  const NodeId id = connection.peer_id();
  note_priority_ip(id, connection.remote_ip());
  std::shared_ptr<Connection> self = connections_.at(connection.id());
  std::shared_ptr<Connection> replaced;
  if (auto it = active_.find(id); it != active_.end()) replaced = it->second;
  active_[id] = self;
  registry_add(connection);
  if (replaced) {
    spdlog::info("p2p: {} connection to {} replaces the previous one", direction_name(connection.direction()),
                 short_id(id));
    replaced->close(Status::already_exists("replaced by another connection to the same peer"),
                    CloseKind::kNormal);
    return;  // the peer never stopped being connected
  }
  spdlog::info("p2p: connected to {} ({} {}, listens on '{}')", short_id(id),
               direction_name(connection.direction()), connection.remote_address(),
               connection.peer_listen_address());
  if (handlers_.on_peer_connected) {
    PeerInfo info;
    {
      std::lock_guard lock(registry_mu_);
      info = registry_.at(id).info;
    }
    handlers_.on_peer_connected(info);
  }
  if (pex_active() && outsider_peers() < config_.max_peers) request_addresses(self);
}

void Network::Impl::on_closed(Connection& connection, const Status& reason, CloseKind kind, bool was_active) {
  // Connection::close holds a reference, so erasing ours cannot destroy it here.
  const std::size_t erased = connections_.erase(connection.id());
  REPLEX_ASSERT(erased == 1);
  gossip_out_.erase(connection.id());
  if (!was_active) {
    if (connection.direction() == Direction::kInbound) {
      release_pending(connection.id());
    } else {
      outbound_attempt_ended(connection.origin(), false);
    }
    if (stopping_) return;
    ++stats_.connections_refused;
    peer_log(spdlog::level::info, "p2p: {} handshake with {} failed: {}", direction_name(connection.direction()),
             connection.remote_address(), reason.to_string());
    if (handlers_.on_connection_refused) handlers_.on_connection_refused(connection.remote_address(), reason);
    return;
  }
  const NodeId id = connection.peer_id();
  fail_requests_of(connection.id(),
                   Status::unavailable("peer " + short_id(id) + " disconnected: " + reason.message()));
  auto it = active_.find(id);
  if (it == active_.end() || it->second.get() != &connection) return;  // a replaced duplicate
  active_.erase(it);
  registry_remove(id);
  if (stopping_) return;
  if (kind == CloseKind::kNormal) {
    spdlog::info("p2p: disconnected from {}: {}", short_id(id), reason.to_string());
  } else {
    peer_log(spdlog::level::warn, "p2p: dropped peer {} ({}): {}", short_id(id), connection.remote_address(),
                 reason.to_string());
  }
  if (active_.empty()) dial_seeds();  // the last peer is gone: back to the seeds
  switch (kind) {
    case CloseKind::kMisbehaved: ban(id, reason); break;
    case CloseKind::kSlow: ++stats_.peers_dropped_slow; break;
    case CloseKind::kSilent: ++stats_.peers_dropped_silent; break;
    case CloseKind::kNormal: break;
  }
  if (handlers_.on_peer_disconnected) handlers_.on_peer_disconnected(id, reason);
  if (auto p = persistent_.find(id); p != persistent_.end()) {
    // A connection that dies young counts as a failure, so a peer that keeps
    // accepting and dropping us is redialled ever more slowly.
    const bool lived_long = Clock::now() - connection.active_since() >= milliseconds(config_.pong_timeout_ms);
    p->second.failures = lived_long ? 0 : p->second.failures + 1;
    if (!p->second.dialing) schedule_persistent_dial(p->second, backoff(p->second.failures));
  }
}

// ---------------------------------------------------------------------------
// Bans.

bool Network::Impl::is_banned(const NodeId& id) {
  auto it = bans_.find(id);
  if (it == bans_.end()) return false;
  if (it->second > Clock::now()) return true;
  bans_.erase(it);
  return false;
}

milliseconds Network::Impl::ban_remaining(const NodeId& id) {
  if (!is_banned(id)) return milliseconds(0);
  return std::chrono::ceil<milliseconds>(bans_.at(id) - Clock::now());
}

void Network::Impl::ban(const NodeId& id, const Status& reason) {
  ++stats_.peers_banned;
  peer_log(spdlog::level::warn, "p2p: banning {} for {} ms (ban_duration_ms): {}", short_id(id), config_.ban_duration_ms,
               reason.message());
  if (config_.ban_duration_ms == 0) return;
  bans_[id] = Clock::now() + milliseconds(config_.ban_duration_ms);
}

// ---------------------------------------------------------------------------
// Peer exchange.

void Network::Impl::schedule_pex() {
  pex_timer_.expires_after(milliseconds(config_.pex_interval_ms));
  pex_timer_.async_wait([this](const error_code& ec) {
    if (ec || stopping_) return;
    pex_round();
    schedule_pex();
  });
}

void Network::Impl::pex_round() {
  for (auto it = bans_.begin(); it != bans_.end();) {
    it = it->second <= Clock::now() ? bans_.erase(it) : std::next(it);
  }
  if (active_.empty()) dial_seeds();
  if (!pex_active()) return;
  std::vector<std::shared_ptr<Connection>> peers;
  for (const auto& [id, connection] : active_) peers.push_back(connection);
  std::shuffle(peers.begin(), peers.end(), rng_);
  if (peers.size() > kPexPeersPerRound) peers.resize(kPexPeersPerRound);
  for (const auto& connection : peers) request_addresses(connection);
  dial_known_addresses();
}

void Network::Impl::dial_known_addresses() {
  if (!pex_active() || stopping_) return;
  const std::size_t busy = outsider_peers() + outbound_in_progress_;
  if (busy >= config_.max_peers) return;
  const std::size_t room = std::min<std::size_t>(config_.max_peers - busy, kMaxPexDialsPerRound);
  const auto usable = [this](const NodeId& id) {
    return id != self_id_ && !active_.contains(id) && !outbound_targets_.contains(id) && !is_banned(id);
  };
  for (const PexAddress& a : address_book_.pick(room, Clock::now(), usable, rng_)) {
    dial(DialOrigin{DialSource::kPex, a.id, 0}, PeerAddress{a.id, a.ip, a.port});
  }
}

void Network::Impl::request_addresses(const std::shared_ptr<Connection>& connection) {
  if (requests_.size() >= config_.max_pending_requests) return;
  const NodeId id = connection->peer_id();
  start_request(id, Channel::kPeerExchange, {}, config_.pong_timeout_ms,
                [this, id](Result<Bytes> response) { on_addresses(id, std::move(response)); });
}

void Network::Impl::on_addresses(const NodeId& from, Result<Bytes> response) {
  if (stopping_) return;
  if (!response) {
    spdlog::debug("p2p: no addresses from {}: {}", short_id(from), response.status().to_string());
    return;
  }
  auto addresses = decode_pex_addresses(*response, config_.max_pex_addresses);
  if (!addresses) {
    if (auto connection = active_connection(from)) {
      connection->close(addresses.status().with_context("peer exchange answer: "), CloseKind::kMisbehaved);
    }
    return;
  }
  for (const PexAddress& a : *addresses) {
    if (a.id != self_id_) address_book_.add(a, from);
  }
  dial_known_addresses();
}

Bytes Network::Impl::addresses_for(const NodeId& requester) {
  std::vector<PexAddress> known;
  if (config_.private_validator) return encode_pex_addresses(known);  // it tells nobody who its peers are
  for (const auto& [id, connection] : active_) {
    if (id == requester || connection->peer_listen_port() == 0 || connection->remote_ip().empty()) continue;
    known.push_back(PexAddress{id, connection->remote_ip(), connection->peer_listen_port()});
  }
  std::shuffle(known.begin(), known.end(), rng_);
  if (known.size() > config_.max_pex_addresses) known.resize(config_.max_pex_addresses);
  return encode_pex_addresses(known);
}

// ---------------------------------------------------------------------------
// The registry other threads read.

void Network::Impl::registry_add(const Connection& connection) {
  RegistryEntry entry;
  entry.info.id = connection.peer_id();
  entry.info.address = connection.remote_address();
  entry.info.listen_address = connection.peer_listen_address();
  entry.info.direction = connection.direction();
  entry.info.persistent = persistent_.contains(connection.peer_id());
  entry.info.priority = is_priority(connection.peer_id());
  entry.info.connected_since_unix_ms = connection.active_since_unix_ms();
  entry.counters = connection.counters();
  std::lock_guard lock(registry_mu_);
  registry_[connection.peer_id()] = std::move(entry);
}

void Network::Impl::registry_remove(const NodeId& id) {
  std::lock_guard lock(registry_mu_);
  registry_.erase(id);
}

}  // namespace replex::p2p
