#include "unknown_signer_limiter.hpp"

namespace replex::node {

UnknownSignerLimiter::Verdict UnknownSignerLimiter::charge(const p2p::NodeId& peer, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = peers_.find(peer);
  if (it == peers_.end()) {
    if (peers_.size() >= kMaxTrackedPeers) peers_.clear();
    it = peers_.emplace(peer, Entry{TokenBucket(rate_per_s_, burst_, now)}).first;
  }
  Entry& entry = it->second;
  if (entry.bucket.try_take(1, now)) {
    entry.over = false;
    return Verdict::kWithin;
  }
  if (entry.over) return Verdict::kStillOver;
  entry.over = true;
  return Verdict::kNewlyOver;
}

}  // namespace replex::node
