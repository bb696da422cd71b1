// Testnet generation (`replex testnet`): keys, one genesis with markets and
// funded demo trader accounts, and one home directory per node with a
// config on loopback ports. Layout: docs/node.md, "replex testnet".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replex/config/node_config.hpp"
#include "replex/config/genesis_file.hpp"

namespace replex::config {

struct TestnetOptions {
  std::uint32_t validators = 4;
  std::uint32_t observers = 0;
  std::string out_dir;
  std::string chain_id = "replex-testnet";
  std::string host = "127.0.0.1";
  // Node i listens on p2p base_port + 2i and gRPC base_port + 2i + 1, and
  // REST on base_port + 2n + i (n nodes); with 0, free loopback ports are
  // found by binding port 0, except that node0's REST takes rest_port when
  // it is free (the port the README's examples use).
  std::uint16_t base_port = 0;
  std::uint16_t rest_port = 0;  // `replex testnet` asks for 8080
  // Funded demo trader accounts (keys written under accounts/). Every node is
  // custodial for them: each gets an API key (accounts/api_keys.yaml lists
  // them in clear; the nodes store their hashes).
  std::uint32_t accounts = 4;
  // Header time lower bound of the first block; 0 means now.
  std::uint64_t genesis_time_ms = 0;
  // Settlement on Ethereum: a YAML file with the keys of the config's
  // `settlement:` section (chains with rpc_url, contract and assets;
  // interval_blocks, ...). Empty: none. With it, every validator gets an
  // Ethereum key (keys/eth_key.hex) whose address the genesis lists, the
  // genesis gets the attesters (the validators' keys, threshold 2f+1) and
  // the chains, and every config enables settlement with these chains.
  std::string settlement_file;
  std::string log_level = "info";
};

struct TestnetNode {
  std::string name;  // "node0"
  std::string home;  // out_dir/node0
  NodeMode mode = NodeMode::kValidator;
  std::uint16_t p2p_port = 0;
  std::uint16_t grpc_port = 0;
  std::uint16_t rest_port = 0;
  p2p::NodeId node_id;
};

struct TestnetLayout {
  GenesisFile genesis;
  std::vector<TestnetNode> nodes;
  std::vector<std::string> account_key_files;  // trader0.hex, ...; funded in the genesis
  std::vector<std::string> api_keys;           // one per trader, same order
};

// Limits of one generated testnet.
inline constexpr std::uint32_t kMaxTestnetNodes = 128;
inline constexpr std::uint32_t kMaxTestnetAccounts = 10'000;

// Creates out_dir (which must not exist or be empty) and everything in it.
Result<TestnetLayout> generate_testnet(const TestnetOptions& options);

// Config text for one node, as `replex testnet` and `replex init` write it.
struct NodeConfigTemplate {
  NodeMode mode = NodeMode::kValidator;
  std::string moniker;
  std::string p2p_listen;
  std::string grpc_listen;
  std::string rest_listen;
  bool custodial = false;
  std::optional<SettlementSection> settlement;
  std::vector<std::string> persistent_peers;
  std::vector<std::string> seeds;
  std::string log_level = "info";
};
std::string render_node_config(const NodeConfigTemplate& t);

// `count` distinct free TCP ports on `host`, found by binding port 0.
Result<std::vector<std::uint16_t>> find_free_ports(const std::string& host, std::size_t count);

}  // namespace replex::config
