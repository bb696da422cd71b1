#include "nonce_window.hpp"

#include <algorithm>

#include "replex/core/assert.hpp"

namespace replex::exchange {

namespace {

bool nonce_less(const std::pair<std::uint64_t, std::uint64_t>& e, std::uint64_t nonce) { return e.first < nonce; }

}  // namespace

bool NonceWindow::contains(std::uint64_t nonce, std::uint64_t min_good_til) const {
  if (!sorted_.empty() && nonce <= sorted_.back().first) {
    const auto it = std::lower_bound(sorted_.begin(), sorted_.end(), nonce, nonce_less);
    if (it != sorted_.end() && it->first == nonce) return it->second >= min_good_til;
  }
  const auto it = out_of_order_.find(nonce);
  return it != out_of_order_.end() && it->second >= min_good_til;
}

NonceWindow::Entry NonceWindow::insert(std::uint64_t nonce, std::uint64_t good_til_height, std::uint64_t floor) {
  REPLEX_ASSERT(good_til_height >= floor);
  if (sorted_.empty() || nonce > sorted_.back().first) {
    sorted_.emplace_back(nonce, good_til_height);
    return Entry{};
  }
  const auto it = std::lower_bound(sorted_.begin(), sorted_.end(), nonce, nonce_less);
  if (it != sorted_.end() && it->first == nonce) {
    // An expired entry of the same nonce, not yet dropped: it lives again.
    REPLEX_ASSERT_MSG(it->second < floor, "inserting a nonce that is still recorded");
    REPLEX_ASSERT(expired_ > 0);
    it->second = good_til_height;
    --expired_;
    return Entry{};
  }
  if (sorted_.end() - it <= kShiftMax) {
    // Near the end, as when a cancel with a later nonce ran first: a few moves.
    sorted_.insert(it, {nonce, good_til_height});
    return Entry{};
  }
  const auto [at, fresh] = out_of_order_.emplace(nonce, good_til_height);
  REPLEX_ASSERT_MSG(fresh, "inserting a nonce that is still recorded");
  return Entry{true, at};
}

void NonceWindow::expire(const Entry& entry) {
  if (entry.in_map) {
    out_of_order_.erase(entry.at);
  } else {
    ++expired_;
    REPLEX_ASSERT(expired_ <= sorted_.size());
  }
}

void NonceWindow::compact(std::uint64_t floor) {
  if (expired_ == 0 || expired_ * 2 < sorted_.size()) return;
  const auto dropped = std::erase_if(sorted_, [floor](const auto& e) { return e.second < floor; });
  REPLEX_ASSERT_MSG(dropped == expired_, "nonce window's expired count out of step");
  expired_ = 0;
  // An idle account keeps at most a small buffer for nonces.
  if (sorted_.empty() && sorted_.capacity() > kRetainedCapacity) sorted_ = {};
}

bool NonceWindow::consistent(std::uint64_t floor) const {
  const auto expired =
      std::count_if(sorted_.begin(), sorted_.end(), [floor](const auto& e) { return e.second < floor; });
  if (static_cast<std::size_t>(expired) != expired_) return false;
  for (const auto& [nonce, good_til] : out_of_order_) {
    if (good_til < floor) return false;
  }
  const auto unordered = std::adjacent_find(sorted_.begin(), sorted_.end(),
                                            [](const auto& x, const auto& y) { return x.first >= y.first; });
  return unordered == sorted_.end();
}

}  // namespace replex::exchange
