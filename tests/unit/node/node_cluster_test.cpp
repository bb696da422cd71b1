// Four in-process validators and an observer on loopback, wired through real
// p2p: a transaction submitted to a backup reaches the primary by gossip,
// commits everywhere with one app_hash, and the observer follows by pushed
// and fetched certified blocks.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "replex/core/tx_envelope.hpp"
#include "replex/exchange/tx_builder.hpp"
#include "replex/config/key_file.hpp"
#include "replex/node/node.hpp"
#include "replex/config/testnet.hpp"
#include "replex/v1/node.grpc.pb.h"
#include "support/temp_dir.hpp"

namespace replex::node {
namespace {

using replex::testing::TempDir;

bool wait_until(const std::function<bool()>& done, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST(NodeCluster, FourValidatorsAndAnObserverAgree) {
  spdlog::set_level(spdlog::level::warn);
  TempDir dir;
  config::TestnetOptions options;
  options.validators = 4;
  options.observers = 1;
  options.accounts = 1;
  options.out_dir = dir.file("net");
  auto layout = config::generate_testnet(options);
  ASSERT_TRUE(layout.is_ok()) << layout.status().to_string();

  std::vector<std::unique_ptr<Node>> nodes;
  for (const auto& entry : layout->nodes) {
    auto config = config::load_node_config(entry.home + "/config.yaml");
    ASSERT_TRUE(config.is_ok());
    config->consensus.worker_threads = 1;
    auto node = Node::open(entry.home, std::move(*config));
    ASSERT_TRUE(node.is_ok()) << node.status().to_string();
    ASSERT_TRUE((*node)->start().is_ok());
    nodes.push_back(std::move(*node));
  }

  // Submitted to validator 3, a backup in view 0.
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(nodes[3]->grpc_port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::NodeService::NewStub(channel);
  const KeyPair trader = config::read_key_file(layout->account_key_files[0], "account key").value();
  exchange::PlaceOrderArgs args;
  args.market = "ETH-USDT";
  args.side = exchange::Side::kSell;
  args.price = 300'000;
  args.quantity = 100'000;  // 0.001 ETH
  const Bytes tx = exchange::TxBuilder(layout->genesis.chain_id()).place_order(trader, {1, 900}, args);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::SubmitTransactionRequest request;
  request.set_transaction(std::string(as_chars(tx)));
  request.set_wait_for_commit(true);
  v1::SubmitTransactionResponse response;
  const grpc::Status s = stub->SubmitTransaction(&context, request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(response.status(), v1::SUBMIT_STATUS_COMMITTED);
  const std::uint64_t height = response.commit().height();
  EXPECT_EQ(response.commit().result_code(), 0u);

  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& node : nodes) {
          if (node->views().chain()->height < height) return false;
        }
        return true;
      },
      std::chrono::seconds(30)))
      << "every node, the observer included, executes the block";
  const auto reference = nodes[0]->views().chain();
  for (const auto& node : nodes) {
    const auto view = node->views().chain();
    if (view->height == reference->height) {
      EXPECT_EQ(view->app_hash, reference->app_hash);
      EXPECT_EQ(view->block_hash, reference->block_hash);
    }
    // The order rests in every replica's book.
    ASSERT_EQ(view->markets.size(), 3u);  // BTC-USD, BTC-USDT, ETH-USDT
    EXPECT_EQ(view->markets[2].symbol, "ETH-USDT");
    ASSERT_EQ(view->markets[2].depth.asks.size(), 1u);
    EXPECT_EQ(view->markets[2].depth.asks[0].price, 300'000u);
  }

  // An observer has no mempool: it verifies, relays to the validators, and
  // still answers once the block holding the transaction executed here.
  auto observer_channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(nodes[4]->grpc_port()),
                                              grpc::InsecureChannelCredentials());
  auto observer = v1::NodeService::NewStub(observer_channel);
  args.price = 310'000;
  const Bytes relayed = exchange::TxBuilder(layout->genesis.chain_id()).place_order(trader, {2, 900}, args);
  grpc::ClientContext observer_context;
  observer_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  request.set_transaction(std::string(as_chars(relayed)));
  v1::SubmitTransactionResponse relayed_response;
  const grpc::Status relayed_status = observer->SubmitTransaction(&observer_context, request, &relayed_response);
  ASSERT_TRUE(relayed_status.ok()) << relayed_status.error_message();
  EXPECT_EQ(relayed_response.status(), v1::SUBMIT_STATUS_COMMITTED);
  EXPECT_GT(relayed_response.commit().height(), height);
  for (auto& node : nodes) node->stop();
}

}  // namespace
}  // namespace replex::node
