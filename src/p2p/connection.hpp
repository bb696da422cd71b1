// Private to p2p: one TCP connection, from the handshake to close.
//
// Runs on the network thread only. A Connection is held by shared_ptr (its
// owner and its pending handlers); it reports to its ConnectionOwner, which
// decides identity questions (self, expected id, ban, duplicates, max_peers)
// and routes messages. close() is idempotent and reports exactly once.
#pragma once

#include "replex/p2p/asio.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "replex/p2p/frame.hpp"
#include "replex/p2p/handshake.hpp"
#include "replex/p2p/message.hpp"
#include "replex/p2p/network.hpp"
#include "seen_set.hpp"
#include "replex/core/token_bucket.hpp"

namespace replex::p2p {

class Connection;

// Traffic counters, written by the network thread, read by any thread.
struct PeerCounters {
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};
  std::atomic<std::uint64_t> messages_in{0};
  std::atomic<std::uint64_t> messages_out{0};
  std::atomic<std::uint64_t> reads_in{0};  // socket reads that returned data
};

// Why a connection closed, beyond its Status: decides bans and statistics.
enum class CloseKind : std::uint8_t {
  kNormal,      // end of stream, socket error, refusal, replacement, shutdown
  kMisbehaved,  // malformed or unauthentic data, limits exceeded: ban the identity
  kSlow,        // send queue over max_send_queue_bytes
  kSilent,      // nothing received for pong_timeout_ms
};

// Where an outbound connection came from, so its owner can book the outcome.
enum class DialSource : std::uint8_t { kNone, kPersistent, kSeed, kPex };
struct DialOrigin {
  DialSource source = DialSource::kNone;  // kNone for inbound connections
  std::optional<NodeId> expected_id;      // the identity the remote must prove
  std::size_t seed_index = 0;             // for kSeed
};

class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  // The peer's Hello arrived (identity claimed, not yet proven). Non-ok refuses.
  virtual Status on_hello(Connection& connection, const Hello& hello) = 0;
  // The peer proved its identity. Non-ok refuses; ok makes the connection
  // active, and on_active follows once it can send.
  virtual Status on_authenticated(Connection& connection) = 0;
  virtual void on_active(Connection& connection) = 0;
  // A decoded application message (pings and pongs stay inside the connection).
  virtual void on_message(Connection& connection, Message message) = 0;
  // Exactly once per connection; `was_active` tells whether it got past the handshake.
  virtual void on_closed(Connection& connection, const Status& reason, CloseKind kind, bool was_active) = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Clock = std::chrono::steady_clock;
  using tcp = boost::asio::ip::tcp;

  Connection(ConnectionOwner& owner, const NetworkConfig& config, ConnectionId id, tcp::socket socket,
             Direction direction, DialOrigin origin, std::uint16_t local_listen_port);
  ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends our Hello and reads the peer's; the handshake timer starts now.
  void start();
  // Seals and queues one encoded message. False if the connection is closed or
  // the send queue overflowed (the connection is then closed as slow).
  bool send_encoded(ByteView plaintext);
  bool send(const Message& message) { return send_encoded(encode_message(message)); }
  void close(const Status& reason, CloseKind kind);
  // An answer to one of our own requests arrived: its bytes are given back
  // to recv_rate_bytes_per_s, which bounds what a peer sends unasked (a
  // state transfer asks for far more than that, as fast as it is served).
  void refund_answer_bytes(std::uint64_t bytes) { recv_bytes_.give_back(bytes, Clock::now()); }

  ConnectionId id() const { return id_; }
  Direction direction() const { return direction_; }
  const DialOrigin& origin() const { return origin_; }
  bool is_active() const { return state_ == State::kActive; }
  bool is_closed() const { return state_ == State::kClosed; }
  // Only after the Hello arrived.
  const NodeId& peer_id() const;
  // The remote socket address, "ip:port".
  const std::string& remote_address() const { return remote_address_; }
  const std::string& remote_ip() const { return remote_ip_; }
  // The port the peer listens on, from its Hello (0: none).
  std::uint16_t peer_listen_port() const { return peer_listen_port_; }
  std::string peer_listen_address() const;
  Clock::time_point active_since() const { return active_since_; }
  std::int64_t active_since_unix_ms() const { return active_since_unix_ms_; }
  const std::shared_ptr<PeerCounters>& counters() const { return counters_; }
  std::size_t send_queue_bytes() const { return queued_bytes_; }

 private:
  enum class State : std::uint8_t { kHandshaking, kActive, kClosed };

  void read_hello();
  void on_hello(ByteView bytes);
  void read_auth();
  void on_auth(ByteView bytes);
  // After the handshake: one read fills rx_ with as many frames as the socket
  // holds, and every complete one is handled before the next read.
  void read_frames();
  void on_bytes_read();
  // Checks a frame header and charges the frame to the rate limits; false
  // (and closed) if either refuses it.
  bool accept_frame_header(ByteView header);
  void on_frame(ByteView header, ByteView ciphertext);
  void schedule_ping();
  void enqueue(Bytes wire_bytes);
  void write_some();

  ConnectionOwner& owner_;
  const NetworkConfig& config_;
  const ConnectionId id_;
  tcp::socket socket_;
  const Direction direction_;
  const DialOrigin origin_;
  std::string remote_address_;
  std::string remote_ip_;

  State state_ = State::kHandshaking;
  std::unique_ptr<Handshake> handshake_;
  std::optional<FrameSealer> sealer_;
  std::optional<FrameOpener> opener_;
  std::optional<NodeId> peer_id_;
  std::uint16_t peer_listen_port_ = 0;

  boost::asio::steady_timer handshake_timer_;
  boost::asio::steady_timer heartbeat_timer_;
  Clock::time_point last_received_;
  Clock::time_point active_since_{};
  std::int64_t active_since_unix_ms_ = 0;
  std::uint64_t ping_nonce_ = 0;

  TokenBucket recv_bytes_;
  TokenBucket recv_messages_;

  Bytes handshake_buffer_;  // the Hello, then the auth signature
  // Frames received and not yet handled: rx_[rx_begin_, rx_end_). Once the
  // header of the first one was accepted, rx_frame_length_ holds its length.
  Bytes rx_;
  std::size_t rx_begin_ = 0;
  std::size_t rx_end_ = 0;
  std::optional<std::uint32_t> rx_frame_length_;

  std::deque<Bytes> send_queue_;  // wire bytes; the first `frames_in_write_` are being written
  std::size_t queued_bytes_ = 0;
  std::size_t frames_in_write_ = 0;

  std::shared_ptr<PeerCounters> counters_ = std::make_shared<PeerCounters>();
};

// "ip:port", IPv6 bracketed, IPv4-mapped IPv6 shown as IPv4.
std::string endpoint_text(const boost::asio::ip::tcp::endpoint& endpoint);
std::string ip_text(const boost::asio::ip::address& address);

}  // namespace replex::p2p
