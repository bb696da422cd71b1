// The REST + WebSocket gateway of a real in-process validator on loopback:
// every route's happy path, the documented error statuses and codes (with
// balances unchanged after each refusal), idempotent client order ids,
// streams with gapless book sequences, rate limits.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "node_harness.hpp"
#include "replex/core/bytes.hpp"
#include "support/http_client.hpp"

namespace replex::node {
namespace {

using nlohmann::json;
using replex::testing::http_request;
using replex::testing::HttpAnswer;
using replex::testing::WsClient;
using testing::NodeHarness;
using namespace std::chrono_literals;

class NodeRestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    ASSERT_TRUE(harness_.start().is_ok());
  }

  HttpAnswer get(const std::string& target) { return http_request(harness_.rest(), "GET", target); }
  HttpAnswer call(const std::string& method, const std::string& target, const json& body, std::size_t trader) {
    return http_request(harness_.rest(), method, target, body.is_null() ? "" : body.dump(),
                        {{"X-API-Key", harness_.api_key(trader)}});
  }
  HttpAnswer place(std::size_t trader, const json& order, bool wait = true) {
    return call("POST", std::string("/api/v1/orders") + (wait ? "?wait=commit" : ""), order, trader);
  }
  json balances(std::size_t trader) {
    return get("/api/v1/accounts/" + harness_.trader(trader).public_key().hex() + "/balances").json();
  }
  // The error body's code, after checking the status.
  static std::string code_of(const HttpAnswer& a, int status) {
    EXPECT_EQ(a.status, status) << a.body;
    return a.json().value("code", "");
  }

  NodeHarness harness_;
};

TEST_F(NodeRestTest, TheReadmeOrderWorksAsWrittenAndCrossesIntoATrade) {
  // The README's request, verbatim: "symbol", "BTC/USD", JSON numbers.
  const HttpAnswer accepted = http_request(
      harness_.rest(), "POST", "/api/v1/orders",
      R"({"symbol":"BTC/USD","side":"buy","quantity":1.5,"price":45000.00})",
      {{"Content-Type", "application/json"}, {"X-API-Key", harness_.api_key(0)}});
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  const json receipt = accepted.json();
  EXPECT_EQ(receipt["status"], "accepted");
  EXPECT_EQ(receipt["tx_hash"].get<std::string>().size(), 64u);
  EXPECT_FALSE(receipt["client_order_id"].get<std::string>().empty()) << "the node gives every order a handle";
  EXPECT_TRUE(receipt["order_id"].is_null()) << "assigned when the block executes";

  const HttpAnswer sold = place(1, {{"market", "BTC-USD"}, {"side", "sell"}, {"quantity", "0.5"}, {"price", "45000"}});
  ASSERT_EQ(sold.status, 200) << sold.body;
  const json order = sold.json()["order"];
  EXPECT_EQ(order["status"], "filled");
  EXPECT_EQ(order["filled_quantity"], "0.50000000");
  EXPECT_EQ(order["price"], "45000.00");
  ASSERT_EQ(order["fills"].size(), 1u);
  EXPECT_EQ(order["fills"][0]["role"], "taker");

  const json trades = get("/api/v1/markets/BTC-USD/trades?limit=10").json();
  ASSERT_EQ(trades["trades"].size(), 1u);
  EXPECT_EQ(trades["trades"][0]["price"], "45000.00");
  EXPECT_EQ(trades["trades"][0]["quantity"], "0.50000000");
  EXPECT_EQ(trades["trades"][0]["aggressor"], "sell");

  EXPECT_EQ(get("/api/v1/markets/BTC/USD/book").status, 404) << "in a path the market is BTC-USD";
  const json depth = get("/api/v1/markets/BTC-USD/book?depth=5").json();
  ASSERT_EQ(depth["bids"].size(), 1u);
  EXPECT_EQ(depth["bids"][0][0], "45000.00");
  EXPECT_EQ(depth["bids"][0][1], "1.00000000");
  EXPECT_GT(depth["last_update_id"].get<std::uint64_t>(), 0u);
  EXPECT_GE(depth["height"].get<std::uint64_t>(), order["created_height"].get<std::uint64_t>());

  // The buy rests partly filled, found by id, by client id and in the open list.
  const std::string buyer = harness_.trader(0).public_key().hex();
  const json open = get("/api/v1/accounts/" + buyer + "/orders?status=open").json();
  ASSERT_EQ(open["orders"].size(), 1u);
  EXPECT_EQ(open["orders"][0]["status"], "partially_filled");
  const std::uint64_t buy_id = open["orders"][0]["order_id"];
  EXPECT_EQ(get("/api/v1/orders/" + std::to_string(buy_id)).json()["open_quantity"], "1.00000000");
  const std::string coid = receipt["client_order_id"];
  EXPECT_EQ(get("/api/v1/orders?account=" + buyer + "&client_order_id=" + coid).json()["order_id"], buy_id);
  EXPECT_EQ(call("GET", "/api/v1/orders?client_order_id=" + coid, nullptr, 0).json()["order_id"], buy_id);
  EXPECT_EQ(get("/api/v1/accounts/" + buyer + "/trades").json()["trades"].size(), 1u);

  const json candles = get("/api/v1/markets/BTC-USD/candles?interval=1m").json();
  ASSERT_EQ(candles["candles"].size(), 1u);
  EXPECT_EQ(candles["candles"][0]["open"], "45000.00");
  EXPECT_EQ(candles["candles"][0]["volume"], "0.50000000");

  const json balance = balances(1);
  bool saw_usd = false;
  for (const auto& line : balance["balances"]) {
    if (line["asset"] == "USD") {
      saw_usd = true;
      EXPECT_EQ(line["available"], "10022455.000000");  // +22,500 USD - 45 taker fee
    }
  }
  EXPECT_TRUE(saw_usd);
}

