#include "replex/config/genesis_file.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "replex/config/files.hpp"
#include "replex/core/codec.hpp"
#include "replex/core/decimal.hpp"
#include "replex/core/hash.hpp"
#include "replex/exchange/market_rules.hpp"
#include "replex/settlement/eth_address.hpp"
#include "yaml_reader.hpp"

namespace replex::config {
namespace {

constexpr std::string_view kChainGenesisTag = "replex/chain-genesis/v1";
constexpr std::size_t kMaxValidatorNameBytes = 64;

// A decimal string (or plain YAML number) at `scale`, parsed exactly.
void read_decimal(YamlMap& m, std::string_view key, unsigned scale, std::uint64_t& out) {
  std::string text;
  m.string(key, text, false);
  if (text.empty()) return;
  auto units = parse_decimal_unsigned(text, scale);
  if (!units) {
    m.error(key, "'" + text + "': " + units.status().message() + " (at most " + std::to_string(scale) +
                     " decimal places)");
    return;
  }
  out = *units;
}

template <typename T>
void read_hex_key(YamlMap& m, std::string_view key, T& out) {
  std::string text;
  m.string(key, text, false);
  if (text.empty()) return;
  auto parsed = PublicKey::from_hex(text);
  if (!parsed) {
    m.error(key, "expected 64 hex digits (an Ed25519 public key): " + parsed.status().message());
    return;
  }
  out = *parsed;
}

void read_consensus(YamlMap& m, ChainConsensusParams& p) {
  m.u32("max_block_txs", p.max_block_txs, 1, 1'000'000);
  m.u64("max_block_bytes", p.max_block_bytes, 1024, 1u << 30);
  m.u64("checkpoint_interval", p.checkpoint_interval, 1, 1'000'000);
  m.u32("max_inflight_heights", p.max_inflight_heights, 1, 1024);
  m.u64("max_clock_skew_ms", p.max_clock_skew_ms, 1, 3'600'000);
}

void read_params(YamlMap& m, exchange::GenesisParams& p) {
  m.u64("max_tx_bytes", p.max_tx_bytes);
  m.u64("max_tx_ttl_blocks", p.max_tx_ttl_blocks);
  m.renamed("tx_ttl_blocks_max", "max_tx_ttl_blocks");
  m.u32("max_open_orders_per_account", p.max_open_orders_per_account);
  m.u32("max_client_order_id_bytes", p.max_client_order_id_bytes);
}

void read_validators(const YAML::Node& list, YamlErrors& errors, GenesisFile& g) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = "validators[" + std::to_string(i) + "]";
    auto m = YamlMap::as_map(list[i], path, errors);
    if (!m) continue;
    GenesisValidator v;
    m->require("name");
    m->require("consensus_key");
    m->require("node_id");
    m->string("name", v.name, false);
    if (v.name.size() > kMaxValidatorNameBytes) {
      m->error("name", "longer than " + std::to_string(kMaxValidatorNameBytes) + " bytes");
    }
    read_hex_key(*m, "consensus_key", v.consensus_key);
    read_hex_key(*m, "node_id", v.node_id);
    std::string eth_address;
    m->string("eth_address", eth_address, false);
    if (!eth_address.empty()) {
      if (auto parsed = settlement::parse_eth_address(eth_address)) {
        v.eth_address = *parsed;
      } else {
        m->error("eth_address", parsed.status().message());
      }
    }
    for (std::size_t j = 0; j < g.validators.size(); ++j) {
      const auto& other = g.validators[j];
      const std::string of = " as validators[" + std::to_string(j) + "]";
      if (!v.name.empty() && other.name == v.name) m->error("name", "the same" + of);
      if (v.consensus_key != PublicKey{} && other.consensus_key == v.consensus_key) {
        m->error("consensus_key", "the same" + of);
      }
      if (v.node_id != PublicKey{} && other.node_id == v.node_id) m->error("node_id", "the same" + of);
    }
    m->finish();
    g.validators.push_back(std::move(v));
  }
}

