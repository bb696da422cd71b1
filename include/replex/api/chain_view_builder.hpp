// ChainViewBuilder: turns the exchange's state after a block into the
// ChainView that API readers see (books, last prices, accounts).
//
// The node feeds it once per executed block, on the execution thread, while
// it holds the application's shared lock; the builder reads the block's
// events (ExchangeApp::last_block_events) to refresh only the accounts they
// name, so a view costs O(touched accounts). Execution thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "replex/api/read_views.hpp"
#include "replex/exchange/exchange_app.hpp"

namespace replex::api {

// Which block a view reflects.
struct ChainHead {
  std::uint64_t height = 0;
  Hash256 block_hash;
  Hash256 app_hash;
  std::uint64_t time_ms = 0;
  std::uint64_t first_height = 0;  // lowest stored block
};

class ChainViewBuilder {
 public:
  ChainViewBuilder(const exchange::ExchangeApp& exchange, std::size_t book_depth_levels);

  // After an executed block: refreshes the accounts its events name.
  std::shared_ptr<const ChainView> after_block(const ChainHead& head);
  // After recovery or a state install: refreshes every account of the state
  // (those of the genesis and those deposits created).
  std::shared_ptr<const ChainView> after_reset(const ChainHead& head);

 private:
  std::shared_ptr<const ChainView> build(const ChainHead& head, std::span<const exchange::AccountId> accounts,
                                         bool replace_all);

  const exchange::ExchangeApp& exchange_;
  const std::size_t book_depth_levels_;
  AccountIndex accounts_;
};

// The accounts a block's events name (orders, trades, balances, withdrawals), sorted.
std::vector<exchange::AccountId> touched_accounts(std::span<const exchange::Event> events);

}  // namespace replex::api
