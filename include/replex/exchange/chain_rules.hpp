// ChainRules: the immutable, validated view of a genesis that everything
// else reads: asset and market indices, each market's arithmetic, limits.
// Built once; shared read-only (thread-safe) by verify_tx and the state machine.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replex/exchange/genesis.hpp"
#include "replex/exchange/market_rules.hpp"

namespace replex::exchange {

class ChainRules {
 public:
  // Validates and canonicalises the genesis (see validate_genesis).
  static Result<std::shared_ptr<const ChainRules>> create(Genesis genesis);

  const Genesis& genesis() const { return genesis_; }  // canonical order
  const Bytes& genesis_bytes() const { return genesis_bytes_; }
  const Hash256& genesis_hash() const { return genesis_hash_; }
  const std::string& chain_id() const { return genesis_.chain_id; }
  const GenesisParams& params() const { return genesis_.params; }

  std::size_t asset_count() const { return genesis_.assets.size(); }
  std::size_t market_count() const { return markets_.size(); }
  const GenesisAsset& asset(AssetIndex i) const { return genesis_.assets[i]; }
  const GenesisMarket& market_spec(MarketIndex i) const { return genesis_.markets[i]; }
  const MarketRules& market(MarketIndex i) const { return markets_[i]; }

  std::optional<AssetIndex> find_asset(std::string_view symbol) const;
  std::optional<MarketIndex> find_market(std::string_view symbol) const;

 private:
  ChainRules() = default;

  Genesis genesis_;
  Bytes genesis_bytes_;
  Hash256 genesis_hash_;
  std::vector<MarketRules> markets_;
  std::map<std::string, AssetIndex, std::less<>> asset_by_symbol_;
  std::map<std::string, MarketIndex, std::less<>> market_by_symbol_;
};

}  // namespace replex::exchange