void read_assets(const YAML::Node& list, YamlErrors& errors, exchange::Genesis& g,
                 std::map<std::string, std::uint32_t>& decimals) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto m = YamlMap::as_map(list[i], "assets[" + std::to_string(i) + "]", errors);
    if (!m) continue;
    exchange::GenesisAsset a;
    m->require("symbol");
    m->require("decimals");
    m->string("symbol", a.symbol, false);
    m->u32("decimals", a.decimals, 0, exchange::kMaxDecimals);
    if (!a.symbol.empty() && !decimals.emplace(a.symbol, a.decimals).second) {
      m->error("symbol", "duplicate asset '" + a.symbol + "'");
    }
    m->finish();
    g.assets.push_back(std::move(a));
  }
}

void read_markets(const YAML::Node& list, YamlErrors& errors, exchange::Genesis& g,
                  const std::map<std::string, std::uint32_t>& decimals) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto m = YamlMap::as_map(list[i], "markets[" + std::to_string(i) + "]", errors);
    if (!m) continue;
    exchange::GenesisMarket k;
    for (const char* key : {"symbol", "base", "quote", "price_decimals", "tick_size", "lot_size",
                            "min_quantity", "max_quantity"}) {
      m->require(key);
    }
    m->string("symbol", k.symbol, false);
    m->string("base", k.base, false);
    m->string("quote", k.quote, false);
    m->u32("price_decimals", k.price_decimals, 0, exchange::kMaxDecimals);
    m->u32("maker_fee_bps", k.maker_fee_bps, 0, exchange::kMaxFeeBps);
    m->u32("taker_fee_bps", k.taker_fee_bps, 0, exchange::kMaxFeeBps);
    read_decimal(*m, "tick_size", k.price_decimals, k.tick_size);
    const auto base = decimals.find(k.base);
    const auto quote = decimals.find(k.quote);
    if (!k.base.empty() && base == decimals.end()) m->error("base", "unknown asset '" + k.base + "'");
    if (!k.quote.empty() && quote == decimals.end()) m->error("quote", "unknown asset '" + k.quote + "'");
    if (base != decimals.end()) {
      read_decimal(*m, "lot_size", base->second, k.lot_size);
      read_decimal(*m, "min_quantity", base->second, k.min_quantity);
      read_decimal(*m, "max_quantity", base->second, k.max_quantity);
    } else {
      for (const char* key : {"lot_size", "min_quantity", "max_quantity"}) m->has(key);
    }
    if (m->has("tick_size") && k.tick_size == 0) m->error("tick_size", "must be > 0");
    if (m->has("lot_size") && base != decimals.end() && k.lot_size == 0) m->error("lot_size", "must be > 0");
    if (k.lot_size != 0) {
      if (k.min_quantity % k.lot_size != 0) m->error("min_quantity", "is not a multiple of lot_size");
      if (k.max_quantity % k.lot_size != 0) m->error("max_quantity", "is not a multiple of lot_size");
    }
    if (base != decimals.end() && quote != decimals.end() && k.tick_size != 0 && k.lot_size != 0) {
      auto per_tick_lot = exchange::MarketRules::compute_quote_per_tick_lot(
          k.tick_size, k.lot_size, base->second, quote->second, k.price_decimals);
      if (!per_tick_lot) m->error("lot_size", per_tick_lot.status().message());
    }
    m->finish();
    g.markets.push_back(std::move(k));
  }
}

void read_allocations(const YAML::Node& list, YamlErrors& errors, exchange::Genesis& g,
                      const std::map<std::string, std::uint32_t>& decimals) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto m = YamlMap::as_map(list[i], "allocations[" + std::to_string(i) + "]", errors);
    if (!m) continue;
    exchange::GenesisAllocation a;
    m->require("account");
    m->require("asset");
    m->require("amount");
    read_hex_key(*m, "account", a.account);
    m->string("asset", a.asset, false);
    const auto asset = decimals.find(a.asset);
    if (asset != decimals.end()) {
      read_decimal(*m, "amount", asset->second, a.amount);
    } else {
      if (!a.asset.empty()) m->error("asset", "unknown asset '" + a.asset + "'");
      m->has("amount");
    }
    m->finish();
    g.allocations.push_back(std::move(a));
  }
}

