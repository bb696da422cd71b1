// RateLimiter: requests per second per client (an API key, an account, an
// IP address), each a token bucket, in a table of at most `max_clients`
// entries where the least recently seen client is dropped first (a dropped
// client starts again with a full bucket). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "replex/core/bytes.hpp"
#include "replex/core/token_bucket.hpp"

namespace replex::api {

class RateLimiter {
 public:
  RateLimiter(std::uint32_t per_s, std::uint32_t burst, std::size_t max_clients);

  // 0 when `client` may go ahead (a token is taken), else the seconds to wait (>= 1).
  std::uint32_t admit(const std::string& client);

  struct Grant {
    std::uint32_t granted = 0;       // tokens taken, <= wanted
    std::uint32_t retry_after_s = 0;  // when granted < wanted: seconds until one more token (>= 1)
  };
  // Takes as many of `wanted` tokens as the bucket holds (a batch of orders
  // counts each order): the first `granted` may go ahead.
  Grant admit_up_to(const std::string& client, std::uint32_t wanted);

 private:
  struct Entry {
    TokenBucket bucket;
    std::list<std::string>::iterator age;
  };

  // Under mutex_: the client's entry, made (full) or refreshed as most recently seen.
  TokenBucket& bucket_locked(const std::string& client, TokenBucket::Clock::time_point now);

  const std::uint32_t per_s_;
  const std::uint32_t burst_;
  const std::size_t max_clients_;
  std::mutex mutex_;
  std::list<std::string> ages_;  // most recently seen first; guarded by mutex_
  std::unordered_map<std::string, Entry, KeyedStringHasher> entries_;  // guarded by mutex_; keys chosen by clients
};

}  // namespace replex::api
