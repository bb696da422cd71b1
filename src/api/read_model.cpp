#include "replex/api/read_model.hpp"

#include <pthread.h>

#include <algorithm>
#include <type_traits>

#include "replex/consensus/block.hpp"
#include "replex/core/assert.hpp"
#include "replex/core/hash.hpp"
#include "replex/exchange/reason.hpp"

namespace replex::api {
namespace {

constexpr std::size_t interval_index(CandleInterval interval) { return static_cast<std::size_t>(interval); }

std::string_view cancel_cause_name(exchange::CancelCause cause) {
  switch (cause) {
    case exchange::CancelCause::kUser: return "canceled";
    case exchange::CancelCause::kCancelAll: return "canceled_all";
    case exchange::CancelCause::kSelfTradeMaker: return "self_trade_maker";
    case exchange::CancelCause::kSelfTradeTaker: return "self_trade_taker";
  }
  return "canceled";
}

std::string_view expire_cause_name(exchange::ExpireCause cause) {
  switch (cause) {
    case exchange::ExpireCause::kImmediateOrCancel: return "immediate_or_cancel";
    case exchange::ExpireCause::kMarketRemainder: return "market_remainder";
  }
  return "expired";
}

// Levels of `after` that differ from `before` (new quantity; 0 when gone), best first.
std::vector<exchange::DepthLevel> changed_levels(const std::vector<exchange::DepthLevel>& before,
                                                 const std::vector<exchange::DepthLevel>& after, bool descending) {
  std::map<std::uint64_t, std::uint64_t> old_qty, new_qty;
  for (const auto& l : before) old_qty[l.price] = l.quantity;
  for (const auto& l : after) new_qty[l.price] = l.quantity;
  std::vector<exchange::DepthLevel> out;
  for (const auto& [price, qty] : new_qty) {
    const auto it = old_qty.find(price);
    if (it == old_qty.end() || it->second != qty) out.push_back({price, qty, 0});
  }
  for (const auto& [price, qty] : old_qty) {
    if (!new_qty.count(price)) out.push_back({price, 0, 0});
  }
  std::sort(out.begin(), out.end(), [descending](const auto& a, const auto& b) {
    return descending ? a.price > b.price : a.price < b.price;
  });
  return out;
}

exchange::BookDepth top(const exchange::BookDepth& depth, std::size_t levels) {
  exchange::BookDepth out;
  out.bids.assign(depth.bids.begin(), depth.bids.begin() + std::min(levels, depth.bids.size()));
  out.asks.assign(depth.asks.begin(), depth.asks.begin() + std::min(levels, depth.asks.size()));
  return out;
}

template <typename T>
void trim(std::deque<T>& items, std::size_t max) {
  while (items.size() > max) items.pop_back();
}

}  // namespace

std::string_view order_status_name(OrderStatus status) {
  switch (status) {
    case OrderStatus::kNew: return "new";
    case OrderStatus::kPendingStop: return "pending_stop";
    case OrderStatus::kPartiallyFilled: return "partially_filled";
    case OrderStatus::kFilled: return "filled";
    case OrderStatus::kCanceled: return "canceled";
    case OrderStatus::kExpired: return "expired";
    case OrderStatus::kRejected: return "rejected";
  }
  return "unknown";
}

bool is_open(OrderStatus status) {
  return status == OrderStatus::kNew || status == OrderStatus::kPendingStop ||
         status == OrderStatus::kPartiallyFilled;
}

std::string_view candle_interval_name(CandleInterval interval) {
  switch (interval) {
    case CandleInterval::k1m: return "1m";
    case CandleInterval::k5m: return "5m";
    case CandleInterval::k1h: return "1h";
    case CandleInterval::k1d: return "1d";
  }
  return "1m";
}

std::optional<CandleInterval> parse_candle_interval(std::string_view name) {
  for (CandleInterval i : kCandleIntervals) {
    if (candle_interval_name(i) == name) return i;
  }
  return std::nullopt;
}

std::uint64_t candle_interval_ms(CandleInterval interval) {
  switch (interval) {
    case CandleInterval::k1m: return 60'000;
    case CandleInterval::k5m: return 300'000;
    case CandleInterval::k1h: return 3'600'000;
    case CandleInterval::k1d: return 86'400'000;
  }
  return 60'000;
}

ReadModel::ReadModel(std::shared_ptr<const exchange::ChainRules> rules, const config::ApiSection& limits)
    : rules_(std::move(rules)), limits_(limits), markets_(rules_->market_count()) {
  for (exchange::MarketIndex m = 0; m < markets_.size(); ++m) markets_[m].book.market = m;
}

ReadModel::~ReadModel() { stop(); }

Status ReadModel::backfill(const storage::Store& store, const consensus::BlockLimits& limits,
                           const std::string& chain_id, std::shared_ptr<const ChainView> view) {
  const std::uint64_t last = store.last_height();
  const std::uint64_t first = store.first_height();
  if (first != 0 && last >= first && limits_.max_history_blocks > 0) {
    const std::uint64_t from = std::max<std::uint64_t>(first, last >= limits_.max_history_blocks
                                                                   ? last - limits_.max_history_blocks + 1
                                                                   : 1);
    for (std::uint64_t h = from; h <= last; ++h) {
      auto events_bytes = store.events_at(h);
      if (!events_bytes) {
        if (events_bytes.status().code() == StatusCode::kNotFound) continue;
        return events_bytes.status().with_context("read model backfill: ");
      }
      REPLEX_ASSIGN_OR_RETURN(storage::StoredBlock stored, store.block_at(h));
      REPLEX_ASSIGN_OR_RETURN(consensus::Block block, consensus::decode_block(stored.block, limits, chain_id));
      REPLEX_ASSIGN_OR_RETURN(std::vector<exchange::Event> events, exchange::decode_events(*events_bytes));
      BlockDigest digest;
      digest.summary = {h, stored.block_hash, stored.app_hash, block.header.time_ms,
                        static_cast<std::uint32_t>(block.txs.size()), 0};
      digest.tx_hashes = std::move(block.tx_hashes);
      digest.events = std::move(events);
      std::lock_guard lock(mutex_);
      apply(digest);
    }
  }
  if (view) {
    std::lock_guard lock(mutex_);
    applied_height_ = std::max(applied_height_, view->height);
    for (exchange::MarketIndex m = 0; m < markets_.size() && m < view->markets.size(); ++m) {
      markets_[m].book.depth = view->markets[m].depth;
      markets_[m].book.height = view->height;
    }
  }
  return Status::ok();
}

void ReadModel::start() {
  REPLEX_ASSERT(!thread_.joinable());
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "replex-readmdl");  // for top -H and perf
    run();
  });
}

