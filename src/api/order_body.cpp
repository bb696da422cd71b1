#include "order_body.hpp"

#include <utility>

namespace replex::api {

OrderFields read_order_fields(JsonFields& f) {
  OrderFields o;
  auto text = [&](std::string_view key, std::string& out) {
    if (auto v = f.string(key)) out = *v;
  };
  auto decimal = [&](std::string_view key, std::string& out) {
    if (auto v = f.decimal(key)) out = *v;
  };
  text("market", o.market);
  std::string symbol;  // the common alias of market
  text("symbol", symbol);
  if (!symbol.empty() && !o.market.empty()) f.fail("symbol", "give market or symbol, not both");
  if (o.market.empty()) o.market = symbol;
  text("side", o.side);
  text("type", o.type);
  text("time_in_force", o.time_in_force);
  decimal("price", o.price);
  decimal("quantity", o.quantity);
  decimal("stop_price", o.stop_price);
  decimal("display_quantity", o.display_quantity);
  decimal("protection_price", o.protection_price);
  decimal("quote_budget", o.quote_budget);
  text("self_trade_prevention", o.self_trade_prevention);
  text("client_order_id", o.client_order_id);
  o.post_only = f.boolean("post_only");
  o.good_til_height = f.u64("good_til_height");
  return o;
}

std::optional<ApiResult<Bytes>> read_signed_envelope(const Json& body, const std::string& where) {
  if (!body.is_object() || !body.contains("transaction")) return std::nullopt;
  JsonFields f(body, where);
  const auto text = f.string("transaction");
  if (auto e = f.finish()) return ApiResult<Bytes>(std::move(*e));
  auto bytes = from_base64(text.value_or(""));
  if (!bytes || bytes->empty()) {
    const std::string field = where.empty() ? "transaction" : where + ".transaction";
    return ApiResult<Bytes>(ApiError::bad_request(field, field + ": expected a base64 SignedTransaction"));
  }
  return ApiResult<Bytes>(std::move(*bytes));
}

std::string batch_item_name(std::size_t index) { return "orders[" + std::to_string(index) + "]"; }

ApiResult<std::vector<OrderEntry>> parse_order_batch(const Json& body, std::size_t max_items) {
  JsonFields top(body);
  const bool has_orders = top.has("orders");
  if (auto e = top.finish()) return *e;
  if (!has_orders) return ApiError::bad_request("orders", "orders: required (an array of orders)");
  const Json& items = body.at("orders");
  if (!items.is_array()) return ApiError::bad_request("orders", "orders: expected an array of orders");
  if (items.empty()) return ApiError::bad_request("orders", "orders: empty; give 1.." + std::to_string(max_items));
  if (items.size() > max_items) {
    return ApiError{ApiErrorKind::kTooLarge, "BATCH_TOO_LARGE",
                    "orders: " + std::to_string(items.size()) + " in the batch; 1.." + std::to_string(max_items) +
                        " allowed (api.max_submit_batch)",
                    "orders", 0};
  }
  std::vector<OrderEntry> entries;
  entries.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Json& item = items[i];
    const std::string name = batch_item_name(i);
    if (auto envelope = read_signed_envelope(item, name)) {
      if (*envelope) {
        entries.emplace_back(std::move(**envelope));
      } else {
        entries.emplace_back(envelope->error());
      }
      continue;
    }
    JsonFields f(item, name);
    OrderFields order = read_order_fields(f);
    if (auto e = f.finish()) {
      entries.emplace_back(std::move(*e));
    } else {
      entries.emplace_back(std::move(order));
    }
  }
  return entries;
}

ApiError batch_item_error(std::size_t index, ApiError error) {
  const std::string name = batch_item_name(index);
  if (error.field.rfind(name, 0) == 0) return error;  // named already (the body's parser)
  if (!error.field.empty() && error.message.rfind(error.field, 0) == 0) {
    error.message = name + "." + error.message;
  } else {
    error.message = name + ": " + error.message;
  }
  error.field = error.field.empty() ? name : name + "." + error.field;
  return error;
}

}  // namespace replex::api
