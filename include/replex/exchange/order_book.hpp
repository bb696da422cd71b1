// OrderBook: the resting orders of one market, by price then time.
//
// Each side keeps its price levels in a vector sorted so the best level is at
// the back (insert and erase near the touch move few entries); each level is
// a pooled record holding an intrusive doubly-linked list of order slots, so
// cancel is O(1) once the id index has found the slot, with no scan inside a
// level. The book only links and unlinks; it never allocates or frees order
// records and knows nothing of funds. Single-threaded.
#pragma once

#include <cstdint>
#include <vector>

#include "replex/exchange/order.hpp"

namespace replex::exchange {

struct PriceLevel {
  std::uint64_t ticks = 0;
  std::uint64_t visible_lots = 0;  // sum of the shown slices
  Slot head = kNoSlot;             // oldest (first to match)
  Slot tail = kNoSlot;
  std::uint32_t orders = 0;
  std::uint32_t next_free = kNoSlot;
};

class OrderBook {
 public:
  explicit OrderBook(OrderPool& pool) : pool_(pool) {}
  OrderBook(const OrderBook&) = delete;
  OrderBook& operator=(const OrderBook&) = delete;

  // Links pool[slot] (side, price_ticks, visible_lots set; not resting) at the
  // back of its level, creating the level if needed.
  void append(Slot slot);
  // Unlinks a resting order; erases its level when it empties. The record stays allocated.
  void unlink(Slot slot);
  // Moves a resting order to the back of its level (an iceberg refill loses priority).
  void move_to_back(Slot slot);
  // Sets a resting order's shown slice, keeping the level total in step.
  void set_visible(Slot slot, std::uint64_t visible_lots);

  // Levels of one side, best first: index 0 is the touch.
  std::size_t level_count(Side side) const { return refs(side).size(); }
  const PriceLevel& level(Side side, std::size_t rank) const;
  // The level id of the level at `rank`, for walking a level's orders.
  std::uint32_t level_id(Side side, std::size_t rank) const;
  const PriceLevel& level_by_id(std::uint32_t id) const { return levels_[id]; }
  bool empty(Side side) const { return refs(side).empty(); }
  std::size_t order_count() const { return orders_; }

  // True if a price `ticks` on `side` is better than or equal to `other`.
  static bool at_least_as_good(Side side, std::uint64_t ticks, std::uint64_t other) {
    return side == Side::kBuy ? ticks >= other : ticks <= other;
  }

 private:
  // Sorted ascending by key; key = ticks for bids and ~ticks for asks, so the
  // best level of either side is at the back.
  struct LevelRef {
    std::uint64_t key;
    std::uint32_t level;
  };
  static std::uint64_t key_of(Side side, std::uint64_t ticks) { return side == Side::kBuy ? ticks : ~ticks; }
  std::vector<LevelRef>& refs(Side side) { return side == Side::kBuy ? bids_ : asks_; }
  const std::vector<LevelRef>& refs(Side side) const { return side == Side::kBuy ? bids_ : asks_; }
  std::uint32_t find_or_create_level(Side side, std::uint64_t ticks);
  void erase_level(Side side, std::uint32_t level);

  OrderPool& pool_;
  std::vector<PriceLevel> levels_;
  std::uint32_t free_level_ = kNoSlot;
  std::vector<LevelRef> bids_;
  std::vector<LevelRef> asks_;
  std::size_t orders_ = 0;
};

}  // namespace replex::exchange
