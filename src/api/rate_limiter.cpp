#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>

#include "replex/core/assert.hpp"

namespace replex::api {

RateLimiter::RateLimiter(std::uint32_t per_s, std::uint32_t burst, std::size_t max_clients)
    : per_s_(per_s), burst_(burst), max_clients_(max_clients) {
  REPLEX_ASSERT(per_s > 0 && burst > 0 && max_clients > 0);
}

TokenBucket& RateLimiter::bucket_locked(const std::string& client, TokenBucket::Clock::time_point now) {
  auto it = entries_.find(client);
  if (it == entries_.end()) {
    if (entries_.size() >= max_clients_) {
      entries_.erase(ages_.back());
      ages_.pop_back();
    }
    ages_.push_front(client);
    it = entries_.emplace(client, Entry{TokenBucket(per_s_, burst_, now), ages_.begin()}).first;
  } else {
    ages_.splice(ages_.begin(), ages_, it->second.age);
  }
  return it->second.bucket;
}

std::uint32_t RateLimiter::admit(const std::string& client) {
  const auto now = TokenBucket::Clock::now();
  std::lock_guard lock(mutex_);
  TokenBucket& bucket = bucket_locked(client, now);
  if (bucket.try_take(1, now)) return 0;
  const double missing = 1.0 - bucket.available(now);
  return static_cast<std::uint32_t>(std::max(1.0, std::ceil(missing / per_s_)));
}

RateLimiter::Grant RateLimiter::admit_up_to(const std::string& client, std::uint32_t wanted) {
  const auto now = TokenBucket::Clock::now();
  std::lock_guard lock(mutex_);
  TokenBucket& bucket = bucket_locked(client, now);
  const double available = bucket.available(now);
  const auto whole = static_cast<std::uint32_t>(std::min<double>(std::floor(available), wanted));
  Grant grant;
  if (whole > 0) {
    const bool taken = bucket.try_take(whole, now);
    REPLEX_ASSERT(taken);
    grant.granted = whole;
  }
  if (grant.granted < wanted) {
    const double missing = 1.0 - bucket.available(now);
    grant.retry_after_s = static_cast<std::uint32_t>(std::max(1.0, std::ceil(missing / per_s_)));
  }
  return grant;
}

}  // namespace replex::api
