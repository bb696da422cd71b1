#include "request_flood.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <memory>

#include "hostile_peer.hpp"
#include "replex/core/codec.hpp"
#include "replex/p2p/message.hpp"

namespace replex::cluster {

RequestFlood::RequestFlood(std::uint16_t port, std::string chain_id, std::size_t peers)
    : port_(port), chain_id_(std::move(chain_id)) {
  for (std::size_t i = 0; i < peers; ++i) threads_.emplace_back([this] { run(); });
}

RequestFlood::~RequestFlood() {
  stop_ = true;
  for (std::thread& t : threads_) t.join();
}

void RequestFlood::run() {
  // An attacker floods from its own machines; here it shares the validators'
  // cores. At the lowest priority the flood still sends as fast as the cores
  // allow, but the test measures what serving it costs the validators, not
  // how the scheduler splits two cores between them and the attacker.
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
  // "Your newest proven state above height 0", the most a peer can make a
  // node read: kind 2 (state), from_height, to_height (include/replex/host/peer_request.hpp).
  ByteWriter w(17);
  w.u8(2);
  w.u64(0);
  w.u64(0);
  const Bytes payload = w.take();
  constexpr int kRequestsPerDrain = 32;
  std::uint64_t id = 0;
  while (!stop_) {
    auto peer = std::make_unique<HostilePeer>();
    if (!peer->connect(port_).is_ok() || !peer->handshake(chain_id_).is_ok()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // refused or banned: try another identity
      continue;
    }
    ++identities_;
    bool open = true;
    while (open && !stop_) {
      for (int i = 0; i < kRequestsPerDrain && open; ++i) {
        const Bytes frame = p2p::encode_message(p2p::Request{p2p::Channel::kStateTransfer, ++id, payload});
        open = peer->send_sealed(frame).is_ok();
        if (open) ++sent_;
      }
      // Discard whatever was answered; true means the node closed on us.
      if (open && peer->wait_closed(std::chrono::milliseconds(0))) open = false;
    }
  }
}

}  // namespace replex::cluster
