#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>

#include "replex/config/node_config.hpp"
#include "replex/config/genesis_file.hpp"
#include "replex/config/key_file.hpp"
#include "replex/config/testnet.hpp"
#include "support/temp_dir.hpp"

namespace replex::config {
namespace {

using replex::testing::TempDir;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

TEST(Testnet, GeneratesKeysGenesisAndConfigs) {
  TempDir dir;
  TestnetOptions options;
  options.validators = 4;
  options.observers = 1;
  options.accounts = 3;
  options.out_dir = dir.file("net");
  auto layout = generate_testnet(options);
  ASSERT_TRUE(layout.is_ok()) << layout.status().to_string();
  ASSERT_EQ(layout->nodes.size(), 5u);
  EXPECT_EQ(layout->genesis.validators.size(), 4u);

  auto genesis = load_genesis_file(options.out_dir + "/genesis.yaml");
  ASSERT_TRUE(genesis.is_ok()) << genesis.status().to_string();
  EXPECT_EQ(*genesis, layout->genesis);
  // BTC-USD (the README's first order), BTC-USDT, ETH-USDT.
  EXPECT_EQ(genesis->exchange.markets.size(), 3u);
  // Four assets per funded trader.
  EXPECT_EQ(genesis->exchange.allocations.size(), 3u * 4u);

  std::set<std::uint16_t> ports;
  for (std::size_t i = 0; i < layout->nodes.size(); ++i) {
    const TestnetNode& node = layout->nodes[i];
    ports.insert(node.p2p_port);
    ports.insert(node.grpc_port);
    EXPECT_EQ(mode_of(node.home + "/keys"), 0700u);
    EXPECT_EQ(mode_of(node.home + "/keys/node_key.hex"), 0600u);
    auto node_key = read_key_file(node.home + "/keys/node_key.hex", "node key");
    ASSERT_TRUE(node_key.is_ok());
    EXPECT_EQ(node_key->public_key(), node.node_id);

    // A generated config passes the same check `replex config check` runs.
    auto config = load_node_config(node.home + "/config.yaml");
    ASSERT_TRUE(config.is_ok()) << config.status().to_string();
    EXPECT_EQ(config->node.moniker, node.name);
    EXPECT_EQ(config->p2p.listen, "127.0.0.1:" + std::to_string(node.p2p_port));
    EXPECT_EQ(config->api.grpc_listen, "127.0.0.1:" + std::to_string(node.grpc_port));
    EXPECT_TRUE(load_genesis_file(node.home + "/genesis.yaml").is_ok());

    if (i < 4) {
      EXPECT_EQ(config->node.mode, NodeMode::kValidator);
      // Every other validator, never itself.
      EXPECT_EQ(config->p2p.network.persistent_peers.size(), 3u);
      for (const auto& peer : config->p2p.network.persistent_peers) {
        EXPECT_EQ(peer.find(node.node_id.hex()), std::string::npos) << peer;
      }
      auto validator_key = read_key_file(node.home + "/keys/validator_key.hex", "validator key");
      ASSERT_TRUE(validator_key.is_ok());
      EXPECT_EQ(genesis->index_of_key(validator_key->public_key()), i);
      EXPECT_EQ(genesis->index_of_node(node.node_id), i);
    } else {
      EXPECT_EQ(config->node.mode, NodeMode::kObserver);
      EXPECT_TRUE(config->p2p.network.persistent_peers.empty());
      EXPECT_EQ(config->p2p.network.seeds.size(), 4u);
      EXPECT_FALSE(std::filesystem::exists(node.home + "/keys/validator_key.hex"));
    }
  }
  EXPECT_EQ(ports.size(), 10u) << "every port distinct";

  ASSERT_EQ(layout->account_key_files.size(), 3u);
  for (const auto& path : layout->account_key_files) {
    EXPECT_EQ(mode_of(path), 0600u);
    auto key = read_key_file(path, "account key");
    ASSERT_TRUE(key.is_ok());
    bool funded = false;
    for (const auto& a : genesis->exchange.allocations) funded |= a.account == key->public_key();
    EXPECT_TRUE(funded) << path;
  }
  EXPECT_TRUE(std::filesystem::exists(options.out_dir + "/accounts/accounts.yaml"));
}

TEST(Testnet, BasePortLaysOutPortsInOrder) {
  TempDir dir;
  TestnetOptions options;
  options.validators = 2;
  options.base_port = 30000;
  options.accounts = 0;
  options.out_dir = dir.file("net");
  auto layout = generate_testnet(options);
  ASSERT_TRUE(layout.is_ok()) << layout.status().to_string();
  EXPECT_EQ(layout->nodes[0].p2p_port, 30000);
  EXPECT_EQ(layout->nodes[0].grpc_port, 30001);
  EXPECT_EQ(layout->nodes[1].p2p_port, 30002);
  EXPECT_EQ(layout->nodes[1].grpc_port, 30003);
}

TEST(Testnet, RefusesANonEmptyDirectoryAndBadCounts) {
  TempDir dir;
  TestnetOptions options;
  options.out_dir = dir.path();
  ASSERT_TRUE(generate_testnet(options).is_ok());
  EXPECT_EQ(generate_testnet(options).status().code(), StatusCode::kAlreadyExists);
  options.out_dir = dir.file("other");
  options.validators = 0;
  EXPECT_EQ(generate_testnet(options).status().code(), StatusCode::kInvalidArgument);
}

TEST(Testnet, FreePortsAreDistinct) {
  auto ports = find_free_ports("127.0.0.1", 16);
  ASSERT_TRUE(ports.is_ok());
  EXPECT_EQ(std::set<std::uint16_t>(ports->begin(), ports->end()).size(), 16u);
}

}  // namespace
}  // namespace replex::config
