// Four in-process validators and an observer on loopback, wired through real
// p2p: a transaction submitted to a backup reaches the primary by gossip,
// commits everywhere with one app_hash, and the observer follows by pushed
// and fetched certified blocks. A validator whose state diverges from the
// checkpoint quorum's stops serving and says so, then recovers by itself by
// installing the others' state at their next checkpoint.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "replex/core/tx_envelope.hpp"
#include "replex/exchange/tx_builder.hpp"
#include "replex/config/key_file.hpp"
#include "replex/node/node.hpp"
#include "replex/config/testnet.hpp"
#include "replex/core/big_endian.hpp"
#include "replex/host/stored_snapshot.hpp"
#include "replex/storage/rocks_store.hpp"
#include "replex/v1/node.grpc.pb.h"
#include "support/http_client.hpp"
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
    // The OS picks the client ports at bind time: a port the testnet chose
    // may be taken meanwhile by a test running beside this one.
    config->api.grpc_listen = "127.0.0.1:0";
    config->api.rest_listen = "127.0.0.1:0";
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

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Moves one unit of an asset's available balance from the first account that
// holds it to the next one that does, in an exchange snapshot (layout:
// docs/wire-formats.md, "Exchange snapshot"). Every invariant still holds and
// the recorded app_hash is unchanged, so the node restores it without
// complaint; only the state's digest differs from its peers'.
void move_one_unit(Bytes& state) {
  std::size_t at = 0;
  auto u32 = [&] { std::uint32_t v = load_be32(state.data() + at); at += 4; return v; };
  auto u64 = [&] { std::uint64_t v = load_be64(state.data() + at); at += 8; return v; };
  at += 4 + load_be32(state.data());  // the format's name
  const std::uint32_t genesis = u32();
  at += genesis;
  at += 8 + 32 + 3 * 8;  // height, app_hash, next ids
  const std::uint32_t assets = u32();
  at += 8 * std::size_t{assets};
  const std::uint32_t accounts = u32();
  std::optional<std::pair<std::uint32_t, std::size_t>> from;  // asset, offset of its available
  for (std::uint32_t a = 0; a < accounts; ++a) {
    at += 32;  // the account's key
    const std::uint32_t entries = u32();
    for (std::uint32_t e = 0; e < entries; ++e) {
      const std::uint32_t asset = u32();
      const std::size_t available = at;
      const std::uint64_t amount = u64();
      at += 8;  // locked
      if (!from && amount > 0) {
        from = {asset, available};
      } else if (from && from->first == asset) {
        store_be64(state.data() + from->second, load_be64(state.data() + from->second) - 1);
        store_be64(state.data() + available, amount + 1);
        return;
      }
    }
    ASSERT_EQ(state[at], 0) << "a settlement address: not expected in this testnet";
    at += 1;
    // Nonce entries (docs/wire-formats.md): two varints each when bit 31 of
    // the count is set, two u64s each otherwise.
    const std::uint32_t nonces = u32();
    if ((nonces & 0x8000'0000u) != 0) {
      for (std::uint32_t n = 0; n < 2 * (nonces & 0x7fff'ffffu); ++n) {
        while ((state.at(at++) & 0x80) != 0) {
        }
      }
    } else {
      at += 16 * std::size_t{nonces};
    }
  }
  FAIL() << "no two accounts hold the same asset";
}

// The value of an unlabelled Prometheus sample, or nullopt.
std::optional<double> metric(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return std::nullopt;
}

TEST(NodeCluster, AValidatorWhoseStateDivergesStopsServingSaysSoAndRecoversByItself) {
  spdlog::set_level(spdlog::level::err);
  TempDir dir;
  config::TestnetOptions options;
  options.validators = 4;
  options.accounts = 2;
  options.out_dir = dir.file("net");
  auto layout = config::generate_testnet(options);
  ASSERT_TRUE(layout.is_ok()) << layout.status().to_string();
  // Checkpoints (and snapshots) every 4 blocks.
  for (const auto& entry : layout->nodes) {
    const std::string path = entry.home + "/genesis.yaml";
    write_file(path, std::regex_replace(read_file(path), std::regex(R"("checkpoint_interval": \d+)"),
                                        "\"checkpoint_interval\": 4"));
  }
  std::vector<std::unique_ptr<Node>> nodes(layout->nodes.size());
  auto start = [&](std::size_t i) {
    auto config = config::load_node_config(layout->nodes[i].home + "/config.yaml");
    ASSERT_TRUE(config.is_ok());
    config->consensus.worker_threads = 1;
    config->api.grpc_listen = "127.0.0.1:0";  // chosen at bind time (see the test above)
    config->api.rest_listen = "127.0.0.1:0";
    auto node = Node::open(layout->nodes[i].home, std::move(*config));
    ASSERT_TRUE(node.is_ok()) << node.status().to_string();
    const Status started = (*node)->start();
    ASSERT_TRUE(started.is_ok()) << started.to_string();
    nodes[i] = std::move(*node);
  };
  for (std::size_t i = 0; i < nodes.size(); ++i) start(i);
  // An ASSERT inside the lambda ends only the lambda: stop here, not on a null node.
  ASSERT_FALSE(::testing::Test::HasFatalFailure());

  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(nodes[0]->grpc_port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::NodeService::NewStub(channel);
  const KeyPair trader = config::read_key_file(layout->account_key_files[0], "account key").value();
  exchange::PlaceOrderArgs args;
  args.market = "ETH-USDT";
  args.side = exchange::Side::kSell;
  args.price = 300'000;
  args.quantity = 100'000;
  std::uint64_t nonce = 0;
  // The next order of the trader, submitted through `to` until it commits.
  auto submit_order = [&](v1::NodeService::Stub& to, v1::SubmitTransactionResponse& response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::SubmitTransactionRequest request;
    request.set_transaction(std::string(as_chars(
        exchange::TxBuilder(layout->genesis.chain_id()).place_order(trader, {++nonce, 900}, args))));
    request.set_wait_for_commit(true);
    return to.SubmitTransaction(&context, request, &response);
  };
  auto commit_orders = [&](int count) {
    for (int i = 0; i < count; ++i) {
      v1::SubmitTransactionResponse response;
      ASSERT_TRUE(submit_order(*stub, response).ok());
    }
  };
  // Up to a snapshot on validator 3, which then stops.
  commit_orders(4);
  ASSERT_TRUE(wait_until([&] { return nodes[3]->views().chain()->height >= 4; }, std::chrono::seconds(30)));
  const std::string rest_before = "127.0.0.1:" + std::to_string(nodes[3]->rest_port());
  ASSERT_EQ(replex::testing::http_request(rest_before, "GET", "/api/v1/markets").status, 200);
  nodes[3]->stop();
  nodes[3].reset();

  // Its stored state, bent while it was down (a disk fault, a bad restore):
  // its snapshot at 4 loses the checkpoint proof that would betray the change.
  {
    auto store = storage::RocksStore::open(layout->nodes[3].home + "/data");
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    auto snapshot = (*store)->snapshot_at(4);
    ASSERT_TRUE(snapshot.is_ok()) << snapshot.status().to_string();
    move_one_unit(snapshot->state);
    auto attachment = host::decode_snapshot_attachment(snapshot->proof);
    ASSERT_TRUE(attachment.is_ok());
    attachment->checkpoint_proof.clear();
    snapshot->proof = host::encode_snapshot_attachment(*attachment);
    ASSERT_TRUE((*store)->put_snapshot(*snapshot, 3).is_ok());
  }
  start(3);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  // Connected to the three others first: a validator that first hears of the
  // chain at checkpoint 8 would install the quorum's state there instead of
  // executing blocks 5..8 on its own and diverging.
  auto stub3 = v1::NodeService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(nodes[3]->grpc_port()), grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(wait_until(
      [&] {
        grpc::ClientContext context;
        v1::GetStatusResponse status;
        return stub3->GetStatus(&context, v1::GetStatusRequest{}, &status).ok() && status.peers_size() >= 3;
      },
      std::chrono::seconds(30)));
  // The next checkpoint (8) shows its state is not the quorum's.
  commit_orders(4);
  ASSERT_TRUE(wait_until([&] { return nodes[3]->views().consensus()->diverged_at.has_value(); },
                         std::chrono::seconds(30)))
      << "validator 3 at height " << nodes[3]->views().chain()->height;
  EXPECT_EQ(*nodes[3]->views().consensus()->diverged_at, 8u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_FALSE(nodes[i]->views().consensus()->diverged_at) << i;

  // REST: reads and submissions refused, status and probes say why.
  const std::string rest3 = "127.0.0.1:" + std::to_string(nodes[3]->rest_port());
  const auto markets = replex::testing::http_request(rest3, "GET", "/api/v1/markets");
  EXPECT_EQ(markets.status, 503);
  EXPECT_EQ(markets.json().value("code", ""), "STATE_DIVERGED") << markets.body;
  const auto status = replex::testing::http_request(rest3, "GET", "/api/v1/status");
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(status.json()["diverged_at"], 8);
  EXPECT_FALSE(status.json()["ready"].get<bool>());
  EXPECT_EQ(replex::testing::http_request(rest3, "GET", "/readyz").status, 503);
  const auto health = replex::testing::http_request(rest3, "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json().value("status", ""), "diverged") << health.body;
  // gRPC: the status names it, a submission is refused.
  {
    grpc::ClientContext context;
    v1::GetStatusResponse response;
    ASSERT_TRUE(stub3->GetStatus(&context, v1::GetStatusRequest{}, &response).ok());
    EXPECT_EQ(response.diverged_at(), 8u);
    EXPECT_NE(response.divergence().find("differs from the checkpoint quorum"), std::string::npos)
        << response.divergence();
  }
  {
    grpc::ClientContext context;
    v1::SubmitTransactionRequest request;
    request.set_transaction(std::string(as_chars(
        exchange::TxBuilder(layout->genesis.chain_id()).place_order(trader, {++nonce, 900}, args))));
    v1::SubmitTransactionResponse response;
    const grpc::Status refused = stub3->SubmitTransaction(&context, request, &response);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_NE(refused.error_message().find("STATE_DIVERGED"), std::string::npos) << refused.error_message();
  }
  EXPECT_EQ(metric(replex::testing::http_request(rest3, "GET", "/metrics").body, "replex_state_diverged"), 1.0);
  // The others serve as before.
  const std::string rest0 = "127.0.0.1:" + std::to_string(nodes[0]->rest_port());
  EXPECT_EQ(replex::testing::http_request(rest0, "GET", "/api/v1/markets").status, 200);

  // It recovers by itself: the three others prove checkpoint 12, validator 3
  // installs their state there (it committed nothing after 8) and serves again.
  commit_orders(4);
  ASSERT_TRUE(wait_until([&] { return !nodes[3]->views().consensus()->diverged_at.has_value(); },
                         std::chrono::seconds(60)))
      << "validator 3 still diverged at height " << nodes[3]->views().chain()->height;
  EXPECT_GE(nodes[3]->views().chain()->height, 12u);
  ASSERT_TRUE(wait_until([&] { return replex::testing::http_request(rest3, "GET", "/readyz").status == 200; },
                         std::chrono::seconds(30)));
  EXPECT_EQ(replex::testing::http_request(rest3, "GET", "/api/v1/markets").status, 200);
  {
    const auto after = replex::testing::http_request(rest3, "GET", "/api/v1/status");
    ASSERT_EQ(after.status, 200);
    EXPECT_TRUE(after.json()["diverged_at"].is_null()) << after.body;
    EXPECT_EQ(replex::testing::http_request(rest3, "GET", "/healthz").json().value("status", ""), "ok");
    EXPECT_EQ(metric(replex::testing::http_request(rest3, "GET", "/metrics").body, "replex_state_diverged"), 0.0);
    grpc::ClientContext context;
    v1::GetStatusResponse response;
    ASSERT_TRUE(stub3->GetStatus(&context, v1::GetStatusRequest{}, &response).ok());
    EXPECT_FALSE(response.has_diverged_at());
  }
  // It takes part again: a submission to it commits, and four more blocks
  // reach checkpoint 16, which its own execution passes this time.
  {
    v1::SubmitTransactionResponse response;
    const grpc::Status accepted = submit_order(*stub3, response);
    ASSERT_TRUE(accepted.ok()) << accepted.error_message();
    EXPECT_EQ(response.status(), v1::SUBMIT_STATUS_COMMITTED);
  }
  commit_orders(3);
  const std::uint64_t top = nodes[0]->views().chain()->height;
  ASSERT_GE(top, 16u);
  ASSERT_TRUE(wait_until([&] { return nodes[3]->views().chain()->height >= top; }, std::chrono::seconds(30)));
  EXPECT_FALSE(nodes[3]->views().consensus()->diverged_at.has_value());
  EXPECT_EQ(nodes[3]->views().chain()->app_hash, nodes[0]->views().chain()->app_hash);
  // The unit moved while it was down is back where the others have it.
  for (const std::string& key_file : layout->account_key_files) {
    const KeyPair account = config::read_key_file(key_file, "account key").value();
    const std::string path = "/api/v1/accounts/" + account.public_key().hex() + "/balances";
    const auto theirs = replex::testing::http_request(rest0, "GET", path);
    const auto its = replex::testing::http_request(rest3, "GET", path);
    ASSERT_EQ(its.status, 200) << its.body;
    EXPECT_EQ(its.body, theirs.body);
  }
  for (auto& node : nodes) {
    node->stop();
    node.reset();  // releases its store
  }
  // Its own snapshot at 16 is byte for byte the others'.
  auto stored_at_16 = [&](std::size_t i) {
    auto store = storage::RocksStore::open(layout->nodes[i].home + "/data");
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    if (!store.is_ok()) return Bytes{};
    auto snapshot = (*store)->snapshot_at(16);
    EXPECT_TRUE(snapshot.is_ok()) << snapshot.status().to_string();
    return snapshot.is_ok() ? snapshot->state : Bytes{};
  };
  const Bytes reference = stored_at_16(0);
  EXPECT_FALSE(reference.empty());
  EXPECT_EQ(stored_at_16(3), reference);
}

}  // namespace
}  // namespace replex::node
