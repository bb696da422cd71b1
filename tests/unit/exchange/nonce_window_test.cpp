// NonceWindow (private to the exchange module): increasing nonces, nonces out
// of order, expiry against the floor, revival of an expired nonce, bulk
// compaction, nonce-ordered iteration over every part, and the inline part
// spilling to the heap and back, checked against a plain std::map model.
#include "nonce_window.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
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

// The window next to the simplest model of it: a map of the live nonces,
// pruned the way State's expiry index prunes the window.
class Differential {
 public:
  // Records `nonce` unless it is live; checks contains() either way.
  void use(std::uint64_t nonce, std::uint64_t good_til) {
    const bool live = model_.contains(nonce);
    ASSERT_EQ(w_.contains(nonce, floor_), live) << "nonce " << nonce;
    if (live) return;
    expiry_[good_til].push_back(w_.insert(nonce, good_til, floor_));
    model_[nonce] = good_til;
  }
  // Moves the floor up as prune_nonces does: expire everything below, then compact.
  void advance(std::uint64_t floor) {
    auto it = expiry_.begin();
    for (; it != expiry_.end() && it->first < floor; it = expiry_.erase(it)) {
      for (const auto& entry : it->second) w_.expire(entry);
    }
    w_.compact(floor);
    floor_ = floor;
    std::erase_if(model_, [floor](const auto& e) { return e.second < floor; });
  }
  void check(std::mt19937_64& rng) {
    ASSERT_TRUE(w_.consistent(floor_));
    ASSERT_EQ(w_.size(), model_.size());
    Entries expected(model_.begin(), model_.end());
    ASSERT_EQ(live(w_, floor_), expected);
    for (const auto& [nonce, good_til] : model_) {
      ASSERT_TRUE(w_.contains(nonce, good_til));
      ASSERT_FALSE(w_.contains(nonce, good_til + 1));
    }
    for (int i = 0; i < 20; ++i) {
      const std::uint64_t probe = rng() % (max_nonce() + 2);
      ASSERT_EQ(w_.contains(probe, floor_), model_.contains(probe)) << "probe " << probe;
    }
  }
  std::uint64_t floor() const { return floor_; }
  const NonceWindow& window() const { return w_; }

 private:
  std::uint64_t max_nonce() const { return model_.empty() ? 0 : model_.rbegin()->first; }

  NonceWindow w_;
  std::map<std::uint64_t, std::uint64_t> model_;  // live nonce -> good_til
  std::map<std::uint64_t, std::vector<NonceWindow::Entry>> expiry_;
  std::uint64_t floor_ = 1;
};

TEST(NonceWindow, MatchesAMapUnderMostlyIncreasingJitteredNonces) {
  // A client counting up, its cancels overtaking its placements, a few stale
  // retries; windows from empty to several times the inline part.
  for (const std::uint64_t per_block : {2u, 10u, 40u, 200u}) {
    std::mt19937_64 rng(per_block);
    Differential d;
    std::uint64_t counter = 1'000;
    for (std::uint64_t block = 0; block < 60; ++block) {
      for (std::uint64_t i = 0; i < per_block; ++i) {
        const std::uint64_t dice = rng() % 100;
        std::uint64_t nonce = ++counter;
        if (dice < 20) nonce = counter - rng() % 20;        // slightly out of order
        else if (dice < 25) nonce = counter - rng() % 500;  // far back: the map
        d.use(nonce, d.floor() + rng() % 4);
      }
      d.check(rng);
      d.advance(d.floor() + 1);
      d.check(rng);
    }
    // Idle: everything expires and the heap part goes.
    d.advance(d.floor() + 10);
    d.check(rng);
    EXPECT_EQ(d.window().size(), 0u);
    EXPECT_EQ(d.window().spilled(), 0u) << per_block;
  }
}

TEST(NonceWindow, MatchesAMapUnderAdversarialNonces) {
  // Random, descending and reused nonces with long and short good_til heights.
  std::mt19937_64 rng(99);
  Differential d;
  std::uint64_t descending = 1'000'000;
  for (int step = 0; step < 4'000; ++step) {
    const std::uint64_t dice = rng() % 100;
    std::uint64_t nonce = 0;
    if (dice < 40) nonce = rng() % 5'000;
    else if (dice < 70) nonce = --descending;
    else if (dice < 90) nonce = 2'000'000 + step;
    else nonce = rng() % 64;  // small nonces, reused once they expire
    d.use(nonce, d.floor() + rng() % 30);
    if (step % 50 == 49) {
      d.check(rng);
      d.advance(d.floor() + 1 + rng() % 5);
    }
  }
  d.check(rng);
  d.advance(d.floor() + 100);
  d.check(rng);
  EXPECT_EQ(d.window().spilled(), 0u);
}

TEST(NonceWindow, InlinePartFullOfExpiredEntriesIsRefilledFromTheHeap) {
  // 40 long-lived nonces spill to the heap; 16 short-lived ones then fill the
  // inline part and expire, too few to compact. The next nonce needs room.
  NonceWindow w;
  std::vector<NonceWindow::Entry> short_lived;
  for (std::uint64_t nonce = 1; nonce <= 40; ++nonce) w.insert(nonce, 100, 1);
  for (std::uint64_t nonce = 41; nonce <= 40 + NonceWindow::kInline; ++nonce) short_lived.push_back(w.insert(nonce, 2, 1));
  for (const auto& e : short_lived) w.expire(e);
  w.compact(3);
  EXPECT_EQ(w.size(), 40u);
  w.insert(1'000, 9, 3);
  EXPECT_TRUE(w.consistent(3));
  EXPECT_EQ(w.size(), 41u);
  EXPECT_TRUE(w.contains(40, 3));
  EXPECT_TRUE(w.contains(1'000, 3));
  EXPECT_FALSE(w.contains(41, 3));
  Entries expected;
  for (std::uint64_t nonce = 1; nonce <= 40; ++nonce) expected.emplace_back(nonce, 100);
  expected.emplace_back(1'000, 9);
  EXPECT_EQ(live(w, 3), expected);
}

TEST(NonceWindow, LongWindowKeepsItsRecentEndInlineAndSpillsTheRest) {
  NonceWindow w;
  const std::uint64_t n = 10 * NonceWindow::kInline;
  for (std::uint64_t nonce = 1; nonce <= n; ++nonce) w.insert(nonce, 5, 1);
  EXPECT_EQ(w.size(), n);
  EXPECT_GE(w.spilled(), n - NonceWindow::kInline);
  EXPECT_LT(w.spilled(), n);
  EXPECT_TRUE(w.contains(1, 1));
  EXPECT_TRUE(w.contains(n, 1));
  EXPECT_TRUE(w.consistent(1));
}

}  // namespace
}  // namespace replex::exchange
