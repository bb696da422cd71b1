// RequestFlood: outsiders flooding a node with state requests, the cheapest
// way for anyone who can open a TCP connection to make a validator read its
// store. `peers` connections to 127.0.0.1:port, each a fresh identity that
// completed the real handshake, send state requests as fast as the socket
// takes them and discard the answers; a connection the node closes (rate
// limit, ban, slow reader) is replaced at once by a new identity, as a Sybil
// attacker would. Each peer has its own thread; stops when destroyed.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace replex::cluster {

class RequestFlood {
 public:
  RequestFlood(std::uint16_t port, std::string chain_id, std::size_t peers);
  ~RequestFlood();
  RequestFlood(const RequestFlood&) = delete;
  RequestFlood& operator=(const RequestFlood&) = delete;

  std::uint64_t sent() const { return sent_.load(); }
  // Identities that completed a handshake (the first ones included).
  std::uint64_t identities() const { return identities_.load(); }

 private:
  void run();

  std::uint16_t port_;
  std::string chain_id_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> identities_{0};
  std::vector<std::thread> threads_;
};

}  // namespace replex::cluster
