// Private to p2p: the state behind Network.
//
// Everything below "network thread only" is touched by the io_context thread
// alone, so it needs no lock. The public API reaches it by posting; the few
// things other threads read directly (the peer registry, counters, the
// running flag) have their own synchronisation. Split over three files:
// network.cpp (lifecycle, public API), network_peers.cpp (accepting,
// dialling, handshake decisions, bans, peer exchange) and
// network_routing.cpp (messages, gossip, requests).
#pragma once

#include "replex/p2p/asio.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "address_book.hpp"
#include "connection.hpp"
#include <spdlog/spdlog.h>

#include "replex/core/token_bucket.hpp"
#include "replex/p2p/network.hpp"
#include "seen_set.hpp"

namespace replex::p2p {

class Network::Impl final : public ConnectionOwner {
 public:
  using Clock = std::chrono::steady_clock;
  using tcp = boost::asio::ip::tcp;

  Impl(NetworkConfig config, Handlers handlers, std::vector<PeerAddress> persistent,
       std::vector<PeerAddress> seeds);
  ~Impl() override;

  // --- lifecycle and public API (any thread) ---
  Status start();
  void stop();
  const NodeId& node_id() const { return self_id_; }
  std::uint16_t listen_port() const { return bound_port_.load(); }
  std::size_t max_payload_bytes() const;
  Status send_to(std::vector<NodeId> to, Channel channel, Bytes payload, bool all_peers);
  Status gossip(Channel channel, std::vector<Bytes> payloads);
  Status request(const NodeId& to, Channel channel, Bytes payload, std::uint32_t timeout_ms,
                 ResponseCallback on_response);
  Status respond(const NodeId& to, RequestId id, Result<Bytes> response);
  void report_misbehaviour(const NodeId& peer, std::string reason);
  bool is_connected(const NodeId& peer) const;
  std::vector<PeerInfo> peers() const;
  NetworkStats stats() const;

  // --- ConnectionOwner (network thread) ---
  Status on_hello(Connection& connection, const Hello& hello) override;
  Status on_authenticated(Connection& connection) override;
  void on_active(Connection& connection) override;
  void on_message(Connection& connection, Message message) override;
  void on_closed(Connection& connection, const Status& reason, CloseKind kind, bool was_active) override;

 private:
  struct PersistentPeer {
    PeerAddress address;
    std::uint32_t failures = 0;
    bool dialing = false;  // a dial or an outbound handshake is under way
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  struct Seed {
    PeerAddress address;
    std::uint32_t failures = 0;
    bool dialing = false;
    Clock::time_point retry_at{};
  };
  struct PendingDial {
    DialOrigin origin;
    std::string address;
    tcp::resolver resolver;
    tcp::socket socket;
    boost::asio::steady_timer timer;
    explicit PendingDial(boost::asio::io_context& io) : resolver(io), socket(io), timer(io) {}
  };
  struct PendingRequest {
    NodeId peer;
    ConnectionId connection = 0;
    ResponseCallback on_response;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  // One payload waiting in a peer's outgoing gossip batch. `targets` is every
  // peer it goes to (shared by the payloads forwarded together).
  struct OutgoingGossip {
    Channel channel = Channel::kTransactions;
    std::shared_ptr<const std::vector<NodeId>> targets;
    std::shared_ptr<const Bytes> payload;
  };
  struct GossipQueue {
    std::vector<OutgoingGossip> entries;
    std::size_t bytes = 0;  // payloads with their length prefixes
  };
  struct RegistryEntry {
    PeerInfo info;  // without counters
    std::shared_ptr<const PeerCounters> counters;
  };

  // Runs `work` on the network thread unless stop() has begun; false if it has.
  bool post_if_running(std::function<void()> work);
  void run_loop();
  void on_start();
  void shutdown();
  Status payload_check(Channel channel, std::size_t payload_bytes) const;

  // network_peers.cpp
  void accept_next();
  void dial(DialOrigin origin, const PeerAddress& address);
  void on_dial_done(std::uint64_t dial_id, const boost::system::error_code& ec);
  void dial_failed(const DialOrigin& origin, const std::string& address, const Status& reason);
  void outbound_attempt_ended(const DialOrigin& origin, bool became_peer);
  void schedule_persistent_dial(PersistentPeer& peer, std::chrono::milliseconds delay);
  void dial_persistent(const NodeId& id);
  std::chrono::milliseconds backoff(std::uint32_t failures);
  // Registers a connection in connections_; the caller start()s it.
  std::shared_ptr<Connection> add_connection(tcp::socket socket, Direction direction, DialOrigin origin);
  bool is_banned(const NodeId& id);
  std::chrono::milliseconds ban_remaining(const NodeId& id);
  void ban(const NodeId& id, const Status& reason);
  bool outbound_pending(const NodeId& id) const;
  void schedule_pex();
  void pex_round();
  void dial_seeds();
  void schedule_seed_redial(Clock::time_point when);
  void dial_known_addresses();
  void request_addresses(const std::shared_ptr<Connection>& connection);
  void on_addresses(const NodeId& from, Result<Bytes> response);
  Bytes addresses_for(const NodeId& requester);
  void registry_add(const Connection& connection);
  void registry_remove(const NodeId& id);

  // network_admission.cpp: who gets a handshake slot and a peer slot
  struct PendingInbound {
    std::string ip;
    bool priority_pool = false;  // counted in pending_priority_, else in pending_outsiders_
    std::unique_ptr<boost::asio::steady_timer> deadline;  // inbound_handshake_timeout_ms
  };
  void accept_inbound(tcp::socket socket);
  Status admit_inbound(const std::string& ip, bool& priority_pool) const;
  void release_pending(ConnectionId id);
  Status admit_peer(const Connection& connection) const;
  bool is_priority(const NodeId& id) const { return priority_ids_.contains(id); }
  bool is_priority_ip(const std::string& ip) const;
  void note_priority_ip(const NodeId& id, const std::string& ip);
  std::size_t outsider_peers() const;
  bool pex_active() const { return config_.pex_enabled && !config_.private_validator; }

