#include <gtest/gtest.h>

#include <fstream>

#include "replex/config/node_config.hpp"
#include "replex/settlement/eth_address.hpp"

namespace replex::config {
namespace {

NodeConfig parse_ok(const std::string& yaml) {
  auto config = parse_node_config(yaml, "test.yaml");
  EXPECT_TRUE(config.is_ok()) << config.status().to_string();
  return config.is_ok() ? *config : NodeConfig{};
}

std::string node_config_error(const std::string& yaml) {
  auto config = parse_node_config(yaml, "test.yaml");
  EXPECT_FALSE(config.is_ok()) << "expected an error for:\n" << yaml;
  return config.is_ok() ? "" : config.status().message();
}

TEST(NodeConfig, EmptyFileGivesEveryDefault) {
  const NodeConfig c = parse_ok("");
  EXPECT_EQ(c.node.mode, NodeMode::kValidator);
  EXPECT_EQ(c.node.genesis_file, "genesis.yaml");
  EXPECT_EQ(c.p2p.listen, "0.0.0.0:26656");
  EXPECT_EQ(c.p2p.network.max_peers, 50u);
  EXPECT_EQ(c.consensus.local.view_timeout_ms, 1000u);
  EXPECT_EQ(c.consensus.worker_threads, 0u);
  EXPECT_EQ(c.storage.path, "data");
  EXPECT_EQ(c.storage.snapshot_keep, 3u);
  EXPECT_EQ(c.api.grpc_listen, "127.0.0.1:9090");
  EXPECT_EQ(c.api.submit_wait_timeout_ms, 30'000u);
  EXPECT_EQ(c.api.max_threads, 512u);
  EXPECT_FALSE(c.settlement.enabled);
  EXPECT_EQ(c.markets.book_depth_levels, 50u);
  EXPECT_EQ(c.logging.level, "info");
}

TEST(NodeConfig, ReadsEverySection) {
  const NodeConfig c = parse_ok(R"(
node:
  mode: observer
  moniker: obs1
  genesis_file: g.yaml
  node_key_file: k/node.hex
  validator_key_file: k/val.hex
p2p:
  listen: 127.0.0.1:0
  persistent_peers: []
  seeds: ["127.0.0.1:7000"]
  max_peers: 7
  ping_interval_ms: 500
  pong_timeout_ms: 3000
  request_timeout_ms: 1234
consensus:
  view_timeout_ms: 3000
  max_block_delay_ms: 10
  max_mempool_txs: 99
  worker_threads: 3
  max_pending_verifications: 77
storage:
  path: /var/lib/replex
  snapshot_keep: 5
  sync_policy: always
  background_cpu_priority: normal
  block_cache_bytes: 1048576
  max_open_files: -1
api:
  grpc_enabled: false
  grpc_listen: "[::1]:9999"
  max_message_bytes: 65536
  submit_wait_timeout_ms: 500
  max_pending_submissions: 10
  max_block_streams: 2
settlement:
  enabled: false
markets:
  book_depth_levels: 7
logging:
  level: debug
  pattern: "%v"
  file: node.log
)");
  EXPECT_EQ(c.node.mode, NodeMode::kObserver);
  EXPECT_EQ(c.node.moniker, "obs1");
  EXPECT_EQ(c.node.genesis_file, "g.yaml");
  EXPECT_EQ(c.node.node_key_file, "k/node.hex");
  EXPECT_EQ(c.node.validator_key_file, "k/val.hex");
  EXPECT_EQ(c.p2p.listen, "127.0.0.1:0");
  ASSERT_EQ(c.p2p.network.seeds.size(), 1u);
  EXPECT_EQ(c.p2p.network.max_peers, 7u);
  EXPECT_EQ(c.p2p.network.ping_interval_ms, 500u);
  EXPECT_EQ(c.p2p.request_timeout_ms, 1234u);
  EXPECT_EQ(c.consensus.local.view_timeout_ms, 3000u);
  EXPECT_EQ(c.consensus.local.max_block_delay_ms, 10u);
  EXPECT_EQ(c.consensus.local.max_mempool_txs, 99u);
  EXPECT_EQ(c.consensus.worker_threads, 3u);
  EXPECT_EQ(c.consensus.max_pending_verifications, 77u);
  EXPECT_EQ(c.storage.path, "/var/lib/replex");
  EXPECT_EQ(c.storage.snapshot_keep, 5u);
  EXPECT_EQ(c.storage.rocks.store.sync_policy, storage::SyncPolicy::kAlways);
  EXPECT_EQ(c.storage.rocks.background_cpu_priority, storage::BackgroundCpuPriority::kNormal);
  EXPECT_EQ(c.storage.rocks.block_cache_bytes, 1048576u);
  EXPECT_EQ(c.storage.rocks.max_open_files, -1);
  EXPECT_FALSE(c.api.grpc_enabled);
  EXPECT_EQ(c.api.grpc_listen, "[::1]:9999");
  EXPECT_EQ(c.api.max_message_bytes, 65536u);
  EXPECT_EQ(c.api.submit_wait_timeout_ms, 500u);
  EXPECT_EQ(c.api.max_pending_submissions, 10u);
  EXPECT_EQ(c.api.max_block_streams, 2u);
  EXPECT_EQ(c.markets.book_depth_levels, 7u);
  EXPECT_EQ(c.logging.level, "debug");
  EXPECT_EQ(c.logging.pattern, "%v");
  EXPECT_EQ(c.logging.file, "node.log");
}

TEST(NodeConfig, IdleBlockDelayIsOffByDefaultAndAtMostTheBlockDelay) {
  EXPECT_EQ(parse_ok("").consensus.local.idle_block_delay_ms, 0u);
  EXPECT_EQ(parse_ok("consensus:\n  max_block_delay_ms: 20\n  idle_block_delay_ms: 2\n").consensus.local.idle_block_delay_ms,
            2u);
  const std::string error = node_config_error("consensus:\n  max_block_delay_ms: 20\n  idle_block_delay_ms: 30\n");
  EXPECT_NE(error.find("consensus.idle_block_delay_ms: 30 is above max_block_delay_ms 20"), std::string::npos) << error;
}

TEST(NodeConfig, UnknownKeyNamesPathAndLine) {
  const std::string error = node_config_error("p2p:\n  max_peers: 5\n  max_peer: 6\n");
  EXPECT_NE(error.find("test.yaml:3: p2p.max_peer: unknown key"), std::string::npos) << error;
}

TEST(NodeConfig, UnknownSectionNamesLine) {
  const std::string error = node_config_error("node:\n  moniker: a\nsettlements:\n  enabled: false\n");
  EXPECT_NE(error.find("test.yaml:3: settlements: unknown key"), std::string::npos) << error;
}

TEST(NodeConfig, WrongTypeNamesKeyLineAndExpectedType) {
  std::string error = node_config_error("consensus:\n  view_timeout_ms: soon\n");
  EXPECT_NE(error.find("test.yaml:2: consensus.view_timeout_ms: expected an unsigned integer, got 'soon'"),
            std::string::npos)
      << error;
  error = node_config_error("p2p:\n  pex_enabled: maybe\n");
  EXPECT_NE(error.find("test.yaml:2: p2p.pex_enabled: expected true or false"), std::string::npos) << error;
  error = node_config_error("p2p:\n  seeds: 127.0.0.1:1\n");
  EXPECT_NE(error.find("test.yaml:2: p2p.seeds: expected a list of strings"), std::string::npos) << error;
  error = node_config_error("api: 5\n");
  EXPECT_NE(error.find("test.yaml:1: api: expected a mapping"), std::string::npos) << error;
  error = node_config_error("storage:\n  background_cpu_priority: idle\n");
  EXPECT_NE(error.find("test.yaml:2: storage.background_cpu_priority: expected one of low, normal, got 'idle'"),
            std::string::npos)
      << error;
  error = node_config_error("consensus:\n  view_timeout_ms: -5\n");
  EXPECT_NE(error.find("consensus.view_timeout_ms: expected an unsigned integer, got '-5'"), std::string::npos)
      << error;
}

TEST(NodeConfig, ReportsEveryErrorNotJustTheFirst) {
  const std::string error = node_config_error("node:\n  mode: leader\napi:\n  max_block_streams: 0\n  bogus: 1\n");
  EXPECT_NE(error.find("test.yaml:2: node.mode: expected one of validator, observer, got 'leader'"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("test.yaml:4: api.max_block_streams: 0 is outside 1.."), std::string::npos) << error;
  EXPECT_NE(error.find("test.yaml:5: api.bogus: unknown key"), std::string::npos) << error;
}

TEST(NodeConfig, LimitsAreValidated) {
  EXPECT_NE(node_config_error("consensus:\n  worker_threads: 100000\n").find("consensus.worker_threads"),
            std::string::npos);
  EXPECT_NE(node_config_error("storage:\n  snapshot_keep: 0\n").find("storage.snapshot_keep: 0 is outside 1..1000"),
            std::string::npos);
  EXPECT_NE(node_config_error("p2p:\n  max_frame_bytes: 10\n").find("p2p.max_frame_bytes"), std::string::npos);
  // Cross-field rules of the modules' own configs.
  const std::string error = node_config_error("p2p:\n  ping_interval_ms: 5000\n  pong_timeout_ms: 4000\n");
  EXPECT_NE(error.find("p2p: pong_timeout_ms"), std::string::npos) << error;
  EXPECT_NE(node_config_error("consensus:\n  view_timeout_ms: 5000\n  view_timeout_max_ms: 10\n").find("consensus:"),
            std::string::npos);
  EXPECT_NE(node_config_error("api:\n  max_threads: 64\n").find("api.max_threads: 64 must exceed"), std::string::npos);
}

TEST(NodeConfig, AddressesAreChecked) {
  EXPECT_NE(node_config_error("p2p:\n  listen: localhost:80\n").find("test.yaml:2: p2p.listen"), std::string::npos);
  EXPECT_NE(node_config_error("api:\n  grpc_listen: 127.0.0.1:70000\n").find("api.grpc_listen"), std::string::npos);
  const std::string error = node_config_error("p2p:\n  persistent_peers: [\"127.0.0.1:5\"]\n");
  EXPECT_NE(error.find("needs the peer's node id"), std::string::npos) << error;
}

TEST(NodeConfig, P2pSlotAndAllowlistKeys) {
  const std::string id = std::string(64, 'a');
  const NodeConfig c = parse_ok("p2p:\n  allowed_peers: [\"" + id +
                                "\"]\n  private_validator: true\n  persistent_peers: [\"" + id +
                                "@10.0.0.1:26656\"]\n  max_inbound_peers_per_ip: 3\n"
                                "  max_pending_handshakes_per_ip: 2\n  inbound_handshake_timeout_ms: 900\n"
                                "  max_known_addresses_per_source: 16\n");
  ASSERT_EQ(c.p2p.network.allowed_peers.size(), 1u);
  EXPECT_EQ(c.p2p.network.allowed_peers[0], id);
  EXPECT_TRUE(c.p2p.network.private_validator);
  EXPECT_EQ(c.p2p.network.max_inbound_peers_per_ip, 3u);
  EXPECT_EQ(c.p2p.network.max_pending_handshakes_per_ip, 2u);
  EXPECT_EQ(c.p2p.network.inbound_handshake_timeout_ms, 900u);
  EXPECT_EQ(c.p2p.network.max_known_addresses_per_source, 16u);
  std::string error = node_config_error("p2p:\n  allowed_peers: [\"nope\"]\n");
  EXPECT_NE(error.find("test.yaml:2: p2p.allowed_peers: [0] not a node id"), std::string::npos) << error;
  error = node_config_error("p2p:\n  private_validator: true\n");
  EXPECT_NE(error.find("p2p: private_validator: needs persistent_peers"), std::string::npos) << error;
  error = node_config_error("p2p:\n  max_pending_handshakes: 2\n  max_pending_handshakes_per_ip: 3\n");
  EXPECT_NE(error.find("max_pending_handshakes_per_ip: 3 exceeds"), std::string::npos) << error;
}

TEST(NodeConfig, SettlementEnabledNeedsAChain) {
  const std::string error = node_config_error("settlement:\n  enabled: true\n");
  EXPECT_NE(error.find("test.yaml:2: settlement.chains: settlement is enabled: at least one chain is required"),
            std::string::npos)
      << error;
  EXPECT_NE(node_config_error("settlement:\n  rpc_url: x\n").find("settlement.rpc_url: unknown key"), std::string::npos);
}

const std::string kSettlementSection = R"(settlement:
  enabled: true
  eth_key_file: keys/eth.hex
  interval_blocks: 5
  submit_timeout_ms: 2000
  chains:
    - chain_id: 31337
      rpc_url: http://127.0.0.1:8545
      contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3"
      confirmations: 2
      start_block: 7
      assets:
        ETH: {token: native, decimals: 18}
        USD: {token: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", decimals: 6}
)";

TEST(NodeConfig, SettlementSectionReadsChainsAndAssets) {
  const NodeConfig c = parse_ok(kSettlementSection);
  EXPECT_TRUE(c.settlement.enabled);
  EXPECT_EQ(c.settlement.eth_key_file, "keys/eth.hex");
  EXPECT_EQ(c.settlement.settler.interval_blocks, 5u);
  EXPECT_EQ(c.settlement.settler.submit_timeout_ms, 2000u);
  ASSERT_EQ(c.settlement.settler.chains.size(), 1u);
  const auto& chain = c.settlement.settler.chains[0];
  EXPECT_EQ(chain.chain_id, 31337u);
  EXPECT_EQ(chain.rpc_url, "http://127.0.0.1:8545");
  EXPECT_EQ(settlement::to_checksum_hex(chain.contract), "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  EXPECT_EQ(chain.confirmations, 2u);
  EXPECT_EQ(chain.start_block, 7u);
  ASSERT_EQ(chain.assets.size(), 2u);
  EXPECT_FALSE(chain.assets.at("ETH").token.has_value());
  EXPECT_EQ(chain.assets.at("USD").decimals, 6u);
  ASSERT_TRUE(chain.assets.at("USD").token.has_value());
}

TEST(NodeConfig, SettlementSectionNamesTheBadField) {
  auto with = [](const std::string& from, const std::string& to) {
    std::string yaml = kSettlementSection;
    yaml.replace(yaml.find(from), from.size(), to);
    return node_config_error(yaml);
  };
  std::string error = with("\"0x5FbDB2315678afecb367f032d93F642f64180aa3\"", "0x12");
  EXPECT_NE(error.find("test.yaml:9: settlement.chains[0].contract"), std::string::npos) << error;
  error = with("token: native", "token: ether");
  EXPECT_NE(error.find("settlement.chains[0].assets.ETH.token: 'ether': an ERC-20 address or native"),
            std::string::npos)
      << error;
  error = with("decimals: 6", "decimals: 99");
  EXPECT_NE(error.find("settlement.chains[0].assets.USD.decimals"), std::string::npos) << error;
  error = with("      rpc_url: http://127.0.0.1:8545\n", "");
  EXPECT_NE(error.find("settlement.chains[0].rpc_url: required key is missing"), std::string::npos) << error;
  error = with("interval_blocks: 5", "interval_blocks: 0");
  EXPECT_NE(error.find("settlement.interval_blocks"), std::string::npos) << error;
}

TEST(NodeConfig, DuplicateKeyIsAnError) {
  const std::string error = node_config_error("logging:\n  level: info\n  level: debug\n");
  EXPECT_NE(error.find("test.yaml:3: logging.level: duplicate key"), std::string::npos) << error;
}

TEST(NodeConfig, SyntaxErrorNamesLine) {
  const std::string error = node_config_error("node:\n  moniker: [unclosed\n");
  EXPECT_NE(error.find("test.yaml:"), std::string::npos) << error;
}

TEST(NodeConfig, ExampleConfigInTheRepositoryIsValid) {
  auto config = load_node_config(std::string(REPLEX_SOURCE_DIR) + "/config/validator.example.yaml");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
}

TEST(NodeConfig, RenamedKeysAreRefusedNamingTheNewName) {
  const std::string error = node_config_error("storage:\n  record_bytes_max: 4096\n  open_files_max: 100\n");
  EXPECT_NE(error.find("test.yaml:2: storage.record_bytes_max: renamed to 'max_record_bytes'"), std::string::npos)
      << error;
  EXPECT_NE(error.find("storage.open_files_max: renamed to 'max_open_files'"), std::string::npos) << error;
  EXPECT_EQ(parse_ok("storage:\n  max_record_bytes: 4096\n").storage.rocks.store.max_record_bytes, 4096u);
}

TEST(NodeConfig, ListenAddressParsing) {
  auto v4 = parse_listen_address("127.0.0.1:80");
  ASSERT_TRUE(v4.is_ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 80);
  auto v6 = parse_listen_address("[::1]:0");
  ASSERT_TRUE(v6.is_ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->to_string(), "[::1]:0");
  EXPECT_FALSE(parse_listen_address("127.0.0.1").is_ok());
  EXPECT_FALSE(parse_listen_address("example.com:1").is_ok());
  EXPECT_EQ(resolve_path("/home/n", "data"), "/home/n/data");
  EXPECT_EQ(resolve_path("/home/n", "/abs"), "/abs");
}

}  // namespace
}  // namespace replex::config