void ReadModel::stop() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReadModel::feed(BlockDigest digest) {
  {
    std::unique_lock lock(queue_mutex_);
    // Each digest holds a block's events and its chain view: a model that
    // falls behind slows execution rather than growing without bound.
    queue_changed_.wait(lock, [this] { return queue_.size() < limits_.max_queued_blocks || stopping_; });
    queue_.push_back(std::move(digest));
  }
  queue_changed_.notify_all();
}

void ReadModel::wait_idle() const {
  std::unique_lock lock(queue_mutex_);
  queue_changed_.wait(lock, [this] { return (queue_.empty() && !applying_) || stopping_; });
}

void ReadModel::after_height(std::uint64_t height, std::function<void()> callback) {
  {
    std::lock_guard lock(mutex_);
    if (applied_height_ < height) {
      after_height_.emplace(height, std::move(callback));
      return;
    }
  }
  callback();
}

void ReadModel::run() {
  std::unique_lock lock(queue_mutex_);
  for (;;) {
    queue_changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    BlockDigest digest = std::move(queue_.front());
    queue_.pop_front();
    applying_ = true;
    lock.unlock();
    std::vector<std::function<void()>> due;
    {
      std::lock_guard model_lock(mutex_);
      apply(digest);
      const auto end = after_height_.upper_bound(applied_height_);
      for (auto it = after_height_.begin(); it != end; ++it) due.push_back(std::move(it->second));
      after_height_.erase(after_height_.begin(), end);
    }
    for (auto& callback : due) callback();  // outside the lock: callbacks read the model
    lock.lock();
    applying_ = false;
    queue_changed_.notify_all();
  }
}

// --- applying a block (under mutex_) ---------------------------------------------------

