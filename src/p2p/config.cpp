#include "replex/p2p/config.hpp"

#include <set>

#include "replex/core/host_port.hpp"

namespace replex::p2p {
namespace {

Status bad(std::string_view field, std::string_view what) {
  return Status::invalid_argument(std::string(field) + ": " + std::string(what));
}

Status at_least(std::string_view field, std::uint64_t value, std::uint64_t min) {
  if (value >= min) return Status::ok();
  return bad(field, std::to_string(value) + " is below the minimum " + std::to_string(min));
}

}  // namespace

Result<PeerAddress> PeerAddress::parse(std::string_view text) {
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted.append(1, '\'').append(text).append(1, '\'');
  PeerAddress out;
  std::string_view rest = text;
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    auto id = PublicKey::from_hex(rest.substr(0, at));
    if (!id) return Status::invalid_argument(quoted + ": node id: " + id.status().message());
    out.id = *id;
    rest.remove_prefix(at + 1);
  }
  auto endpoint = parse_host_port(rest, HostPortRules{});
  if (!endpoint) return endpoint.status();
  out.host = std::move(endpoint->host);
  out.port = endpoint->port;
  return out;
}

std::string PeerAddress::endpoint() const { return HostPort{host, port}.to_string(); }

std::string PeerAddress::to_string() const { return id ? id->hex() + "@" + endpoint() : endpoint(); }

