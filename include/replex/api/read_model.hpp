// ReadModel: the gateway's memory of the chain, built from each executed
// block's exchange events: orders with fills (by id, by client order id, by
// account), trades (per market, per account), candles, each market's book
// with its update sequence, and the live streams of all of these.
//
// Feeding: the node's execution thread hands over a BlockDigest per executed
// block (feed(), which only enqueues); the model's own thread applies digests
// in height order and publishes stream items. At start, backfill() replays
// the events of the last api.max_history_blocks stored blocks first.
// Reading: every query is thread-safe and takes the model's mutex for the
// time of a copy; neither the consensus nor the execution thread ever takes
// that mutex, so readers cannot stall them. Bounded by the api.max_*_kept limits.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "replex/api/read_views.hpp"
#include "replex/api/records.hpp"
#include "replex/api/stream.hpp"
#include "replex/config/node_config.hpp"
#include "replex/consensus/block.hpp"
#include "replex/exchange/chain_rules.hpp"
#include "replex/exchange/events.hpp"
#include "replex/storage/store.hpp"

namespace replex::api {

// One executed block, as the read model needs it.
struct BlockDigest {
  BlockSummary summary;
  std::vector<Hash256> tx_hashes;           // block order
  std::vector<exchange::Event> events;      // the block's typed events
  std::shared_ptr<const ChainView> view;    // the state after it (books); null during backfill
};

enum class OrderFilter : std::uint8_t { kAll, kOpen, kClosed };

class ReadModel {
 public:
  ReadModel(std::shared_ptr<const exchange::ChainRules> rules, const config::ApiSection& limits);
  ~ReadModel();
  ReadModel(const ReadModel&) = delete;
  ReadModel& operator=(const ReadModel&) = delete;

  // Before start(): the history of stored blocks (first, last], newest
  // api.max_history_blocks of them; `view` gives the current books. Blocks
  // whose events were not stored are skipped.
  Status backfill(const storage::Store& store, const consensus::BlockLimits& limits, const std::string& chain_id,
                  std::shared_ptr<const ChainView> view);
  void start();
  // Applies what is queued, then stops the thread. Idempotent.
  void stop();

  // Execution thread: enqueues; never blocks on readers. Waits while
  // api.max_queued_blocks digests are queued (the model's thread is behind).
  void feed(BlockDigest digest);
  // Tests: waits until every digest fed so far has been applied.
  void wait_idle() const;
  // Runs `callback` once the block at `height` is applied: at once (on this
  // thread) if it already is, else on the model's thread right after.
  void after_height(std::uint64_t height, std::function<void()> callback);

  // --- queries (any thread) ---------------------------------------------------
  std::optional<OrderRecord> order(exchange::OrderId id) const;
  std::optional<OrderRecord> order_by_client_id(const exchange::AccountId& account,
                                                std::string_view client_order_id) const;
  std::optional<OrderRecord> order_by_tx(const Hash256& tx_hash) const;
  // Newest first; `before_id` (0: none) pages back.
  std::vector<OrderRecord> account_orders(const exchange::AccountId& account, OrderFilter filter,
                                          std::optional<exchange::MarketIndex> market, exchange::OrderId before_id,
                                          std::size_t limit) const;
  // Newest first.
  std::vector<TradeRecord> trades(exchange::MarketIndex market, std::size_t limit) const;
  std::vector<TradeRecord> account_trades(const exchange::AccountId& account, std::size_t limit) const;
  // Oldest first, open_time in [from_ms, to_ms).
  std::vector<Candle> candles(exchange::MarketIndex market, CandleInterval interval, std::uint64_t from_ms,
                              std::uint64_t to_ms, std::size_t limit) const;
  // The top `depth` levels per side.
  BookState book(exchange::MarketIndex market, std::size_t depth) const;
  std::optional<BlockSummary> last_block() const;

  // --- streams ----------------------------------------------------------------
  // Registers `sink` on `channel` (see stream.hpp). For "book.<m>" the
  // current BookState is pushed first, under the same lock, so the diffs
  // that follow continue its update sequence without a gap. The sink is
  // held weakly; unsubscribe or let it expire. Errors name the channel.
  Status subscribe(const std::string& channel, const std::shared_ptr<StreamSink>& sink);
  void unsubscribe(const std::string& channel, const StreamSink* sink);
  // Whether `channel` names a market, interval or account that exists.
  Status check_channel(const std::string& channel) const;

 private:
  struct MarketHistory {
    BookState book;
    std::deque<TradeRecord> trades;  // newest at the front
    std::map<std::uint64_t, Candle> candles[kCandleIntervals.size()];
  };

  void run();
  void apply(const BlockDigest& digest);  // under mutex_
  void apply_event(const exchange::Event& event, const BlockSummary& block, const Hash256& tx_hash,
                   std::set<exchange::OrderId>& changed_orders, std::set<std::pair<exchange::MarketIndex, CandleInterval>>& changed_candles);
  void update_book(exchange::MarketIndex market, const exchange::BookDepth& depth, std::uint64_t height);
  OrderRecord* find_order(exchange::OrderId id);
  void remember_order(OrderRecord record);
  void evict_orders();
  void publish(std::shared_ptr<const StreamItem> item);  // to the sinks of item->channel
  // Whether anyone subscribed to `channel`: items nobody reads are not built.
  bool watched(std::string_view channel) const;
  std::string channel_of(const exchange::AccountId& account) const;

  const std::shared_ptr<const exchange::ChainRules> rules_;
  const config::ApiSection limits_;

  mutable std::mutex mutex_;
  std::vector<MarketHistory> markets_;                              // guarded by mutex_
  std::map<exchange::OrderId, OrderRecord> orders_;                 // guarded by mutex_
  std::deque<exchange::OrderId> order_age_;                         // placement order, for eviction
  std::deque<exchange::OrderId> closed_age_;                        // closing order, evicted first
  // Lookup-only indexes, never iterated (their order is random per process):
  // hash maps, as ordered maps of 32-byte keys cost ~40% more per order
  // (bench_api_read_model). Keyed hashes: clients choose these keys.
  struct ClientOrderKey {
    exchange::AccountId account;
    std::string id;
    friend bool operator==(const ClientOrderKey&, const ClientOrderKey&) = default;
  };
  struct ClientOrderKeyHasher {
    std::size_t operator()(const ClientOrderKey& k) const noexcept;
  };
  std::unordered_map<ClientOrderKey, exchange::OrderId, ClientOrderKeyHasher> by_client_id_;
  std::unordered_map<Hash256, exchange::OrderId, Hash256Hasher> by_tx_;
  std::unordered_map<exchange::AccountId, std::deque<exchange::OrderId>, PublicKeyHasher> account_orders_;  // newest first
  std::unordered_map<exchange::AccountId, std::deque<TradeRecord>, PublicKeyHasher> account_trades_;        // newest first
  std::optional<BlockSummary> last_block_;
  std::uint64_t applied_height_ = 0;                                      // guarded by mutex_
  std::multimap<std::uint64_t, std::function<void()>> after_height_;      // guarded by mutex_
  std::map<std::string, std::vector<std::weak_ptr<StreamSink>>, std::less<>> sinks_;

  // The feed queue and the model's thread.
  mutable std::mutex queue_mutex_;
  mutable std::condition_variable queue_changed_;
  std::deque<BlockDigest> queue_;  // guarded by queue_mutex_
  bool applying_ = false;          // guarded by queue_mutex_
  bool stopping_ = false;          // guarded by queue_mutex_
  std::thread thread_;
};

}  // namespace replex::api
