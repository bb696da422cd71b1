// The gateway over the real binary: 4 validators and an observer, REST on
// every node. Two demo accounts cross orders over REST (each on another
// node); the trade reaches both over WebSocket and over gRPC's
// StreamTrades, and every node, the observer included, serves the same
// book, trades, orders and balances, figure for figure. And batch order
// entry (POST /api/v1/orders/batch) on one validator: per-item results,
// api.max_submit_batch, and rate limits that count orders.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <thread>

#include "cluster.hpp"
#include "cluster_test_util.hpp"
#include "replex/v1/exchange.grpc.pb.h"
#include "support/http_client.hpp"

namespace replex::cluster {
namespace {

using nlohmann::json;
using replex::testing::http_request;
using replex::testing::WsClient;

json get(Cluster& c, std::size_t node, const std::string& target) {
  return http_request(c.rest_target(node), "GET", target).json();
}

TEST(ClusterGateway, CrossedOrdersShowTheSameTradeOnEveryNodeAndEveryStream) {
  auto cluster = Cluster::create({.validators = 4, .observers = 1});
  ASSERT_TRUE(cluster.is_ok()) << cluster.status().to_string();
  Cluster& c = **cluster;
  ASSERT_TRUE(c.start_all().is_ok());
  ASSERT_TRUE(c.wait_connected().is_ok());
  const std::size_t observer = 4;
  for (std::size_t node : c.all()) {
    ASSERT_EQ(http_request(c.rest_target(node), "GET", "/readyz").status, 200) << "node " << node;
  }

  // Streams first: a WebSocket on the observer and a gRPC trade stream on node 3.
  WsClient ws;
  ASSERT_TRUE(ws.connect(c.rest_target(observer))) << ws.error();
  ASSERT_TRUE(ws.send(R"({"op":"subscribe","id":1,"channels":["trades.BTC-USD","book.BTC-USD"]})"));
  ASSERT_TRUE(ws.receive_until([](const json& m) { return m.value("type", "") == "snapshot"; }, 30s));
  auto channel = grpc::CreateChannel(c.grpc_target(3), grpc::InsecureChannelCredentials());
  auto exchange = v1::ExchangeService::NewStub(channel);
  grpc::ClientContext stream_context;
  v1::StreamTradesRequest stream_request;
  stream_request.set_market("BTC-USD");
  auto trades_stream = exchange->StreamTrades(&stream_context, stream_request);
  std::this_thread::sleep_for(500ms);  // the stream subscribes on the server before the trade

  // Trader 0 buys on node 0, trader 1 sells into it on node 1.
  const auto place = [&](std::size_t node, std::size_t trader, const json& order) {
    return http_request(c.rest_target(node), "POST", "/api/v1/orders?wait=commit", order.dump(),
                        {{"X-API-Key", c.api_key(trader)}});
  };
  const auto buy = place(0, 0, {{"market", "BTC-USD"}, {"side", "buy"}, {"quantity", "1.5"}, {"price", "45000.00"}});
  ASSERT_EQ(buy.status, 200) << buy.body;
  const auto sell = place(1, 1, {{"market", "BTC-USD"}, {"side", "sell"}, {"quantity", "0.5"}, {"price", "45000"}});
  ASSERT_EQ(sell.status, 200) << sell.body;
  ASSERT_EQ(sell.json()["order"]["status"], "filled");
  const std::uint64_t height = sell.json()["height"];
  ASSERT_TRUE(c.wait_for_height(c.all(), height).is_ok());

  auto ws_trade = ws.receive_until([](const json& m) { return m.value("type", "") == "trade"; }, 30s);
  ASSERT_TRUE(ws_trade) << "the observer's WebSocket saw no trade";
  v1::StreamTradesResponse grpc_trade;
  ASSERT_TRUE(trades_stream->Read(&grpc_trade)) << "node 3's gRPC stream saw no trade";
  stream_context.TryCancel();
  EXPECT_EQ((*ws_trade)["data"]["price"], grpc_trade.trade().price());
  EXPECT_EQ((*ws_trade)["data"]["quantity"], grpc_trade.trade().quantity());
  EXPECT_EQ((*ws_trade)["data"]["trade_id"], grpc_trade.trade().trade_id());
  EXPECT_EQ(grpc_trade.trade().price(), "45000.00");
  EXPECT_EQ(grpc_trade.trade().quantity(), "0.50000000");

  // Every node, the observer included, serves the same figures.
  const std::uint64_t buy_id = get(c, 0, "/api/v1/orders?account=" + buy.json()["account"].get<std::string>() +
                                             "&client_order_id=" + buy.json()["client_order_id"].get<std::string>())
                                   ["order_id"];
  const json reference_book = get(c, 0, "/api/v1/markets/BTC-USD/book?depth=10");
  const json reference_trades = get(c, 0, "/api/v1/markets/BTC-USD/trades");
  const json reference_order = get(c, 0, "/api/v1/orders/" + std::to_string(buy_id));
  const json reference_balances = get(c, 0, "/api/v1/accounts/" + buy.json()["account"].get<std::string>() + "/balances");
  ASSERT_EQ(reference_trades["trades"].size(), 1u);
  EXPECT_EQ(reference_order["status"], "partially_filled");
  for (std::size_t node : c.all()) {
    SCOPED_TRACE("node " + std::to_string(node));
    json book = get(c, node, "/api/v1/markets/BTC-USD/book?depth=10");
    EXPECT_EQ(book["bids"], reference_book["bids"]);
    EXPECT_EQ(book["asks"], reference_book["asks"]);
    EXPECT_EQ(get(c, node, "/api/v1/markets/BTC-USD/trades"), reference_trades);
    json order = get(c, node, "/api/v1/orders/" + std::to_string(buy_id));
    EXPECT_EQ(order, reference_order);
    EXPECT_EQ(get(c, node, "/api/v1/accounts/" + buy.json()["account"].get<std::string>() + "/balances"),
              reference_balances);
    EXPECT_EQ(get(c, node, "/api/v1/blocks/" + std::to_string(height))["block_hash"],
              get(c, 0, "/api/v1/blocks/" + std::to_string(height))["block_hash"]);
  }

  // The observer relays a custodial order to the validators, and serves its result.
  const auto via_observer =
      place(observer, 2, {{"market", "BTC-USD"}, {"side", "sell"}, {"quantity", "0.1"}, {"price", "46000"}});
  ASSERT_EQ(via_observer.status, 200) << via_observer.body;
  EXPECT_EQ(via_observer.json()["order"]["status"], "new");
}

// Sets api keys of node `node`'s config before it starts.
void set_api_config(Cluster& c, std::size_t node, const std::map<std::string, int>& values) {
  const std::string path = c.testnet_dir() + "/node" + std::to_string(node) + "/config.yaml";
  YAML::Node root = YAML::LoadFile(path);
  for (const auto& [key, value] : values) root["api"][key] = value;
  YAML::Emitter out;
  out << root;
  std::ofstream(path) << out.c_str() << "\n";
}

TEST(ClusterGateway, BatchOrderEntryAnswersPerItemAndCountsEveryOrder) {
  auto cluster = Cluster::create({.validators = 1});
  ASSERT_TRUE(cluster.is_ok()) << cluster.status().to_string();
  Cluster& c = **cluster;
  // A small batch limit, and a per-key bucket of 12 orders refilled at 1/s.
  set_api_config(c, 0, {{"max_submit_batch", 8}, {"max_key_requests_per_s", 1}, {"max_key_burst_requests", 12}});
  auto config = c.config(0);
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  ASSERT_EQ(config->api.max_submit_batch, 8u);
  ASSERT_TRUE(c.start_all().is_ok());
  const std::string rest = c.rest_target(0);
  const auto batch = [&](std::size_t trader, const json& orders, const std::string& query = "?wait=commit") {
    return http_request(rest, "POST", "/api/v1/orders/batch" + query, json{{"orders", orders}}.dump(),
                        {{"X-API-Key", c.api_key(trader)}});
  };

  // Valid and invalid items, custodial and signed, in one batch.
  auto flow = c.order_flow();
  ASSERT_TRUE(flow.is_ok()) << flow.status().to_string();
  const auto height = c.height(0);
  ASSERT_TRUE(height.is_ok());
  const client::FlowOrder signed_order = flow->next(*height + 100);
  const auto mixed = batch(0, json::array({
                                  {{"market", "BTC-USD"}, {"side", "buy"}, {"price", "44000.00"}, {"quantity", "0.1"},
                                   {"client_order_id", "batch-a"}},
                                  {{"market", "BTC-USD"}, {"side", "buy"}, {"price", "abc"}, {"quantity", "0.1"}},
                                  json::object({{"transaction", to_base64(signed_order.tx)}}),
                                  {{"market", "BTC-USD"}, {"side", "buy"}, {"price", "43000"}, {"qty", "0.1"}},
                                  {{"market", "BTC-USD"}, {"side", "buy"}, {"price", "43999.00"}, {"quantity", "0.2"},
                                   {"client_order_id", "batch-b"}},
                                  {{"market", "BTC-USD"}, {"side", "buy"}, {"price", "43998.005"}, {"quantity", "0.2"}},
                              }));
  ASSERT_EQ(mixed.status, 200) << mixed.body;
  const json answer = mixed.json();
  ASSERT_EQ(answer["results"].size(), 6u) << mixed.body;
  EXPECT_EQ(answer["committed"], 3);
  EXPECT_EQ(answer["rejected"], 3);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(answer["results"][i]["index"], i) << "results in request order";
  const json& a = answer["results"][0];
  EXPECT_EQ(a["status"], "committed") << a;
  EXPECT_EQ(a["client_order_id"], "batch-a");
  EXPECT_EQ(a["order"]["status"], "new");
  EXPECT_TRUE(a["order_id"].is_number());
  const json& bad_price = answer["results"][1];
  EXPECT_EQ(bad_price["status"], "rejected");
  EXPECT_EQ(bad_price["http_status"], 400);
  EXPECT_EQ(bad_price["error"]["field"], "orders[1].price") << bad_price;
  const json& signed_result = answer["results"][2];
  EXPECT_EQ(signed_result["status"], "committed") << signed_result;
  EXPECT_EQ(signed_result["tx_hash"], signed_order.hash.hex());
  const json& unknown = answer["results"][3];
  EXPECT_EQ(unknown["error"]["code"], "UNKNOWN_FIELD");
  EXPECT_EQ(unknown["error"]["field"], "orders[3].qty");
  EXPECT_EQ(answer["results"][4]["status"], "committed");
  const json& off_scale = answer["results"][5];
  EXPECT_EQ(off_scale["http_status"], 400) << off_scale;
  EXPECT_EQ(off_scale["error"]["field"], "orders[5].price") << "a check after parsing names the item too";

  // The valid orders are on the book; the invalid ones placed nothing.
  const json book = get(c, 0, "/api/v1/markets/BTC-USD/book?depth=10");
  ASSERT_EQ(book["bids"].size(), 2u) << book;
  EXPECT_EQ(book["bids"][0], json::array({"44000.00", "0.10000000"}));
  EXPECT_EQ(book["bids"][1], json::array({"43999.00", "0.20000000"}));

  // Over api.max_submit_batch: refused whole, naming the limit.
  json nine = json::array();
  for (int i = 0; i < 9; ++i) nine.push_back({{"market", "BTC-USD"}, {"side", "sell"}, {"price", "50000"}, {"quantity", "0.1"}});
  const auto over = batch(0, nine);
  EXPECT_EQ(over.status, 413) << over.body;
  EXPECT_EQ(over.json()["code"], "BATCH_TOO_LARGE");
  EXPECT_NE(over.body.find("api.max_submit_batch"), std::string::npos) << over.body;

  // Rate limits count orders: trader 1's bucket holds 12; a batch of 8 takes
  // 8, so of the next 8 at most 4 (+ what refilled meanwhile) go ahead, and
  // the rest are answered RATE_LIMITED, in the batch's tail.
  json eight = json::array();
  for (int i = 0; i < 8; ++i) {
    eight.push_back({{"market", "BTC-USD"}, {"side", "sell"}, {"price", std::to_string(50000 + i) + ".00"}, {"quantity", "0.01"}});
  }
  const auto full = batch(1, eight, "");
  ASSERT_EQ(full.status, 200) << full.body;
  EXPECT_EQ(full.json()["accepted"], 8) << full.body;
  const auto limited = batch(1, eight, "");
  ASSERT_EQ(limited.status, 200) << limited.body;
  const json results = limited.json()["results"];
  std::size_t passed = 0;
  while (passed < results.size() && results[passed]["status"] == "accepted") ++passed;
  EXPECT_GE(passed, 1u) << limited.body;
  EXPECT_LE(passed, 5u) << "the batch was limited per order, not per request: " << limited.body;
  for (std::size_t i = passed; i < results.size(); ++i) {
    EXPECT_EQ(results[i]["http_status"], 429) << results[i];
    EXPECT_EQ(results[i]["error"]["code"], "RATE_LIMITED") << results[i];
  }
  EXPECT_EQ(limited.json()["rejected"], results.size() - passed);
}

}  // namespace
}  // namespace replex::cluster
