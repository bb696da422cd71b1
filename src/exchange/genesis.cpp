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
  REPLEX_RETURN_IF_ERROR(r.finish());
  REPLEX_RETURN_IF_ERROR(validate_genesis(g));
  if (!(canonical_genesis(g) == g)) {
    return Status::corruption("genesis: lists are not in canonical (sorted) order");
  }
  return g;
}

Hash256 genesis_hash(const Genesis& genesis) { return sha256(encode_genesis(genesis)); }

}  // namespace replex::exchange
