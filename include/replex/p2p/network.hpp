// Network: authenticated, encrypted gossip over TCP (Boost.Asio).
//
// Threads: a Network runs its own io_context on one thread it owns. Every
// handler in Handlers is invoked on that thread, must return quickly and must
// not block (hand heavy work to another thread). All public methods are
// thread-safe: they check their arguments and post the work to the network
// thread, so they never wait for the network. stop() must not be called from
// the network thread; after stop() returns no handler runs any more, except
// that every ResponseCallback accepted by request() is called exactly once.
// Wire format: docs/wire-formats.md (p2p); behaviour and limits: docs/p2p.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"
#include "replex/p2p/channel.hpp"
#include "replex/p2p/config.hpp"

namespace replex::p2p {

enum class Direction : std::uint8_t { kInbound, kOutbound };
std::string_view direction_name(Direction direction);

using RequestId = std::uint64_t;

// A payload from a peer. `gossip` payloads were pushed by gossip and are not
// forwarded by p2p on its own: call Network::gossip with the same bytes once
// the payload proved valid, so invalid data never spreads.
struct InboundMessage {
  NodeId from;
  Channel channel = Channel::kConsensus;
  bool gossip = false;
  Bytes payload;
};

// A request to answer with Network::respond(from, id, ...), from any thread.
struct InboundRequest {
  NodeId from;
  Channel channel = Channel::kStateTransfer;
  RequestId id = 0;
  Bytes payload;
};

// One connected peer, for status pages and metrics.
struct PeerInfo {
  NodeId id;
  std::string address;         // the socket's remote "ip:port"
  std::string listen_address;  // "ip:port" the peer accepts connections on; empty if none
  Direction direction = Direction::kOutbound;
  bool persistent = false;  // listed in persistent_peers
  bool priority = false;    // a validator, persistent or allowed peer: a slot of its own
  std::int64_t connected_since_unix_ms = 0;
  std::uint64_t bytes_in = 0;  // on the wire, framing and encryption included
  std::uint64_t bytes_out = 0;
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t reads_in = 0;  // socket reads that returned data (one can carry many frames)
};

// Counters since start, for metrics.
struct NetworkStats {
  std::uint64_t handshakes_completed = 0;
  std::uint64_t connections_refused = 0;   // handshakes that failed or were refused
  std::uint64_t peers_banned = 0;          // misbehaviour: malformed data, limits, reports
  std::uint64_t peers_dropped_slow = 0;    // send queue over max_send_queue_bytes
  std::uint64_t peers_dropped_silent = 0;  // nothing received for pong_timeout_ms
  std::uint64_t gossip_delivered = 0;
  std::uint64_t gossip_duplicates_dropped = 0;
  std::uint64_t gossip_payloads_sent = 0;  // per peer: a payload pushed to 3 peers counts 3
  std::uint64_t gossip_frames_sent = 0;    // frames carrying them (batches)
  std::uint64_t peer_log_lines_suppressed = 0;  // over max_peer_log_lines_per_s
};

// Called exactly once: the response payload, or why there is none
// (kDeadlineExceeded, kUnavailable when the peer or the network went away,
// or the responder's own error code and message).
using ResponseCallback = std::function<void(Result<Bytes> response)>;

// Every handler is optional and runs on the network thread (see above).
struct Handlers {
  std::function<void(InboundMessage message)> on_message;
  // Gossip arrives in batches of one channel, new payloads only. Without
  // on_gossip, each payload goes to on_message (gossip = true).
  std::function<void(const NodeId& from, Channel channel, std::vector<Bytes> payloads)> on_gossip;
  // Without on_request, requests are answered with kUnavailable.
  std::function<void(InboundRequest request)> on_request;
  std::function<void(const PeerInfo& peer)> on_peer_connected;
  std::function<void(const NodeId& peer, const Status& reason)> on_peer_disconnected;
  // A connection that never became a peer: a failed dial, or a failed or refused handshake.
  std::function<void(const std::string& remote_address, const Status& reason)> on_connection_refused;
};

class Network {
 public:
  // Validates the config (the Status names the bad field); does not bind yet.
  static Result<std::unique_ptr<Network>> create(NetworkConfig config, Handlers handlers);
  ~Network();  // stop()s
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // Binds the listener and starts the network thread, which dials the
  // persistent peers and seeds. Once per Network.
  Status start();
  // Closes every socket, joins the thread. Idempotent; safe to destroy after.
  void stop();

  const NodeId& node_id() const;
  // The bound port (the OS choice when listen_port was 0); 0 before start().
  std::uint16_t listen_port() const;
  // Largest payload one message can carry under max_frame_bytes.
  std::size_t max_payload_bytes() const;

  // Best effort, like the network: ok means the message was queued for a peer
  // that was connected at the call; it may still be lost if the connection
  // drops. kUnavailable: not running or not connected; kInvalidArgument: a
  // reserved channel or a payload over max_payload_bytes().
  Status send(const NodeId& to, Channel channel, Bytes payload);
  // To each listed peer that is connected (e.g. all validators); ok if any was.
  Status send_to(std::span<const NodeId> to, Channel channel, Bytes payload);
  // To every connected peer.
  Status broadcast(Channel channel, Bytes payload);
  // Push gossip with de-duplication: sends the payload to every connected peer
  // that does not hold it (it sent it to us, or its sender told us it sent it
  // there too), unless this node forwarded it before (within the last
  // max_seen_messages payloads). This is also how the node relays a payload
  // that arrived by gossip, once it proved valid. Payloads are batched per
  // peer (p2p.gossip_batch_delay_us, p2p.max_gossip_batch_bytes).
  Status gossip(Channel channel, Bytes payload);
  // The same for several payloads at once (one hand-off to the network thread).
  Status gossip(Channel channel, std::vector<Bytes> payloads);

  // Asks one peer; on_response runs on the network thread exactly once if
  // this returns ok, never if it returns an error.
  Status request(const NodeId& to, Channel channel, Bytes payload, std::uint32_t timeout_ms,
                 ResponseCallback on_response);
  // Answers an InboundRequest with a payload or an error (code and message
  // reach the requester). Dropped if the peer has disconnected meanwhile.
  Status respond(const NodeId& to, RequestId id, Result<Bytes> response);

  // The node found `peer`'s data invalid: disconnect it and ban it for ban_duration_ms.
  void report_misbehaviour(const NodeId& peer, std::string reason);

  bool is_connected(const NodeId& peer) const;
  std::vector<PeerInfo> peers() const;
  NetworkStats stats() const;

 private:
  class Impl;
  explicit Network(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace replex::p2p
