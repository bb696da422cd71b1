#include "replex/core/token_bucket.hpp"

#include <algorithm>

#include "replex/core/assert.hpp"

namespace replex {

TokenBucket::TokenBucket(std::uint64_t rate_per_s, std::uint64_t burst, Clock::time_point now)
    : rate_per_ns_(static_cast<double>(rate_per_s) / 1e9),
      burst_(static_cast<double>(burst)),
      tokens_(static_cast<double>(burst)),
      last_(now) {
  REPLEX_ASSERT(rate_per_s > 0 && burst > 0);
}

void TokenBucket::refill(Clock::time_point now) {
  if (now <= last_) return;  // the steady clock never goes back, but be exact at equal times
  const auto elapsed_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + static_cast<double>(elapsed_ns) * rate_per_ns_);
  last_ = now;
}

bool TokenBucket::try_take(std::uint64_t n, Clock::time_point now) {
  refill(now);
  const auto want = static_cast<double>(n);
  if (want > tokens_) return false;
  tokens_ -= want;
  return true;
}

void TokenBucket::give_back(std::uint64_t n, Clock::time_point now) {
  refill(now);
  tokens_ = std::min(burst_, tokens_ + static_cast<double>(n));
}

double TokenBucket::available(Clock::time_point now) {
  refill(now);
  return tokens_;
}

}  // namespace replex
