#include "backoff.hpp"

#include <algorithm>

#include "replex/core/assert.hpp"

namespace replex::p2p {

std::chrono::milliseconds backoff_delay(std::uint32_t failures, std::uint32_t min_ms, std::uint32_t max_ms,
                                        double unit) {
  REPLEX_ASSERT(min_ms >= 1 && max_ms >= min_ms);
  REPLEX_ASSERT(unit >= 0.0 && unit < 1.0);
  const std::uint32_t shift = std::min<std::uint32_t>(failures, 32);
  const std::uint64_t doubled = std::uint64_t{min_ms} << shift;
  const std::uint64_t base = std::min<std::uint64_t>(doubled, max_ms);
  const double jittered = static_cast<double>(base) * (0.75 + 0.5 * unit);
  const auto ms = static_cast<std::uint64_t>(jittered);
  return std::chrono::milliseconds(std::clamp<std::uint64_t>(ms, 1, max_ms));
}

}  // namespace replex::p2p
