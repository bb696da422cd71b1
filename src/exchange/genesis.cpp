#include "replex/exchange/genesis.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "replex/core/codec.hpp"
#include "replex/core/hash.hpp"
#include "replex/exchange/market_rules.hpp"

namespace replex::exchange {

namespace {

constexpr std::string_view kGenesisTag = "replex/genesis/v1";
// Optional trailing sections, each a u8 tag then its fields, in increasing tag
// order and only when present: a genesis without them encodes as before.
constexpr std::uint8_t kSettlementSectionTag = 1;
constexpr std::uint64_t kMinMaxTxBytes = 256;
constexpr std::uint64_t kMaxMaxTxBytes = 1u << 20;
constexpr std::uint64_t kMaxTxTtlBlocks = 1'000'000;
constexpr std::uint32_t kMaxOpenOrdersLimit = 1'000'000;

bool valid_symbol(std::string_view s, bool allow_dash) {
  if (s.empty() || s.size() > kMaxSymbolBytes) return false;
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (allow_dash && c == '-');
    if (!ok) return false;
  }
  return true;
}

bool valid_chain_id(std::string_view s) {
  if (s.empty() || s.size() > kMaxChainIdBytes) return false;
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Status bad(std::string field, std::string what) {
  return Status::invalid_argument(std::move(field) + ": " + std::move(what));
}

Status validate_params(const GenesisParams& p) {
  if (p.max_tx_bytes < kMinMaxTxBytes || p.max_tx_bytes > kMaxMaxTxBytes) {
    return bad("params.max_tx_bytes", std::to_string(p.max_tx_bytes) + " is outside " +
                                          std::to_string(kMinMaxTxBytes) + ".." +
                                          std::to_string(kMaxMaxTxBytes));
  }
  if (p.max_tx_ttl_blocks < 1 || p.max_tx_ttl_blocks > kMaxTxTtlBlocks) {
    return bad("params.max_tx_ttl_blocks", std::to_string(p.max_tx_ttl_blocks) + " is outside 1.." +
                                               std::to_string(kMaxTxTtlBlocks));
  }
  if (p.max_open_orders_per_account < 1 || p.max_open_orders_per_account > kMaxOpenOrdersLimit) {
    return bad("params.max_open_orders_per_account",
               std::to_string(p.max_open_orders_per_account) + " is outside 1.." +
                   std::to_string(kMaxOpenOrdersLimit));
  }
  if (p.max_client_order_id_bytes < 1 || p.max_client_order_id_bytes > kMaxClientOrderIdBytes) {
    return bad("params.max_client_order_id_bytes",
               std::to_string(p.max_client_order_id_bytes) + " is outside 1.." +
                   std::to_string(kMaxClientOrderIdBytes));
  }
  return Status::ok();
}

Status validate_market(const GenesisMarket& m, const std::map<std::string, std::uint32_t>& decimals_by_asset) {
  const std::string f = "markets[" + m.symbol + "]";
  const auto base = decimals_by_asset.find(m.base);
  if (base == decimals_by_asset.end()) return bad(f + ".base", "unknown asset '" + m.base + "'");
  const auto quote = decimals_by_asset.find(m.quote);
  if (quote == decimals_by_asset.end()) return bad(f + ".quote", "unknown asset '" + m.quote + "'");
  if (m.base == m.quote) return bad(f + ".quote", "equals the base asset");
  if (m.price_decimals > kMaxDecimals) {
    return bad(f + ".price_decimals", std::to_string(m.price_decimals) + " exceeds " + std::to_string(kMaxDecimals));
  }
  if (m.tick_size == 0) return bad(f + ".tick_size", "must be > 0");
  if (m.lot_size == 0) return bad(f + ".lot_size", "must be > 0");
  if (m.min_quantity == 0) return bad(f + ".min_quantity", "must be > 0");
  if (m.min_quantity % m.lot_size != 0) {
    return bad(f + ".min_quantity", std::to_string(m.min_quantity) + " is not a multiple of lot_size " +
                                        std::to_string(m.lot_size));
  }
  if (m.max_quantity < m.min_quantity) return bad(f + ".max_quantity", "is below min_quantity");
  if (m.max_quantity % m.lot_size != 0) {
    return bad(f + ".max_quantity", std::to_string(m.max_quantity) + " is not a multiple of lot_size " +
                                        std::to_string(m.lot_size));
  }
  if (m.maker_fee_bps > kMaxFeeBps) {
    return bad(f + ".maker_fee_bps", std::to_string(m.maker_fee_bps) + " exceeds " + std::to_string(kMaxFeeBps));
  }
  if (m.taker_fee_bps > kMaxFeeBps) {
    return bad(f + ".taker_fee_bps", std::to_string(m.taker_fee_bps) + " exceeds " + std::to_string(kMaxFeeBps));
  }
  auto per_tick_lot = MarketRules::compute_quote_per_tick_lot(m.tick_size, m.lot_size, base->second,
                                                              quote->second, m.price_decimals);
  if (!per_tick_lot) return per_tick_lot.status().with_context(f + ": ");
  return Status::ok();
}

Status validate_settlement(const GenesisSettlement& st, const std::map<std::string, std::uint32_t>& decimals_by_asset) {
  if (st.attesters.empty()) return bad("settlement.attesters", "at least one attester is required");
  if (st.attesters.size() > kMaxAttesters) {
    return bad("settlement.attesters", "more than " + std::to_string(kMaxAttesters));
  }
  std::set<AccountId> attesters;
  for (std::size_t i = 0; i < st.attesters.size(); ++i) {
    const std::string f = "settlement.attesters[" + std::to_string(i) + "]";
    if (st.attesters[i] == AccountId{}) return bad(f, "not set (all zero)");
    if (!attesters.insert(st.attesters[i]).second) return bad(f, "duplicate attester " + st.attesters[i].hex());
  }
  if (st.attestation_threshold < 1 || st.attestation_threshold > st.attesters.size()) {
    return bad("settlement.attestation_threshold", std::to_string(st.attestation_threshold) + " is outside 1.." +
                                                       std::to_string(st.attesters.size()) + " (the attester count)");
  }
  if (st.max_pending_attestations_per_attester < 1 ||
      st.max_pending_attestations_per_attester > kMaxPendingAttestationsLimit) {
    return bad("settlement.max_pending_attestations_per_attester",
               std::to_string(st.max_pending_attestations_per_attester) + " is outside 1.." +
                   std::to_string(kMaxPendingAttestationsLimit));
  }
  if (st.chains.size() > kMaxSettlementChains) {
    return bad("settlement.chains", "more than " + std::to_string(kMaxSettlementChains));
  }
  std::set<std::uint64_t> chain_ids;
  for (std::size_t i = 0; i < st.chains.size(); ++i) {
    const GenesisSettlementChain& c = st.chains[i];
    const std::string f = "settlement.chains[" + std::to_string(i) + "]";
    if (c.chain_id == 0) return bad(f + ".chain_id", "must be > 0");
    if (!chain_ids.insert(c.chain_id).second) return bad(f + ".chain_id", "duplicate chain " + std::to_string(c.chain_id));
    if (c.assets.empty()) return bad(f + ".assets", "at least one asset is required");
    std::set<std::string> assets;
    for (std::size_t j = 0; j < c.assets.size(); ++j) {
      const std::string fa = f + ".assets[" + std::to_string(j) + "]";
      if (!decimals_by_asset.contains(c.assets[j])) return bad(fa, "unknown asset '" + c.assets[j] + "'");
      if (!assets.insert(c.assets[j]).second) return bad(fa, "duplicate asset '" + c.assets[j] + "'");
    }
  }
  return Status::ok();
}

}  // namespace

Status validate_genesis(const Genesis& g) {
  if (!valid_chain_id(g.chain_id)) {
    return bad("chain_id", "must be 1.." + std::to_string(kMaxChainIdBytes) +
                               " characters of A-Z a-z 0-9 . _ -");
  }
  REPLEX_RETURN_IF_ERROR(validate_params(g.params));
  if (g.assets.empty()) return bad("assets", "at least one asset is required");
  if (g.assets.size() > kMaxAssets) return bad("assets", "more than " + std::to_string(kMaxAssets));
  std::map<std::string, std::uint32_t> decimals_by_asset;
  for (std::size_t i = 0; i < g.assets.size(); ++i) {
    const GenesisAsset& a = g.assets[i];
    const std::string f = "assets[" + std::to_string(i) + "]";
    if (!valid_symbol(a.symbol, false)) {
      return bad(f + ".symbol", "'" + a.symbol + "' must be 1.." + std::to_string(kMaxSymbolBytes) +
                                    " characters of A-Z 0-9");
    }
    if (a.decimals > kMaxDecimals) {
      return bad(f + ".decimals", std::to_string(a.decimals) + " exceeds " + std::to_string(kMaxDecimals));
    }
    if (!decimals_by_asset.emplace(a.symbol, a.decimals).second) {
      return bad(f + ".symbol", "duplicate asset '" + a.symbol + "'");
    }
  }
  if (g.markets.size() > kMaxMarkets) return bad("markets", "more than " + std::to_string(kMaxMarkets));
  std::set<std::string> market_symbols;
  for (std::size_t i = 0; i < g.markets.size(); ++i) {
    const GenesisMarket& m = g.markets[i];
    if (!valid_symbol(m.symbol, true)) {
      return bad("markets[" + std::to_string(i) + "].symbol",
                 "'" + m.symbol + "' must be 1.." + std::to_string(kMaxSymbolBytes) +
                     " characters of A-Z 0-9 -");
    }
    if (!market_symbols.insert(m.symbol).second) {
      return bad("markets[" + std::to_string(i) + "].symbol", "duplicate market '" + m.symbol + "'");
    }
    REPLEX_RETURN_IF_ERROR(validate_market(m, decimals_by_asset));
  }
  if (g.fee_account == AccountId{}) return bad("fee_account", "not set (all zero)");
  if (g.allocations.size() > kMaxAllocations) {
    return bad("allocations", "more than " + std::to_string(kMaxAllocations));
  }
  std::map<std::string, Uint128> supply;
  std::map<std::pair<AccountId, std::string>, std::size_t> seen;
  for (std::size_t i = 0; i < g.allocations.size(); ++i) {
    const GenesisAllocation& a = g.allocations[i];
    const std::string f = "allocations[" + std::to_string(i) + "]";
    if (!decimals_by_asset.contains(a.asset)) return bad(f + ".asset", "unknown asset '" + a.asset + "'");
    if (a.amount == 0) return bad(f + ".amount", "must be > 0");
    const auto [it, fresh] = seen.emplace(std::make_pair(a.account, a.asset), i);
    if (!fresh) {
      return bad(f, "duplicate (account, asset) of allocations[" + std::to_string(it->second) + "]");
    }
    auto& total = supply[a.asset];
    total += a.amount;
    if (total > UINT64_MAX) {
      return bad(f + ".amount", "total supply of " + a.asset + " exceeds 2^64 - 1 units");
    }
  }
  if (g.settlement) REPLEX_RETURN_IF_ERROR(validate_settlement(*g.settlement, decimals_by_asset));
  return Status::ok();
}

Genesis canonical_genesis(Genesis g) {
  std::sort(g.assets.begin(), g.assets.end(),
            [](const GenesisAsset& a, const GenesisAsset& b) { return a.symbol < b.symbol; });
  std::sort(g.markets.begin(), g.markets.end(),
            [](const GenesisMarket& a, const GenesisMarket& b) { return a.symbol < b.symbol; });
  std::sort(g.allocations.begin(), g.allocations.end(),
            [](const GenesisAllocation& a, const GenesisAllocation& b) {
              return std::tie(a.account, a.asset) < std::tie(b.account, b.asset);
            });
  if (g.settlement) {
    GenesisSettlement& st = *g.settlement;
    std::sort(st.attesters.begin(), st.attesters.end());
    std::sort(st.chains.begin(), st.chains.end(),
              [](const GenesisSettlementChain& a, const GenesisSettlementChain& b) { return a.chain_id < b.chain_id; });
    for (auto& c : st.chains) std::sort(c.assets.begin(), c.assets.end());
  }
  return g;
}

Bytes encode_genesis(const Genesis& input) {
  const Genesis g = canonical_genesis(input);
  ByteWriter w(256 + g.allocations.size() * 64);
  w.str(kGenesisTag);
  w.str(g.chain_id);
  w.u64(g.params.max_tx_bytes);
  w.u64(g.params.max_tx_ttl_blocks);
  w.u32(g.params.max_open_orders_per_account);
  w.u32(g.params.max_client_order_id_bytes);
  w.raw(g.fee_account.view());
  w.u32(static_cast<std::uint32_t>(g.assets.size()));
  for (const auto& a : g.assets) {
    w.str(a.symbol);
    w.u32(a.decimals);
  }
  w.u32(static_cast<std::uint32_t>(g.markets.size()));
  for (const auto& m : g.markets) {
    w.str(m.symbol);
    w.str(m.base);
    w.str(m.quote);
    w.u32(m.price_decimals);
    w.u64(m.tick_size);
    w.u64(m.lot_size);
    w.u64(m.min_quantity);
    w.u64(m.max_quantity);
    w.u32(m.maker_fee_bps);
    w.u32(m.taker_fee_bps);
  }
  w.u32(static_cast<std::uint32_t>(g.allocations.size()));
  for (const auto& a : g.allocations) {
    w.raw(a.account.view());
    w.str(a.asset);
    w.u64(a.amount);
  }
  if (g.settlement) {
    const GenesisSettlement& st = *g.settlement;
    w.u8(kSettlementSectionTag);
    w.u32(st.attestation_threshold);
    w.u32(st.max_pending_attestations_per_attester);
    w.u32(static_cast<std::uint32_t>(st.attesters.size()));
    for (const auto& a : st.attesters) w.raw(a.view());
    w.u32(static_cast<std::uint32_t>(st.chains.size()));
    for (const auto& c : st.chains) {
      w.u64(c.chain_id);
      w.u32(static_cast<std::uint32_t>(c.assets.size()));
      for (const auto& symbol : c.assets) w.str(symbol);
    }
  }
  return w.take();
}

Result<Genesis> decode_genesis(ByteView bytes) {
  ByteReader r(bytes, 1024);
  if (r.str("genesis.tag") != kGenesisTag) {
    return Status::corruption("genesis: not a '" + std::string(kGenesisTag) + "' encoding");
  }
  Genesis g;
  g.chain_id = r.str("genesis.chain_id");
  g.params.max_tx_bytes = r.u64("genesis.params.max_tx_bytes");
  g.params.max_tx_ttl_blocks = r.u64("genesis.params.max_tx_ttl_blocks");
  g.params.max_open_orders_per_account = r.u32("genesis.params.max_open_orders_per_account");
  g.params.max_client_order_id_bytes = r.u32("genesis.params.max_client_order_id_bytes");
  const ByteView fee = r.raw(PublicKey::kSize, "genesis.fee_account");
  if (r.ok()) std::copy(fee.begin(), fee.end(), g.fee_account.bytes.begin());
  const std::uint32_t assets = r.u32("genesis.assets.count");
  for (std::uint32_t i = 0; i < assets && r.ok(); ++i) {
    if (i >= kMaxAssets) r.fail("genesis.assets.count", "exceeds limit");
    GenesisAsset a;
    a.symbol = r.str("genesis.assets.symbol");
    a.decimals = r.u32("genesis.assets.decimals");
    g.assets.push_back(std::move(a));
  }
  const std::uint32_t markets = r.u32("genesis.markets.count");
  for (std::uint32_t i = 0; i < markets && r.ok(); ++i) {
    if (i >= kMaxMarkets) r.fail("genesis.markets.count", "exceeds limit");
    GenesisMarket m;
    m.symbol = r.str("genesis.markets.symbol");
    m.base = r.str("genesis.markets.base");
    m.quote = r.str("genesis.markets.quote");
    m.price_decimals = r.u32("genesis.markets.price_decimals");
    m.tick_size = r.u64("genesis.markets.tick_size");
    m.lot_size = r.u64("genesis.markets.lot_size");
    m.min_quantity = r.u64("genesis.markets.min_quantity");
    m.max_quantity = r.u64("genesis.markets.max_quantity");
    m.maker_fee_bps = r.u32("genesis.markets.maker_fee_bps");
    m.taker_fee_bps = r.u32("genesis.markets.taker_fee_bps");
    g.markets.push_back(std::move(m));
  }
  const std::uint32_t allocations = r.u32("genesis.allocations.count");
  for (std::uint32_t i = 0; i < allocations && r.ok(); ++i) {
    if (i >= kMaxAllocations) r.fail("genesis.allocations.count", "exceeds limit");
    GenesisAllocation a;
    const ByteView key = r.raw(PublicKey::kSize, "genesis.allocations.account");
    if (r.ok()) std::copy(key.begin(), key.end(), a.account.bytes.begin());
    a.asset = r.str("genesis.allocations.asset");
    a.amount = r.u64("genesis.allocations.amount");
    g.allocations.push_back(std::move(a));
  }
  // Optional trailing sections (only one is defined).
  if (r.ok() && r.remaining() > 0) {
    const std::uint8_t tag = r.u8("genesis.section.tag");
    if (r.ok() && tag != kSettlementSectionTag) r.fail("genesis.section.tag", "unknown section " + std::to_string(tag));
    GenesisSettlement st;
    st.attestation_threshold = r.u32("genesis.settlement.attestation_threshold");
    st.max_pending_attestations_per_attester = r.u32("genesis.settlement.max_pending_attestations_per_attester");
    const std::uint32_t attesters = r.u32("genesis.settlement.attesters.count");
    for (std::uint32_t i = 0; i < attesters && r.ok(); ++i) {
      if (i >= kMaxAttesters) r.fail("genesis.settlement.attesters.count", "exceeds limit");
      AccountId key;
      const ByteView v = r.raw(PublicKey::kSize, "genesis.settlement.attester");
      if (r.ok()) std::copy(v.begin(), v.end(), key.bytes.begin());
      st.attesters.push_back(key);
    }
    const std::uint32_t chains = r.u32("genesis.settlement.chains.count");
    for (std::uint32_t i = 0; i < chains && r.ok(); ++i) {
      if (i >= kMaxSettlementChains) r.fail("genesis.settlement.chains.count", "exceeds limit");
      GenesisSettlementChain c;
      c.chain_id = r.u64("genesis.settlement.chain.chain_id");
      const std::uint32_t listed = r.u32("genesis.settlement.chain.assets.count");
      for (std::uint32_t j = 0; j < listed && r.ok(); ++j) {
        if (j >= kMaxAssets) r.fail("genesis.settlement.chain.assets.count", "exceeds limit");
        c.assets.push_back(r.str("genesis.settlement.chain.asset"));
      }
      st.chains.push_back(std::move(c));
    }
    g.settlement = std::move(st);
  }
  REPLEX_RETURN_IF_ERROR(r.finish());
  REPLEX_RETURN_IF_ERROR(validate_genesis(g));
  if (!(canonical_genesis(g) == g)) {
    return Status::corruption("genesis: lists are not in canonical (sorted) order");
  }
  return g;
}

Hash256 genesis_hash(const Genesis& genesis) { return sha256(encode_genesis(genesis)); }

}  // namespace replex::exchange
