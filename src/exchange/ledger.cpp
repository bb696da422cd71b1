// The Executor's ledger: available/locked moves, each recording the touched
// (account, asset) for the BalanceChanged events that close a transaction.
#include <algorithm>

#include "executor.hpp"
#include "replex/core/assert.hpp"

namespace replex::exchange {

void Executor::lock(std::uint32_t account, AssetIndex asset, std::uint64_t amount) {
  BalanceCell& c = s_.accounts[account].balances[asset];
  REPLEX_ASSERT_MSG(c.available >= amount, "locking more than is available");
  c.available -= amount;
  c.locked += amount;
  touch(account, asset);
}

void Executor::unlock(std::uint32_t account, AssetIndex asset, std::uint64_t amount) {
  BalanceCell& c = s_.accounts[account].balances[asset];
  REPLEX_ASSERT_MSG(c.locked >= amount, "unlocking more than is locked");
  c.locked -= amount;
  c.available += amount;
  touch(account, asset);
}

void Executor::spend_locked(Order& o, AssetIndex asset, std::uint64_t amount) {
  REPLEX_ASSERT_MSG(o.locked >= amount, "order " + std::to_string(o.id) + " spends " + std::to_string(amount) +
                                            " but locks only " + std::to_string(o.locked));
  o.locked -= amount;
  BalanceCell& c = s_.accounts[o.account].balances[asset];
  REPLEX_ASSERT(c.locked >= amount);
  c.locked -= amount;
  touch(o.account, asset);
}

void Executor::credit(std::uint32_t account, AssetIndex asset, std::uint64_t amount) {
  BalanceCell& c = s_.accounts[account].balances[asset];
  // Balances are bounded by the asset's supply, which genesis keeps within 64 bits.
  REPLEX_ASSERT(c.available <= UINT64_MAX - amount);
  c.available += amount;
  touch(account, asset);
}

void Executor::debit(std::uint32_t account, AssetIndex asset, std::uint64_t amount) {
  BalanceCell& c = s_.accounts[account].balances[asset];
  REPLEX_ASSERT(c.available >= amount);
  c.available -= amount;
  touch(account, asset);
}

void Executor::flush_balance_changes() {
  if (touched_.empty()) return;
  // Drop repeats first, by the dense (account, asset) pair: integer compares,
  // and most transactions touch the same cell more than once (lock, then
  // spend or unlock).
  std::sort(touched_.begin(), touched_.end());
  touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
  // Then the canonical order, by account key then asset: the dense account
  // index is not canonical. Keys are unique, so this orders the same cells
  // exactly as sorting by key before dropping repeats would.
  if (touched_.size() > 1) {
    std::sort(touched_.begin(), touched_.end(), [this](const auto& x, const auto& y) {
      if (x.first != y.first) return s_.accounts[x.first].key < s_.accounts[y.first].key;
      return x.second < y.second;
    });
  }
  for (const auto& [account, asset] : touched_) {
    const AccountState& a = s_.accounts[account];
    const BalanceCell& c = a.balances[asset];
    events_.push_back(event::BalanceChanged{a.key, asset, c.available, c.locked});
  }
  touched_.clear();
}

}  // namespace replex::exchange
