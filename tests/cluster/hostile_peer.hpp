// HostilePeer: a raw TCP client against a node's p2p port that misbehaves on
// purpose (garbage, frames announcing more than max_frame_bytes, sealed
// frames that do not decode). It can complete the real handshake first
// (p2p::Handshake, a fresh identity), so the node's post-handshake checks
// are reached too. Blocking sockets with poll() deadlines; one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>
#include <optional>
#include <string>

#include "replex/core/bytes.hpp"
#include "replex/core/ed25519.hpp"
#include "replex/core/status.hpp"
#include "replex/p2p/frame.hpp"

namespace replex::cluster {

class HostilePeer {
 public:
  HostilePeer();
  ~HostilePeer();
  HostilePeer(const HostilePeer&) = delete;
  HostilePeer& operator=(const HostilePeer&) = delete;

  // To 127.0.0.1:port from `from_ip` (any 127.x.y.z is loopback on Linux).
  Status connect(std::uint16_t port, const std::string& from_ip = "127.0.0.1");
  Status send_raw(ByteView bytes);
  // The authenticated handshake as initiator on `chain_id`; then send_sealed works.
  Status handshake(const std::string& chain_id);
  // One sealed frame carrying `plaintext` (which need not decode).
  Status send_sealed(ByteView plaintext);
  // True once the node closed the connection (EOF or reset) within `timeout`;
  // whatever it sends meanwhile is read and discarded.
  bool wait_closed(std::chrono::milliseconds timeout);
  bool connected() const { return fd_ >= 0; }

 private:
  Result<Bytes> read_exact(std::size_t n, std::chrono::milliseconds timeout);

  int fd_ = -1;
  KeyPair key_;
  std::optional<p2p::FrameSealer> sealer_;
};

// Silent sockets that hold a node's handshake slots: `sockets` connections
// to 127.0.0.1:port, four per source address from 127.0.0.<first_host>, each
// reopened as soon as the node closes it. Its own thread; stops when destroyed.
class StalledHandshakes {
 public:
  StalledHandshakes(std::uint16_t port, std::size_t sockets, int first_host);
  ~StalledHandshakes();
  StalledHandshakes(const StalledHandshakes&) = delete;
  StalledHandshakes& operator=(const StalledHandshakes&) = delete;

  std::size_t open() const { return open_.load(); }

 private:
  void run();
  std::string source(std::size_t i) const;

  std::uint16_t port_;
  int first_host_;
  std::vector<std::unique_ptr<HostilePeer>> peers_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> open_{0};
  std::thread thread_;
};

}  // namespace replex::cluster