TEST_F(NodeRestTest, ChainRoutesServeBlocksTransactionsAndStatus) {
  const HttpAnswer placed = place(0, {{"market", "BTC-USDT"}, {"side", "buy"}, {"quantity", "0.001"}, {"price", "100"}});
  ASSERT_EQ(placed.status, 200) << placed.body;
  const std::uint64_t height = placed.json()["height"];
  const std::string hash = placed.json()["tx_hash"];

  const json latest = get("/api/v1/blocks/latest").json();
  EXPECT_GE(latest["height"].get<std::uint64_t>(), height);
  const json block = get("/api/v1/blocks/" + std::to_string(height)).json();
  ASSERT_EQ(block["height"], height);
  bool listed = false;
  for (const auto& tx : block["transactions"]) listed |= tx["tx_hash"] == hash && tx["result"] == "OK";
  EXPECT_TRUE(listed) << block.dump();
  EXPECT_FALSE(block["certificate"].get<std::string>().empty());

  const json tx = get("/api/v1/transactions/" + hash).json();
  EXPECT_EQ(tx["height"], height);
  EXPECT_EQ(tx["result"], "OK");
  bool accepted = false;
  for (const auto& e : tx["events"]) accepted |= e["type"] == "order_accepted";
  EXPECT_TRUE(accepted) << tx.dump();

  const json status = get("/api/v1/status").json();
  EXPECT_EQ(status["chain_id"], "replex-testnet");
  EXPECT_TRUE(status["ready"].get<bool>());
  EXPECT_EQ(get("/healthz").status, 200);
  EXPECT_EQ(get("/readyz").status, 200);
  EXPECT_EQ(get("/api/v1/markets").json()["markets"].size(), 3u);
}

