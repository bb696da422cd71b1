// GenesisFile: the YAML file every node of a chain shares (docs/configuration.md).
//
// It holds the exchange genesis (assets, markets, allocations, fee account,
// params, the optional settlement section; decimals written as strings and
// parsed exactly), the validators
// (name, consensus key, p2p node id), the genesis time and the consensus
// parameters every validator must agree on. Its hash is the chain's height-0
// block hash, so nodes with different genesis files never agree on a block.
// Plain value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replex/consensus/config.hpp"
#include "replex/consensus/replica.hpp"
#include "replex/consensus/validator_set.hpp"
#include "replex/exchange/genesis.hpp"
#include "replex/p2p/config.hpp"

namespace replex::config {

struct GenesisValidator {
  std::string name;
  PublicKey consensus_key;
  p2p::NodeId node_id;
  // The validator's Ethereum address in the settlement contract's set
  // (required when the genesis has settlement chains).
  std::optional<exchange::EthAddress> eth_address = std::nullopt;
  friend bool operator==(const GenesisValidator&, const GenesisValidator&) = default;
};

// The consensus::Config fields that are part of the chain, not of one node.
struct ChainConsensusParams {
  std::uint32_t max_block_txs = 1000;
  std::uint64_t max_block_bytes = 1u << 20;
  std::uint64_t checkpoint_interval = 100;
  std::uint32_t max_inflight_heights = 4;
  std::uint64_t max_clock_skew_ms = 2000;
  friend bool operator==(const ChainConsensusParams&, const ChainConsensusParams&) = default;
};

struct GenesisFile {
  exchange::Genesis exchange;  // chain_id lives here
  std::uint64_t genesis_time_ms = 0;
  std::vector<GenesisValidator> validators;
  ChainConsensusParams consensus;

  const std::string& chain_id() const { return exchange.chain_id; }
  // SHA-256 over a tag, exchange::genesis_hash, the time, the validators and
  // the consensus parameters (docs/configuration.md, "Genesis hash").
  Hash256 hash() const;
  consensus::ChainInfo chain_info() const;
  Result<consensus::ValidatorSet> validator_set() const;
  // The index of the validator with this consensus key / node id.
  std::optional<consensus::ValidatorIndex> index_of_key(const PublicKey& key) const;
  std::optional<consensus::ValidatorIndex> index_of_node(const p2p::NodeId& node_id) const;
  // The node-local fields of `local` with the chain's fields (and the
  // exchange's max_tx_bytes) over them.
  consensus::Config consensus_config(const consensus::Config& local) const;
  friend bool operator==(const GenesisFile&, const GenesisFile&) = default;
};

// Parses and validates (exchange::validate_genesis, the validator set, the
// consensus parameters); every error names the file, line and key path.
Result<GenesisFile> parse_genesis_file(std::string_view yaml, std::string_view source);
Result<GenesisFile> load_genesis_file(const std::string& path);

// The YAML text of `genesis` (amounts as exact decimal strings); parsing it
// gives back an equal GenesisFile.
std::string render_genesis_file(const GenesisFile& genesis);

}  // namespace replex::config
