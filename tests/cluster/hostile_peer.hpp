// HostilePeer: a raw TCP client against a node's p2p port that misbehaves on
// purpose (garbage, frames announcing more than max_frame_bytes, sealed
// frames that do not decode). It can complete the real handshake first
// (p2p::Handshake, a fresh identity), so the node's post-handshake checks
// are reached too. Blocking sockets with poll() deadlines; one thread.
#pragma once

#include <chrono>
#include <cstdint>
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

  Status connect(std::uint16_t port);
  Status send_raw(ByteView bytes);
  // The authenticated handshake as initiator on `chain_id`; then send_sealed works.
  Status handshake(const std::string& chain_id);
  // One sealed frame carrying `plaintext` (which need not decode).
  Status send_sealed(ByteView plaintext);
  // True once the node closed the connection (EOF or reset) within `timeout`;
  // whatever it sends meanwhile is read and discarded.
  bool wait_closed(std::chrono::milliseconds timeout);

 private:
  Result<Bytes> read_exact(std::size_t n, std::chrono::milliseconds timeout);

  int fd_ = -1;
  KeyPair key_;
  std::optional<p2p::FrameSealer> sealer_;
};

}  // namespace replex::cluster
