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

 private:
  struct Entry {
    TokenBucket bucket;
    std::list<std::string>::iterator age;
  };

  const std::uint32_t per_s_;
  const std::uint32_t burst_;
  const std::size_t max_clients_;
  std::mutex mutex_;
  std::list<std::string> ages_;  // most recently seen first; guarded by mutex_
  std::unordered_map<std::string, Entry, KeyedStringHasher> entries_;  // guarded by mutex_; keys chosen by clients
};

}  // namespace replex::api
