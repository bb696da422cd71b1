#include "replex/exchange/chain_rules.hpp"

#include <algorithm>

#include "replex/core/hash.hpp"

namespace replex::exchange {

Result<std::shared_ptr<const ChainRules>> ChainRules::create(Genesis genesis) {
  REPLEX_RETURN_IF_ERROR(validate_genesis(genesis));
  std::shared_ptr<ChainRules> rules(new ChainRules());
  rules->genesis_ = canonical_genesis(std::move(genesis));
  rules->genesis_bytes_ = encode_genesis(rules->genesis_);
  rules->genesis_hash_ = sha256(rules->genesis_bytes_);
  const Genesis& g = rules->genesis_;
  for (AssetIndex i = 0; i < g.assets.size(); ++i) rules->asset_by_symbol_.emplace(g.assets[i].symbol, i);
  for (MarketIndex i = 0; i < g.markets.size(); ++i) {
    const GenesisMarket& m = g.markets[i];
    rules->market_by_symbol_.emplace(m.symbol, i);
    MarketRules r;
    r.index = i;
    r.base = *rules->find_asset(m.base);
    r.quote = *rules->find_asset(m.quote);
    r.tick_size = m.tick_size;
    r.lot_size = m.lot_size;
    r.quote_per_tick_lot = MarketRules::compute_quote_per_tick_lot(
                               m.tick_size, m.lot_size, g.assets[r.base].decimals,
                               g.assets[r.quote].decimals, m.price_decimals)
                               .value();  // validated above
    r.min_lots = m.min_quantity / m.lot_size;
    r.max_lots = m.max_quantity / m.lot_size;
    r.maker_fee_bps = m.maker_fee_bps;
    r.taker_fee_bps = m.taker_fee_bps;
    rules->markets_.push_back(r);
  }
  rules->genesis_supply_.assign(g.assets.size(), 0);
  for (const GenesisAllocation& a : g.allocations) {
    rules->genesis_supply_[*rules->find_asset(a.asset)] += a.amount;  // validated to fit
  }
  rules->bridged_.assign(g.assets.size(), false);
  if (g.settlement) {
    for (const GenesisSettlementChain& c : g.settlement->chains) {
      std::vector<bool>& listed = rules->chain_assets_[c.chain_id];
      listed.assign(g.assets.size(), false);
      for (const std::string& symbol : c.assets) {
        const AssetIndex asset = *rules->find_asset(symbol);
        listed[asset] = true;
        rules->bridged_[asset] = true;
      }
    }
  }
  return std::shared_ptr<const ChainRules>(std::move(rules));
}

bool ChainRules::is_attester(const AccountId& key) const {
  if (!genesis_.settlement) return false;
  const auto& attesters = genesis_.settlement->attesters;  // sorted (canonical)
  return std::binary_search(attesters.begin(), attesters.end(), key);
}

std::uint32_t ChainRules::attestation_threshold() const {
  return genesis_.settlement ? genesis_.settlement->attestation_threshold : 0;
}

std::uint32_t ChainRules::max_pending_attestations_per_attester() const {
  return genesis_.settlement ? genesis_.settlement->max_pending_attestations_per_attester : 0;
}

bool ChainRules::chain_lists_asset(std::uint64_t chain_id, AssetIndex asset) const {
  const auto it = chain_assets_.find(chain_id);
  return it != chain_assets_.end() && asset < it->second.size() && it->second[asset];
}

std::uint64_t ChainRules::default_withdrawal_chain() const {
  return chain_assets_.empty() ? 0 : chain_assets_.begin()->first;
}

std::optional<AssetIndex> ChainRules::find_asset(std::string_view symbol) const {
  const auto it = asset_by_symbol_.find(symbol);
  if (it == asset_by_symbol_.end()) return std::nullopt;
  return it->second;
}

std::optional<MarketIndex> ChainRules::find_market(std::string_view symbol) const {
  const auto it = market_by_symbol_.find(symbol);
  if (it == market_by_symbol_.end()) return std::nullopt;
  return it->second;
}

}  // namespace replex::exchange
