// UnknownSignerLimiter: per peer, a token bucket of gossiped transactions
// that the mempool refused because their signer has no account.
//
// Such a transaction has a valid signature (verify_tx passed, which cost a
// verification) yet comes from a key anyone can create for free. An honest
// relay gossips only what passed check_tx on its own state, so it sends these
// only when it executed a funding deposit before us: rare. A peer beyond its
// bucket is reported to p2p like one relaying transactions that fail
// verify_tx. Thread-safe (verdicts arrive on the consensus thread and workers).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>

#include "replex/core/token_bucket.hpp"
#include "replex/p2p/network.hpp"

namespace replex::node {

class UnknownSignerLimiter {
 public:
  using Clock = TokenBucket::Clock;

  // Peers tracked at once; beyond it every bucket is forgotten (which only
  // forgives: each peer starts again from a full burst).
  static constexpr std::size_t kMaxTrackedPeers = 4'096;

  UnknownSignerLimiter(std::uint32_t rate_per_s, std::uint32_t burst) : rate_per_s_(rate_per_s), burst_(burst) {}

  enum class Verdict : std::uint8_t {
    kWithin,     // the peer had allowance left
    kNewlyOver,  // it just ran out: report it (once)
    kStillOver,  // it ran out before and has not recovered: reported already
  };
  // Charges one refused transaction to `peer`.
  Verdict charge(const p2p::NodeId& peer, Clock::time_point now);

 private:
  struct Entry {
    TokenBucket bucket;
    bool over = false;
  };
  const std::uint32_t rate_per_s_;
  const std::uint32_t burst_;
  std::mutex mu_;
  std::map<p2p::NodeId, Entry> peers_;  // ordered: peer ids are chosen by peers
};

}  // namespace replex::node
