// Helpers shared by the exchange benchmarks: a cycle-counter clock calibrated
// against steady_clock, latency percentiles, and heap usage from mallinfo2.
#pragma once

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace replex::exchange::bench {

// Timestamps cheap enough to take around every operation.
class CycleClock {
 public:
  static std::uint64_t now() {
#if defined(__x86_64__)
    return __rdtsc();
#else
    return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
  }
  // Nanoseconds per tick, measured once against steady_clock over ~50 ms.
  static double ns_per_tick() {
    static const double value = [] {
      const auto t0 = std::chrono::steady_clock::now();
      const std::uint64_t c0 = now();
      while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(50)) {
      }
      const auto t1 = std::chrono::steady_clock::now();
      const std::uint64_t c1 = now();
      return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(c1 - c0);
    }();
    return value;
  }
};

class LatencySamples {
 public:
  void reserve(std::size_t n) { ticks_.reserve(n); }
  void add(std::uint64_t ticks) { ticks_.push_back(ticks); }
  std::size_t size() const { return ticks_.size(); }
  // The p-th percentile (0..100) in nanoseconds.
  double percentile_ns(double p) {
    if (ticks_.empty()) return 0;
    const auto k = static_cast<std::size_t>(p / 100.0 * static_cast<double>(ticks_.size() - 1));
    std::nth_element(ticks_.begin(), ticks_.begin() + static_cast<std::ptrdiff_t>(k), ticks_.end());
    return static_cast<double>(ticks_[k]) * CycleClock::ns_per_tick();
  }

 private:
  std::vector<std::uint64_t> ticks_;
};

// Bytes currently allocated from the heap.
inline std::size_t heap_in_use() { return mallinfo2().uordblks + mallinfo2().hblkhd; }

}  // namespace replex::exchange::bench
