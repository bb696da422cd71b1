// The order record, its pooled storage and the id -> record index.
//
// Every open order (resting in a book or a pending stop) is one 128-byte
// Order in an OrderPool, addressed by a 32-bit slot that stays valid until
// the slot is released. The book links resting orders through prev/next
// slots (intrusive lists per price level); the exchange owns the other fields.
// Single-threaded; nothing here is iterated into replicated output.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "replex/exchange/types.hpp"

namespace replex::exchange {

using Slot = std::uint32_t;
inline constexpr Slot kNoSlot = UINT32_MAX;

struct Order {
  static constexpr std::uint8_t kPostOnly = 1;
  static constexpr std::uint8_t kPendingStop = 2;

  OrderId id = 0;
  std::uint64_t price_ticks = 0;    // limit price; 0 = no limit (market orders)
  std::uint64_t open_lots = 0;      // not yet filled: visible + hidden
  std::uint64_t visible_lots = 0;   // the slice shown in the book (== open_lots unless iceberg)
  std::uint64_t display_lots = 0;   // iceberg slice size; 0 = not an iceberg
  std::uint64_t filled_lots = 0;
  std::uint64_t locked = 0;         // funds still locked for this order (base for sells, quote for buys)
  Slot prev = kNoSlot;              // neighbours in its price level (book-owned)
  Slot next = kNoSlot;
  std::uint32_t level = kNoSlot;    // level slot while resting (book-owned)
  std::uint32_t account = 0;        // dense account index; compared for self-trade prevention only
  std::uint32_t account_pos = 0;    // position in the account's order list
  MarketIndex market = 0;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  SelfTradePrevention stp = SelfTradePrevention::kExpireMaker;
  std::uint8_t flags = 0;
  std::uint8_t client_id_len = 0;
  char client_id[36] = {};

  bool post_only() const { return (flags & kPostOnly) != 0; }
  bool pending_stop() const { return (flags & kPendingStop) != 0; }
  bool resting() const { return level != kNoSlot; }
  bool is_iceberg() const { return display_lots != 0; }
  std::string_view client_order_id() const { return {client_id, client_id_len}; }
  void set_client_order_id(std::string_view value);
};
static_assert(sizeof(Order) == 128, "Order is sized to two cache lines; keep it so");

// Chunked storage: slots never move, growth never copies records, and the
// memory held is at most one chunk above the peak number of live orders.
class OrderPool {
 public:
  OrderPool() = default;
  OrderPool(const OrderPool&) = delete;
  OrderPool& operator=(const OrderPool&) = delete;

  // A slot holding a default Order.
  Slot allocate();
  void release(Slot slot);

  Order& operator[](Slot slot) { return chunks_[slot >> kChunkShift][slot & kChunkMask]; }
  const Order& operator[](Slot slot) const { return chunks_[slot >> kChunkShift][slot & kChunkMask]; }

  std::size_t live() const { return live_; }

 private:
  static constexpr std::uint32_t kChunkShift = 12;  // 4096 orders, 512 KiB per chunk
  static constexpr std::uint32_t kChunkOrders = 1u << kChunkShift;
  static constexpr std::uint32_t kChunkMask = kChunkOrders - 1;

  std::vector<std::unique_ptr<Order[]>> chunks_;
  Slot free_head_ = kNoSlot;  // released slots, chained through Order::next
  Slot next_unused_ = 0;
  std::size_t live_ = 0;
};

// Open-addressing order id -> slot index (linear probing, backward-shift
// deletion, load <= 1/2). Ids are assigned sequentially by the state machine,
// so clients cannot steer the hash; groups of 8 consecutive ids share one
// 64-byte line (the group is hashed, the low 3 bits pick the entry), which
// keeps inserts of new orders and lookups of recent ones in cache. Entries
// keep the id's low 32 bits beside the slot and are placed by them alone, so
// only a lookup's final match reads the pool.
class OrderIdIndex {
 public:
  explicit OrderIdIndex(const OrderPool& pool) : pool_(pool) {}
  OrderIdIndex(const OrderIdIndex&) = delete;
  OrderIdIndex& operator=(const OrderIdIndex&) = delete;

  // Precondition: `id` is absent and pool[slot].id == id.
  void insert(OrderId id, Slot slot);
  Slot find(OrderId id) const;  // kNoSlot if absent
  // Precondition: `id` is present.
  void erase(OrderId id);
  std::size_t size() const { return size_; }

 private:
  static constexpr std::uint64_t kEmpty = UINT64_MAX;
  struct LineDeleter {
    void operator()(std::uint64_t* p) const;
  };
  std::size_t home(OrderId id) const;
  void grow();

  const OrderPool& pool_;
  std::unique_ptr<std::uint64_t[], LineDeleter> table_;  // (slot << 32) | low 32 bits of id, or kEmpty
  std::size_t capacity_ = 0;  // a power of two, >= 1024
  std::size_t size_ = 0;
  unsigned shift_ = 64;
};

}  // namespace replex::exchange