// settlement: {attesters: [hex...], attestation_threshold: N,
//              max_pending_attestations_per_attester: N, chains: [{chain_id, assets}]}
void read_settlement(YamlMap& m, exchange::GenesisSettlement& st) {
  m.require("attesters");
  m.require("attestation_threshold");
  if (auto list = m.sequence("attesters")) {
    const std::string path = m.child_path("attesters");
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string item_path = path + "[" + std::to_string(i) + "]";
      const YAML::Node item = (*list)[i];
      auto text = sequence_scalar(item, item_path, "64 hex digits (an Ed25519 public key)", m.errors());
      if (!text) continue;
      auto key = PublicKey::from_hex(*text);
      if (!key) {
        m.errors().add(item.Mark(), item_path,
                       "expected 64 hex digits (an Ed25519 public key): " + key.status().message());
        continue;
      }
      st.attesters.push_back(*key);
    }
  }
  m.u32("attestation_threshold", st.attestation_threshold, 1, static_cast<std::uint32_t>(exchange::kMaxAttesters));
  m.u32("max_pending_attestations_per_attester", st.max_pending_attestations_per_attester, 1,
        exchange::kMaxPendingAttestationsLimit);
  if (auto list = m.sequence("chains")) {
    const std::string path = m.child_path("chains");
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto c = YamlMap::as_map((*list)[i], path + "[" + std::to_string(i) + "]", m.errors());
      if (!c) continue;
      exchange::GenesisSettlementChain chain;
      c->require("chain_id");
      c->require("assets");
      c->u64("chain_id", chain.chain_id, 1);
      c->strings("assets", chain.assets);
      c->finish();
      st.chains.push_back(std::move(chain));
    }
  }
}

}  // namespace

Hash256 GenesisFile::hash() const {
  ByteWriter w(256 + validators.size() * 96);
  w.str(kChainGenesisTag);
  w.hash(exchange::genesis_hash(exchange));
  w.u64(genesis_time_ms);
  w.u32(static_cast<std::uint32_t>(validators.size()));
  for (const auto& v : validators) {
    w.str(v.name);
    w.raw(v.consensus_key.view());
    w.raw(v.node_id.view());
  }
  w.u32(consensus.max_block_txs);
  w.u64(consensus.max_block_bytes);
  w.u64(consensus.checkpoint_interval);
  w.u32(consensus.max_inflight_heights);
  w.u64(consensus.max_clock_skew_ms);
  // Validators' Ethereum addresses, a trailing section present only when one
  // is set: a genesis without them hashes exactly as before.
  if (std::any_of(validators.begin(), validators.end(), [](const auto& v) { return v.eth_address.has_value(); })) {
    w.u8(1);
    for (const auto& v : validators) {
      w.boolean(v.eth_address.has_value());
      if (v.eth_address) w.raw(ByteView(v.eth_address->data(), v.eth_address->size()));
    }
  }
  return sha256(w.data());
}

consensus::ChainInfo GenesisFile::chain_info() const {
  return consensus::ChainInfo{chain_id(), hash(), genesis_time_ms};
}

Result<consensus::ValidatorSet> GenesisFile::validator_set() const {
  std::vector<PublicKey> keys;
  keys.reserve(validators.size());
  for (const auto& v : validators) keys.push_back(v.consensus_key);
  return consensus::ValidatorSet::create(std::move(keys));
}

std::optional<consensus::ValidatorIndex> GenesisFile::index_of_key(const PublicKey& key) const {
  for (std::size_t i = 0; i < validators.size(); ++i) {
    if (validators[i].consensus_key == key) return static_cast<consensus::ValidatorIndex>(i);
  }
  return std::nullopt;
}

std::optional<consensus::ValidatorIndex> GenesisFile::index_of_node(const p2p::NodeId& node_id) const {
  for (std::size_t i = 0; i < validators.size(); ++i) {
    if (validators[i].node_id == node_id) return static_cast<consensus::ValidatorIndex>(i);
  }
  return std::nullopt;
}