void ReadModel::apply(const BlockDigest& digest) {
  BlockSummary block = digest.summary;
  std::set<exchange::OrderId> changed_orders;
  std::set<std::pair<exchange::MarketIndex, CandleInterval>> changed_candles;
  Hash256 tx;
  for (const exchange::Event& e : digest.events) {
    if (const auto* result = std::get_if<exchange::event::TxResult>(&e)) {
      tx = result->tx_index < digest.tx_hashes.size() ? digest.tx_hashes[result->tx_index] : Hash256{};
      continue;
    }
    if (std::holds_alternative<exchange::event::Trade>(e)) ++block.trade_count;
    apply_event(e, block, tx, changed_orders, changed_candles);
  }
  last_block_ = block;
  applied_height_ = std::max(applied_height_, block.height);

  if (digest.view) {
    for (exchange::MarketIndex m = 0; m < markets_.size() && m < digest.view->markets.size(); ++m) {
      update_book(m, digest.view->markets[m].depth, block.height);
    }
  }
  for (const auto& [market, interval] : changed_candles) {
    const auto& series = markets_[market].candles[interval_index(interval)];
    if (series.empty()) continue;
    std::string channel =
        "candles." + rules_->market_spec(market).symbol + "." + std::string(candle_interval_name(interval));
    if (!watched(channel)) continue;
    auto item = std::make_shared<StreamItem>();
    item->channel = std::move(channel);
    item->update = CandleUpdate{market, interval, series.rbegin()->second};
    publish(std::move(item));
  }
  for (const exchange::OrderId id : changed_orders) {
    const OrderRecord* order = find_order(id);
    if (!order) continue;
    if (!is_open(order->status)) closed_age_.push_back(id);  // closing is final: queued once
    if (sinks_.empty()) continue;
    std::string channel = channel_of(order->account);
    if (!watched(channel)) continue;
    auto item = std::make_shared<StreamItem>();
    item->channel = std::move(channel);
    item->update = *order;
    publish(std::move(item));
  }
  auto item = std::make_shared<StreamItem>();
  item->channel = "blocks";
  item->update = block;
  publish(std::move(item));
  evict_orders();
}

