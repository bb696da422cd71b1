#include "replex/exchange/order_book.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "replex/exchange/order.hpp"

namespace replex::exchange {
namespace {

class BookTest : public ::testing::Test {
 protected:
  Slot add(OrderId id, Side side, std::uint64_t ticks, std::uint64_t lots) {
    const Slot s = pool_.allocate();
    Order& o = pool_[s];
    o.id = id;
    o.side = side;
    o.price_ticks = ticks;
    o.open_lots = lots;
    o.visible_lots = lots;
    book_.append(s);
    return s;
  }
  std::vector<OrderId> level_ids(Side side, std::size_t rank) const {
    std::vector<OrderId> ids;
    for (Slot s = book_.level(side, rank).head; s != kNoSlot; s = pool_[s].next) ids.push_back(pool_[s].id);
    return ids;
  }

  OrderPool pool_;
  OrderBook book_{pool_};
};

TEST_F(BookTest, LevelsSortBestFirstOnBothSides) {
  add(1, Side::kBuy, 100, 1);
  add(2, Side::kBuy, 102, 1);
  add(3, Side::kBuy, 101, 1);
  add(4, Side::kSell, 110, 1);
  add(5, Side::kSell, 105, 1);
  add(6, Side::kSell, 107, 1);
  ASSERT_EQ(book_.level_count(Side::kBuy), 3u);
  EXPECT_EQ(book_.level(Side::kBuy, 0).ticks, 102u);
  EXPECT_EQ(book_.level(Side::kBuy, 1).ticks, 101u);
  EXPECT_EQ(book_.level(Side::kBuy, 2).ticks, 100u);
  EXPECT_EQ(book_.level(Side::kSell, 0).ticks, 105u);
  EXPECT_EQ(book_.level(Side::kSell, 2).ticks, 110u);
  EXPECT_EQ(book_.order_count(), 6u);
}

TEST_F(BookTest, TimePriorityWithinLevelAndO1Unlink) {
  const Slot a = add(1, Side::kBuy, 100, 2);
  const Slot b = add(2, Side::kBuy, 100, 3);
  const Slot c = add(3, Side::kBuy, 100, 4);
  EXPECT_EQ(level_ids(Side::kBuy, 0), (std::vector<OrderId>{1, 2, 3}));
  EXPECT_EQ(book_.level(Side::kBuy, 0).visible_lots, 9u);
  book_.unlink(b);
  EXPECT_EQ(level_ids(Side::kBuy, 0), (std::vector<OrderId>{1, 3}));
  EXPECT_EQ(book_.level(Side::kBuy, 0).visible_lots, 6u);
  book_.move_to_back(a);
  EXPECT_EQ(level_ids(Side::kBuy, 0), (std::vector<OrderId>{3, 1}));
  book_.set_visible(a, 1);
  EXPECT_EQ(book_.level(Side::kBuy, 0).visible_lots, 5u);
  book_.unlink(a);
  book_.unlink(c);
  EXPECT_TRUE(book_.empty(Side::kBuy));
  EXPECT_EQ(book_.order_count(), 0u);
  // Levels are recycled.
  add(9, Side::kBuy, 99, 1);
  EXPECT_EQ(book_.level(Side::kBuy, 0).ticks, 99u);
}

TEST(OrderPool, SlotsAreStableAndReused) {
  OrderPool pool;
  std::vector<Slot> slots;
  for (int i = 0; i < 10'000; ++i) {
    slots.push_back(pool.allocate());
    pool[slots.back()].id = static_cast<OrderId>(i + 1);
  }
  Order* first = &pool[slots[0]];
  for (int i = 0; i < 5'000; ++i) pool.allocate();  // growth never moves records
  EXPECT_EQ(first, &pool[slots[0]]);
  EXPECT_EQ(pool.live(), 15'000u);
  pool.release(slots[7]);
  EXPECT_EQ(pool.allocate(), slots[7]);
  EXPECT_EQ(pool[slots[7]].id, 0u);  // fresh record
}

TEST(OrderIdIndex, MatchesAMapUnderRandomInsertsAndErases) {
  OrderPool pool;
  OrderIdIndex index(pool);
  std::map<OrderId, Slot> model;
  std::vector<OrderId> live;  // for picking a random victim in O(1)
  std::mt19937_64 rng(7);
  OrderId next_id = 1;
  for (int step = 0; step < 200'000; ++step) {
    const bool insert = live.empty() || rng() % 100 < 55;
    if (insert) {
      const Slot s = pool.allocate();
      // Ids mostly sequential with gaps, as the state machine assigns them.
      next_id += 1 + rng() % 3;
      pool[s].id = next_id;
      index.insert(next_id, s);
      model.emplace(next_id, s);
      live.push_back(next_id);
    } else {
      const std::size_t pick = rng() % live.size();
      const OrderId id = live[pick];
      live[pick] = live.back();
      live.pop_back();
      index.erase(id);
      pool.release(model.at(id));
      model.erase(id);
    }
    if (step % 10'000 == 0) {
      for (const auto& [id, slot] : model) ASSERT_EQ(index.find(id), slot) << "step " << step;
      ASSERT_EQ(index.find(next_id + 1), kNoSlot);
    }
  }
  EXPECT_EQ(index.size(), model.size());
  for (const auto& [id, slot] : model) EXPECT_EQ(index.find(id), slot);
}

}  // namespace
}  // namespace replex::exchange
