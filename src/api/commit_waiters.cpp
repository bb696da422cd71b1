#include "replex/api/commit_waiters.hpp"

#include <utility>
#include <vector>

#include "replex/core/assert.hpp"
#include "replex/exchange/reason.hpp"

namespace replex::api {

bool may_have_committed(const consensus::TxStatusReport& refusal) {
  return refusal.verdict == consensus::TxVerdict::kRejected &&
         (refusal.app_code == exchange::code(exchange::Reason::kDuplicateNonce) ||
          refusal.app_code == exchange::code(exchange::Reason::kExpired));
}

std::shared_ptr<CommitWaiters::Waiter> CommitWaiters::add(const Hash256& tx_hash, Callback on_answer) {
  std::lock_guard lock(mutex_);
  if (closed_ || waiters_.size() >= max_waiters_) return nullptr;
  auto waiter = std::make_shared<Waiter>();
  waiter->tx_hash = tx_hash;
  waiter->on_answer = std::move(on_answer);
  waiters_.emplace(tx_hash, waiter);
  return waiter;
}

void CommitWaiters::remove(const std::shared_ptr<Waiter>& waiter) {
  std::lock_guard lock(mutex_);
  auto [first, last] = waiters_.equal_range(waiter->tx_hash);
  for (auto it = first; it != last; ++it) {
    if (it->second == waiter) {
      waiters_.erase(it);
      return;
    }
  }
}

void CommitWaiters::notify_block(std::uint64_t height, std::span<const Hash256> tx_hashes,
                                 std::span<const std::uint32_t> tx_codes) {
  REPLEX_ASSERT(tx_hashes.size() == tx_codes.size());
  std::vector<std::pair<std::shared_ptr<Waiter>, Answer>> answered;
  {
    std::lock_guard lock(mutex_);
    if (waiters_.empty()) return;
    for (std::size_t i = 0; i < tx_hashes.size(); ++i) {
      auto [first, last] = waiters_.equal_range(tx_hashes[i]);
      for (auto it = first; it != last; ++it) {
        answered.emplace_back(it->second, CommitInfo{height, static_cast<std::uint32_t>(i), tx_codes[i]});
      }
      waiters_.erase(first, last);
    }
  }
  for (auto& [waiter, answer] : answered) waiter->on_answer(answer);
}

void CommitWaiters::notify_evicted(const consensus::TxStatusReport& report) {
  REPLEX_ASSERT(report.verdict == consensus::TxVerdict::kEvicted);
  std::vector<std::shared_ptr<Waiter>> answered;
  {
    std::lock_guard lock(mutex_);
    auto [first, last] = waiters_.equal_range(report.tx_hash);
    for (auto it = first; it != last; ++it) answered.push_back(it->second);
    waiters_.erase(first, last);
  }
  for (auto& waiter : answered) waiter->on_answer(report);
}

void CommitWaiters::close() {
  std::multimap<Hash256, std::shared_ptr<Waiter>> closing;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    closing.swap(waiters_);
  }
  for (auto& [hash, waiter] : closing) waiter->on_answer(Closed{});
}

void CommitWaiters::task_posted() {
  std::lock_guard lock(mutex_);
  ++tasks_posted_;
}

void CommitWaiters::task_done() { end_task(false); }
void CommitWaiters::task_dropped() { end_task(true); }

void CommitWaiters::end_task(bool dropped) {
  std::vector<std::function<void(bool)>> due;
  bool indexed = false;
  {
    std::lock_guard lock(mutex_);
    REPLEX_ASSERT(tasks_done_ < tasks_posted_);
    ++tasks_done_;
    task_was_dropped_ = task_was_dropped_ || dropped;
    indexed = !task_was_dropped_;
    const auto end = after_tasks_.upper_bound(tasks_done_);
    for (auto it = after_tasks_.begin(); it != end; ++it) due.push_back(std::move(it->second));
    after_tasks_.erase(after_tasks_.begin(), end);
  }
  for (auto& then : due) then(indexed);
}

void CommitWaiters::when_indexed(std::function<void(bool indexed)> then) {
  bool indexed = false;
  {
    std::lock_guard lock(mutex_);
    if (tasks_done_ < tasks_posted_ && after_tasks_.size() < max_waiters_) {
      after_tasks_.emplace(tasks_posted_, std::move(then));
      return;
    }
    indexed = !task_was_dropped_;
  }
  then(indexed);
}

std::size_t CommitWaiters::size() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

}  // namespace replex::api
