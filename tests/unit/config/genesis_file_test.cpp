#include <gtest/gtest.h>

#include "replex/core/decimal.hpp"
#include "replex/config/genesis_file.hpp"
#include "replex/settlement/eth_address.hpp"

namespace replex::config {
namespace {

std::string key_hex(const std::string& label) { return KeyPair::from_label(label).public_key().hex(); }

// A valid genesis; `markets` and `allocations` replace their sections.
std::string genesis_yaml(const std::string& markets, const std::string& allocations) {
  return "chain_id: test-chain\n"
         "genesis_time_ms: 1000\n"
         "validators:\n"
         "  - name: a\n"
         "    consensus_key: " + key_hex("ck0") + "\n"
         "    node_id: " + key_hex("nk0") + "\n"
         "  - name: b\n"
         "    consensus_key: " + key_hex("ck1") + "\n"
         "    node_id: " + key_hex("nk1") + "\n"
         "assets:\n"
         "  - symbol: BTC\n"
         "    decimals: 8\n"
         "  - symbol: USDT\n"
         "    decimals: 6\n"
         "markets:\n" + markets +
         "fee_account: " + key_hex("fee") + "\n"
         "allocations:\n" + allocations;
}

const std::string kMarket =
    "  - symbol: BTC-USDT\n"       // line 16
    "    base: BTC\n"
    "    quote: USDT\n"
    "    price_decimals: 2\n"
    "    tick_size: \"0.5\"\n"     // line 20
    "    lot_size: \"0.0001\"\n"
    "    min_quantity: \"0.0002\"\n"
    "    max_quantity: \"12.5\"\n"
    "    maker_fee_bps: 10\n"
    "    taker_fee_bps: 20\n";
const std::string kAllocation =
    "  - account: " + key_hex("trader") + "\n"
    "    asset: USDT\n"
    "    amount: \"1000.000001\"\n";

std::string with_market_field(const std::string& field, const std::string& value) {
  std::string market = kMarket;
  const auto at = market.find("    " + field + ":");
  const auto end = market.find('\n', at);
  market.replace(at, end - at, "    " + field + ": " + value);
  return genesis_yaml(market, kAllocation);
}

std::string genesis_error(const std::string& yaml) {
  auto g = parse_genesis_file(yaml, "genesis.yaml");
  EXPECT_FALSE(g.is_ok()) << yaml;
  return g.is_ok() ? "" : g.status().message();
}

TEST(GenesisFile, ParsesDecimalsExactly) {
  auto g = parse_genesis_file(genesis_yaml(kMarket, kAllocation), "genesis.yaml");
  ASSERT_TRUE(g.is_ok()) << g.status().to_string();
  EXPECT_EQ(g->chain_id(), "test-chain");
  EXPECT_EQ(g->genesis_time_ms, 1000u);
  ASSERT_EQ(g->validators.size(), 2u);
  EXPECT_EQ(g->validators[1].name, "b");
  EXPECT_EQ(g->validators[1].consensus_key, KeyPair::from_label("ck1").public_key());
  EXPECT_EQ(g->validators[1].node_id, KeyPair::from_label("nk1").public_key());
  ASSERT_EQ(g->exchange.markets.size(), 1u);
  const auto& m = g->exchange.markets[0];
  EXPECT_EQ(m.tick_size, 50u);             // 0.5 at 2 decimals
  EXPECT_EQ(m.lot_size, 10'000u);          // 0.0001 BTC at 8 decimals
  EXPECT_EQ(m.min_quantity, 20'000u);
  EXPECT_EQ(m.max_quantity, 1'250'000'000u);
  EXPECT_EQ(m.maker_fee_bps, 10u);
  ASSERT_EQ(g->exchange.allocations.size(), 1u);
  EXPECT_EQ(g->exchange.allocations[0].amount, 1'000'000'001u);  // 1000.000001 USDT
  EXPECT_EQ(g->exchange.fee_account, KeyPair::from_label("fee").public_key());
}

TEST(GenesisFile, ConsensusParametersFeedTheConsensusConfig) {
  std::string yaml = genesis_yaml(kMarket, kAllocation);
  yaml += "consensus:\n  max_block_txs: 77\n  checkpoint_interval: 20\n  max_inflight_heights: 2\n"
          "  max_clock_skew_ms: 900\n  max_block_bytes: 65536\n"
          "params:\n  max_tx_bytes: 2048\n";
  auto g = parse_genesis_file(yaml, "genesis.yaml");
  ASSERT_TRUE(g.is_ok()) << g.status().to_string();
  consensus::Config local;
  local.view_timeout_ms = 4321;
  const consensus::Config c = g->consensus_config(local);
  EXPECT_EQ(c.max_block_txs, 77u);
  EXPECT_EQ(c.checkpoint_interval, 20u);
  EXPECT_EQ(c.max_inflight_heights, 2u);
  EXPECT_EQ(c.max_clock_skew_ms, 900u);
  EXPECT_EQ(c.max_block_bytes, 65536u);
  EXPECT_EQ(c.max_tx_bytes, 2048u);
  EXPECT_EQ(c.view_timeout_ms, 4321u);  // node-local fields stay the node's
}

TEST(GenesisFile, RenderRoundTripsAndHashBindsEverything) {
  auto g = parse_genesis_file(genesis_yaml(kMarket, kAllocation), "genesis.yaml");
  ASSERT_TRUE(g.is_ok());
  auto again = parse_genesis_file(render_genesis_file(*g), "rendered");
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(*again, *g);
  EXPECT_EQ(again->hash(), g->hash());

  GenesisFile other = *g;
  other.validators[0].node_id = KeyPair::from_label("another").public_key();
  EXPECT_NE(other.hash(), g->hash());
  other = *g;
  other.consensus.checkpoint_interval += 1;
  EXPECT_NE(other.hash(), g->hash());
  other = *g;
  other.genesis_time_ms += 1;
  EXPECT_NE(other.hash(), g->hash());
  EXPECT_EQ(g->chain_info().genesis_hash, g->hash());
  EXPECT_EQ(g->index_of_node(KeyPair::from_label("nk1").public_key()), 1u);
  EXPECT_EQ(g->index_of_key(KeyPair::from_label("ck0").public_key()), 0u);
  EXPECT_FALSE(g->index_of_key(KeyPair::from_label("nobody").public_key()).has_value());
}

TEST(GenesisFile, TickFinerThanPriceDecimalsIsRefusedWithLine) {
  const std::string error = genesis_error(with_market_field("tick_size", "\"0.001\""));
  EXPECT_NE(error.find("genesis.yaml:20: markets[0].tick_size: '0.001'"), std::string::npos) << error;
}

TEST(GenesisFile, LotThatGivesAFractionalNotionalIsRefused) {
  // 1 satoshi lots at a 0.5 tick: 50 * 1 * 10^6 / 10^10 quote units per tick-lot is not an integer.
  const std::string error = genesis_error(with_market_field("lot_size", "\"0.00000001\""));
  EXPECT_NE(error.find("markets[0].lot_size"), std::string::npos) << error;
  EXPECT_NE(genesis_error(with_market_field("lot_size", "\"0\"")).find("markets[0].lot_size: must be > 0"),
            std::string::npos);
}

TEST(GenesisFile, QuantitiesMustBeOnTheLot) {
  const std::string error = genesis_error(with_market_field("min_quantity", "\"0.00015\""));
  EXPECT_NE(error.find("markets[0].min_quantity: is not a multiple of lot_size"), std::string::npos) << error;
}

TEST(GenesisFile, UnknownAssetIsNamed) {
  std::string error = genesis_error(with_market_field("base", "DOGE"));
  EXPECT_NE(error.find("genesis.yaml:17: markets[0].base: unknown asset 'DOGE'"), std::string::npos) << error;
  error = genesis_error(genesis_yaml(kMarket, "  - account: " + key_hex("t") + "\n    asset: EUR\n    amount: \"1\"\n"));
  EXPECT_NE(error.find("allocations[0].asset: unknown asset 'EUR'"), std::string::npos) << error;
}

TEST(GenesisFile, AmountWithTooManyDecimalsIsRefused) {
  const std::string error =
      genesis_error(genesis_yaml(kMarket, "  - account: " + key_hex("t") + "\n    asset: USDT\n    amount: \"1.0000001\"\n"));
  EXPECT_NE(error.find("allocations[0].amount: '1.0000001'"), std::string::npos) << error;
  EXPECT_NE(genesis_error(genesis_yaml(kMarket, "  - account: " + key_hex("t") + "\n    asset: USDT\n    amount: \"1e6\"\n"))
                .find("allocations[0].amount"),
            std::string::npos);
}

TEST(GenesisFile, ValidatorsMustBeDistinctAndPresent) {
  std::string yaml = genesis_yaml(kMarket, kAllocation);
  const std::string second_key = key_hex("ck1");
  yaml.replace(yaml.find(second_key), second_key.size(), key_hex("ck0"));
  EXPECT_NE(genesis_error(yaml).find("validators[1].consensus_key: the same as validators[0]"), std::string::npos);
  std::string bad_key = genesis_yaml(kMarket, kAllocation);
  bad_key.replace(bad_key.find(second_key), second_key.size(), "abcd");
  EXPECT_NE(genesis_error(bad_key).find("validators[1].consensus_key: expected 64 hex digits"), std::string::npos);
  const std::string missing = genesis_error("chain_id: x\n");
  EXPECT_NE(missing.find("genesis_time_ms: required key is missing"), std::string::npos) << missing;
  EXPECT_NE(missing.find("validators: required key is missing"), std::string::npos) << missing;
}

TEST(GenesisFile, UnknownKeysAndWholeGenesisRules) {
  std::string yaml = genesis_yaml(kMarket, kAllocation) + "extra: 1\n";
  EXPECT_NE(genesis_error(yaml).find("extra: unknown key"), std::string::npos);
  std::string bad_chain = genesis_yaml(kMarket, kAllocation);
  bad_chain.replace(0, std::string("chain_id: test-chain").size(), "chain_id: \"bad chain!\"");
  EXPECT_NE(genesis_error(bad_chain).find("genesis: chain_id"), std::string::npos);
  EXPECT_NE(genesis_error(genesis_yaml(kMarket, kAllocation) + "consensus:\n  checkpoint_interval: 2\n")
                .find("consensus:"),
            std::string::npos);
}

TEST(GenesisFile, RenamedParamIsRefusedNamingTheNewName) {
  const std::string yaml = genesis_yaml(kMarket, kAllocation) + "params:\n  tx_ttl_blocks_max: 100\n";
  EXPECT_NE(genesis_error(yaml).find("params.tx_ttl_blocks_max: renamed to 'max_tx_ttl_blocks'"), std::string::npos)
      << genesis_error(yaml);
}

TEST(GenesisFile, RenderEscapesTextThatYamlWouldMisread) {
  // Names with quotes, colons and '#' survive the round trip exactly.
  auto g = parse_genesis_file(genesis_yaml(kMarket, kAllocation), "genesis.yaml");
  ASSERT_TRUE(g.is_ok()) << g.status().to_string();
  g->validators[0].name = "a \"quoted\": name # not a comment";
  auto again = parse_genesis_file(render_genesis_file(*g), "rendered.yaml");
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(again->validators[0].name, g->validators[0].name);
  EXPECT_EQ(again->hash(), g->hash());
}

// Lines 33.. after with_settlement's genesis (genesis_yaml(kMarket, kAllocation)
// with an eth_address per validator), whose last line is 32.
const std::string kSettlement =
    "settlement:\n"
    "  attesters:\n"
    "    - " + key_hex("ck1") + "\n"
    "    - " + key_hex("ck0") + "\n"      // line 36
    "  attestation_threshold: 2\n"
    "  chains:\n"
    "    - chain_id: 31337\n"
    "      assets: [USDT, BTC]\n"
    "    - chain_id: 1\n"
    "      assets: [USDT]\n";

const std::string kEthAddress0 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const std::string kEthAddress1 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

// A genesis with settlement chains names each validator's Ethereum address.
std::string with_eth_addresses(std::string yaml) {
  for (const auto& [node, address] : {std::pair{key_hex("nk0"), kEthAddress0}, std::pair{key_hex("nk1"), kEthAddress1}}) {
    const std::string line = "    node_id: " + node + "\n";
    yaml.insert(yaml.find(line) + line.size(), "    eth_address: \"" + address + "\"\n");
  }
  return yaml;
}

std::string with_settlement(const std::string& settlement) {
  return with_eth_addresses(genesis_yaml(kMarket, kAllocation)) + settlement;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  return text;
}

TEST(GenesisFile, SettlementSectionParsesAndRoundTrips) {
  auto g = parse_genesis_file(with_settlement(kSettlement), "genesis.yaml");
  ASSERT_TRUE(g.is_ok()) << g.status().to_string();
  ASSERT_TRUE(g->exchange.settlement.has_value());
  const exchange::GenesisSettlement& st = *g->exchange.settlement;
  // In file order; the exchange sorts them for its encoding.
  EXPECT_EQ(st.attesters, (std::vector<PublicKey>{KeyPair::from_label("ck1").public_key(),
                                                  KeyPair::from_label("ck0").public_key()}));
  EXPECT_EQ(st.attestation_threshold, 2u);
  EXPECT_EQ(st.max_pending_attestations_per_attester, 10'000u);  // the default
  ASSERT_EQ(st.chains.size(), 2u);
  EXPECT_EQ(st.chains[0].chain_id, 31337u);
  EXPECT_EQ(st.chains[0].assets, (std::vector<std::string>{"USDT", "BTC"}));
  EXPECT_EQ(st.chains[1].chain_id, 1u);

  const std::string rendered = render_genesis_file(*g);
  EXPECT_NE(rendered.find("\"settlement\":"), std::string::npos) << rendered;  // keys are emitted quoted
  auto again = parse_genesis_file(rendered, "rendered");
  ASSERT_TRUE(again.is_ok()) << again.status().to_string() << "\n" << rendered;
  EXPECT_EQ(*again, *g);
  EXPECT_EQ(again->hash(), g->hash());

  // The section is bound by the hash; a genesis without it renders without it.
  auto without = parse_genesis_file(genesis_yaml(kMarket, kAllocation), "genesis.yaml");
  ASSERT_TRUE(without.is_ok());
  EXPECT_FALSE(without->exchange.settlement.has_value());
  EXPECT_EQ(render_genesis_file(*without).find("settlement"), std::string::npos);
  EXPECT_NE(without->hash(), g->hash());
  GenesisFile other = *g;
  other.exchange.settlement->chains[1].assets.push_back("BTC");
  EXPECT_NE(other.hash(), g->hash());

  auto limited = parse_genesis_file(
      with_settlement(replaced(kSettlement, "  chains:\n", "  max_pending_attestations_per_attester: 50\n  chains:\n")),
      "genesis.yaml");
  ASSERT_TRUE(limited.is_ok()) << limited.status().to_string();
  EXPECT_EQ(limited->exchange.settlement->max_pending_attestations_per_attester, 50u);
  auto no_chains = parse_genesis_file(with_settlement(kSettlement.substr(0, kSettlement.find("  chains:"))), "g.yaml");
  ASSERT_TRUE(no_chains.is_ok()) << no_chains.status().to_string();
  EXPECT_TRUE(no_chains->exchange.settlement->chains.empty());
}

TEST(GenesisFile, SettlementSectionIsStrictAndNamesTheField) {
  std::string error = genesis_error(with_settlement(kSettlement + "  extra: 1\n"));
  EXPECT_NE(error.find("settlement.extra: unknown key"), std::string::npos) << error;
  error = genesis_error(with_settlement(replaced(kSettlement, "      assets: [USDT]\n",
                                               "      assets: [USDT]\n      token: \"0xabc\"\n")));
  EXPECT_NE(error.find("settlement.chains[1].token: unknown key"), std::string::npos) << error;
  error = genesis_error(with_settlement(replaced(kSettlement, key_hex("ck0"), "abcd")));
  EXPECT_NE(error.find("genesis.yaml:36: settlement.attesters[1]: expected 64 hex digits"), std::string::npos) << error;
  error = genesis_error(with_settlement(replaced(kSettlement, "threshold: 2", "threshold: 3")));
  EXPECT_NE(error.find("settlement.attestation_threshold: 3 is outside 1..2"), std::string::npos) << error;
  error = genesis_error(with_settlement(replaced(kSettlement, "threshold: 2", "threshold: 0")));
  EXPECT_NE(error.find("settlement.attestation_threshold"), std::string::npos) << error;
  error = genesis_error(with_settlement(replaced(kSettlement, "[USDT, BTC]", "[USDT, DOGE]")));
  EXPECT_NE(error.find("settlement.chains[0].assets[1]: unknown asset 'DOGE'"), std::string::npos) << error;
  error = genesis_error(with_settlement(replaced(kSettlement, "chain_id: 1\n", "chain_id: 0\n")));
  EXPECT_NE(error.find("settlement.chains[1].chain_id"), std::string::npos) << error;
  error = genesis_error(with_settlement(replaced(kSettlement, "chain_id: 1\n", "chain_id: 31337\n")));
  EXPECT_NE(error.find("settlement.chains[1].chain_id: duplicate chain 31337"), std::string::npos) << error;
  error = genesis_error(with_settlement("settlement:\n  attestation_threshold: 1\n"));
  EXPECT_NE(error.find("settlement.attesters: required key is missing"), std::string::npos) << error;
  error = genesis_error(with_settlement("settlement:\n  attesters: " + key_hex("ck0") + "\n  attestation_threshold: 1\n"));
  EXPECT_NE(error.find("settlement.attesters: expected a list"), std::string::npos) << error;
  error = genesis_error(with_settlement(replaced(kSettlement, "      assets: [USDT]\n", "")));
  EXPECT_NE(error.find("settlement.chains[1].assets: required key is missing"), std::string::npos) << error;
}

TEST(GenesisFile, ValidatorEthAddressesAreParsedCheckedAndBound) {
  auto g = parse_genesis_file(with_settlement(kSettlement), "genesis.yaml");
  ASSERT_TRUE(g.is_ok()) << g.status().to_string();
  ASSERT_TRUE(g->validators[0].eth_address.has_value());
  EXPECT_EQ(settlement::to_checksum_hex(*g->validators[0].eth_address), kEthAddress0);
  // Rendered in checksum form and bound by the hash.
  const std::string rendered = render_genesis_file(*g);
  EXPECT_NE(rendered.find(kEthAddress1), std::string::npos) << rendered;
  GenesisFile other = *g;
  other.validators[1].eth_address = other.validators[0].eth_address;
  EXPECT_NE(other.hash(), g->hash());

  std::string error = genesis_error(genesis_yaml(kMarket, kAllocation) + kSettlement);
  EXPECT_NE(error.find("validators[0].eth_address: required: the genesis has settlement chains"), std::string::npos)
      << error;
  error = genesis_error(replaced(with_settlement(kSettlement), kEthAddress0, "0x1234"));
  EXPECT_NE(error.find("validators[0].eth_address"), std::string::npos) << error;
  // Without settlement chains the address is optional; when given, the hash binds it.
  auto plain = parse_genesis_file(genesis_yaml(kMarket, kAllocation), "genesis.yaml");
  auto with_address = parse_genesis_file(with_eth_addresses(genesis_yaml(kMarket, kAllocation)), "genesis.yaml");
  ASSERT_TRUE(plain.is_ok() && with_address.is_ok());
  EXPECT_NE(plain->hash(), with_address->hash());
  EXPECT_FALSE(plain->validators[0].eth_address.has_value());
}

TEST(GenesisFile, ExampleGenesisInTheRepositoryIsValid) {
  auto g = load_genesis_file(std::string(REPLEX_SOURCE_DIR) + "/config/genesis.example.yaml");
  ASSERT_TRUE(g.is_ok()) << g.status().to_string();
  EXPECT_EQ(g->validators.size(), 4u);
}

}  // namespace
}  // namespace replex::config