  // network_routing.cpp
  void route_gossip(Connection& connection, Gossip gossip);
  void route_request(Connection& connection, Request request);
  void route_response(Connection& connection, Response response);
  void forward_gossip(Channel channel, std::vector<Bytes> payloads);
  void schedule_gossip_flush();
  void flush_gossip();
  void flush_gossip_to(ConnectionId id, GossipQueue& queue);
  std::size_t gossip_batch_limit() const;
  void start_request(const NodeId& to, Channel channel, Bytes payload, std::uint32_t timeout_ms,
                     ResponseCallback on_response);
  void finish_request(RequestId id, Result<Bytes> response);
  void fail_requests_of(ConnectionId connection, const Status& reason);
  std::shared_ptr<Connection> active_connection(const NodeId& id) const;

  // --- immutable after construction ---
  const NetworkConfig config_;
  const Handlers handlers_;
  const NodeId self_id_;
  // Validators, persistent peers and allowed_peers, this node excluded.
  const std::set<NodeId> priority_ids_;

  // --- synchronised: any thread ---
  mutable std::mutex lifecycle_mu_;
  enum class Lifecycle : std::uint8_t { kCreated, kRunning, kStopped };
  Lifecycle lifecycle_ = Lifecycle::kCreated;  // guarded by lifecycle_mu_
  std::atomic<std::uint16_t> bound_port_{0};
  mutable std::mutex registry_mu_;
  std::map<NodeId, RegistryEntry> registry_;  // guarded by registry_mu_; the active peers
  struct AtomicStats {
    std::atomic<std::uint64_t> handshakes_completed{0};
    std::atomic<std::uint64_t> connections_refused{0};
    std::atomic<std::uint64_t> peers_banned{0};
    std::atomic<std::uint64_t> peers_dropped_slow{0};
    std::atomic<std::uint64_t> peers_dropped_silent{0};
    std::atomic<std::uint64_t> gossip_delivered{0};
    std::atomic<std::uint64_t> gossip_duplicates_dropped{0};
    std::atomic<std::uint64_t> gossip_payloads_sent{0};
    std::atomic<std::uint64_t> gossip_frames_sent{0};
    std::atomic<std::uint64_t> peer_log_lines_suppressed{0};
  } stats_;

  // --- network thread only (the io_context is declared first: destroyed last) ---
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_timer_;
  boost::asio::steady_timer pex_timer_;
  boost::asio::steady_timer seed_timer_;  // redials seeds while there is no peer
  bool stopping_ = false;
  std::mt19937_64 rng_;
  // Lines an outside peer can cause go through peer_log (max_peer_log_lines_per_s).
  TokenBucket peer_log_bucket_;
  std::uint64_t peer_log_suppressed_ = 0;  // since the last line let through

  ConnectionId next_connection_id_ = 1;
  std::map<ConnectionId, std::shared_ptr<Connection>> connections_;  // every open connection
  std::map<NodeId, std::shared_ptr<Connection>> active_;             // authenticated, one per peer
  std::map<ConnectionId, PendingInbound> pending_inbound_;  // accepted, still in the handshake
  std::map<std::string, std::uint32_t> pending_per_ip_;     // of those, by source IP
  std::uint32_t pending_outsiders_ = 0;
  std::uint32_t pending_priority_ = 0;
  // Where each priority identity was seen (configured, dialled, connected
  // from), newest last: sockets from there use the priority handshake pool.
  std::map<NodeId, std::deque<std::string>> priority_ips_;
  std::uint32_t outbound_in_progress_ = 0;  // dials and outbound handshakes
  std::multiset<NodeId> outbound_targets_;  // ids of those, where known (a seed may also be persistent)
  std::uint64_t next_dial_id_ = 1;
  std::map<std::uint64_t, std::unique_ptr<PendingDial>> dials_;
  std::map<NodeId, PersistentPeer> persistent_;
  std::vector<Seed> seeds_;
  std::map<NodeId, Clock::time_point> bans_;  // until when
  AddressBook address_book_;

  GossipDigester digester_;
  SeenSet seen_;
  // Gossip waits per peer until flushed: when the network thread has nothing
  // else queued (gossip_batch_delay_us 0) or after that delay.
  std::map<ConnectionId, GossipQueue> gossip_out_;
  boost::asio::steady_timer gossip_flush_timer_;
  bool gossip_flush_scheduled_ = false;
  RequestId next_request_id_ = 1;
  std::map<RequestId, PendingRequest> requests_;

  // A log line an outside peer can cause: let through while the bucket
  // holds tokens, else counted; the count is logged with the next line.
  template <typename... Args>
  void peer_log(spdlog::level::level_enum level, spdlog::format_string_t<Args...> format, Args&&... args) {
    if (!spdlog::should_log(level)) return;
    if (!peer_log_bucket_.try_take(1, Clock::now())) {
      ++peer_log_suppressed_;
      ++stats_.peer_log_lines_suppressed;
      return;
    }
    if (peer_log_suppressed_ > 0) {
      spdlog::warn("p2p: {} peer log lines suppressed (p2p.max_peer_log_lines_per_s = {})", peer_log_suppressed_,
                   config_.max_peer_log_lines_per_s);
      peer_log_suppressed_ = 0;
    }
    spdlog::log(level, format, std::forward<Args>(args)...);
  }
};

// The first 12 hex digits of a node id, for logs.
std::string short_id(const NodeId& id);

}  // namespace replex::p2p
