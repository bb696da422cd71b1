// An in-process node for tests: a generated single-validator testnet in a
// temporary directory, bound to free loopback ports, with a gRPC client.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "replex/exchange/tx_builder.hpp"
#include "replex/config/node_config.hpp"
#include "replex/config/key_file.hpp"
#include "replex/node/node.hpp"
#include "replex/config/testnet.hpp"
#include "replex/v1/node.grpc.pb.h"
#include "support/temp_dir.hpp"

namespace replex::node::testing {

class NodeHarness {
 public:
  // `tune` adjusts the generated config before the node opens.
  template <typename Tune>
  explicit NodeHarness(Tune tune) {
    config::TestnetOptions options;
    options.validators = 1;
    options.accounts = 2;
    options.out_dir = dir_.file("net");
    auto layout = config::generate_testnet(options);
    REPLEX_ASSERT_MSG(layout.is_ok(), layout.status().to_string());
    home_ = layout->nodes[0].home;
    chain_id_ = layout->genesis.chain_id();
    for (const auto& path : layout->account_key_files) traders_.push_back(config::read_key_file(path, "account key").value());
    api_keys_ = layout->api_keys;
    auto config = config::load_node_config(home_ + "/config.yaml");
    REPLEX_ASSERT_MSG(config.is_ok(), config.status().to_string());
    config_ = std::move(*config);
    config_.p2p.listen = "127.0.0.1:0";
    config_.api.grpc_listen = "127.0.0.1:0";
    config_.api.rest_listen = "127.0.0.1:0";
    config_.consensus.local.max_block_delay_ms = 5;
    config_.consensus.worker_threads = 2;
    tune(config_);
  }
  NodeHarness() : NodeHarness([](config::NodeConfig&) {}) {}
  ~NodeHarness() { stop(); }

  // Opens and starts the node on the home directory (again after stop()).
  Status start() {
    auto node = Node::open(home_, config_);
    if (!node) return node.status();
    node_ = std::move(*node);
    REPLEX_RETURN_IF_ERROR(node_->start());
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(node_->grpc_port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::NodeService::NewStub(channel_);
    return Status::ok();
  }
  void stop() {
    stub_.reset();
    channel_.reset();
    if (node_) node_->stop();
    node_.reset();
  }

  Node& node() { return *node_; }
  v1::NodeService::Stub& stub() { return *stub_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  const KeyPair& trader(std::size_t i) const { return traders_.at(i); }
  // The custodial API key of demo trader i.
  const std::string& api_key(std::size_t i) const { return api_keys_.at(i); }
  // "127.0.0.1:<port>" of the REST gateway.
  std::string rest() const { return "127.0.0.1:" + std::to_string(node_->rest_port()); }
  const std::string& chain_id() const { return chain_id_; }
  exchange::TxBuilder builder() const { return exchange::TxBuilder(chain_id_); }
  const std::string& home() const { return home_; }

  // A resting limit buy on BTC-USDT at 100.00 for 0.0001 BTC.
  Bytes limit_buy(std::size_t trader, std::uint64_t nonce) const {
    exchange::PlaceOrderArgs args;
    args.market = "BTC-USDT";
    args.side = exchange::Side::kBuy;
    args.price = 10'000;    // 100.00 (price units at 2 decimals)
    args.quantity = 10'000;  // 0.0001 BTC
    return builder().place_order(trader_ref(trader), exchange::TxHeader{nonce, 900}, args);
  }

  grpc::Status submit(const Bytes& tx, bool wait, v1::SubmitTransactionResponse* response,
                      std::uint32_t timeout_ms = 0) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::SubmitTransactionRequest request;
    request.set_transaction(std::string(as_chars(tx)));
    request.set_wait_for_commit(wait);
    request.set_timeout_ms(timeout_ms);
    return stub_->SubmitTransaction(&context, request, response);
  }

 private:
  const KeyPair& trader_ref(std::size_t i) const { return traders_.at(i); }

  replex::testing::TempDir dir_;
  std::string home_;
  std::string chain_id_;
  config::NodeConfig config_;
  std::vector<KeyPair> traders_;
  std::vector<std::string> api_keys_;
  std::unique_ptr<Node> node_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::NodeService::Stub> stub_;
};

}  // namespace replex::node::testing
