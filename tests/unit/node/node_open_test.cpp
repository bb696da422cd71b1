// The checks a node makes before it binds anything: frames large enough for
// the chain, a data directory of this chain, keys that match the genesis.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "node_harness.hpp"
#include "replex/config/genesis_file.hpp"

namespace replex::node {
namespace {

using testing::NodeHarness;

TEST(NodeOpen, RefusesFramesTooSmallForTheChainsMessages) {
  spdlog::set_level(spdlog::level::off);
  NodeHarness harness([](config::NodeConfig& c) {
    c.p2p.network.max_frame_bytes = 1u << 20;  // the genesis allows 1 MiB blocks
  });
  const Status s = harness.start();
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("p2p.max_frame_bytes"), std::string::npos) << s.to_string();
}

TEST(NodeOpen, RefusesADataDirectoryOfAnotherChain) {
  spdlog::set_level(spdlog::level::off);
  NodeHarness harness;
  ASSERT_TRUE(harness.start().is_ok());
  harness.stop();
  // Same keys, another genesis time: another chain.
  const std::string path = harness.home() + "/genesis.yaml";
  config::GenesisFile genesis = config::load_genesis_file(path).value();
  genesis.genesis_time_ms += 1;
  std::filesystem::remove(path);
  std::ofstream(path) << config::render_genesis_file(genesis);
  const Status s = harness.start();
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("holds another chain"), std::string::npos) << s.to_string();
}

TEST(NodeOpen, RefusesAValidatorKeyTheGenesisDoesNotList) {
  spdlog::set_level(spdlog::level::off);
  NodeHarness harness;
  const std::string key = harness.home() + "/keys/validator_key.hex";
  std::filesystem::remove(key);
  ASSERT_TRUE(config::write_key_file(key, KeyPair::from_label("stranger"), "validator key").is_ok());
  const Status s = harness.start();
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("is not a validator of the genesis"), std::string::npos) << s.to_string();
}

TEST(NodeOpen, ObserverModeNeedsNoValidatorKey) {
  spdlog::set_level(spdlog::level::off);
  NodeHarness harness([](config::NodeConfig& c) { c.node.mode = config::NodeMode::kObserver; });
  std::filesystem::remove(harness.home() + "/keys/validator_key.hex");
  ASSERT_TRUE(harness.start().is_ok());
  grpc::ClientContext context;
  v1::GetStatusResponse status;
  ASSERT_TRUE(harness.stub().GetStatus(&context, v1::GetStatusRequest{}, &status).ok());
  EXPECT_EQ(status.mode(), v1::NODE_MODE_OBSERVER);
  EXPECT_FALSE(status.has_validator_index());
}

}  // namespace
}  // namespace replex::node
