// ChainRules: the immutable, validated view of a genesis that everything
// else reads: asset and market indices, each market's arithmetic, limits,
// and the settlement section (attesters, threshold, chains and their assets).
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
  // The sum of the genesis allocations of `asset`.
  std::uint64_t genesis_supply(AssetIndex asset) const { return genesis_supply_[asset]; }

  // Settlement (all false / zero / empty without a settlement section).
  const std::optional<GenesisSettlement>& settlement() const { return genesis_.settlement; }
  bool is_attester(const AccountId& key) const;
  std::uint32_t attestation_threshold() const;
  std::uint32_t max_pending_attestations_per_attester() const;
  bool has_chain(std::uint64_t chain_id) const { return chain_assets_.contains(chain_id); }
  // Whether `asset` is bridged on `chain_id` (false for a chain not configured).
  bool chain_lists_asset(std::uint64_t chain_id, AssetIndex asset) const;
  // Whether some configured chain bridges `asset`.
  bool asset_is_bridged(AssetIndex asset) const { return bridged_[asset]; }
  // Where a withdrawal with chain_id 0 goes: the first chain by id, or 0
  // (no chain) when none is configured.
  std::uint64_t default_withdrawal_chain() const;

 private:
  ChainRules() = default;

  Genesis genesis_;
  Bytes genesis_bytes_;
  Hash256 genesis_hash_;
  std::vector<MarketRules> markets_;
  std::map<std::string, AssetIndex, std::less<>> asset_by_symbol_;
  std::map<std::string, MarketIndex, std::less<>> market_by_symbol_;
  std::vector<std::uint64_t> genesis_supply_;  // per asset
  std::map<std::uint64_t, std::vector<bool>> chain_assets_;  // chain id -> listed, per asset index
  std::vector<bool> bridged_;                                // per asset: listed on some chain
};

}  // namespace replex::exchange