TEST_F(NodeRestTest, CancelAmendAndCancelAllChangeTheOrders) {
  const HttpAnswer placed = place(0, {{"market", "BTC-USDT"}, {"side", "buy"}, {"quantity", "0.01"}, {"price", "100"},
                                      {"client_order_id", "amend-me"}});
  ASSERT_EQ(placed.status, 200) << placed.body;
  const std::uint64_t id = placed.json()["order_id"];
  const HttpAnswer amended = call("PATCH", "/api/v1/orders/" + std::to_string(id) + "?wait=commit",
                                  {{"price", "101.5"}, {"quantity", "0.02"}}, 0);
  ASSERT_EQ(amended.status, 200) << amended.body;
  EXPECT_EQ(amended.json()["order"]["price"], "101.50");
  EXPECT_EQ(amended.json()["order"]["open_quantity"], "0.02000000");

  const HttpAnswer canceled = call("DELETE", "/api/v1/orders/" + std::to_string(id) + "?wait=commit", nullptr, 0);
  ASSERT_EQ(canceled.status, 200) << canceled.body;
  EXPECT_EQ(canceled.json()["order"]["status"], "canceled");

  ASSERT_EQ(place(0, {{"market", "ETH-USDT"}, {"side", "sell"}, {"quantity", "1"}, {"price", "3000"}}).status, 200);
  ASSERT_EQ(place(0, {{"market", "BTC-USDT"}, {"side", "sell"}, {"quantity", "1"}, {"price", "90000"}}).status, 200);
  const HttpAnswer all = call("DELETE", "/api/v1/orders?market=ETH-USDT&wait=commit", nullptr, 0);
  ASSERT_EQ(all.status, 200) << all.body;
  const std::string account = harness_.trader(0).public_key().hex();
  const json open = get("/api/v1/accounts/" + account + "/orders?status=open").json();
  ASSERT_EQ(open["orders"].size(), 1u) << "only the BTC-USDT sell is left";
  EXPECT_EQ(open["orders"][0]["market"], "BTC-USDT");
  const json closed = get("/api/v1/accounts/" + account + "/orders?status=closed&limit=1").json();
  ASSERT_EQ(closed["orders"].size(), 1u);
  EXPECT_FALSE(closed["next_before"].is_null()) << "a full page says where the next one starts";
}

TEST_F(NodeRestTest, AMarketOrderIsImmediateOrCancelWithoutSayingSo) {
  ASSERT_EQ(place(0, {{"market", "BTC-USD"}, {"side", "buy"}, {"quantity", "0.2"}, {"price", "45000"}}).status, 200);
  const HttpAnswer sold = place(1, {{"market", "BTC-USD"}, {"side", "sell"}, {"type", "market"}, {"quantity", "0.5"},
                                    {"protection_price", "40000"}});
  ASSERT_EQ(sold.status, 200) << sold.body;
  EXPECT_EQ(sold.json()["order"]["time_in_force"], "ioc");
  EXPECT_EQ(sold.json()["order"]["filled_quantity"], "0.20000000");
  EXPECT_EQ(sold.json()["order"]["status"], "expired") << "the unfilled rest expires";
}

TEST_F(NodeRestTest, ARepeatedClientOrderIdReturnsTheSameOrder) {
  const json order{{"market", "BTC-USDT"}, {"side", "buy"}, {"quantity", "0.001"}, {"price", "100"},
                   {"client_order_id", "same-1"}};
  const HttpAnswer first = place(0, order);
  ASSERT_EQ(first.status, 200) << first.body;
  const HttpAnswer again = place(0, order);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["order_id"], first.json()["order_id"]);
  EXPECT_TRUE(again.json()["duplicate"].get<bool>());
  const std::string account = harness_.trader(0).public_key().hex();
  EXPECT_EQ(get("/api/v1/accounts/" + account + "/orders").json()["orders"].size(), 1u) << "no second order";
  // Without waiting, twice in a row: one transaction.
  const json fresh{{"market", "BTC-USDT"}, {"side", "buy"}, {"quantity", "0.001"}, {"price", "99"},
                   {"client_order_id", "same-2"}};
  const HttpAnswer a = place(0, fresh, false);
  const HttpAnswer b = place(0, fresh, false);
  ASSERT_EQ(a.status, 202) << a.body;
  ASSERT_TRUE(b.status == 202 || b.status == 200) << b.body;
  EXPECT_EQ(a.json()["tx_hash"], b.json()["tx_hash"]);
}

