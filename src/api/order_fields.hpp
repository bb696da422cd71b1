// OrderFields: one order as a request carries it (REST body, gRPC
// PlaceOrderRequest), before ExchangeApi checks it against the market's
// rules. A plain value; empty text means absent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace replex::api {

// Field names in errors are these names (docs/api.md, "Placing orders").
struct OrderFields {
  std::string market;  // "BTC-USD"; "BTC/USD" is accepted
  std::string side;    // buy | sell
  std::string type;    // limit (default) | market | stop_market | stop_limit
  std::string time_in_force;  // gtc (default) | ioc | fok
  std::string price, quantity, stop_price, display_quantity, protection_price, quote_budget;
  std::string self_trade_prevention;  // expire_maker (default) | expire_taker | expire_both
  std::string client_order_id;
  std::optional<bool> post_only;
  std::optional<std::uint64_t> good_til_height;
};

}  // namespace replex::api