void ReadModel::apply_event(const exchange::Event& event, const BlockSummary& block, const Hash256& tx_hash,
                            std::set<exchange::OrderId>& changed_orders,
                            std::set<std::pair<exchange::MarketIndex, CandleInterval>>& changed_candles) {
  auto touch = [&](OrderRecord& o) {
    o.updated_height = block.height;
    o.updated_time_ms = block.time_ms;
    changed_orders.insert(o.id);
  };
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, exchange::event::OrderAccepted>) {
          OrderRecord o;
          o.id = e.order_id;
          o.market = e.market;
          o.account = e.account;
          o.side = e.side;
          o.type = e.type;
          o.time_in_force = e.time_in_force;
          o.post_only = e.post_only;
          o.self_trade_prevention = e.self_trade_prevention;
          o.price = e.price;
          o.quantity = e.quantity;
          o.stop_price = e.stop_price;
          o.display_quantity = e.display_quantity;
          o.protection_price = e.protection_price;
          o.quote_budget = e.quote_budget;
          o.client_order_id = e.client_order_id;
          const bool stop = e.type == exchange::OrderType::kStopMarket || e.type == exchange::OrderType::kStopLimit;
          o.status = stop ? OrderStatus::kPendingStop : OrderStatus::kNew;
          o.open_quantity = e.quantity;
          o.tx_hash = tx_hash;
          o.created_height = block.height;
          o.created_time_ms = block.time_ms;
          o.updated_height = block.height;
          o.updated_time_ms = block.time_ms;
          changed_orders.insert(o.id);
          remember_order(std::move(o));
        } else if constexpr (std::is_same_v<T, exchange::event::OrderTriggered>) {
          if (OrderRecord* o = find_order(e.order_id)) {
            if (o->status == OrderStatus::kPendingStop) o->status = OrderStatus::kNew;
            touch(*o);
          }
        } else if constexpr (std::is_same_v<T, exchange::event::OrderPartiallyFilled>) {
          if (OrderRecord* o = find_order(e.order_id)) {
            o->filled_quantity = e.filled_quantity;
            o->open_quantity = e.open_quantity;
            o->status = OrderStatus::kPartiallyFilled;
            touch(*o);
          }
        } else if constexpr (std::is_same_v<T, exchange::event::OrderFilled>) {
          if (OrderRecord* o = find_order(e.order_id)) {
            o->filled_quantity = e.filled_quantity;
            o->open_quantity = 0;
            o->status = OrderStatus::kFilled;
            touch(*o);
          }
        } else if constexpr (std::is_same_v<T, exchange::event::OrderCanceled>) {
          if (OrderRecord* o = find_order(e.order_id)) {
            o->open_quantity = e.open_quantity;
            o->status = OrderStatus::kCanceled;
            o->reason = std::string(cancel_cause_name(e.cause));
            touch(*o);
          }
        } else if constexpr (std::is_same_v<T, exchange::event::OrderExpired>) {
          if (OrderRecord* o = find_order(e.order_id)) {
            o->open_quantity = e.open_quantity;
            o->status = OrderStatus::kExpired;
            o->reason = std::string(expire_cause_name(e.cause));
            touch(*o);
          }
        } else if constexpr (std::is_same_v<T, exchange::event::OrderRejected>) {
          if (OrderRecord* o = find_order(e.order_id)) {
            o->status = OrderStatus::kRejected;
            o->reason = std::string(exchange::reason_name(e.code));
            touch(*o);
          }
        } else if constexpr (std::is_same_v<T, exchange::event::OrderAmended>) {
          if (OrderRecord* o = find_order(e.order_id)) {
            o->price = e.price;
            o->open_quantity = e.open_quantity;
            o->quantity = o->filled_quantity + e.open_quantity;
            touch(*o);
          }
        } else if constexpr (std::is_same_v<T, exchange::event::Trade>) {
          TradeRecord t{e.trade_id, e.market,   e.price,     e.quantity,  e.maker_order_id, e.taker_order_id,
                        e.maker,    e.taker,    e.maker_fee, e.taker_fee, e.aggressor,      block.height,
                        block.time_ms};
          for (const bool maker : {true, false}) {
            if (OrderRecord* o = find_order(maker ? e.maker_order_id : e.taker_order_id)) {
              o->fills.push_back(Fill{e.trade_id, e.price, e.quantity, maker ? e.maker_fee : e.taker_fee, maker,
                                      block.height, block.time_ms});
              touch(*o);
            }
          }
          MarketHistory& market = markets_[e.market];
          market.trades.push_front(t);
          trim(market.trades, limits_.max_trades_kept);
          for (const auto& account : {e.maker, e.taker}) {
            auto& mine = account_trades_[account];
            if (!mine.empty() && mine.front().id == t.id) continue;  // a self-trade is listed once
            mine.push_front(t);
            trim(mine, limits_.max_account_trades_kept);
          }
          for (CandleInterval interval : kCandleIntervals) {
            auto& series = market.candles[interval_index(interval)];
            const std::uint64_t open_time = block.time_ms - block.time_ms % candle_interval_ms(interval);
            auto [it, inserted] = series.try_emplace(open_time);
            Candle& c = it->second;
            if (inserted) {
              c = Candle{open_time, e.price, e.price, e.price, e.price, 0, 0};
            }
            c.high = std::max(c.high, e.price);
            c.low = std::min(c.low, e.price);
            c.close = e.price;
            c.volume += e.quantity;
            ++c.trades;
            while (series.size() > limits_.max_candles_kept) series.erase(series.begin());
            changed_candles.insert({e.market, interval});
          }
          std::string channel = "trades." + rules_->market_spec(e.market).symbol;
          if (watched(channel)) {
            auto item = std::make_shared<StreamItem>();
            item->channel = std::move(channel);
            item->update = t;
            publish(std::move(item));
          }
        }
        // Balance changes, withdrawals and settlement addresses are read from
        // the chain view and the state; nothing to remember here.
      },
      event);
}

void ReadModel::update_book(exchange::MarketIndex market, const exchange::BookDepth& depth, std::uint64_t height) {
  BookState& book = markets_[market].book;
  BookDiff diff;
  diff.market = market;
  diff.height = height;
  diff.bids = changed_levels(book.depth.bids, depth.bids, /*descending=*/true);
  diff.asks = changed_levels(book.depth.asks, depth.asks, /*descending=*/false);
  book.height = height;
  if (diff.bids.empty() && diff.asks.empty()) return;
  diff.first_update_id = book.last_update_id + 1;
  book.last_update_id += diff.bids.size() + diff.asks.size();
  diff.last_update_id = book.last_update_id;
  book.depth = depth;
  auto item = std::make_shared<StreamItem>();
  item->channel = "book." + rules_->market_spec(market).symbol;
  item->update = std::move(diff);
  publish(std::move(item));
}

OrderRecord* ReadModel::find_order(exchange::OrderId id) {
  const auto it = orders_.find(id);
  return it == orders_.end() ? nullptr : &it->second;
}

