#include "stall_flood.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>

namespace replex::p2p::testing {

int open_silent_socket(std::uint16_t port, const std::string& from_ip) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = 0;
  ::inet_pton(AF_INET, from_ip.c_str(), &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) {
    ::close(fd);
    return -1;
  }
  // Non-blocking, with a deadline: a full backlog would otherwise hold the
  // caller for the kernel's SYN retries (minutes).
  const int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&remote), sizeof(remote)) != 0) {
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof(error);
    if (errno != EINPROGRESS || ::poll(&p, 1, 1'000) != 1 ||
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
      ::close(fd);
      return -1;
    }
  }
  ::fcntl(fd, F_SETFL, flags);
  return fd;
}

bool closed_by_node(int fd, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::array<char, 4096> sink{};
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready == 0) return false;
    if (ready < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    const ssize_t r = ::recv(fd, sink.data(), sink.size(), 0);
    if (r == 0) return true;
    if (r < 0 && errno != EINTR && errno != EAGAIN) return true;  // reset
  }
}

StallFlood::StallFlood(std::uint16_t port, std::size_t sockets, std::size_t sockets_per_ip, int first_host)
    : port_(port), sockets_per_ip_(sockets_per_ip), first_host_(first_host), fds_(sockets, -1) {
  for (std::size_t i = 0; i < fds_.size(); ++i) {
    fds_[i] = open_socket(i);
    if (fds_[i] >= 0) ++open_;
  }
  thread_ = std::thread([this] { run(); });
}

StallFlood::~StallFlood() {
  stop_ = true;
  thread_.join();
  for (int fd : fds_) {
    if (fd >= 0) ::close(fd);
  }
}

int StallFlood::open_socket(std::size_t i) const {
  const int host = first_host_ + static_cast<int>(i / sockets_per_ip_);
  return open_silent_socket(port_, "127.0.0." + std::to_string(host));
}

void StallFlood::run() {
  std::array<char, 4096> sink{};
  std::vector<pollfd> polled;
  while (!stop_) {
    polled.clear();
    for (std::size_t i = 0; i < fds_.size(); ++i) {
      if (fds_[i] < 0) {
        fds_[i] = open_socket(i);  // the node's backlog was full: try again
        if (fds_[i] >= 0) ++open_;
      }
      polled.push_back(pollfd{fds_[i], POLLIN, 0});
    }
    if (::poll(polled.data(), polled.size(), 10) <= 0) continue;
    for (std::size_t i = 0; i < fds_.size(); ++i) {
      if (polled[i].fd < 0 || (polled[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t r = ::recv(fds_[i], sink.data(), sink.size(), MSG_DONTWAIT);
      if (r > 0 || (r < 0 && (errno == EAGAIN || errno == EINTR))) continue;  // the node's Hello: ignored
      ::close(fds_[i]);
      --open_;
      ++closed_;
      fds_[i] = open_socket(i);  // straight back into the queue
      if (fds_[i] >= 0) ++open_;
    }
  }
}

}  // namespace replex::p2p::testing
