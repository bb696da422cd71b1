#include "json_views.hpp"

#include <type_traits>

#include "replex/core/decimal.hpp"
#include "replex/exchange/reason.hpp"
#include "replex/exchange/types.hpp"

namespace replex::api {
namespace {

std::string lower(std::string_view name) {
  std::string out(name);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Json optional_price(const ExchangeApi& api, exchange::MarketIndex m, std::uint64_t price) {
  return price == 0 ? Json(nullptr) : Json(api.price_text(m, price));
}

Json levels(const ExchangeApi& api, exchange::MarketIndex m, const std::vector<exchange::DepthLevel>& levels) {
  Json out = Json::array();
  for (const auto& l : levels) out.push_back({api.price_text(m, l.price), api.quantity_text(m, l.quantity)});
  return out;
}

}  // namespace

Json to_json(const ExchangeApi& api, const OrderRecord& o) {
  const exchange::MarketIndex m = o.market;
  Json fills = Json::array();
  for (const Fill& f : o.fills) {
    fills.push_back({{"trade_id", f.trade_id},
                     {"price", api.price_text(m, f.price)},
                     {"quantity", api.quantity_text(m, f.quantity)},
                     {"fee", api.quote_text(m, f.fee)},
                     {"role", f.maker ? "maker" : "taker"},
                     {"height", f.height},
                     {"time_ms", f.time_ms}});
  }
  return Json{{"order_id", o.id},
              {"market", api.rules().market_spec(m).symbol},
              {"account", o.account.hex()},
              {"side", lower(exchange::side_name(o.side))},
              {"type", lower(exchange::order_type_name(o.type))},
              {"time_in_force", lower(exchange::time_in_force_name(o.time_in_force))},
              {"post_only", o.post_only},
              {"self_trade_prevention", lower(exchange::stp_name(o.self_trade_prevention))},
              {"price", optional_price(api, m, o.price)},
              {"quantity", api.quantity_text(m, o.quantity)},
              {"stop_price", optional_price(api, m, o.stop_price)},
              {"display_quantity", o.display_quantity == 0 ? Json(nullptr) : Json(api.quantity_text(m, o.display_quantity))},
              {"client_order_id", o.client_order_id},
              {"status", std::string(order_status_name(o.status))},
              {"filled_quantity", api.quantity_text(m, o.filled_quantity)},
              {"open_quantity", api.quantity_text(m, o.open_quantity)},
              {"reason", o.reason.empty() ? Json(nullptr) : Json(o.reason)},
              {"tx_hash", o.tx_hash.hex()},
              {"created_height", o.created_height},
              {"created_time_ms", o.created_time_ms},
              {"updated_height", o.updated_height},
              {"updated_time_ms", o.updated_time_ms},
              {"fills", std::move(fills)}};
}

Json to_json(const ExchangeApi& api, const TradeRecord& t) {
  return Json{{"trade_id", t.id},
              {"market", api.rules().market_spec(t.market).symbol},
              {"price", api.price_text(t.market, t.price)},
              {"quantity", api.quantity_text(t.market, t.quantity)},
              {"aggressor", lower(exchange::side_name(t.aggressor))},
              {"maker_order_id", t.maker_order_id},
              {"taker_order_id", t.taker_order_id},
              {"maker", t.maker.hex()},
              {"taker", t.taker.hex()},
              {"maker_fee", api.quote_text(t.market, t.maker_fee)},
              {"taker_fee", api.quote_text(t.market, t.taker_fee)},
              {"height", t.height},
              {"time_ms", t.time_ms}};
}

Json to_json(const ExchangeApi& api, exchange::MarketIndex m, CandleInterval interval, const Candle& c) {
  return Json{{"market", api.rules().market_spec(m).symbol},
              {"interval", std::string(candle_interval_name(interval))},
              {"open_time_ms", c.open_time_ms},
              {"close_time_ms", c.open_time_ms + candle_interval_ms(interval) - 1},
              {"open", api.price_text(m, c.open)},
              {"high", api.price_text(m, c.high)},
              {"low", api.price_text(m, c.low)},
              {"close", api.price_text(m, c.close)},
              {"volume", api.quantity_text(m, c.volume)},
              {"trades", c.trades}};
}

Json to_json(const ExchangeApi& api, const BookState& book) {
  return Json{{"market", api.rules().market_spec(book.market).symbol},
              {"height", book.height},
              {"last_update_id", book.last_update_id},
              {"bids", levels(api, book.market, book.depth.bids)},
              {"asks", levels(api, book.market, book.depth.asks)}};
}

Json to_json(const ExchangeApi& api, const BookDiff& diff) {
  return Json{{"market", api.rules().market_spec(diff.market).symbol},
              {"height", diff.height},
              {"first_update_id", diff.first_update_id},
              {"last_update_id", diff.last_update_id},
              {"bids", levels(api, diff.market, diff.bids)},
              {"asks", levels(api, diff.market, diff.asks)}};
}

Json to_json(const BlockSummary& b) {
  return Json{{"height", b.height},         {"block_hash", b.block_hash.hex()}, {"app_hash", b.app_hash.hex()},
              {"time_ms", b.time_ms},       {"tx_count", b.tx_count},           {"trade_count", b.trade_count}};
}

Json to_json(const MarketInfo& m) {
  const auto dec = [](std::uint64_t v, unsigned scale) { return format_decimal_unsigned(v, scale); };
  return Json{{"symbol", m.symbol},
              {"base", m.base},
              {"quote", m.quote},
              {"price_decimals", m.price_decimals},
              {"base_decimals", m.base_decimals},
              {"quote_decimals", m.quote_decimals},
              {"tick_size", dec(m.tick_size, m.price_decimals)},
              {"lot_size", dec(m.lot_size, m.base_decimals)},
              {"min_quantity", dec(m.min_quantity, m.base_decimals)},
              {"max_quantity", dec(m.max_quantity, m.base_decimals)},
              {"maker_fee_bps", m.maker_fee_bps},
              {"taker_fee_bps", m.taker_fee_bps},
              {"last_price", m.last_price ? Json(dec(*m.last_price, m.price_decimals)) : Json(nullptr)}};
}

Json to_json(const std::vector<BalanceLine>& balances, const PublicKey& account) {
  Json lines = Json::array();
  for (const BalanceLine& b : balances) {
    lines.push_back({{"asset", b.asset},
                     {"available", format_decimal_unsigned(b.available, b.decimals)},
                     {"locked", format_decimal_unsigned(b.locked, b.decimals)}});
  }
  return Json{{"account", account.hex()}, {"balances", std::move(lines)}};
}

namespace {
Json events_json(const std::vector<TxEvent>& list) {
  Json events = Json::array();
  for (const TxEvent& e : list) {
    Json attributes = Json::object();
    for (const auto& [key, value] : e.attributes) attributes[key] = value;
    events.push_back({{"type", e.type}, {"attributes", std::move(attributes)}});
  }
  return events;
}
std::string hex_of(const Hash256& h) { return "0x" + h.hex(); }
}  // namespace

Json to_json(const TxInfo& tx) {
  Json events = events_json(tx.events);
  return Json{{"tx_hash", tx.hash.hex()},
              {"height", tx.height},
              {"index", tx.index},
              {"result_code", tx.code},
              {"result", std::string(exchange::reason_name(tx.code))},
              {"events", std::move(events)}};
}

Json to_json(const ExchangeApi& api, const TxReceipt& r) {
  Json out{{"tx_hash", r.tx_hash.hex()},
           {"account", r.account.hex()},
           {"status", r.height ? "committed" : "accepted"},
           {"duplicate", r.duplicate || r.existing}};
  if (!r.client_order_id.empty()) out["client_order_id"] = r.client_order_id;
  // The order id is assigned when the block executes: known once committed.
  out["order_id"] = r.order ? Json(r.order->id) : Json(nullptr);
  if (r.height) {
    out["height"] = *r.height;
    out["result"] = std::string(exchange::reason_name(r.code));
  }
  if (r.order) out["order"] = to_json(api, *r.order);
  if (!r.events.empty()) out["events"] = events_json(r.events);
  return out;
}

Json to_json(const settlement::SettlementStatus& status) {
  Json chains = Json::array();
  for (const settlement::ChainSettlementStatus& c : status.chains) {
    chains.push_back({{"chain_id", c.chain_id},
                      {"next_batch_number", c.next_batch_number},
                      {"last_settled_batch", c.last_settled_batch},
                      {"last_settled_from_height", c.last_settled_from_height},
                      {"last_settled_to_height", c.last_settled_to_height},
                      {"chain_last_batch", c.chain_last_batch},
                      {"batches_built", c.batches_built},
                      {"batches_signed", c.batches_signed},
                      {"batches_pending", c.batches_pending},
                      {"lag_blocks", c.lag_blocks},
                      {"threshold", c.threshold},
                      {"signatures_held", c.signatures_held},
                      {"signatures_dropped", c.signatures_dropped},
                      {"transactions_sent", c.transactions_sent},
                      {"fee_bumps", c.fee_bumps},
                      {"pending_tx", c.pending_tx ? Json(hex_of(*c.pending_tx)) : Json(nullptr)},
                      {"deposits_seen", c.deposits_seen},
                      {"deposits_attested", c.deposits_attested},
                      {"deposit_scan_block", c.deposit_scan_block},
                      {"rpc_up", c.rpc_up},
                      {"last_error", c.last_error}});
  }
  return Json{{"enabled", true},
              {"running", status.running},
              {"processed_height", status.processed_height},
              {"withdrawals_unroutable", status.withdrawals_unroutable},
              {"last_error", status.last_error},
              {"chains", std::move(chains)}};
}

Json to_json(const settlement::WithdrawalClaim& claim) {
  Json proof = Json::array();
  for (const Hash256& h : claim.proof) proof.push_back(hex_of(h));
  return Json{{"withdrawal_id", claim.withdrawal.id},
              {"chain_id", claim.chain_id},
              {"contract", settlement::to_checksum_hex(claim.contract)},
              {"batch_number", claim.batch_number},
              {"settled", claim.settled},
              {"recipient", settlement::to_checksum_hex(claim.withdrawal.recipient)},
              {"token", settlement::to_checksum_hex(claim.withdrawal.token)},
              {"amount", settlement::to_decimal(claim.withdrawal.amount)},
              {"proof", std::move(proof)},
              {"claim_calldata", "0x" + to_hex(settlement::claim_calldata(claim))}};
}

Json to_json(const ApiError& e) {
  Json out{{"code", e.code}, {"message", e.message}};
  if (!e.field.empty()) out["field"] = e.field;
  return out;
}

std::string render_stream_item(const ExchangeApi& api, const StreamItem& item) {
  Json out{{"channel", item.channel}};
  std::visit(
      [&](const auto& u) {
        using T = std::decay_t<decltype(u)>;
        if constexpr (std::is_same_v<T, BookState>) {
          out["type"] = "snapshot";
          out["data"] = to_json(api, u);
        } else if constexpr (std::is_same_v<T, BookDiff>) {
          out["type"] = "update";
          out["data"] = to_json(api, u);
        } else if constexpr (std::is_same_v<T, TradeRecord>) {
          out["type"] = "trade";
          out["data"] = to_json(api, u);
        } else if constexpr (std::is_same_v<T, CandleUpdate>) {
          out["type"] = "candle";
          out["data"] = to_json(api, u.market, u.interval, u.candle);
        } else if constexpr (std::is_same_v<T, BlockSummary>) {
          out["type"] = "block";
          out["data"] = to_json(u);
        } else if constexpr (std::is_same_v<T, OrderRecord>) {
          out["type"] = "order";
          out["data"] = to_json(api, u);
        }
      },
      item.update);
  return out.dump();
}

}  // namespace replex::api
