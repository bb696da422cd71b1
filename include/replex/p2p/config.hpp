// NetworkConfig: every knob of the p2p layer, each with its unit and default.
//
// A plain value type. validate() checks every field and names the first one
// that is wrong; Network::create refuses a config that does not validate.
// What happens when each limit is hit: docs/p2p.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replex/core/ed25519.hpp"
#include "replex/core/status.hpp"

namespace replex::p2p {

// A node is identified by its Ed25519 identity public key.
using NodeId = PublicKey;

// "<node_id_hex>@host:port" or "host:port"; host is a DNS name, an IPv4
// literal or a bracketed IPv6 literal ("[::1]:26656").
struct PeerAddress {
  std::optional<NodeId> id;  // the identity the remote must prove, when known
  std::string host;          // without brackets
  std::uint16_t port = 0;    // never 0 once parsed

  static Result<PeerAddress> parse(std::string_view text);
  // "host:port" (IPv6 bracketed), prefixed by "<id_hex>@" when the id is known.
  std::string to_string() const;
  std::string endpoint() const;  // "host:port" only

  friend bool operator==(const PeerAddress&, const PeerAddress&) = default;
};

inline constexpr std::uint32_t kMinFrameBytes = 1024;
inline constexpr std::uint32_t kMaxFrameBytesLimit = 1u << 30;

struct NetworkConfig {
  // Where to accept connections. listen_port 0 lets the OS pick a free port;
  // Network::listen_port() reports the bound one. Peers learn our address as
  // the IP they see plus the port we advertise in the handshake.
  std::string listen_host = "0.0.0.0";
  std::uint16_t listen_port = 0;

  // This node's identity key (required). Shared so the config stays copyable.
  std::shared_ptr<const KeyPair> node_key;
  // Part of the handshake transcript: nodes of different chains never connect.
  std::string chain_id;

  // Peers to stay connected to, "<node_id_hex>@host:port": the id is the
  // identity the remote must prove. Redialled with exponential back-off. An
  // entry with this node's own id is skipped, so every validator can share one list.
  std::vector<std::string> persistent_peers;
  // Entry points for discovery, "host:port" or "<node_id_hex>@host:port".
  std::vector<std::string> seeds;
  // Ask peers for addresses and dial them while below max_peers.
  bool pex_enabled = true;

  // Priority identities are the validators, the persistent peers and these:
  // each has a peer slot of its own beyond max_peers and the per-IP caps.
  // validator_ids is set by the node from the genesis (not a config key);
  // allowed_peers are node ids in hex (e.g. a validator's sentries).
  std::vector<NodeId> validator_ids;
  std::vector<std::string> allowed_peers;
  // A validator behind sentries: dials and accepts priority identities only,
  // does no peer exchange and announces no listen port, so no PEX answer lists it.
  bool private_validator = false;

  // Connected peers that are not priority identities, inbound and outbound;
  // inbound ones beyond it are refused, and PEX stops dialling at it.
  std::uint32_t max_peers = 50;
  // Of those, inbound peers from one IP address.
  std::uint32_t max_inbound_peers_per_ip = 8;
  // Accepted sockets still in the handshake; more are closed at once. Sockets
  // from an address a priority peer was seen at have a second pool this size.
  std::uint32_t max_pending_handshakes = 32;
  // Of the first pool, sockets from one IP address.
  std::uint32_t max_pending_handshakes_per_ip = 4;
  // Upper bound of one frame's ciphertext (the 4-byte length prefix excluded).
  std::uint32_t max_frame_bytes = 8u << 20;

  std::uint32_t connect_timeout_ms = 5'000;
  std::uint32_t handshake_timeout_ms = 5'000;
  // An accepted socket's handshake (at most handshake_timeout_ms): two round
  // trips, so short, since until then a stranger holds a pending slot.
  std::uint32_t inbound_handshake_timeout_ms = 2'000;
  // A ping goes out every ping_interval_ms; a peer from which no frame at all
  // arrived for pong_timeout_ms is dropped (pong_timeout_ms > ping_interval_ms).
  std::uint32_t ping_interval_ms = 2'000;
  std::uint32_t pong_timeout_ms = 10'000;
  // Redial delay after the n-th consecutive failure: min * 2^n, capped at max, +-25% jitter.
  std::uint32_t reconnect_backoff_min_ms = 250;
  std::uint32_t reconnect_backoff_max_ms = 30'000;

  // Inbound token buckets per peer. A peer that exceeds either is misbehaving:
  // it is disconnected and banned. recv_burst_bytes >= max_frame_bytes + 4.
  // Answers to this node's own requests are given back to the byte bucket.
  std::uint64_t recv_rate_bytes_per_s = 64u << 20;
  std::uint64_t recv_burst_bytes = 64u << 20;
  std::uint32_t recv_rate_messages_per_s = 20'000;
  std::uint32_t recv_burst_messages = 40'000;

  // Sealed frames waiting for a slow peer's socket. A peer whose queue would
  // exceed it is disconnected (not banned). >= max_frame_bytes + 4.
  std::uint64_t max_send_queue_bytes = 64u << 20;
  // How long a misbehaving identity is refused and not redialled.
  std::uint32_t ban_duration_ms = 60'000;
  // Log lines that an outside peer can cause (refused and failed handshakes,
  // dropped and banned peers): at most this many per second after a burst;
  // the rest are counted and the count logged, so a flood cannot fill the disk.
  std::uint32_t max_peer_log_lines_per_s = 5;
  std::uint32_t max_peer_log_burst_lines = 50;
  // Gossip to a peer waits to share a frame with other payloads: until the
  // network thread has nothing else queued (0), or for this long. A frame
  // carries at most max_gossip_batch_bytes of payloads (and always one).
  std::uint32_t gossip_batch_delay_us = 0;
  std::uint32_t max_gossip_batch_bytes = 256u << 10;
  // Gossip payload digests remembered for de-duplication (oldest evicted first).
  std::uint32_t max_seen_messages = 65'536;

  // Peer exchange: how often to ask peers for addresses and dial new ones,
  // how many addresses one answer may carry, and how many we remember.
  std::uint32_t pex_interval_ms = 30'000;
  std::uint32_t max_pex_addresses = 64;
  std::uint32_t max_known_addresses = 1'024;
  // Of those, addresses learnt from one peer: it evicts its own oldest first,
  // so one peer's answers cannot flush the book.
  std::uint32_t max_known_addresses_per_source = 64;

  // Outbound requests awaiting a response, over all peers.
  std::uint32_t max_pending_requests = 1'024;

  // Ok, or kInvalidArgument naming the first bad field and what is wrong with it.
  Status validate() const;
};

}  // namespace replex::p2p
