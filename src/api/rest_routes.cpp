#include "rest_routes.hpp"

#include "beast.hpp"

#include <charconv>
#include <functional>
#include <vector>

#include "block_info.hpp"
#include "exchange_api.hpp"
#include "json_body.hpp"
#include "json_views.hpp"
#include "order_body.hpp"
#include "replex/api/read_model.hpp"
#include "replex/exchange/reason.hpp"

namespace replex::api {
namespace {

namespace http = boost::beast::http;

using Segments = std::vector<std::string>;

Segments split_path(const std::string& path) {
  Segments out;
  std::size_t at = 0;
  while (at < path.size()) {
    const auto slash = path.find('/', at);
    const std::string part = path.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
    if (!part.empty()) out.push_back(part);
    if (slash == std::string::npos) break;
    at = slash + 1;
  }
  return out;
}

HttpResponse json_response(http::status status, const Json& body) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.keep_alive(true);
  res.body() = body.dump();
  res.prepare_payload();
  return res;
}

HttpResponse error_response(const ApiError& error) {
  HttpResponse res = json_response(static_cast<http::status>(error.http_status()), to_json(error));
  if (error.retry_after_s > 0) res.set(http::field::retry_after, std::to_string(error.retry_after_s));
  return res;
}

std::optional<std::uint64_t> parse_u64(const std::string& text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// One request being answered.
struct Call {
  HttpRequest request;
  Respond respond;
  ExchangeApi& api;
  ReadModel& model;

  void ok(const Json& body, http::status status = http::status::ok) const { respond(json_response(status, body)); }
  void fail(const ApiError& error) const { respond(error_response(error)); }

  // A query parameter as an unsigned integer; false (and a 400 sent) when malformed.
  bool query_u64(const std::string& key, std::optional<std::uint64_t>& out) const {
    const auto it = request.query.find(key);
    if (it == request.query.end()) return true;
    out = parse_u64(it->second);
    if (!out) {
      fail(ApiError::bad_request(key, key + ": '" + it->second + "' is not an unsigned integer"));
      return false;
    }
    return true;
  }
  std::string query(const std::string& key) const {
    const auto it = request.query.find(key);
    return it == request.query.end() ? std::string() : it->second;
  }
  // ?wait=commit; false (and a 400 sent) for another value.
  bool wait_mode(bool& wait) const {
    const std::string value = query("wait");
    wait = value == "commit";
    if (!value.empty() && !wait) {
      fail(ApiError::bad_request("wait", "wait: '" + value + "', the only value is commit"));
      return false;
    }
    return true;
  }
  // Answers an order-entry call: 202 once admitted, 200 once committed.
  ReceiptDone receipt_answer() const {
    return [respond = respond, &api = api](ApiResult<TxReceipt> r) {
      if (!r) return respond(error_response(r.error()));
      respond(json_response(r->height ? http::status::ok : http::status::accepted, to_json(api, *r)));
    };
  }
  Caller caller() const { return Caller{request.api_key, request.ip}; }
};

void post_order(const Call& c) {
  bool wait = false;
  if (!c.wait_mode(wait)) return;
  auto body = parse_json_body(c.request.body);
  if (!body) return c.fail(body.error());
  if (auto envelope = read_signed_envelope(*body)) {
    if (!*envelope) return c.fail(envelope->error());
    return c.api.submit_signed(c.caller(), std::move(**envelope), wait, c.receipt_answer());
  }
  JsonFields f(*body);
  const OrderFields order = read_order_fields(f);
  if (auto e = f.finish()) return c.fail(*e);
  c.api.place_order(c.caller(), order, wait, c.receipt_answer());
}

// One batch item's answer: the receipt as POST /api/v1/orders gives it, or
// the error with the status that route would have answered.
Json batch_result_json(const ExchangeApi& api, std::size_t index, const ApiResult<TxReceipt>& r) {
  if (r) {
    Json out = to_json(api, *r);
    out["index"] = index;
    return out;
  }
  Json out{{"index", index},
           {"status", "rejected"},
           {"http_status", r.error().http_status()},
           {"error", to_json(r.error())}};
  // What a single request's Retry-After header would say (429, 503).
  if (r.error().retry_after_s > 0) out["retry_after_s"] = r.error().retry_after_s;
  return out;
}

// POST /api/v1/orders/batch: {"orders": [...]}, one result per item in
// request order (docs/api.md, "Batches").
void post_order_batch(const Call& c) {
  bool wait = false;
  if (!c.wait_mode(wait)) return;
  auto body = parse_json_body(c.request.body);
  if (!body) return c.fail(body.error());
  auto entries = parse_order_batch(*body, c.api.context().api.max_submit_batch);
  if (!entries) return c.fail(entries.error());
  c.api.place_orders(c.caller(), std::move(*entries), wait,
                     [respond = c.respond, &api = c.api](std::vector<ApiResult<TxReceipt>> results) {
                       Json list = Json::array();
                       std::size_t accepted = 0, committed = 0, rejected = 0;
                       for (std::size_t i = 0; i < results.size(); ++i) {
                         const ApiResult<TxReceipt>& r = results[i];
                         if (!r) {
                           ++rejected;
                         } else if (r->height) {
                           ++committed;
                         } else {
                           ++accepted;
                         }
                         list.push_back(batch_result_json(api, i, r));
                       }
                       respond(json_response(http::status::ok, Json{{"accepted", accepted},
                                                                    {"committed", committed},
                                                                    {"rejected", rejected},
                                                                    {"results", std::move(list)}}));
                     });
}

void post_transaction(const Call& c) {
  bool wait = false;
  if (!c.wait_mode(wait)) return;
  auto body = parse_json_body(c.request.body);
  if (!body) return c.fail(body.error());
  auto envelope = read_signed_envelope(*body);
  if (!envelope) return c.fail(ApiError::bad_request("transaction", "transaction: required"));
  if (!*envelope) return c.fail(envelope->error());
  c.api.submit_signed(c.caller(), std::move(**envelope), wait, c.receipt_answer());
}

std::optional<exchange::OrderId> order_id_of(const Call& c, const std::string& text) {
  auto id = parse_u64(text);
  if (!id || *id == 0) {
    c.fail(ApiError::bad_request("order_id", "order_id: '" + text + "' is not an order id"));
    return std::nullopt;
  }
  return id;
}

void get_order(const Call& c, const std::string& id_text) {
  const auto id = order_id_of(c, id_text);
  if (!id) return;
  auto order = c.api.order(*id);
  if (!order) return c.fail(order.error());
  c.ok(to_json(c.api, *order));
}

void list_orders(const Call& c, std::optional<PublicKey> account) {
  // The account: the path's, the query's, or the API key's.
  if (!account) {
    if (const std::string text = c.query("account"); !text.empty()) {
      auto parsed = c.api.account(text);
      if (!parsed) return c.fail(parsed.error());
      account = *parsed;
    } else if (!c.request.api_key.empty()) {
      auto who = c.api.api_key_account(c.request.api_key);
      if (!who) return c.fail(who.error());
      account = *who;
    } else {
      return c.fail(ApiError::bad_request("account", "account: required (or authenticate with X-API-Key)"));
    }
  }
  if (const std::string coid = c.query("client_order_id"); !coid.empty()) {
    auto order = c.api.order_by_client_id(*account, coid);
    if (!order) return c.fail(order.error());
    return c.ok(to_json(c.api, *order));
  }
  OrderFilter filter = OrderFilter::kAll;
  const std::string status = c.query("status");
  if (status == "open") {
    filter = OrderFilter::kOpen;
  } else if (status == "closed") {
    filter = OrderFilter::kClosed;
  } else if (!status.empty() && status != "all") {
    return c.fail(ApiError::bad_request("status", "status: '" + status + "', expected open, closed or all"));
  }
  std::optional<exchange::MarketIndex> market;
  if (const std::string m = c.query("market"); !m.empty()) {
    auto parsed = c.api.market(m);
    if (!parsed) return c.fail(parsed.error());
    market = *parsed;
  }
  std::optional<std::uint64_t> limit, before;
  if (!c.query_u64("limit", limit) || !c.query_u64("before", before)) return;
  const std::size_t n = c.api.page_limit(limit, 100);
  const auto orders = c.model.account_orders(*account, filter, market, before.value_or(0), n);
  Json list = Json::array();
  for (const auto& o : orders) list.push_back(to_json(c.api, o));
  Json body{{"account", account->hex()}, {"orders", std::move(list)}};
  body["next_before"] = orders.size() == n && !orders.empty() ? Json(orders.back().id) : Json(nullptr);
  c.ok(body);
}

void delete_order(const Call& c, const std::string& id_text) {
  bool wait = false;
  if (!c.wait_mode(wait)) return;
  const auto id = order_id_of(c, id_text);
  if (!id) return;
  c.api.cancel_order(c.caller(), c.query("market"), *id, {}, wait, c.receipt_answer());
}

void delete_orders(const Call& c) {
  bool wait = false;
  if (!c.wait_mode(wait)) return;
  if (const std::string coid = c.query("client_order_id"); !coid.empty()) {
    return c.api.cancel_order(c.caller(), c.query("market"), 0, coid, wait, c.receipt_answer());
  }
  c.api.cancel_all(c.caller(), c.query("market"), wait, c.receipt_answer());
}

void patch_order(const Call& c, const std::string& id_text) {
  bool wait = false;
  if (!c.wait_mode(wait)) return;
  const auto id = order_id_of(c, id_text);
  if (!id) return;
  auto body = parse_json_body(c.request.body);
  if (!body) return c.fail(body.error());
  JsonFields f(*body);
  AmendFields amend;
  if (auto v = f.decimal("price")) amend.price = *v;
  if (auto v = f.decimal("quantity")) amend.quantity = *v;
  amend.good_til_height = f.u64("good_til_height");
  if (auto e = f.finish()) return c.fail(*e);
  c.api.amend_order(c.caller(), *id, amend, wait, c.receipt_answer());
}

void get_markets(const Call& c) {
  Json list = Json::array();
  for (const auto& m : c.api.markets()) list.push_back(to_json(m));
  c.ok(Json{{"markets", std::move(list)}});
}

void get_book(const Call& c, exchange::MarketIndex m) {
  std::optional<std::uint64_t> depth;
  if (!c.query_u64("depth", depth)) return;
  const std::size_t levels = std::min<std::uint64_t>(depth.value_or(20), c.api.context().api.max_page_size);
  if (levels == 0) return c.fail(ApiError::bad_request("depth", "depth: must be at least 1"));
  c.ok(to_json(c.api, c.model.book(m, levels)));
}

void get_trades(const Call& c, exchange::MarketIndex m) {
  std::optional<std::uint64_t> limit;
  if (!c.query_u64("limit", limit)) return;
  Json list = Json::array();
  for (const auto& t : c.model.trades(m, c.api.page_limit(limit, 100))) list.push_back(to_json(c.api, t));
  c.ok(Json{{"market", c.api.rules().market_spec(m).symbol}, {"trades", std::move(list)}});
}

void get_candles(const Call& c, exchange::MarketIndex m) {
  const std::string interval_text = c.query("interval").empty() ? "1m" : c.query("interval");
  const auto interval = parse_candle_interval(interval_text);
  if (!interval) {
    return c.fail(ApiError::bad_request("interval", "interval: '" + interval_text + "', expected 1m, 5m, 1h or 1d"));
  }
  std::optional<std::uint64_t> from, to, limit;
  if (!c.query_u64("from", from) || !c.query_u64("to", to) || !c.query_u64("limit", limit)) return;
  if (from && to && *from > *to) return c.fail(ApiError::bad_request("from", "from: after to"));
  Json list = Json::array();
  for (const auto& candle :
       c.model.candles(m, *interval, from.value_or(0), to.value_or(UINT64_MAX), c.api.page_limit(limit, 500))) {
    list.push_back(to_json(c.api, m, *interval, candle));
  }
  c.ok(Json{{"market", c.api.rules().market_spec(m).symbol},
            {"interval", std::string(candle_interval_name(*interval))},
            {"candles", std::move(list)}});
}

void get_account(const Call& c, const Segments& s) {
  auto account = c.api.account(s[3]);
  if (!account) return c.fail(account.error());
  if (s.size() == 5 && s[4] == "balances") {
    auto balances = c.api.balances(*account);
    if (!balances) return c.fail(balances.error());
    return c.ok(to_json(*balances, *account));
  }
  if (s.size() == 5 && s[4] == "trades") {
    std::optional<std::uint64_t> limit;
    if (!c.query_u64("limit", limit)) return;
    Json list = Json::array();
    for (const auto& t : c.model.account_trades(*account, c.api.page_limit(limit, 100))) {
      list.push_back(to_json(c.api, t));
    }
    return c.ok(Json{{"account", account->hex()}, {"trades", std::move(list)}});
  }
  if (s.size() == 5 && s[4] == "orders") return list_orders(c, *account);
  c.fail(ApiError::not_found("no route GET " + c.request.path));
}

Json block_json(const BlockInfo& b) {
  Json txs = Json::array();
  for (std::size_t i = 0; i < b.results.size(); ++i) {
    txs.push_back({{"tx_hash", b.results[i].tx_hash.hex()},
                   {"result_code", b.results[i].code},
                   {"result", std::string(exchange::reason_name(b.results[i].code))}});
  }
  return Json{{"height", b.height},
              {"block_hash", b.block_hash.hex()},
              {"prev_block_hash", b.prev_block_hash.hex()},
              {"time_ms", b.time_ms},
              {"proposer", b.proposer},
              {"app_hash", b.app_hash.hex()},
              {"tx_root", b.tx_root.hex()},
              {"transactions", std::move(txs)},
              {"block_bytes", to_base64(b.block_bytes)},
              {"certificate", to_base64(b.certificate)}};
}

void get_block(const Call& c, const std::string& which) {
  std::uint64_t height = 0;
  if (which == "latest") {
    height = c.api.context().views.chain()->height;
    if (height == 0) return c.fail(ApiError::not_found("no block executed yet"));
  } else {
    auto parsed = parse_u64(which);
    if (!parsed || *parsed == 0) return c.fail(ApiError::bad_request("height", "height: '" + which + "' is not a height"));
    height = *parsed;
  }
  auto block = load_block_info(c.api.context(), height);
  if (!block) return c.fail(block.error());
  c.ok(block_json(*block));
}

void get_transaction(const Call& c, const std::string& hash_text) {
  auto hash = Hash256::from_hex(hash_text);
  if (!hash) return c.fail(ApiError::bad_request("tx_hash", "tx_hash: expected 64 hex digits"));
  auto tx = c.api.transaction(*hash);
  if (!tx) return c.fail(tx.error());
  c.ok(to_json(*tx));
}

void get_status(const Call& c) {
  const ApiContext& ctx = c.api.context();
  const auto chain = ctx.views.chain();
  const auto consensus = ctx.views.consensus();
  const Readiness ready = c.api.readiness();
  Json peers = Json::array();
  if (ctx.network != nullptr) {
    for (const auto& peer : ctx.network->peers()) {
      Json p{{"node_id", peer.id.hex()}, {"address", peer.address}};
      if (auto index = ctx.genesis.index_of_node(peer.id)) p["validator_index"] = *index;
      peers.push_back(std::move(p));
    }
  }
  c.ok(Json{{"chain_id", ctx.genesis.chain_id()},
            {"height", chain->height},
            {"block_hash", chain->block_hash.hex()},
            {"app_hash", chain->app_hash.hex()},
            {"block_time_ms", chain->block_time_ms},
            {"first_height", chain->first_height},
            {"view", consensus->view},
            {"primary", consensus->primary},
            {"in_view_change", consensus->in_view_change},
            {"committed_height", consensus->committed_height},
            {"diverged_at", consensus->diverged_at ? Json(*consensus->diverged_at) : Json(nullptr)},
            {"mempool_size", consensus->mempool_txs},
            {"validators", ctx.genesis.validators.size()},
            {"ready", ready.ready},
            {"peers", std::move(peers)}});
}

// --- settlement (DESIGN.md §10, docs/settlement.md) ---------------------------

const settlement::Settler* settler_or_fail(const Call& c) {
  const settlement::Settler* settler = c.api.context().settler;
  if (settler == nullptr) {
    c.fail(ApiError{ApiErrorKind::kNotFound, "SETTLEMENT_DISABLED", "settlement is not enabled on this node", "", 0});
  }
  return settler;
}

void get_settlement(const Call& c) {
  if (auto* settler = settler_or_fail(c)) c.ok(to_json(settler->status()));
}

void get_withdrawal(const Call& c, const std::string& id_text) {
  const auto id = parse_u64(id_text);
  if (!id || *id == 0) {
    return c.fail(ApiError::bad_request("withdrawal_id", "withdrawal_id: '" + id_text + "' is not a withdrawal id"));
  }
  auto* settler = settler_or_fail(c);
  if (settler == nullptr) return;
  auto claim = settler->withdrawal_claim(*id);
  if (!claim) {
    return c.fail(ApiError{ApiErrorKind::kNotFound, "UNKNOWN_WITHDRAWAL",
                           "withdrawal " + id_text + " is in no batch this node keeps (not yet batched, or pruned)",
                           "withdrawal_id", 0});
  }
  c.ok(to_json(*claim));
}

void post_withdrawal(const Call& c) {
  bool wait = false;
  if (!c.wait_mode(wait)) return;
  auto body = parse_json_body(c.request.body);
  if (!body) return c.fail(body.error());
  JsonFields f(*body);
  const std::string asset = f.string("asset").value_or("");
  const std::string amount = f.decimal("amount").value_or("");
  const std::optional<std::uint64_t> chain_id = f.u64("chain_id");
  if (auto e = f.finish()) return c.fail(*e);
  c.api.withdraw(c.caller(), asset, amount, chain_id, wait, c.receipt_answer());
}

void post_settlement_address(const Call& c) {
  bool wait = false;
  if (!c.wait_mode(wait)) return;
  auto body = parse_json_body(c.request.body);
  if (!body) return c.fail(body.error());
  JsonFields f(*body);
  const std::string address = f.string("eth_address").value_or("");
  if (auto e = f.finish()) return c.fail(*e);
  c.api.register_settlement_address(c.caller(), address, wait, c.receipt_answer());
}

void route(const Call& c) {
  const HttpRequest& r = c.request;
  const Segments s = split_path(r.path);
  const http::verb m = r.method;
  const auto not_allowed = [&] {
    c.fail(ApiError{ApiErrorKind::kBadRequest, "METHOD_NOT_ALLOWED", r.method_text + " " + r.path + " is not a route",
                    "", 0});
  };
  // Probes: no rate limit, no JSON body.
  if (s.size() == 1 && s[0] == "healthz") {
    // Still 200: the process serves, and a restart would rebuild the same state.
    if (auto diverged = c.api.divergence()) return c.ok(Json{{"status", "diverged"}, {"reason", diverged->message}});
    return c.ok(Json{{"status", "ok"}});
  }
  if (s.size() == 1 && s[0] == "metrics") {
    if (!c.api.context().metrics) return c.fail(ApiError::not_found("this node exports no metrics"));
    HttpResponse res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain; version=0.0.4");
    res.keep_alive(true);
    res.body() = c.api.context().metrics();
    res.prepare_payload();
    return c.respond(std::move(res));
  }
  if (s.size() == 1 && s[0] == "readyz") {
    const Readiness ready = c.api.readiness();
    if (ready.ready) return c.ok(Json{{"status", "ready"}});
    return c.fail(ApiError::unavailable(ready.reason));
  }
  if (s.size() < 3 || s[0] != "api" || s[1] != "v1") {
    return c.fail(ApiError::not_found("no route " + r.method_text + " " + r.path + " (the API is under /api/v1)"));
  }
  if (const std::uint32_t wait_s = c.api.rate_limit(c.caller())) {
    return c.fail(ApiError{ApiErrorKind::kRateLimited, "RATE_LIMITED", "too many requests; retry later", "", wait_s});
  }
  const std::string& what = s[2];
  if (what != "status") {
    if (auto diverged = c.api.divergence()) return c.fail(*diverged);
  }
  if (what == "orders") {
    if (s.size() == 3) {
      if (m == http::verb::post) return post_order(c);
      if (m == http::verb::get) return list_orders(c, std::nullopt);
      if (m == http::verb::delete_) return delete_orders(c);
      return not_allowed();
    }
    if (s.size() == 4 && s[3] == "batch") {
      if (m == http::verb::post) return post_order_batch(c);
      return not_allowed();
    }
    if (s.size() == 4) {
      if (m == http::verb::get) return get_order(c, s[3]);
      if (m == http::verb::delete_) return delete_order(c, s[3]);
      if (m == http::verb::patch) return patch_order(c, s[3]);
      return not_allowed();
    }
  }
  if (what == "transactions") {
    if (s.size() == 3 && m == http::verb::post) return post_transaction(c);
    if (s.size() == 4 && m == http::verb::get) return get_transaction(c, s[3]);
    if (s.size() <= 4) return not_allowed();
  }
  if (what == "withdrawals") {
    if (s.size() == 3 && m == http::verb::post) return post_withdrawal(c);
    if (s.size() == 4 && m == http::verb::get) return get_withdrawal(c, s[3]);
    if (s.size() <= 4) return not_allowed();
  }
  if (what == "settlement") {
    if (s.size() == 3 && m == http::verb::get) return get_settlement(c);
    if (s.size() == 4 && s[3] == "address" && m == http::verb::post) return post_settlement_address(c);
    if (s.size() <= 4) return not_allowed();
  }
  if (m != http::verb::get) {
    return c.fail(ApiError::not_found("no route " + r.method_text + " " + r.path));
  }
  if (what == "markets") {
    if (s.size() == 3) return get_markets(c);
    auto market = c.api.market(s[3]);
    if (!market) return c.fail(market.error());
    if (s.size() == 5 && s[4] == "book") return get_book(c, *market);
    if (s.size() == 5 && s[4] == "trades") return get_trades(c, *market);
    if (s.size() == 5 && s[4] == "candles") return get_candles(c, *market);
  }
  if (what == "accounts" && s.size() >= 5) return get_account(c, s);
  if (what == "blocks" && s.size() == 4) return get_block(c, s[3]);
  if (what == "status" && s.size() == 3) return get_status(c);
  c.fail(ApiError::not_found("no route " + r.method_text + " " + r.path));
}

}  // namespace

RequestHandler make_rest_routes(ExchangeApi& api, ReadModel& model) {
  return [&api, &model](HttpRequest request, Respond respond) {
    Call call{std::move(request), std::move(respond), api, model};
    route(call);
  };
}

}  // namespace replex::api