std::size_t ReadModel::ClientOrderKeyHasher::operator()(const ClientOrderKey& k) const noexcept {
  return keyed_hash(k.account.view()) ^ (keyed_hash(as_bytes(k.id)) * 0x9e3779b97f4a7c15ULL);
}

void ReadModel::remember_order(OrderRecord record) {
  const exchange::OrderId id = record.id;
  if (!record.client_order_id.empty()) by_client_id_[{record.account, record.client_order_id}] = id;
  if (record.tx_hash != Hash256{}) by_tx_[record.tx_hash] = id;
  auto& mine = account_orders_[record.account];
  mine.push_front(id);
  trim(mine, limits_.max_account_orders_kept);
  orders_.insert_or_assign(id, std::move(record));
  order_age_.push_back(id);
}

void ReadModel::evict_orders() {
  // Closed orders go first, the longest closed first; open ones only when no
  // closed one is left, the oldest placed first. Every id enters each queue
  // about once, so eviction costs O(1) amortised per order, however many of
  // the kept orders are open (a million resting orders once made every block
  // walk them all).
  while (orders_.size() > limits_.max_orders_kept) {
    const bool closed = !closed_age_.empty();
    std::deque<exchange::OrderId>& queue = closed ? closed_age_ : order_age_;
    if (queue.empty()) break;
    const exchange::OrderId id = queue.front();
    queue.pop_front();
    const auto it = orders_.find(id);
    if (it == orders_.end()) continue;
    const OrderRecord& o = it->second;
    if (!o.client_order_id.empty()) {
      if (const auto c = by_client_id_.find({o.account, o.client_order_id}); c != by_client_id_.end() && c->second == id) {
        by_client_id_.erase(c);
      }
    }
    if (const auto t = by_tx_.find(o.tx_hash); t != by_tx_.end() && t->second == id) by_tx_.erase(t);
    orders_.erase(it);
  }
  // Orders evicted after they closed stay in order_age_; drop them once they
  // are most of it.
  if (order_age_.size() > 2 * orders_.size() + 1024) {
    std::erase_if(order_age_, [&](exchange::OrderId id) { return !orders_.contains(id); });
  }
}

std::string ReadModel::channel_of(const exchange::AccountId& account) const { return "orders." + account.hex(); }

// --- streams -----------------------------------------------------------------------------

bool ReadModel::watched(std::string_view channel) const { return sinks_.find(channel) != sinks_.end(); }

void ReadModel::publish(std::shared_ptr<const StreamItem> item) {
  const auto it = sinks_.find(item->channel);
  if (it == sinks_.end()) return;
  auto& sinks = it->second;
  std::erase_if(sinks, [&](const std::weak_ptr<StreamSink>& weak) {
    const auto sink = weak.lock();
    return !sink || !sink->push(item);
  });
  if (sinks.empty()) sinks_.erase(it);
}

Status ReadModel::check_channel(const std::string& channel) const {
  auto market_of = [&](std::string_view symbol) { return rules_->find_market(symbol); };
  if (channel == "blocks") return Status::ok();
  const auto dot = channel.find('.');
  const std::string kind = channel.substr(0, dot);
  const std::string rest = dot == std::string::npos ? std::string() : channel.substr(dot + 1);
  if (kind == "book" || kind == "trades") {
    if (!market_of(rest)) return Status::not_found("channel " + channel + ": unknown market '" + rest + "'");
    return Status::ok();
  }
  if (kind == "candles") {
    const auto last = rest.rfind('.');
    const std::string market = rest.substr(0, last);
    const std::string interval = last == std::string::npos ? std::string() : rest.substr(last + 1);
    if (!market_of(market)) return Status::not_found("channel " + channel + ": unknown market '" + market + "'");
    if (!parse_candle_interval(interval)) {
      return Status::invalid_argument("channel " + channel + ": interval must be 1m, 5m, 1h or 1d");
    }
    return Status::ok();
  }
  if (kind == "orders") {
    if (!PublicKey::from_hex(rest)) return Status::invalid_argument("channel " + channel + ": not an account key");
    return Status::ok();
  }
  return Status::invalid_argument("unknown channel '" + channel +
                                  "'; channels: book.<market>, trades.<market>, candles.<market>.<interval>, "
                                  "blocks, orders.<account>");
}

