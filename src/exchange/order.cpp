#include "replex/exchange/order.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>

#include "replex/core/assert.hpp"

namespace replex::exchange {

void Order::set_client_order_id(std::string_view value) {
  REPLEX_ASSERT(value.size() <= sizeof(client_id));
  std::memcpy(client_id, value.data(), value.size());
  client_id_len = static_cast<std::uint8_t>(value.size());
}

Slot OrderPool::allocate() {
  Slot slot;
  if (free_head_ != kNoSlot) {
    slot = free_head_;
    free_head_ = (*this)[slot].next;
  } else {
    REPLEX_ASSERT_MSG(next_unused_ != kNoSlot, "order pool exhausted 2^32 slots");
    if ((next_unused_ >> kChunkShift) == chunks_.size()) {
      chunks_.push_back(std::make_unique<Order[]>(kChunkOrders));
    }
    slot = next_unused_++;
  }
  (*this)[slot] = Order{};
  ++live_;
  return slot;
}

void OrderPool::release(Slot slot) {
  REPLEX_ASSERT(slot < next_unused_ && live_ > 0);
  Order& o = (*this)[slot];
  REPLEX_ASSERT_MSG(!o.resting(), "releasing an order still linked in a book");
  o.id = 0;  // allocate() resets the rest
  o.next = free_head_;
  free_head_ = slot;
  --live_;
}

namespace {
constexpr std::uint64_t kFibonacci = 0x9E3779B97F4A7C15ull;
constexpr std::size_t kMinCapacity = 1024;

std::uint64_t pack(OrderId id, Slot slot) {
  return (static_cast<std::uint64_t>(slot) << 32) | static_cast<std::uint32_t>(id);
}
Slot slot_of(std::uint64_t entry) { return static_cast<Slot>(entry >> 32); }
std::uint32_t tag_of(std::uint64_t entry) { return static_cast<std::uint32_t>(entry); }
}  // namespace

void OrderIdIndex::LineDeleter::operator()(std::uint64_t* p) const {
  ::operator delete[](p, std::align_val_t{64});
}

std::size_t OrderIdIndex::home(OrderId id) const {
  // Only the low 32 bits (the tag kept in each entry) place an entry, so
  // deletion and growth never read the pool. The group of 8 ids picks a
  // 64-byte line; the low 3 bits the entry in it.
  const std::uint64_t tag = static_cast<std::uint32_t>(id);
  const auto line = static_cast<std::size_t>(((tag >> 3) * kFibonacci) >> shift_);
  return (line << 3) | static_cast<std::size_t>(tag & 7);
}

void OrderIdIndex::grow() {
  const std::size_t old_capacity = capacity_;
  std::unique_ptr<std::uint64_t[], LineDeleter> old = std::move(table_);
  capacity_ = std::max(kMinCapacity, capacity_ * 2);
  table_.reset(static_cast<std::uint64_t*>(::operator new[](capacity_ * sizeof(std::uint64_t), std::align_val_t{64})));
  std::fill(table_.get(), table_.get() + capacity_, kEmpty);
  shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity_ >> 3));
  const std::size_t mask = capacity_ - 1;
  for (std::size_t j = 0; j < old_capacity; ++j) {
    const std::uint64_t entry = old[j];
    if (entry == kEmpty) continue;
    std::size_t i = home(tag_of(entry));
    while (table_[i] != kEmpty) i = (i + 1) & mask;
    table_[i] = entry;
  }
}

void OrderIdIndex::insert(OrderId id, Slot slot) {
  REPLEX_ASSERT(pool_[slot].id == id);
  if ((size_ + 1) * 2 > capacity_) grow();
  const std::size_t mask = capacity_ - 1;
  std::size_t i = home(id);
  while (table_[i] != kEmpty) {
    REPLEX_ASSERT_MSG(!(tag_of(table_[i]) == static_cast<std::uint32_t>(id) &&
                        pool_[slot_of(table_[i])].id == id),
                      "order id " + std::to_string(id) + " indexed twice");
    i = (i + 1) & mask;
  }
  table_[i] = pack(id, slot);
  ++size_;
}

Slot OrderIdIndex::find(OrderId id) const {
  if (size_ == 0) return kNoSlot;
  const std::size_t mask = capacity_ - 1;
  for (std::size_t i = home(id);; i = (i + 1) & mask) {
    const std::uint64_t entry = table_[i];
    if (entry == kEmpty) return kNoSlot;
    if (tag_of(entry) == static_cast<std::uint32_t>(id) && pool_[slot_of(entry)].id == id) {
      return slot_of(entry);
    }
  }
}

void OrderIdIndex::erase(OrderId id) {
  REPLEX_ASSERT(size_ > 0);
  const std::size_t mask = capacity_ - 1;
  std::size_t hole = home(id);
  while (true) {
    const std::uint64_t entry = table_[hole];
    REPLEX_ASSERT_MSG(entry != kEmpty, "erasing order id " + std::to_string(id) + " not indexed");
    if (tag_of(entry) == static_cast<std::uint32_t>(id) && pool_[slot_of(entry)].id == id) break;
    hole = (hole + 1) & mask;
  }
  // Backward-shift deletion: pull later entries of the probe run into the
  // hole when their home position does not lie cyclically in (hole, j].
  for (std::size_t j = (hole + 1) & mask; table_[j] != kEmpty; j = (j + 1) & mask) {
    const std::size_t h = home(tag_of(table_[j]));
    const bool home_in_gap = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
    if (!home_in_gap) {
      table_[hole] = table_[j];
      hole = j;
    }
  }
  table_[hole] = kEmpty;
  --size_;
}

}  // namespace replex::exchange