TEST_F(NodeRestTest, BadInputGetsItsStatusAndCodeAndChangesNoBalance) {
  const json before = balances(0);
  const std::string key = harness_.api_key(0);
  const auto post = [&](const std::string& body, const std::string& api_key = "") {
    return http_request(harness_.rest(), "POST", "/api/v1/orders", body,
                        {{"X-API-Key", api_key.empty() ? key : api_key}});
  };
  EXPECT_EQ(code_of(post("{\"market\": "), 400), "MALFORMED_JSON");
  EXPECT_EQ(code_of(post("[1, 2]"), 400), "INVALID_ARGUMENT");
  HttpAnswer wrong_type = post(R"({"market":"BTC-USD","side":"buy","quantity":true,"price":"1"})");
  EXPECT_EQ(code_of(wrong_type, 400), "INVALID_ARGUMENT");
  EXPECT_EQ(wrong_type.json()["field"], "quantity");
  for (const char* quantity : {R"("-1")", R"("0")", R"("0.000000001")", "1e3", R"("abc")"}) {
    const HttpAnswer bad = post(std::string(R"({"market":"BTC-USD","side":"buy","price":"100","quantity":)") +
                                quantity + "}");
    EXPECT_EQ(code_of(bad, 400), "INVALID_ARGUMENT") << quantity;
    EXPECT_EQ(bad.json()["field"], "quantity") << quantity;
  }
  EXPECT_EQ(code_of(post(R"({"market":"DOGE-USD","side":"buy","price":"1","quantity":"1"})"), 404), "UNKNOWN_MARKET");
  EXPECT_EQ(code_of(post(R"({"market":"BTC-USD","side":"up","price":"1","quantity":"1"})"), 400), "INVALID_ARGUMENT");
  EXPECT_EQ(code_of(post(R"({"market":"BTC-USD","side":"buy","price":"1","quantity":"1","colour":"red"})"), 400),
            "UNKNOWN_FIELD");
  EXPECT_EQ(code_of(post(R"({"market":"BTC-USD","side":"buy","price":"100.001","quantity":"1"})"), 400),
            "INVALID_ARGUMENT")
      << "more decimals than the price scale";
  EXPECT_EQ(code_of(post(R"({"market":"BTC-USD","side":"buy","price":"100","quantity":"0.00001"})"), 422),
            "QUANTITY_NOT_ON_LOT");
  EXPECT_EQ(code_of(post(R"({"market":"BTC-USD","side":"buy","price":"100","quantity":"5000"})"), 422),
            "QUANTITY_TOO_LARGE");
  EXPECT_EQ(code_of(post(R"({"market":"BTC-USD","side":"buy","price":"100","quantity":"1"})", "rpx_nope"), 401),
            "BAD_API_KEY");
  EXPECT_EQ(code_of(http_request(harness_.rest(), "POST", "/api/v1/orders",
                                 R"({"market":"BTC-USD","side":"buy","price":"100","quantity":"1"})"),
                    401),
            "MISSING_API_KEY");
  // An order already expired at its height: the error names the request's field.
  const HttpAnswer expired =
      post(R"({"market":"BTC-USD","side":"buy","price":"100","quantity":"1","good_til_height":0})");
  EXPECT_EQ(code_of(expired, 422), "EXPIRED");
  EXPECT_EQ(expired.json()["field"], "good_til_height");
  EXPECT_EQ(code_of(post(R"({"market":"BTC-USD","market":"ETH-USDT","side":"buy","price":"1","quantity":"1"})"), 400),
            "MALFORMED_JSON")
      << "a repeated field is refused, not silently overwritten";
  EXPECT_EQ(code_of(post(R"({"market":"BTC-USD","symbol":"ETH-USDT","side":"buy","price":"1","quantity":"1"})"), 400),
            "INVALID_ARGUMENT");
  // A body over api.max_body_bytes (64 KiB by default).
  EXPECT_EQ(code_of(post("{\"market\":\"" + std::string(70'000, 'x') + "\"}"), 413), "BODY_TOO_LARGE");
  EXPECT_EQ(code_of(get("/api/v1/orders/999999"), 404), "UNKNOWN_ORDER");
  EXPECT_EQ(code_of(get("/api/v1/nothing"), 404), "NOT_FOUND");
  EXPECT_EQ(code_of(get("/api/v1/accounts/zz/balances"), 400), "INVALID_ARGUMENT");

  // A client's own signed transaction: a bad signature, then a replayed nonce.
  exchange::PlaceOrderArgs args;
  args.market = "BTC-USDT";
  args.side = exchange::Side::kBuy;
  args.price = 10'000;
  args.quantity = 100'000;
  const Bytes good = harness_.builder().place_order(harness_.trader(0), {777, 500}, args);
  Bytes forged = good;
  forged[forged.size() - 5] ^= 0x01;  // inside the signature
  const auto submit = [&](const Bytes& tx) {
    return http_request(harness_.rest(), "POST", "/api/v1/transactions?wait=commit",
                        json{{"transaction", to_base64(tx)}}.dump());
  };
  EXPECT_EQ(code_of(submit(forged), 401), "BAD_SIGNATURE");
  const HttpAnswer committed = submit(good);
  ASSERT_EQ(committed.status, 200) << committed.body;
  args.price = 10'100;  // another order under the same nonce
  EXPECT_EQ(code_of(submit(harness_.builder().place_order(harness_.trader(0), {777, 500}, args)), 409),
            "DUPLICATE_NONCE");
  EXPECT_EQ(code_of(http_request(harness_.rest(), "POST", "/api/v1/transactions", R"({"transaction":"@@"})"), 400),
            "INVALID_ARGUMENT");

  // Only the one good order changed anything: it locked 0.001 BTC * 100 USDT
  // and the 20 bps taker fee it may pay.
  json after = balances(0);
  for (std::size_t i = 0; i < before["balances"].size(); ++i) {
    const json& b = before["balances"][i];
    const json& a = after["balances"][i];
    if (b["asset"] == "USDT") {
      EXPECT_EQ(a["locked"], "0.100200") << after.dump();
    } else {
      EXPECT_EQ(a, b);
    }
  }
}

TEST_F(NodeRestTest, StreamsSendSnapshotThenGaplessDiffsTradesAndOwnOrders) {
  WsClient ws;
  ASSERT_TRUE(ws.connect(harness_.rest())) << ws.error();
  const std::string account = harness_.trader(0).public_key().hex();
  ASSERT_TRUE(ws.send(json{{"op", "subscribe"},
                           {"id", 1},
                           {"channels", {"book.BTC-USD", "trades.BTC-USD", "blocks", "orders." + account}},
                           {"api_key", harness_.api_key(0)}}
                          .dump()));
  auto snapshot = ws.receive_until([](const json& m) { return m.value("type", "") == "snapshot"; }, 10s);
  ASSERT_TRUE(snapshot);
  std::uint64_t last = (*snapshot)["data"]["last_update_id"];

  ASSERT_EQ(place(0, {{"market", "BTC-USD"}, {"side", "buy"}, {"quantity", "1"}, {"price", "100"}}).status, 200);
  ASSERT_EQ(place(1, {{"market", "BTC-USD"}, {"side", "sell"}, {"quantity", "0.4"}, {"price", "100"}}).status, 200);
  bool traded = false, order_update = false;
  std::uint64_t diffs = 0;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while ((!traded || !order_update || diffs < 2) && std::chrono::steady_clock::now() < deadline) {
    auto text = ws.receive(1s);
    if (!text) continue;
    const json m = json::parse(*text);
    if (m.value("type", "") == "update") {
      EXPECT_EQ(m["data"]["first_update_id"].get<std::uint64_t>(), last + 1) << "no gap after " << last;
      last = m["data"]["last_update_id"];
      ++diffs;
    } else if (m.value("type", "") == "trade") {
      traded = true;
      EXPECT_EQ(m["data"]["quantity"], "0.40000000");
    } else if (m.value("type", "") == "order") {
      order_update = true;
      EXPECT_EQ(m["data"]["account"], account);
    }
  }
  EXPECT_TRUE(traded);
  EXPECT_TRUE(order_update);
  EXPECT_GE(diffs, 2u);

  // Someone else's orders need that account's key; unknown channels are refused.
  WsClient other;
  ASSERT_TRUE(other.connect(harness_.rest()));
  ASSERT_TRUE(other.send(json{{"op", "subscribe"}, {"id", 7}, {"channels", {"orders." + account}},
                              {"api_key", harness_.api_key(1)}}
                             .dump()));
  auto refused = other.receive_until([](const json& m) { return m.contains("error"); }, 10s);
  ASSERT_TRUE(refused);
  EXPECT_EQ((*refused)["error"]["code"], "NOT_YOUR_ACCOUNT");
  ASSERT_TRUE(other.send(R"({"op":"subscribe","id":8,"channels":["book.NOPE"]})"));
  auto unknown = other.receive_until([](const json& m) { return m.contains("error"); }, 10s);
  ASSERT_TRUE(unknown);
  EXPECT_EQ((*unknown)["id"], 8) << "a numeric id comes back as that number";
}

// name -> value of every sample line of a Prometheus text exposition.
std::map<std::string, double> parse_prometheus(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << "not a sample line: " << line;
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

// The metric names docs/metrics.md lists before its first "## " section
// (every node's); the sections after it (settlement) are checked where
// they are enabled.
std::vector<std::string> documented_metrics() {
  std::ifstream in(std::string(REPLEX_SOURCE_DIR) + "/docs/metrics.md");
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) break;
    if (line.rfind("| `replex_", 0) == 0) names.push_back(line.substr(3, line.find('`', 3) - 3));
  }
  return names;
}

double sum_of(const std::map<std::string, double>& samples, const std::string& name) {
  double total = 0;
  for (const auto& [series, value] : samples) {
    if (series == name || series.rfind(name + "{", 0) == 0) total += value;
  }
  return total;
}

TEST_F(NodeRestTest, MetricsListEveryDocumentedMetricAndMove) {
  const auto names = documented_metrics();
  ASSERT_GE(names.size(), 15u);
  const HttpAnswer first = get("/metrics");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.headers.at("content-type"), "text/plain; version=0.0.4");
  const auto before = parse_prometheus(first.body);
  ASSERT_EQ(place(0, {{"market", "BTC-USD"}, {"side", "buy"}, {"quantity", "1"}, {"price", "100"}}).status, 200);
  ASSERT_EQ(place(1, {{"market", "BTC-USD"}, {"side", "sell"}, {"quantity", "1"}, {"price", "100"}}).status, 200);
  const auto after = parse_prometheus(get("/metrics").body);
  for (const auto& name : names) {
    const bool present = std::any_of(after.begin(), after.end(), [&](const auto& sample) {
      const std::string& series = sample.first;
      return series == name || series.rfind(name + "{", 0) == 0 || series.rfind(name + "_", 0) == 0;
    });
    // Labelled counters appear with their first event; the ones above produce them.
    EXPECT_TRUE(present) << name << " is documented but not exported";
  }
  for (const char* moving : {"replex_executed_height", "replex_consensus_height", "replex_transactions_total",
                             "replex_orders_total", "replex_trades_total", "replex_http_responses_total",
                             "replex_commit_latency_seconds_count", "replex_execution_latency_seconds_count"}) {
    EXPECT_GT(sum_of(after, moving), sum_of(before, moving)) << moving << " did not move";
  }
  for (const auto& [series, value] : after) {
    const std::string name = series.substr(0, series.find('{'));
    const bool known = std::any_of(names.begin(), names.end(), [&](const std::string& n) {
      return name == n || name == n + "_count" || name == n + "_sum" || name == n + "_bucket";
    });
    EXPECT_TRUE(known) << name << " is exported but not in docs/metrics.md";
  }
}

class NodeRestLimitsTest : public ::testing::Test {
 protected:
  NodeHarness harness_{[](config::NodeConfig& c) {
    c.api.max_ip_requests_per_s = 1;
    c.api.max_ip_burst_requests = 3;
  }};
};

TEST_F(NodeRestLimitsTest, TooManyRequestsFromOneAddressGet429WithRetryAfter) {
  spdlog::set_level(spdlog::level::warn);
  ASSERT_TRUE(harness_.start().is_ok());
  int limited = 0;
  std::string retry_after;
  for (int i = 0; i < 6; ++i) {
    const HttpAnswer a = http_request(harness_.rest(), "GET", "/api/v1/markets");  // NOLINT
    if (a.status == 429) {
      ++limited;
      retry_after = a.headers.count("retry-after") ? a.headers.at("retry-after") : "";
      EXPECT_EQ(a.json()["code"], "RATE_LIMITED");
    }
  }
  EXPECT_GE(limited, 2);
  EXPECT_FALSE(retry_after.empty());
  EXPECT_EQ(http_request(harness_.rest(), "GET", "/healthz").status, 200) << "probes are not rate limited";
}

}  // namespace
}  // namespace replex::node