consensus::Config GenesisFile::consensus_config(const consensus::Config& local) const {
  consensus::Config c = local;
  c.max_block_txs = consensus.max_block_txs;
  c.max_block_bytes = consensus.max_block_bytes;
  c.checkpoint_interval = consensus.checkpoint_interval;
  c.max_inflight_heights = consensus.max_inflight_heights;
  c.max_clock_skew_ms = consensus.max_clock_skew_ms;
  c.max_tx_bytes = exchange.params.max_tx_bytes;
  return c;
}

Result<GenesisFile> parse_genesis_file(std::string_view yaml, std::string_view source) {
  YamlErrors errors{std::string(source)};
  GenesisFile g;
  auto doc = parse_yaml(yaml, errors);
  if (!doc) return errors.status();
  auto root = YamlMap::as_map(*doc, "", errors);
  if (!root) return errors.status();
  for (const char* key : {"chain_id", "genesis_time_ms", "validators", "assets", "fee_account"}) {
    root->require(key);
  }
  root->string("chain_id", g.exchange.chain_id, false);
  root->u64("genesis_time_ms", g.genesis_time_ms);
  read_hex_key(*root, "fee_account", g.exchange.fee_account);
  if (auto m = root->map("consensus")) {
    read_consensus(*m, g.consensus);
    m->finish();
  }
  if (auto m = root->map("params")) {
    read_params(*m, g.exchange.params);
    m->finish();
  }
  if (auto list = root->sequence("validators")) {
    if (list->size() == 0) root->error("validators", "at least one validator is required");
    read_validators(*list, errors, g);
  }
  std::map<std::string, std::uint32_t> decimals;
  if (auto list = root->sequence("assets")) read_assets(*list, errors, g.exchange, decimals);
  if (auto list = root->sequence("markets")) read_markets(*list, errors, g.exchange, decimals);
  if (auto list = root->sequence("allocations")) read_allocations(*list, errors, g.exchange, decimals);
  if (auto m = root->map("settlement")) {
    read_settlement(*m, g.exchange.settlement.emplace());
    m->finish();
  }
  root->finish();
  if (!errors.empty()) return errors.status();

  // Whole-file rules, reported with the field the module names.
  if (Status s = exchange::validate_genesis(g.exchange); !s) errors.add("genesis", s.message());
  if (auto set = g.validator_set(); !set) errors.add("validators", set.status().message());
  // Settlement chains need every validator's Ethereum address (the contract's set).
  if (g.exchange.settlement && !g.exchange.settlement->chains.empty()) {
    for (std::size_t i = 0; i < g.validators.size(); ++i) {
      if (!g.validators[i].eth_address) {
        errors.add("validators[" + std::to_string(i) + "].eth_address",
                   "required: the genesis has settlement chains");
      }
    }
  }
  if (Status s = g.consensus_config({}).validate_for(g.validators.size()); !s) {
    errors.add("consensus", s.message());
  }
  if (!errors.empty()) return errors.status();
  return g;
}

Result<GenesisFile> load_genesis_file(const std::string& path) {
  REPLEX_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
  return parse_genesis_file(text, path);
}

