// The gateway over the real binary: 4 validators and an observer, REST on
// every node. Two demo accounts cross orders over REST (each on another
// node); the trade reaches both over WebSocket and over gRPC's
// StreamTrades, and every node, the observer included, serves the same
// book, trades, orders and balances, figure for figure.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace replex::cluster
