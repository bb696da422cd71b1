#include "replex/api/read_views.hpp"

namespace replex::api {

static_assert(AccountIndex::kShards == 256, "shard_of takes the key's first byte");

AccountIndex::AccountIndex() {
  auto empty = std::make_shared<const Shard>();
  shards_.fill(empty);
}

std::shared_ptr<const AccountView> AccountIndex::find(const exchange::AccountId& account) const {
  const Shard& shard = *shards_[shard_of(account)];
  const auto it = shard.find(account);
  return it == shard.end() ? nullptr : it->second;
}

std::size_t AccountIndex::size() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) total += shard->size();
  return total;
}

AccountIndex AccountIndex::with(std::vector<std::shared_ptr<const AccountView>> views) const {
  AccountIndex next = *this;
  std::array<std::shared_ptr<Shard>, kShards> copied{};
  for (auto& view : views) {
    const std::size_t i = shard_of(view->account);
    if (!copied[i]) copied[i] = std::make_shared<Shard>(*shards_[i]);
    (*copied[i])[view->account] = std::move(view);
  }
  for (std::size_t i = 0; i < kShards; ++i) {
    if (copied[i]) next.shards_[i] = std::move(copied[i]);
  }
  return next;
}

ReadViews::ReadViews()
    : chain_(std::make_shared<const ChainView>()), consensus_(std::make_shared<const ConsensusView>()) {}

void ReadViews::publish_chain(std::shared_ptr<const ChainView> view) {
  {
    // The store happens under the mutex so a waiter cannot miss the wake-up
    // between its check and its wait.
    std::lock_guard lock(mutex_);
    chain_.store(std::move(view), std::memory_order_release);
  }
  height_changed_.notify_all();
}

void ReadViews::publish_consensus(std::shared_ptr<const ConsensusView> view) {
  consensus_.store(std::move(view), std::memory_order_release);
}

std::uint64_t ReadViews::wait_for_height(std::uint64_t height, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  height_changed_.wait_for(lock, timeout, [&] {
    return closed_.load(std::memory_order_acquire) || chain_.load(std::memory_order_acquire)->height >= height;
  });
  return chain_.load(std::memory_order_acquire)->height;
}

void ReadViews::close() {
  {
    std::lock_guard lock(mutex_);
    closed_.store(true, std::memory_order_release);
  }
  height_changed_.notify_all();
}

}  // namespace replex::api
