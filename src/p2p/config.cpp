#include "replex/p2p/config.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <set>

namespace replex::p2p {
namespace {

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

bool is_host_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' ||
         c == '_' || c == ':';
}

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
  std::string_view host;
  std::string_view port;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      return Status::invalid_argument(quoted + ": expected [ipv6]:port");
    }
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return Status::invalid_argument(quoted + ": expected host:port");
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Status::invalid_argument(quoted + ": an IPv6 host must be bracketed, as in [::1]:26656");
    }
  }
  if (host.empty()) return Status::invalid_argument(quoted + ": empty host");
  for (char c : host) {
    if (!is_host_char(c)) return Status::invalid_argument(quoted + ": host has an invalid character");
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    return Status::invalid_argument(quoted + ": port must be 1..65535");
  }
  out.host = std::string(host);
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

std::string PeerAddress::endpoint() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

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
  REPLEX_RETURN_IF_ERROR(at_least("max_peers", max_peers, 1));
  REPLEX_RETURN_IF_ERROR(at_least("max_pending_handshakes", max_pending_handshakes, 1));
  REPLEX_RETURN_IF_ERROR(at_least("max_frame_bytes", max_frame_bytes, kMinFrameBytes));
  if (max_frame_bytes > kMaxFrameBytesLimit) {
    return bad("max_frame_bytes", std::to_string(max_frame_bytes) + " is above the maximum " +
                                      std::to_string(kMaxFrameBytesLimit));
  }
  REPLEX_RETURN_IF_ERROR(at_least("connect_timeout_ms", connect_timeout_ms, 1));
  REPLEX_RETURN_IF_ERROR(at_least("handshake_timeout_ms", handshake_timeout_ms, 1));
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
  REPLEX_RETURN_IF_ERROR(at_least("pex_interval_ms", pex_interval_ms, 1));
  REPLEX_RETURN_IF_ERROR(at_least("max_pex_addresses", max_pex_addresses, 1));
  // An answer must fit one frame: 32-byte id, family, 16-byte IP, port per entry.
  const std::uint64_t pex_bytes = 2 + std::uint64_t{max_pex_addresses} * (32 + 1 + 16 + 2);
  if (pex_bytes + 64 > max_frame_bytes) {
    return bad("max_pex_addresses",
               std::to_string(max_pex_addresses) + " addresses do not fit in max_frame_bytes");
  }
  REPLEX_RETURN_IF_ERROR(at_least("max_known_addresses", max_known_addresses, 1));
  REPLEX_RETURN_IF_ERROR(at_least("max_pending_requests", max_pending_requests, 1));
  return Status::ok();
}

}  // namespace replex::p2p
