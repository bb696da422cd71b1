// StallFlood: an attacker that keeps TCP connections open to a node's p2p
// port and never sends a byte, from its own loopback source addresses
// (127.0.0.2 and up, one address per socket unless told otherwise). A socket
// the node closes is reopened at once, so every handshake slot the node frees
// is raced for. Runs on its own thread until destroyed.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace replex::p2p::testing {

class StallFlood {
 public:
  // `sockets` connections to 127.0.0.1:port; socket i comes from
  // 127.0.0.(first_host + i / sockets_per_ip).
  StallFlood(std::uint16_t port, std::size_t sockets, std::size_t sockets_per_ip = 1, int first_host = 2);
  ~StallFlood();
  StallFlood(const StallFlood&) = delete;
  StallFlood& operator=(const StallFlood&) = delete;

  // Connections the node has closed so far (each was reopened).
  std::uint64_t closed_by_node() const { return closed_.load(); }
  // Sockets currently open.
  std::size_t open() const { return open_.load(); }

 private:
  void run();
  int open_socket(std::size_t i) const;

  const std::uint16_t port_;
  const std::size_t sockets_per_ip_;
  const int first_host_;
  std::vector<int> fds_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> closed_{0};
  std::atomic<std::size_t> open_{0};
  std::thread thread_;
};

// A plain socket from `from_ip` to 127.0.0.1:port that says nothing; -1 on failure.
int open_silent_socket(std::uint16_t port, const std::string& from_ip);
// True once the node closed `fd` (EOF or reset) within `timeout_ms`.
bool closed_by_node(int fd, int timeout_ms);

}  // namespace replex::p2p::testing
