// Private to p2p: the redial delay after consecutive failures.
#pragma once

#include <chrono>
#include <cstdint>

namespace replex::p2p {

// min_ms * 2^failures capped at max_ms, then scaled by a jitter factor in
// [0.75, 1.25) from `unit` in [0, 1) (so peers that failed together do not
// redial together), and capped at max_ms again.
std::chrono::milliseconds backoff_delay(std::uint32_t failures, std::uint32_t min_ms, std::uint32_t max_ms,
                                        double unit);

}  // namespace replex::p2p
