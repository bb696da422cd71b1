// NonceWindow (private to the exchange module): increasing nonces, nonces out
// of order, expiry against the floor, revival of an expired nonce, bulk
// compaction, and nonce-ordered iteration over both halves.
#include "nonce_window.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace replex::exchange {
namespace {

using Entries = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

Entries live(const NonceWindow& w, std::uint64_t floor) {
  Entries out;
  w.for_each(floor, [&out](std::uint64_t nonce, std::uint64_t good_til) { out.emplace_back(nonce, good_til); });
  return out;
}

TEST(NonceWindow, IncreasingAndOutOfOrderNoncesAreBothFoundAndIteratedInOrder) {
  NonceWindow w;
  for (std::uint64_t n = 100; n < 100 + NonceWindow::kShiftMax; ++n) w.insert(n, 20, 1);
  w.insert(5, 10, 1);  // just below the end: in place
  w.insert(9, 12, 1);
  const auto low = w.insert(2, 11, 1);  // far below the end: the ordered map
  EXPECT_TRUE(low.in_map);
  EXPECT_TRUE(w.contains(5, 1));
  EXPECT_TRUE(w.contains(2, 1));
  EXPECT_FALSE(w.contains(3, 1));
  EXPECT_FALSE(w.contains(5, 11));  // good_til 10 is below the asked minimum
  EXPECT_EQ(w.size(), 3u + NonceWindow::kShiftMax);
  Entries expected{{2, 11}, {5, 10}, {9, 12}};
  for (std::uint64_t n = 100; n < 100 + NonceWindow::kShiftMax; ++n) expected.emplace_back(n, 20);
  EXPECT_EQ(live(w, 1), expected);
  EXPECT_TRUE(w.consistent(1));
}

TEST(NonceWindow, ExpiredEntriesAreSkippedRevivedAndCompacted) {
  NonceWindow w;
  const auto a = w.insert(1, 3, 1);
  const auto b = w.insert(2, 5, 1);
  const auto c = w.insert(3, 5, 1);
  const auto d = w.insert(4, 9, 1);
  // Floor 4: nonce 1 (good_til 3) expires; one of four is not enough to compact.
  w.expire(a);
  w.compact(4);
  EXPECT_FALSE(w.contains(1, 4));
  EXPECT_EQ(w.size(), 3u);
  EXPECT_EQ(live(w, 4), (Entries{{2, 5}, {3, 5}, {4, 9}}));
  EXPECT_TRUE(w.consistent(4));
  // The expired nonce 1 may be used again; it takes its old place.
  const auto revived = w.insert(1, 8, 4);
  EXPECT_FALSE(revived.in_map);
  EXPECT_TRUE(w.contains(1, 4));
  EXPECT_TRUE(w.consistent(4));
  // Floor 6: nonces 2 and 3 expire, half of the vector: dropped in bulk.
  w.expire(b);
  w.expire(c);
  w.compact(6);
  EXPECT_EQ(live(w, 6), (Entries{{1, 8}, {4, 9}}));
  EXPECT_TRUE(w.consistent(6));
  // Floor 10: everything goes.
  w.expire(revived);
  w.expire(d);
  w.compact(10);
  EXPECT_EQ(w.size(), 0u);
  EXPECT_TRUE(live(w, 10).empty());
  EXPECT_TRUE(w.consistent(10));
}

TEST(NonceWindow, DescendingNoncesStayLogarithmic) {
  // Nonces far below the last go to the ordered map, never deep into the vector.
  NonceWindow w;
  w.insert(1'000'000, 50, 1);
  for (std::uint64_t n = 999'999; n > 900'000; --n) w.insert(n, 50, 1);
  EXPECT_EQ(w.size(), 100'000u);
  EXPECT_TRUE(w.contains(950'000, 1));
  EXPECT_FALSE(w.contains(900'000, 1));
  EXPECT_TRUE(w.consistent(1));
}

}  // namespace
}  // namespace replex::exchange
