// Read views: immutable snapshots of the node's state for API readers.
//
// The execution thread publishes a new ChainView (status, books, accounts)
// after every executed block
// and the consensus thread a new ConsensusView after every input that changed
// it; each is a shared_ptr<const T> swapped atomically, so readers (gRPC
// threads, later the gateway) never take a lock that consensus or execution
// holds, and a view they hold stays valid and consistent while they use it.
// wait_for_height() lets block streams sleep until a new block is executed.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/exchange/types.hpp"

namespace replex::api {

struct MarketView {
  std::string symbol;
  exchange::BookDepth depth;              // top markets.book_depth_levels levels per side
  std::optional<std::uint64_t> last_price;  // price units
};

// One account's balances after a block. Open orders are not kept here: an
// account may hold up to max_open_orders_per_account (1,000,000) of them, and
// copying them for every block that touches the account made a view cost
// O(open orders); the ReadModel serves them from the block events instead.
struct AccountView {
  exchange::AccountId account;
  std::vector<exchange::BalanceInfo> balances;  // asset order; empty if the account does not exist
};

// Every account's view, sharded by key and copy-on-write: publishing a block
// copies only the shards holding accounts the block touched, so a view costs
// O(touched accounts), not O(all accounts). Immutable once published.
class AccountIndex {
 public:
  static constexpr std::size_t kShards = 256;
  using Shard = std::map<exchange::AccountId, std::shared_ptr<const AccountView>>;

  AccountIndex();
  // Null when the account is unknown.
  std::shared_ptr<const AccountView> find(const exchange::AccountId& account) const;
  std::size_t size() const;
  // A copy with `views` replacing (or adding) their accounts' entries.
  AccountIndex with(std::vector<std::shared_ptr<const AccountView>> views) const;

 private:
  static std::size_t shard_of(const exchange::AccountId& account) { return account.bytes[0]; }
  std::array<std::shared_ptr<const Shard>, kShards> shards_;
};

// The state after the last executed block.
struct ChainView {
  std::uint64_t height = 0;  // 0: genesis, nothing executed yet
  Hash256 block_hash;        // the genesis hash at height 0
  Hash256 app_hash;
  std::uint64_t block_time_ms = 0;
  std::uint64_t first_height = 0;  // lowest stored block (0 when none)
  std::vector<MarketView> markets;  // genesis (symbol) order
  AccountIndex accounts;
};

// The consensus core's position, as of its last input.
struct ConsensusView {
  std::uint64_t view = 0;
  std::uint32_t primary = 0;
  bool in_view_change = false;
  std::uint64_t committed_height = 0;
  std::uint64_t mempool_txs = 0;
  std::uint64_t mempool_bytes = 0;
  // Set while this node's state is diverged: a checkpoint quorum disagreed
  // with it at this height (and why). The node then serves no reads or
  // submissions; cleared once it installed the validators' state.
  std::optional<std::uint64_t> diverged_at;
  std::string divergence;
  friend bool operator==(const ConsensusView&, const ConsensusView&) = default;
};

class ReadViews {
 public:
  ReadViews();

  std::shared_ptr<const ChainView> chain() const { return chain_.load(std::memory_order_acquire); }
  std::shared_ptr<const ConsensusView> consensus() const {
    return consensus_.load(std::memory_order_acquire);
  }

  // Execution thread: the state after a block; wakes wait_for_height().
  void publish_chain(std::shared_ptr<const ChainView> view);
  // Consensus thread.
  void publish_consensus(std::shared_ptr<const ConsensusView> view);

  // Blocks until a chain view at `height` or above is published, close() is
  // called, or `timeout` passes; returns the executed height then.
  std::uint64_t wait_for_height(std::uint64_t height, std::chrono::milliseconds timeout) const;
  // Wakes every waiter for good (shutdown).
  void close();
  bool closed() const { return closed_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::shared_ptr<const ChainView>> chain_;
  std::atomic<std::shared_ptr<const ConsensusView>> consensus_;
  mutable std::mutex mutex_;  // only for the condition variable below
  mutable std::condition_variable height_changed_;
  std::atomic<bool> closed_{false};
};

}  // namespace replex::api