Status ReadModel::subscribe(const std::string& channel, const std::shared_ptr<StreamSink>& sink) {
  REPLEX_RETURN_IF_ERROR(check_channel(channel));
  std::lock_guard lock(mutex_);
  if (channel.rfind("book.", 0) == 0) {
    const auto market = rules_->find_market(channel.substr(5));
    auto item = std::make_shared<StreamItem>();
    item->channel = channel;
    item->update = markets_[*market].book;
    if (!sink->push(std::move(item))) return Status::resource_exhausted("channel " + channel + ": the snapshot does not fit");
  }
  sinks_[channel].push_back(sink);
  return Status::ok();
}

void ReadModel::unsubscribe(const std::string& channel, const StreamSink* sink) {
  std::lock_guard lock(mutex_);
  const auto it = sinks_.find(channel);
  if (it == sinks_.end()) return;
  std::erase_if(it->second, [&](const std::weak_ptr<StreamSink>& weak) {
    const auto held = weak.lock();
    return !held || held.get() == sink;
  });
  if (it->second.empty()) sinks_.erase(it);
}

// --- queries --------------------------------------------------------------------------------

std::optional<OrderRecord> ReadModel::order(exchange::OrderId id) const {
  std::lock_guard lock(mutex_);
  const auto it = orders_.find(id);
  if (it == orders_.end()) return std::nullopt;
  return it->second;
}

std::optional<OrderRecord> ReadModel::order_by_client_id(const exchange::AccountId& account,
                                                         std::string_view client_order_id) const {
  std::lock_guard lock(mutex_);
  const auto it = by_client_id_.find(ClientOrderKey{account, std::string(client_order_id)});
  if (it == by_client_id_.end()) return std::nullopt;
  const auto order = orders_.find(it->second);
  if (order == orders_.end()) return std::nullopt;
  return order->second;
}

std::optional<OrderRecord> ReadModel::order_by_tx(const Hash256& tx_hash) const {
  std::lock_guard lock(mutex_);
  const auto it = by_tx_.find(tx_hash);
  if (it == by_tx_.end()) return std::nullopt;
  const auto order = orders_.find(it->second);
  if (order == orders_.end()) return std::nullopt;
  return order->second;
}

std::vector<OrderRecord> ReadModel::account_orders(const exchange::AccountId& account, OrderFilter filter,
                                                   std::optional<exchange::MarketIndex> market,
                                                   exchange::OrderId before_id, std::size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<OrderRecord> out;
  const auto it = account_orders_.find(account);
  if (it == account_orders_.end()) return out;
  for (const exchange::OrderId id : it->second) {
    if (out.size() >= limit) break;
    if (before_id != 0 && id >= before_id) continue;
    const auto order = orders_.find(id);
    if (order == orders_.end()) continue;
    const OrderRecord& o = order->second;
    if (market && o.market != *market) continue;
    if (filter == OrderFilter::kOpen && !is_open(o.status)) continue;
    if (filter == OrderFilter::kClosed && is_open(o.status)) continue;
    out.push_back(o);
  }
  return out;
}

std::vector<TradeRecord> ReadModel::trades(exchange::MarketIndex market, std::size_t limit) const {
  std::lock_guard lock(mutex_);
  const auto& trades = markets_.at(market).trades;
  return {trades.begin(), trades.begin() + static_cast<std::ptrdiff_t>(std::min(limit, trades.size()))};
}

std::vector<TradeRecord> ReadModel::account_trades(const exchange::AccountId& account, std::size_t limit) const {
  std::lock_guard lock(mutex_);
  const auto it = account_trades_.find(account);
  if (it == account_trades_.end()) return {};
  return {it->second.begin(), it->second.begin() + static_cast<std::ptrdiff_t>(std::min(limit, it->second.size()))};
}

std::vector<Candle> ReadModel::candles(exchange::MarketIndex market, CandleInterval interval, std::uint64_t from_ms,
                                       std::uint64_t to_ms, std::size_t limit) const {
  std::lock_guard lock(mutex_);
  const auto& series = markets_.at(market).candles[interval_index(interval)];
  std::vector<Candle> out;
  for (auto it = series.lower_bound(from_ms); it != series.end() && it->first < to_ms; ++it) {
    out.push_back(it->second);
  }
  // The newest `limit` of them.
  if (out.size() > limit) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(limit));
  return out;
}

BookState ReadModel::book(exchange::MarketIndex market, std::size_t depth) const {
  std::lock_guard lock(mutex_);
  BookState out = markets_.at(market).book;
  out.depth = top(out.depth, depth);
  return out;
}

std::optional<BlockSummary> ReadModel::last_block() const {
  std::lock_guard lock(mutex_);
  return last_block_;
}

}  // namespace replex::api
