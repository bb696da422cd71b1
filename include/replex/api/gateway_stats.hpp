// GatewayStats: what the REST and WebSocket servers count, for the node's
// metrics (docs/metrics.md). Lock-free counters; any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <utility>

namespace replex::api {

struct GatewayStats {
  // The statuses the gateway answers with, and one slot for any other.
  static constexpr std::array<int, 15> kStatuses = {200, 202, 400, 401, 403, 404, 409, 413,
                                                    422, 429, 431, 500, 503, 504, 0};
  std::array<std::atomic<std::uint64_t>, kStatuses.size()> http_responses{};
  std::atomic<std::uint64_t> ws_sessions_open{0};
  std::atomic<std::uint64_t> ws_messages_sent{0};
  std::atomic<std::uint64_t> ws_slow_consumers{0};

  void count_response(int status) {
    std::size_t i = 0;
    while (i + 1 < kStatuses.size() && kStatuses[i] != status) ++i;
    http_responses[i].fetch_add(1, std::memory_order_relaxed);
  }
};

}  // namespace replex::api
