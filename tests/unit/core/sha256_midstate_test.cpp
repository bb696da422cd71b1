#include "replex/core/sha256_midstate.hpp"

#include <gtest/gtest.h>

#include "replex/core/hash.hpp"

namespace replex {
namespace {

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 31 + (i >> 7));
  return out;
}

TEST(Sha256Midstate, ResumedHashEqualsOneShotHash) {
  for (std::size_t head : {0u, 64u, 128u, 4096u}) {
    for (std::size_t tail : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 1000u}) {
      const Bytes msg = pattern(head + tail, static_cast<std::uint8_t>(head + tail));
      const ByteView view(msg);
      const Hash256 mid = sha256_advance(sha256_initial_midstate(), 0, view.first(head));
      EXPECT_EQ(sha256_finish(mid, head, view.subspan(head)), sha256(view)) << head << "+" << tail;
    }
  }
}

TEST(Sha256Midstate, AdvanceComposes) {
  const Bytes msg = pattern(640, 7);
  const ByteView view(msg);
  const Hash256 a = sha256_advance(sha256_initial_midstate(), 0, view.first(192));
  const Hash256 b = sha256_advance(a, 192, view.subspan(192));
  EXPECT_EQ(b, sha256_advance(sha256_initial_midstate(), 0, view));
  EXPECT_EQ(sha256_finish(b, 640, {}), sha256(view));
}

TEST(Sha256Midstate, EmptyMessage) {
  EXPECT_EQ(sha256_finish(sha256_initial_midstate(), 0, {}), sha256(ByteView{}));
}

}  // namespace
}  // namespace replex
