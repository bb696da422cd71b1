// NonceWindow: the nonces one account used in transactions that have not yet
// expired, each with its good_til_height. Private to the module; owned by the
// account's AccountState, mutated only by the Executor and pruning.
//
// Clients count nonces up, so almost every nonce lands at or near the end of
// a sorted vector: one or two cache lines per account and no allocation per
// nonce (an ordered map's node per nonce was ~10% of execute_block, mostly
// cache misses). A nonce further back than kShiftMax entries goes to an
// ordered map instead, so nonces chosen adversarially cost O(log n + kShiftMax),
// never O(n); nothing is hashed, so there is nothing to flood.
//
// The floor is the height nonces were last pruned at (the block being
// executed, or the last executed block between blocks): an entry whose
// good_til_height is below it has expired. Expiry is eager in the map (the
// State's expiry index erases by iterator) and lazy in the vector: an expired
// entry is skipped by lookups and dropped in bulk once expired entries are
// half of the vector, which keeps pruning O(1) amortised per nonce.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace replex::exchange {

class NonceWindow {
 public:
  using OutOfOrder = std::map<std::uint64_t, std::uint64_t>;  // nonce -> good_til_height

  // A nonce at most this many entries before the vector's end is inserted in
  // place (cancels run before placements in a block, so a client's nonces
  // arrive slightly out of order); one further back goes to the map.
  static constexpr std::ptrdiff_t kShiftMax = 16;
  // Vector capacity (entries) an account keeps once all its nonces expired.
  static constexpr std::size_t kRetainedCapacity = 16;

  // Where insert() put a nonce, for the expiry index.
  struct Entry {
    bool in_map = false;
    OutOfOrder::iterator at;  // when in_map
  };

  // Whether `nonce` is recorded with a good_til_height >= min_good_til, which
  // must be at least the floor.
  bool contains(std::uint64_t nonce, std::uint64_t min_good_til) const;
  // Records a nonce that contains(nonce, floor) does not have.
  Entry insert(std::uint64_t nonce, std::uint64_t good_til_height, std::uint64_t floor);
  // Pruning calls this once for each inserted entry, when its good_til_height
  // falls below the floor; compact() afterwards, once the floor is final.
  void expire(const Entry& entry);
  // Drops expired vector entries if they are at least half of it.
  void compact(std::uint64_t floor);

  // Unexpired entries: their count, and each in nonce order.
  std::size_t size() const { return sorted_.size() - expired_ + out_of_order_.size(); }
  template <typename F>
  void for_each(std::uint64_t floor, F&& visit) const;

  // Whether the expired count matches the vector (for audit_state).
  bool consistent(std::uint64_t floor) const;

 private:
  std::vector<std::pair<std::uint64_t, std::uint64_t>> sorted_;  // (nonce, good_til), by nonce
  std::size_t expired_ = 0;  // entries of sorted_ below the floor
  OutOfOrder out_of_order_;  // disjoint from sorted_
};

template <typename F>
void NonceWindow::for_each(std::uint64_t floor, F&& visit) const {
  auto v = sorted_.begin();
  auto m = out_of_order_.begin();
  while (v != sorted_.end() || m != out_of_order_.end()) {
    if (v != sorted_.end() && v->second < floor) {
      ++v;
    } else if (m == out_of_order_.end() || (v != sorted_.end() && v->first < m->first)) {
      visit(v->first, v->second);
      ++v;
    } else {
      visit(m->first, m->second);
      ++m;
    }
  }
}

}  // namespace replex::exchange
