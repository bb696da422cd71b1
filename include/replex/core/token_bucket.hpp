// A token bucket: p2p's per-peer inbound rate limit and the API's per-key and
// per-IP request limits.
//
// Starts full; refills at `rate_per_s` up to `burst`. Time is an input, so
// tests drive it. Not thread-safe: its owner serialises calls.
#pragma once

#include <chrono>
#include <cstdint>

namespace replex {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(std::uint64_t rate_per_s, std::uint64_t burst, Clock::time_point now);

  // Takes `n` tokens if the bucket holds them; otherwise takes none.
  bool try_take(std::uint64_t n, Clock::time_point now);
  double available(Clock::time_point now);
  // Returns `n` tokens taken earlier (never above the burst).
  void give_back(std::uint64_t n, Clock::time_point now);

 private:
  void refill(Clock::time_point now);

  double rate_per_ns_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace replex
