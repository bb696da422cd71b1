// Prng: the simulator's only source of randomness (xoshiro256** seeded by
// splitmix64). Same seed, same sequence, on every platform: the
// distributions are written out here rather than taken from <random>,
// whose distributions are implementation-defined.
#pragma once

#include <cstdint>
#include <vector>

#include "replex/core/assert.hpp"

namespace replex::sim {

class Prng {
 public:
  explicit Prng(std::uint64_t seed) {
    for (std::uint64_t& word : s_) word = splitmix64(seed);
  }

  // An independent stream for one concern (network, workload, faults), so a
  // change in how one consumes numbers does not reshuffle the others.
  Prng fork(std::uint64_t stream) const {
    std::uint64_t x = s_[0] ^ (stream * 0x9e3779b97f4a7c15ull);
    return Prng(splitmix64(x));
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n), n > 0 (Lemire's multiply-shift, rejection-free
  // bias below 2^-64 * n, negligible for simulator ranges).
  std::uint64_t below(std::uint64_t n) {
    REPLEX_ASSERT(n > 0);
    __extension__ using Wide = unsigned __int128;
    return static_cast<std::uint64_t>((static_cast<Wide>(next()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  std::uint64_t range(std::uint64_t lo, std::uint64_t hi) {
    REPLEX_ASSERT(lo <= hi);
    return lo + below(hi - lo + 1);
  }
  // True with probability `per_million` / 1'000'000.
  bool chance_ppm(std::uint64_t per_million) { return below(1'000'000) < per_million; }
  bool coin() { return (next() >> 63) != 0; }

  template <typename T>
  const T& pick(const std::vector<T>& items) {
    REPLEX_ASSERT(!items.empty());
    return items[below(items.size())];
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  std::uint64_t s_[4];
};

}  // namespace replex::sim
