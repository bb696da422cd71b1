// What the gateway remembers of the chain's history, built from each block's
// exchange events (docs/api.md): orders with their fills, trades, candles, a
// market's book with its update sequence. Plain values in wire units (price
// units, base units, asset units), like the exchange's own read side.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/exchange/types.hpp"

namespace replex::api {

enum class OrderStatus : std::uint8_t {
  kNew,              // resting with nothing filled
  kPendingStop,      // a stop order waiting for its trigger price
  kPartiallyFilled,  // resting, partly filled
  kFilled,
  kCanceled,
  kExpired,          // an IOC or market remainder
  kRejected,         // a triggered stop that could not run
};
std::string_view order_status_name(OrderStatus status);
bool is_open(OrderStatus status);

struct Fill {
  exchange::TradeId trade_id = 0;
  std::uint64_t price = 0;
  std::uint64_t quantity = 0;
  std::uint64_t fee = 0;  // quote units
  bool maker = false;
  std::uint64_t height = 0;
  std::uint64_t time_ms = 0;
};

struct OrderRecord {
  exchange::OrderId id = 0;
  exchange::MarketIndex market = 0;
  exchange::AccountId account;
  exchange::Side side = exchange::Side::kBuy;
  exchange::OrderType type = exchange::OrderType::kLimit;
  exchange::TimeInForce time_in_force = exchange::TimeInForce::kGtc;
  bool post_only = false;
  exchange::SelfTradePrevention self_trade_prevention = exchange::SelfTradePrevention::kExpireMaker;
  std::uint64_t price = 0;
  std::uint64_t quantity = 0;  // filled + open once amended
  std::uint64_t stop_price = 0;
  std::uint64_t display_quantity = 0;
  std::uint64_t protection_price = 0;
  std::uint64_t quote_budget = 0;
  std::string client_order_id;
  OrderStatus status = OrderStatus::kNew;
  std::uint64_t filled_quantity = 0;
  std::uint64_t open_quantity = 0;
  std::string reason;  // why it closed: "user", "self_trade_maker", an exchange reason name, ...
  Hash256 tx_hash;     // the transaction that placed it
  std::uint64_t created_height = 0;
  std::uint64_t created_time_ms = 0;
  std::uint64_t updated_height = 0;
  std::uint64_t updated_time_ms = 0;
  std::vector<Fill> fills;  // oldest first
};

struct TradeRecord {
  exchange::TradeId id = 0;
  exchange::MarketIndex market = 0;
  std::uint64_t price = 0;
  std::uint64_t quantity = 0;
  exchange::OrderId maker_order_id = 0;
  exchange::OrderId taker_order_id = 0;
  exchange::AccountId maker;
  exchange::AccountId taker;
  std::uint64_t maker_fee = 0;
  std::uint64_t taker_fee = 0;
  exchange::Side aggressor = exchange::Side::kBuy;
  std::uint64_t height = 0;
  std::uint64_t time_ms = 0;
};

// OHLCV of one interval, from the trades whose block time falls in it.
enum class CandleInterval : std::uint8_t { k1m, k5m, k1h, k1d };
inline constexpr std::array<CandleInterval, 4> kCandleIntervals = {CandleInterval::k1m, CandleInterval::k5m,
                                                                  CandleInterval::k1h, CandleInterval::k1d};
std::string_view candle_interval_name(CandleInterval interval);
std::optional<CandleInterval> parse_candle_interval(std::string_view name);
std::uint64_t candle_interval_ms(CandleInterval interval);

struct Candle {
  std::uint64_t open_time_ms = 0;
  std::uint64_t open = 0;
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::uint64_t close = 0;
  std::uint64_t volume = 0;  // base units
  std::uint64_t trades = 0;
  friend bool operator==(const Candle&, const Candle&) = default;
};

// A market's book as the gateway publishes it: the top levels, the height
// they reflect, and the update sequence (one id per changed level, per node).
struct BookState {
  exchange::MarketIndex market = 0;
  std::uint64_t height = 0;
  std::uint64_t last_update_id = 0;
  exchange::BookDepth depth;
};

// The changes of one block to a book: levels with their new absolute
// quantity (0: removed). first_update_id == previous last_update_id + 1.
struct BookDiff {
  exchange::MarketIndex market = 0;
  std::uint64_t height = 0;
  std::uint64_t first_update_id = 0;
  std::uint64_t last_update_id = 0;
  std::vector<exchange::DepthLevel> bids;
  std::vector<exchange::DepthLevel> asks;
};

struct BlockSummary {
  std::uint64_t height = 0;
  Hash256 block_hash;
  Hash256 app_hash;
  std::uint64_t time_ms = 0;
  std::uint32_t tx_count = 0;
  std::uint32_t trade_count = 0;
};

}  // namespace replex::api
