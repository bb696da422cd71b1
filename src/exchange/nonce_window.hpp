// NonceWindow: the nonces one account used in transactions that have not yet
// expired, each with its good_til_height. Private to the module; owned by the
// account's AccountState, mutated only by the Executor and pruning.
//
// Clients count nonces up, so almost every nonce lands at or near the end of
// one sorted sequence. Its recent end (the kInline largest entries) is held
// inline in the account record, its older part in a heap vector: the common
// transaction checks and records its nonce without leaving the record, and an
// account with a long window still finds its recent end there. A nonce further
// back than kShiftMax entries goes to an ordered map instead, so nonces chosen
// adversarially cost O(log n + kShiftMax), never O(n); nothing is hashed, so
// there is nothing to flood. The older part and the map sit behind one
// pointer, null until needed, so the record stays small and moves cheaply.
//
// The floor is the height nonces were last pruned at (the block being
// executed, or the last executed block between blocks): an entry whose
// good_til_height is below it has expired. Expiry is eager in the map (the
// State's expiry index erases by iterator) and lazy in the sequence: an
// expired entry is skipped by lookups, dropped in bulk once expired entries
// are half of the sequence (O(1) amortised per nonce), and dropped from the
// inline part when it is full and a nonce needs room.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

namespace replex::exchange {

class NonceWindow {
 public:
  using OutOfOrder = std::map<std::uint64_t, std::uint64_t>;  // nonce -> good_til_height

  // A nonce at most this many entries before the sequence's end is inserted in
  // place (cancels run before placements in a block, so a client's nonces
  // arrive slightly out of order); one further back goes to the map.
  static constexpr std::ptrdiff_t kShiftMax = 16;
  // Entries held inline: the bench's clients send ~5 transactions a block with
  // good_til one block ahead, so ~10 nonces are live and 16 rarely overflow.
  static constexpr std::size_t kInline = 16;

  // Where insert() put a nonce, for the expiry index.
  struct Entry {
    bool in_map = false;
    OutOfOrder::iterator at;  // when in_map
  };

  // Whether `nonce` is recorded with a good_til_height >= min_good_til, which
  // must be at least the floor.
  bool contains(std::uint64_t nonce, std::uint64_t min_good_til) const;
  // Records a nonce that contains(nonce, floor) does not have; `floor` must be
  // the floor pruning last expired entries against.
  Entry insert(std::uint64_t nonce, std::uint64_t good_til_height, std::uint64_t floor);
  // Pruning calls this once for each inserted entry, when its good_til_height
  // falls below the floor; compact() afterwards, once the floor is final.
  void expire(const Entry& entry);
  // Drops expired sequence entries if they are at least half of it.
  void compact(std::uint64_t floor);

  // Unexpired entries: their count, and each in nonce order.
  std::size_t size() const;
  template <typename F>
  void for_each(std::uint64_t floor, F&& visit) const;

  // Whether the expired count matches the sequence and the layout's
  // invariants hold (for audit_state).
  bool consistent(std::uint64_t floor) const;
  // Entries held on the heap (the older part of the sequence and the map); for tests.
  std::size_t spilled() const { return spill_ ? spill_->older.size() + spill_->out_of_order.size() : 0; }

 private:
  struct Item {
    std::uint64_t nonce;
    std::uint64_t good_til;
  };
  struct Spill {
    std::vector<Item> older;  // by nonce, all below recent_[0]; nonempty only if recent_size_ > 0
    OutOfOrder out_of_order;  // disjoint from the sequence
  };

  std::span<const Item> recent() const { return {recent_.data(), recent_size_}; }
  std::span<const Item> older() const { return spill_ ? std::span<const Item>(spill_->older) : std::span<const Item>(); }
  Spill& spill();
  // Inserts into the sequence in order (a nonce near its end).
  void insert_in_sequence(Item item, std::uint64_t floor);
  // Frees an inline slot: drops expired inline entries, else moves the older
  // half of the inline part to the heap.
  void make_room(std::uint64_t floor);
  // Moves the heap part's largest entries inline until `target` are inline.
  void refill(std::size_t target);

  std::unique_ptr<Spill> spill_;
  std::size_t expired_ = 0;        // entries of the sequence below the floor
  std::uint32_t recent_size_ = 0;  // used entries of recent_
  std::array<Item, kInline> recent_{};  // the sequence's largest entries, by nonce
};

template <typename F>
void NonceWindow::for_each(std::uint64_t floor, F&& visit) const {
  // Merges the sequence (older part, then the inline part) with the map.
  static const OutOfOrder kNone;
  const OutOfOrder& map = spill_ ? spill_->out_of_order : kNone;
  auto m = map.begin();
  for (const std::span<const Item> part : {older(), recent()}) {
    for (const Item& e : part) {
      if (e.good_til < floor) continue;
      for (; m != map.end() && m->first < e.nonce; ++m) visit(m->first, m->second);
      visit(e.nonce, e.good_til);
    }
  }
  for (; m != map.end(); ++m) visit(m->first, m->second);
}

}  // namespace replex::exchange
