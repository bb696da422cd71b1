// Network::Impl: who gets a handshake slot and who gets a peer slot.
//
// Until a handshake completes, a socket is a stranger, and strangers may not
// keep validators and configured peers out. Accepted sockets wait in one of
// two pools of max_pending_handshakes: the priority pool, for sockets from an
// address a priority identity was seen at (configured, dialled or connected
// from; TCP cannot be answered from an address one does not hold), and the
// outsiders' pool, where one IP holds at most max_pending_handshakes_per_ip.
// Either way a socket has inbound_handshake_timeout_ms to prove an identity.
// After that, priority identities always get a peer slot; others share
// max_peers, at most max_inbound_peers_per_ip inbound from one IP.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "network_impl.hpp"

namespace replex::p2p {

namespace asio = boost::asio;
using boost::system::error_code;
using std::chrono::milliseconds;

namespace {
// Addresses remembered per priority identity (a configured one, the one a
// dial reached, the ones it connected from); older ones are forgotten.
constexpr std::size_t kMaxPriorityIpsPerPeer = 4;
}  // namespace

void Network::Impl::accept_inbound(tcp::socket socket) {
  error_code remote_ec;
  const tcp::endpoint remote = socket.remote_endpoint(remote_ec);
  const std::string from = remote_ec ? "unknown" : endpoint_text(remote);
  const std::string ip = remote_ec ? std::string() : ip_text(remote.address());
  bool priority_pool = false;
  if (Status admitted = admit_inbound(ip, priority_pool); !admitted) {
    peer_log(spdlog::level::warn, "p2p: refused inbound connection from {}: {}", from, admitted.message());
    ++stats_.connections_refused;
    error_code ignored;
    socket.close(ignored);
    if (handlers_.on_connection_refused) handlers_.on_connection_refused(from, admitted);
    return;
  }
  std::shared_ptr<Connection> connection = add_connection(std::move(socket), Direction::kInbound, DialOrigin{});
  const ConnectionId id = connection->id();
  PendingInbound& pending = pending_inbound_[id];
  pending.ip = ip;
  pending.priority_pool = priority_pool;
  ++(priority_pool ? pending_priority_ : pending_outsiders_);
  ++pending_per_ip_[ip];
  // Shorter than the connection's own handshake_timeout_ms: a stranger's
  // stalled socket holds a slot for this long at most.
  const std::uint32_t timeout_ms = std::min(config_.inbound_handshake_timeout_ms, config_.handshake_timeout_ms);
  pending.deadline = std::make_unique<asio::steady_timer>(io_, milliseconds(timeout_ms));
  pending.deadline->async_wait([this, id, timeout_ms](const error_code& ec) {
    if (ec || stopping_ || !pending_inbound_.contains(id)) return;
    connections_.at(id)->close(Status::deadline_exceeded("handshake: not completed within "
                                                         "inbound_handshake_timeout_ms (" +
                                                         std::to_string(timeout_ms) + ")"),
                               CloseKind::kNormal);
  });
  connection->start();
}

Status Network::Impl::admit_inbound(const std::string& ip, bool& priority_pool) const {
  if (is_priority_ip(ip) && pending_priority_ < config_.max_pending_handshakes) {
    priority_pool = true;
    return Status::ok();
  }
  priority_pool = false;
  if (auto it = pending_per_ip_.find(ip);
      it != pending_per_ip_.end() && it->second >= config_.max_pending_handshakes_per_ip) {
    return Status::resource_exhausted("max_pending_handshakes_per_ip (" +
                                      std::to_string(config_.max_pending_handshakes_per_ip) + ") reached for " +
                                      ip);
  }
  if (pending_outsiders_ >= config_.max_pending_handshakes) {
    return Status::resource_exhausted("max_pending_handshakes (" + std::to_string(config_.max_pending_handshakes) +
                                      ") reached");
  }
  return Status::ok();
}

void Network::Impl::release_pending(ConnectionId id) {
  auto it = pending_inbound_.find(id);
  REPLEX_ASSERT(it != pending_inbound_.end());
  std::uint32_t& pool = it->second.priority_pool ? pending_priority_ : pending_outsiders_;
  REPLEX_ASSERT(pool > 0);
  --pool;
  auto per_ip = pending_per_ip_.find(it->second.ip);
  REPLEX_ASSERT(per_ip != pending_per_ip_.end() && per_ip->second > 0);
  if (--per_ip->second == 0) pending_per_ip_.erase(per_ip);
  it->second.deadline->cancel();
  pending_inbound_.erase(it);
}

// The peer slot rules, once the identity is proven and it is not a duplicate.
Status Network::Impl::admit_peer(const Connection& connection) const {
  const NodeId& id = connection.peer_id();
  if (is_priority(id)) return Status::ok();  // a slot of its own
  if (config_.private_validator) {
    return Status::permission_denied("private_validator: " + short_id(id) +
                                     " is not a validator, persistent peer or allowed peer");
  }
  if (connection.direction() == Direction::kInbound) {
    const std::size_t from_ip = static_cast<std::size_t>(
        std::count_if(active_.begin(), active_.end(), [&](const auto& entry) {
          const Connection& c = *entry.second;
          return c.direction() == Direction::kInbound && c.remote_ip() == connection.remote_ip() &&
                 !is_priority(entry.first);
        }));
    if (from_ip >= config_.max_inbound_peers_per_ip) {
      return Status::resource_exhausted("max_inbound_peers_per_ip (" +
                                        std::to_string(config_.max_inbound_peers_per_ip) + ") reached for " +
                                        connection.remote_ip());
    }
  }
  if (outsider_peers() >= config_.max_peers) {
    return Status::resource_exhausted("max_peers (" + std::to_string(config_.max_peers) + ") reached");
  }
  return Status::ok();
}

std::size_t Network::Impl::outsider_peers() const {
  return static_cast<std::size_t>(
      std::count_if(active_.begin(), active_.end(), [this](const auto& entry) { return !is_priority(entry.first); }));
}

bool Network::Impl::is_priority_ip(const std::string& ip) const {
  if (ip.empty()) return false;
  return std::any_of(priority_ips_.begin(), priority_ips_.end(), [&](const auto& entry) {
    return std::find(entry.second.begin(), entry.second.end(), ip) != entry.second.end();
  });
}

void Network::Impl::note_priority_ip(const NodeId& id, const std::string& ip) {
  if (ip.empty() || !is_priority(id)) return;
  std::deque<std::string>& ips = priority_ips_[id];
  if (auto it = std::find(ips.begin(), ips.end(), ip); it != ips.end()) ips.erase(it);
  ips.push_back(ip);
  if (ips.size() > kMaxPriorityIpsPerPeer) ips.pop_front();
}

}  // namespace replex::p2p
