// RawPeer: a hand-driven p2p client over a plain Asio socket, for tests that
// need a peer to misbehave (garbage, tampered or oversized frames, silence,
// floods). It speaks the real handshake and framing from the public headers,
// so everything it sends is exactly what the test says. Single-threaded;
// every read has a deadline.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "replex/p2p/asio.hpp"
#include "replex/p2p/frame.hpp"
#include "replex/p2p/handshake.hpp"
#include "replex/p2p/message.hpp"

namespace replex::p2p::testing {

class RawPeer {
 public:
  explicit RawPeer(std::string_view label, std::string chain_id = "replex-p2p-test");

  const NodeId& id() const { return key_.public_key(); }

  // To 127.0.0.1:port, from `from_ip` (any 127.x.y.z address is loopback on Linux).
  Status connect(std::uint16_t port, const std::string& from_ip = "127.0.0.1");
  // Asks the kernel for a small receive buffer (before connect), so a peer
  // that does not read backs up quickly.
  void shrink_receive_buffer();
  // The whole handshake as initiator; afterwards send_message/read_message work.
  Status handshake();

  Status send_raw(ByteView bytes);
  // Seals and sends one message; `tamper` flips a ciphertext byte first.
  Status send_message(const Message& message, bool tamper = false);
  Result<Bytes> read_exact(std::size_t n, std::chrono::milliseconds timeout);
  // The next message that is not a ping (pings are answered).
  Result<Message> read_message(std::chrono::milliseconds timeout);
  // Reads and discards until the remote closes; false if still open at the deadline.
  bool wait_closed(std::chrono::milliseconds timeout);

  FrameSealer& sealer() { return *sealer_; }

 private:
  Status run_for(std::chrono::milliseconds timeout, bool& done);

  KeyPair key_;
  std::string chain_id_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::optional<FrameSealer> sealer_;
  std::optional<FrameOpener> opener_;
};

}  // namespace replex::p2p::testing
