#include "rate_limiter.hpp"

#include <cmath>

#include "replex/core/assert.hpp"

namespace replex::api {

RateLimiter::RateLimiter(std::uint32_t per_s, std::uint32_t burst, std::size_t max_clients)
    : per_s_(per_s), burst_(burst), max_clients_(max_clients) {
  REPLEX_ASSERT(per_s > 0 && burst > 0 && max_clients > 0);
}

std::uint32_t RateLimiter::admit(const std::string& client) {
  const auto now = TokenBucket::Clock::now();
  std::lock_guard lock(mutex_);
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
  if (it->second.bucket.try_take(1, now)) return 0;
  const double missing = 1.0 - it->second.bucket.available(now);
  return static_cast<std::uint32_t>(std::max(1.0, std::ceil(missing / per_s_)));
}

}  // namespace replex::api
