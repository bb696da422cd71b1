// FaultProxy: a fault-injecting TCP forwarder on 127.0.0.1 for the cluster
// tests. Each link listens on its own OS-chosen port and forwards every
// connection to one target port; a test switches a link between
//  - kForward: bytes pass both ways;
//  - kDrop: a blackhole; connections stay open, bytes are read and discarded
//    both ways, new connections are accepted and never forwarded;
//  - kClose: open connections are closed, new ones closed at accept.
// Leaving kDrop or kClose closes the connections that saw the fault (their
// byte streams have gaps that would read as tampered frames), so peers
// reconnect cleanly. One Asio thread does all the I/O; public methods are
// thread-safe and return once the change is in effect.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "replex/core/status.hpp"

namespace replex::cluster {

class FaultProxy {
 public:
  enum class Mode : std::uint8_t { kForward, kDrop, kClose };
  using LinkId = std::size_t;

  FaultProxy();   // starts the I/O thread
  ~FaultProxy();  // closes every socket, joins the thread
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // A new link forwarding 127.0.0.1:<listen port> to 127.0.0.1:target_port.
  Result<LinkId> add_link(std::string name, std::uint16_t target_port);
  std::uint16_t listen_port(LinkId link) const;
  void set_mode(LinkId link, Mode mode);
  // Connections the link accepted so far (a sign that traffic uses it).
  std::uint64_t accepted(LinkId link) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace replex::cluster
