#include "replex/exchange/order_book.hpp"

#include <algorithm>

#include "replex/core/assert.hpp"

namespace replex::exchange {

const PriceLevel& OrderBook::level(Side side, std::size_t rank) const {
  const auto& v = refs(side);
  REPLEX_ASSERT(rank < v.size());
  return levels_[v[v.size() - 1 - rank].level];
}

std::uint32_t OrderBook::level_id(Side side, std::size_t rank) const {
  const auto& v = refs(side);
  REPLEX_ASSERT(rank < v.size());
  return v[v.size() - 1 - rank].level;
}

std::uint32_t OrderBook::find_or_create_level(Side side, std::uint64_t ticks) {
  auto& v = refs(side);
  const std::uint64_t key = key_of(side, ticks);
  // Most arrivals join the touch or a level near it, i.e. the back.
  auto it = v.end();
  if (v.empty() || v.back().key < key) {
    it = v.end();
  } else if (v.back().key == key) {
    return v.back().level;
  } else {
    it = std::lower_bound(v.begin(), v.end(), key,
                          [](const LevelRef& r, std::uint64_t k) { return r.key < k; });
    if (it->key == key) return it->level;
  }
  std::uint32_t id;
  if (free_level_ != kNoSlot) {
    id = free_level_;
    free_level_ = levels_[id].next_free;
  } else {
    id = static_cast<std::uint32_t>(levels_.size());
    levels_.emplace_back();
  }
  levels_[id] = PriceLevel{};
  levels_[id].ticks = ticks;
  v.insert(it, LevelRef{key, id});
  return id;
}

void OrderBook::erase_level(Side side, std::uint32_t id) {
  auto& v = refs(side);
  const std::uint64_t key = key_of(side, levels_[id].ticks);
  auto it = v.end() - 1;
  if (it->key != key) {
    it = std::lower_bound(v.begin(), v.end(), key,
                          [](const LevelRef& r, std::uint64_t k) { return r.key < k; });
  }
  REPLEX_ASSERT(it != v.end() && it->key == key && it->level == id);
  v.erase(it);
  levels_[id] = PriceLevel{};
  levels_[id].next_free = free_level_;
  free_level_ = id;
}

void OrderBook::append(Slot slot) {
  Order& o = pool_[slot];
  REPLEX_ASSERT_MSG(!o.resting() && !o.pending_stop(), "order " + std::to_string(o.id) + " already in a book");
  REPLEX_ASSERT(o.price_ticks > 0 && o.visible_lots > 0 && o.visible_lots <= o.open_lots);
  const std::uint32_t id = find_or_create_level(o.side, o.price_ticks);
  PriceLevel& l = levels_[id];
  o.level = id;
  o.prev = l.tail;
  o.next = kNoSlot;
  if (l.tail != kNoSlot) {
    pool_[l.tail].next = slot;
  } else {
    l.head = slot;
  }
  l.tail = slot;
  l.visible_lots += o.visible_lots;
  ++l.orders;
  ++orders_;
}

void OrderBook::unlink(Slot slot) {
  Order& o = pool_[slot];
  REPLEX_ASSERT(o.resting());
  const std::uint32_t id = o.level;
  PriceLevel& l = levels_[id];
  if (o.prev != kNoSlot) {
    pool_[o.prev].next = o.next;
  } else {
    l.head = o.next;
  }
  if (o.next != kNoSlot) {
    pool_[o.next].prev = o.prev;
  } else {
    l.tail = o.prev;
  }
  REPLEX_ASSERT(l.visible_lots >= o.visible_lots && l.orders > 0);
  l.visible_lots -= o.visible_lots;
  --l.orders;
  --orders_;
  o.level = kNoSlot;
  o.prev = kNoSlot;
  o.next = kNoSlot;
  if (l.orders == 0) erase_level(o.side, id);
}

void OrderBook::move_to_back(Slot slot) {
  Order& o = pool_[slot];
  REPLEX_ASSERT(o.resting());
  PriceLevel& l = levels_[o.level];
  if (l.tail == slot) return;
  // Detach (o.next exists since o is not the tail) ...
  if (o.prev != kNoSlot) {
    pool_[o.prev].next = o.next;
  } else {
    l.head = o.next;
  }
  pool_[o.next].prev = o.prev;
  // ... and re-attach after the tail.
  pool_[l.tail].next = slot;
  o.prev = l.tail;
  o.next = kNoSlot;
  l.tail = slot;
}

void OrderBook::set_visible(Slot slot, std::uint64_t visible_lots) {
  Order& o = pool_[slot];
  REPLEX_ASSERT(o.resting() && visible_lots <= o.open_lots);
  PriceLevel& l = levels_[o.level];
  REPLEX_ASSERT(l.visible_lots >= o.visible_lots);
  l.visible_lots = l.visible_lots - o.visible_lots + visible_lots;
  o.visible_lots = visible_lots;
}

}  // namespace replex::exchange