std::string render_genesis_file(const GenesisFile& g) {
  std::map<std::string, std::uint32_t> decimals;
  for (const auto& a : g.exchange.assets) decimals[a.symbol] = a.decimals;
  const auto& p = g.exchange.params;
  const auto& c = g.consensus;
  // Strings are emitted double-quoted, so hex keys and decimals stay strings
  // and any text (names, symbols) is escaped.
  YAML::Emitter out;
  out.SetStringFormat(YAML::DoubleQuoted);
  out << YAML::Comment("Replex genesis: shared by every node of the chain (docs/configuration.md).") << YAML::Newline;
  out << YAML::BeginMap;
  out << YAML::Key << "chain_id" << YAML::Value << g.chain_id();
  out << YAML::Key << "genesis_time_ms" << YAML::Value << g.genesis_time_ms;
  out << YAML::Key << "consensus" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max_block_txs" << YAML::Value << c.max_block_txs;
  out << YAML::Key << "max_block_bytes" << YAML::Value << c.max_block_bytes;
  out << YAML::Key << "checkpoint_interval" << YAML::Value << c.checkpoint_interval;
  out << YAML::Key << "max_inflight_heights" << YAML::Value << c.max_inflight_heights;
  out << YAML::Key << "max_clock_skew_ms" << YAML::Value << c.max_clock_skew_ms;
  out << YAML::EndMap;
  out << YAML::Key << "params" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max_tx_bytes" << YAML::Value << p.max_tx_bytes;
  out << YAML::Key << "max_tx_ttl_blocks" << YAML::Value << p.max_tx_ttl_blocks;
  out << YAML::Key << "max_open_orders_per_account" << YAML::Value << p.max_open_orders_per_account;
  out << YAML::Key << "max_client_order_id_bytes" << YAML::Value << p.max_client_order_id_bytes;
  out << YAML::EndMap;
  out << YAML::Key << "validators" << YAML::Value << YAML::BeginSeq;
  for (const auto& v : g.validators) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << v.name;
    out << YAML::Key << "consensus_key" << YAML::Value << v.consensus_key.hex();
    out << YAML::Key << "node_id" << YAML::Value << v.node_id.hex();
    if (v.eth_address) out << YAML::Key << "eth_address" << YAML::Value << settlement::to_checksum_hex(*v.eth_address);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "assets" << YAML::Value << YAML::BeginSeq;
  for (const auto& a : g.exchange.assets) {
    out << YAML::BeginMap << YAML::Key << "symbol" << YAML::Value << a.symbol;
    out << YAML::Key << "decimals" << YAML::Value << a.decimals << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "markets" << YAML::Value << YAML::BeginSeq;
  for (const auto& m : g.exchange.markets) {
    const unsigned base = decimals[m.base];
    out << YAML::BeginMap;
    out << YAML::Key << "symbol" << YAML::Value << m.symbol;
    out << YAML::Key << "base" << YAML::Value << m.base;
    out << YAML::Key << "quote" << YAML::Value << m.quote;
    out << YAML::Key << "price_decimals" << YAML::Value << m.price_decimals;
    out << YAML::Key << "tick_size" << YAML::Value << format_decimal_trimmed(m.tick_size, m.price_decimals);
    out << YAML::Key << "lot_size" << YAML::Value << format_decimal_trimmed(m.lot_size, base);
    out << YAML::Key << "min_quantity" << YAML::Value << format_decimal_trimmed(m.min_quantity, base);
    out << YAML::Key << "max_quantity" << YAML::Value << format_decimal_trimmed(m.max_quantity, base);
    out << YAML::Key << "maker_fee_bps" << YAML::Value << m.maker_fee_bps;
    out << YAML::Key << "taker_fee_bps" << YAML::Value << m.taker_fee_bps;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "fee_account" << YAML::Value << g.exchange.fee_account.hex();
  out << YAML::Key << "allocations" << YAML::Value << YAML::BeginSeq;
  for (const auto& a : g.exchange.allocations) {
    out << YAML::BeginMap;
    out << YAML::Key << "account" << YAML::Value << a.account.hex();
    out << YAML::Key << "asset" << YAML::Value << a.asset;
    out << YAML::Key << "amount" << YAML::Value << format_decimal_trimmed(a.amount, decimals[a.asset]);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  // Only when present: a genesis without it renders as it always did.
  if (const auto& st = g.exchange.settlement) {
    out << YAML::Key << "settlement" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "attesters" << YAML::Value << YAML::BeginSeq;
    for (const auto& a : st->attesters) out << a.hex();
    out << YAML::EndSeq;
    out << YAML::Key << "attestation_threshold" << YAML::Value << st->attestation_threshold;
    out << YAML::Key << "max_pending_attestations_per_attester" << YAML::Value
        << st->max_pending_attestations_per_attester;
    out << YAML::Key << "chains" << YAML::Value << YAML::BeginSeq;
    for (const auto& chain : st->chains) {
      out << YAML::BeginMap;
      out << YAML::Key << "chain_id" << YAML::Value << chain.chain_id;
      out << YAML::Key << "assets" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& symbol : chain.assets) out << symbol;
      out << YAML::EndSeq;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  REPLEX_ASSERT_MSG(out.good(), out.GetLastError().c_str());
  return std::string(out.c_str()) + "\n";
}

}  // namespace replex::config
