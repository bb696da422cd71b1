#include "hostile_peer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "replex/p2p/handshake.hpp"

namespace replex::cluster {
namespace {

using Clock = std::chrono::steady_clock;

int millis_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace

HostilePeer::HostilePeer() : key_(KeyPair::generate()) {}

HostilePeer::~HostilePeer() {
  if (fd_ >= 0) ::close(fd_);
}

Status HostilePeer::connect(std::uint16_t port, const std::string& from_ip) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Status::io_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, from_ip.c_str(), &local.sin_addr);
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) {
    const Status failed = Status::io_error("bind " + from_ip + ": " + std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
    return failed;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    const Status failed =
        Status::io_error("connect 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
    return failed;
  }
  return Status::ok();
}

Status HostilePeer::send_raw(ByteView bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::io_error(std::string("send: ") + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }
  return Status::ok();
}

Result<Bytes> HostilePeer::read_exact(std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Bytes out(n);
  std::size_t got = 0;
  while (got < n) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, millis_left(deadline));
    if (ready == 0) return Status::deadline_exceeded("no data within " + std::to_string(timeout.count()) + " ms");
    if (ready < 0) {
      if (errno == EINTR) continue;
      return Status::io_error(std::string("poll: ") + std::strerror(errno));
    }
    const ssize_t r = ::recv(fd_, out.data() + got, n - got, 0);
    if (r == 0) return Status::unavailable("closed by the node");
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::io_error(std::string("recv: ") + std::strerror(errno));
    }
    got += static_cast<std::size_t>(r);
  }
  return out;
}

Status HostilePeer::handshake(const std::string& chain_id) {
  p2p::Handshake hs(p2p::Role::kInitiator, key_, chain_id, 0);
  REPLEX_RETURN_IF_ERROR(send_raw(hs.local_hello()));
  REPLEX_ASSIGN_OR_RETURN(Bytes hello, read_exact(p2p::kHelloBytes, std::chrono::seconds(10)));
  REPLEX_RETURN_IF_ERROR(hs.receive_hello(hello));
  const Signature auth = hs.local_auth();
  REPLEX_RETURN_IF_ERROR(send_raw(auth.view()));
  REPLEX_ASSIGN_OR_RETURN(Bytes remote_auth, read_exact(p2p::kAuthBytes, std::chrono::seconds(10)));
  REPLEX_RETURN_IF_ERROR(hs.receive_auth(remote_auth));
  sealer_.emplace(hs.take_keys().send);
  return Status::ok();
}

Status HostilePeer::send_sealed(ByteView plaintext) {
  if (!sealer_) return Status::failed_precondition("send_sealed before a handshake");
  return send_raw(sealer_->seal(plaintext));
}

bool HostilePeer::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::array<std::uint8_t, 65536> sink{};
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, millis_left(deadline));
    if (ready == 0) return false;
    if (ready < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    const ssize_t r = ::recv(fd_, sink.data(), sink.size(), 0);
    if (r == 0) return true;
    if (r < 0 && errno != EINTR && errno != EAGAIN) return true;  // reset
  }
}

StalledHandshakes::StalledHandshakes(std::uint16_t port, std::size_t sockets, int first_host)
    : port_(port), first_host_(first_host) {
  for (std::size_t i = 0; i < sockets; ++i) {
    peers_.push_back(std::make_unique<HostilePeer>());
    if (peers_.back()->connect(port_, source(i)).is_ok()) ++open_;
  }
  thread_ = std::thread([this] { run(); });
}

StalledHandshakes::~StalledHandshakes() {
  stop_ = true;
  thread_.join();
}

std::string StalledHandshakes::source(std::size_t i) const {
  return "127.0.0." + std::to_string(first_host_ + static_cast<int>(i / 4));
}

void StalledHandshakes::run() {
  while (!stop_) {
    for (std::size_t i = 0; i < peers_.size() && !stop_; ++i) {
      // A socket the node closed (or one that never connected) goes straight back.
      if (peers_[i]->connected() && !peers_[i]->wait_closed(std::chrono::milliseconds(0))) continue;
      if (peers_[i]->connected()) --open_;
      peers_[i] = std::make_unique<HostilePeer>();
      if (peers_[i]->connect(port_, source(i)).is_ok()) ++open_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace replex::cluster