Status NetworkConfig::validate() const {
  if (!is_ip_literal(listen_host)) {
    return bad("listen_host", "'" + listen_host + "' is not an IPv4 or IPv6 address");
  }
  if (!node_key) return bad("node_key", "missing");
  if (chain_id.empty()) return bad("chain_id", "empty");
  if (chain_id.size() > kMaxChainIdBytes) {
    return bad("chain_id",
               std::to_string(chain_id.size()) + " bytes, at most " + std::to_string(kMaxChainIdBytes));
  }
  std::set<NodeId> persistent_ids;
  for (std::size_t i = 0; i < persistent_peers.size(); ++i) {
    const std::string field = "persistent_peers[" + std::to_string(i) + "]";
    auto address = PeerAddress::parse(persistent_peers[i]);
    if (!address) return address.status().with_context(field + ": ");
    if (!address->id) return bad(field, "'" + persistent_peers[i] + "' lacks the <node_id_hex>@ prefix");
    if (!persistent_ids.insert(*address->id).second) return bad(field, "duplicate node id");
  }
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    auto address = PeerAddress::parse(seeds[i]);
    if (!address) return address.status().with_context("seeds[" + std::to_string(i) + "]: ");
  }
  std::set<NodeId> allowed_ids;
  for (std::size_t i = 0; i < allowed_peers.size(); ++i) {
    const std::string field = "allowed_peers[" + std::to_string(i) + "]";
    auto id = PublicKey::from_hex(allowed_peers[i]);
    if (!id) return bad(field, "'" + allowed_peers[i] + "' is not a node id: " + id.status().message());
    if (!allowed_ids.insert(*id).second) return bad(field, "duplicate node id");
  }
  if (private_validator && persistent_peers.empty()) {
    return bad("private_validator", "needs persistent_peers (the sentries or validators it dials)");
  }
  REPLEX_RETURN_IF_ERROR(at_least("max_peers", max_peers, 1));
  REPLEX_RETURN_IF_ERROR(at_least("max_inbound_peers_per_ip", max_inbound_peers_per_ip, 1));
  REPLEX_RETURN_IF_ERROR(at_least("max_pending_handshakes", max_pending_handshakes, 1));
  REPLEX_RETURN_IF_ERROR(at_least("max_pending_handshakes_per_ip", max_pending_handshakes_per_ip, 1));
  if (max_pending_handshakes_per_ip > max_pending_handshakes) {
    return bad("max_pending_handshakes_per_ip", std::to_string(max_pending_handshakes_per_ip) +
                                                    " exceeds max_pending_handshakes (" +
                                                    std::to_string(max_pending_handshakes) + ")");
  }
  REPLEX_RETURN_IF_ERROR(at_least("max_frame_bytes", max_frame_bytes, kMinFrameBytes));
  if (max_frame_bytes > kMaxFrameBytesLimit) {
    return bad("max_frame_bytes", std::to_string(max_frame_bytes) + " is above the maximum " +
                                      std::to_string(kMaxFrameBytesLimit));
  }
  REPLEX_RETURN_IF_ERROR(at_least("connect_timeout_ms", connect_timeout_ms, 1));
  REPLEX_RETURN_IF_ERROR(at_least("handshake_timeout_ms", handshake_timeout_ms, 1));
  REPLEX_RETURN_IF_ERROR(at_least("inbound_handshake_timeout_ms", inbound_handshake_timeout_ms, 1));
  REPLEX_RETURN_IF_ERROR(at_least("ping_interval_ms", ping_interval_ms, 1));
  if (pong_timeout_ms <= ping_interval_ms) {
    return bad("pong_timeout_ms", std::to_string(pong_timeout_ms) + " must exceed ping_interval_ms (" +
                                      std::to_string(ping_interval_ms) + ")");
  }
  REPLEX_RETURN_IF_ERROR(at_least("reconnect_backoff_min_ms", reconnect_backoff_min_ms, 1));
  if (reconnect_backoff_max_ms < reconnect_backoff_min_ms) {
    return bad("reconnect_backoff_max_ms", std::to_string(reconnect_backoff_max_ms) +
                                               " is below reconnect_backoff_min_ms (" +
                                               std::to_string(reconnect_backoff_min_ms) + ")");
  }
  const std::uint64_t largest_frame = std::uint64_t{max_frame_bytes} + 4;
  REPLEX_RETURN_IF_ERROR(at_least("recv_rate_bytes_per_s", recv_rate_bytes_per_s, 1));
  if (recv_burst_bytes < largest_frame) {
    return bad("recv_burst_bytes", std::to_string(recv_burst_bytes) +
                                       " cannot admit one max_frame_bytes frame (" +
                                       std::to_string(largest_frame) + " bytes on the wire)");
  }
  REPLEX_RETURN_IF_ERROR(at_least("recv_rate_messages_per_s", recv_rate_messages_per_s, 1));
  REPLEX_RETURN_IF_ERROR(at_least("recv_burst_messages", recv_burst_messages, 1));
  if (max_send_queue_bytes < largest_frame) {
    return bad("max_send_queue_bytes", std::to_string(max_send_queue_bytes) +
                                           " cannot hold one max_frame_bytes frame (" +
                                           std::to_string(largest_frame) + " bytes on the wire)");
  }
  REPLEX_RETURN_IF_ERROR(at_least("max_seen_messages", max_seen_messages, 1));
  REPLEX_RETURN_IF_ERROR(at_least("max_gossip_batch_bytes", max_gossip_batch_bytes, 1));
  REPLEX_RETURN_IF_ERROR(at_least("pex_interval_ms", pex_interval_ms, 1));
  REPLEX_RETURN_IF_ERROR(at_least("max_pex_addresses", max_pex_addresses, 1));
  // An answer must fit one frame: 32-byte id, family, 16-byte IP, port per entry.
  const std::uint64_t pex_bytes = 2 + std::uint64_t{max_pex_addresses} * (32 + 1 + 16 + 2);
  if (pex_bytes + 64 > max_frame_bytes) {
    return bad("max_pex_addresses",
               std::to_string(max_pex_addresses) + " addresses do not fit in max_frame_bytes");
  }
  REPLEX_RETURN_IF_ERROR(at_least("max_known_addresses", max_known_addresses, 1));
  REPLEX_RETURN_IF_ERROR(at_least("max_known_addresses_per_source", max_known_addresses_per_source, 1));
  REPLEX_RETURN_IF_ERROR(at_least("max_pending_requests", max_pending_requests, 1));
  return Status::ok();
}

}  // namespace replex::p2p
