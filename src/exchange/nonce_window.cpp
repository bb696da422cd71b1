#include "nonce_window.hpp"

#include <algorithm>

#include "replex/core/assert.hpp"

namespace replex::exchange {

namespace {

template <typename It>
It find_nonce(It first, It last, std::uint64_t nonce) {
  return std::lower_bound(first, last, nonce, [](const auto& e, std::uint64_t n) { return e.nonce < n; });
}

}  // namespace

NonceWindow::Spill& NonceWindow::spill() {
  if (!spill_) spill_ = std::make_unique<Spill>();
  return *spill_;
}

std::size_t NonceWindow::size() const {
  return recent_size_ + older().size() - expired_ + (spill_ ? spill_->out_of_order.size() : 0);
}

bool NonceWindow::contains(std::uint64_t nonce, std::uint64_t min_good_til) const {
  const std::size_t n = recent_size_;
  if (n > 0 && nonce <= recent_[n - 1].nonce) {
    const std::span<const Item> part = nonce >= recent_[0].nonce ? recent() : older();
    const auto it = find_nonce(part.begin(), part.end(), nonce);
    if (it != part.end() && it->nonce == nonce) return it->good_til >= min_good_til;
  }
  if (!spill_) return false;
  const auto it = spill_->out_of_order.find(nonce);
  return it != spill_->out_of_order.end() && it->second >= min_good_til;
}

NonceWindow::Entry NonceWindow::insert(std::uint64_t nonce, std::uint64_t good_til_height, std::uint64_t floor) {
  REPLEX_ASSERT(good_til_height >= floor);
  const std::size_t n = recent_size_;
  // Above every entry (an empty inline part means an empty sequence): appended inline.
  if (n == 0 || nonce > recent_[n - 1].nonce) {
    if (n == kInline) make_room(floor);
    recent_[recent_size_++] = Item{nonce, good_til_height};
    return Entry{};
  }
  // Its place in the sequence, and how many entries lie after it.
  const bool in_recent = nonce >= recent_[0].nonce || older().empty();
  const std::span<Item> part = in_recent ? std::span<Item>(recent_.data(), n) : std::span<Item>(spill_->older);
  const auto it = find_nonce(part.begin(), part.end(), nonce);
  if (it != part.end() && it->nonce == nonce) {
    // An expired entry of the same nonce, not yet dropped: it lives again.
    REPLEX_ASSERT_MSG(it->good_til < floor, "inserting a nonce that is still recorded");
    REPLEX_ASSERT(expired_ > 0);
    it->good_til = good_til_height;
    --expired_;
    return Entry{};
  }
  const auto after = static_cast<std::size_t>(part.end() - it) + (in_recent ? 0 : n);
  if (after <= static_cast<std::size_t>(kShiftMax)) {
    // Near the end, as when a cancel with a later nonce ran first: a few moves.
    insert_in_sequence(Item{nonce, good_til_height}, floor);
    return Entry{};
  }
  const auto [at, fresh] = spill().out_of_order.emplace(nonce, good_til_height);
  REPLEX_ASSERT_MSG(fresh, "inserting a nonce that is still recorded");
  return Entry{true, at};
}

void NonceWindow::insert_in_sequence(Item item, std::uint64_t floor) {
  if (recent_size_ == kInline) make_room(floor);
  const std::size_t n = recent_size_;
  if (n == 0 || item.nonce > recent_[0].nonce || older().empty()) {
    Item* const end = recent_.data() + n;
    Item* const at = find_nonce(recent_.data(), end, item.nonce);
    std::move_backward(at, end, end + 1);
    *at = item;
    ++recent_size_;
  } else {
    std::vector<Item>& v = spill_->older;
    v.insert(find_nonce(v.begin(), v.end(), item.nonce), item);
  }
}

void NonceWindow::make_room(std::uint64_t floor) {
  REPLEX_ASSERT(recent_size_ == kInline);
  Item* const begin = recent_.data();
  Item* const end = begin + recent_size_;
  // Expired entries were counted by expire() when the floor passed them.
  Item* const kept = std::remove_if(begin, end, [floor](const Item& e) { return e.good_til < floor; });
  const auto dropped = static_cast<std::size_t>(end - kept);
  if (dropped > 0) {
    REPLEX_ASSERT(expired_ >= dropped);
    expired_ -= dropped;
    recent_size_ -= static_cast<std::uint32_t>(dropped);
    if (recent_size_ == 0) refill(kInline / 2);  // the heap part never outlives the inline one
    return;
  }
  // A long window: the older half goes after the heap part, O(1) amortised per nonce.
  constexpr std::size_t kMoved = kInline / 2;
  std::vector<Item>& v = spill().older;
  v.insert(v.end(), begin, begin + kMoved);
  std::move(begin + kMoved, end, begin);
  recent_size_ -= kMoved;
}

void NonceWindow::refill(std::size_t target) {
  if (!spill_ || spill_->older.empty() || recent_size_ >= target) return;
  std::vector<Item>& v = spill_->older;
  const std::size_t moved = std::min(target - recent_size_, v.size());
  Item* const begin = recent_.data();
  std::move_backward(begin, begin + recent_size_, begin + recent_size_ + moved);
  std::copy(v.end() - static_cast<std::ptrdiff_t>(moved), v.end(), begin);
  v.erase(v.end() - static_cast<std::ptrdiff_t>(moved), v.end());
  recent_size_ += static_cast<std::uint32_t>(moved);
}

void NonceWindow::expire(const Entry& entry) {
  if (entry.in_map) {
    REPLEX_ASSERT(spill_ != nullptr);
    spill_->out_of_order.erase(entry.at);
  } else {
    ++expired_;
    REPLEX_ASSERT(expired_ <= recent_size_ + older().size());
  }
}

void NonceWindow::compact(std::uint64_t floor) {
  if (expired_ == 0 || expired_ * 2 < recent_size_ + older().size()) return;
  const auto is_expired = [floor](const Item& e) { return e.good_til < floor; };
  std::size_t dropped = spill_ ? std::erase_if(spill_->older, is_expired) : 0;
  Item* const begin = recent_.data();
  Item* const end = begin + recent_size_;
  Item* const kept = std::remove_if(begin, end, is_expired);
  dropped += static_cast<std::size_t>(end - kept);
  recent_size_ = static_cast<std::uint32_t>(kept - begin);
  REPLEX_ASSERT_MSG(dropped == expired_, "nonce window's expired count out of step");
  expired_ = 0;
  refill(kInline);
  // An idle account holds no heap block for nonces.
  if (spill_ && spill_->older.empty()) {
    if (spill_->out_of_order.empty()) {
      spill_.reset();
    } else {
      spill_->older = {};
    }
  }
}

bool NonceWindow::consistent(std::uint64_t floor) const {
  if (recent_size_ > kInline || (recent_size_ == 0 && !older().empty())) return false;
  std::size_t expired = 0;
  const Item* previous = nullptr;
  for (const std::span<const Item> part : {older(), recent()}) {
    for (const Item& e : part) {
      if (previous != nullptr && previous->nonce >= e.nonce) return false;
      expired += e.good_til < floor;
      previous = &e;
    }
  }
  if (expired != expired_) return false;
  if (spill_) {
    for (const auto& [nonce, good_til] : spill_->out_of_order) {
      if (good_til < floor) return false;
    }
  }
  return true;
}

}  // namespace replex::exchange
