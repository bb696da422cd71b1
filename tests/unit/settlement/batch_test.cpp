// Batch building as a pure function: the layout checked against the genesis,
// deltas netted over a range and converted to token units, withdrawals routed
// by chain, the trades root (its leaf against cast), batch chaining, the
// signature message, submitter rotation, contract error decoding and the
// settler's stored records. The same batches against the contract itself:
// settler_anvil_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>

#include "cast.hpp"
#include "replex/settlement/batch.hpp"
#include "replex/settlement/keccak.hpp"
#include "settlement_world.hpp"
#include "settler_records.hpp"

namespace replex::settlement {
namespace {

using exchange::AccountId;
using exchange::AssetIndex;
using exchange::event::BalanceChanged;
using exchange::event::WithdrawalRecorded;
using exchange::event::WithdrawalRecordedOnChain;
using testing::cast;
using testing::kStartEth;
using testing::kStartUsd;
using testing::trader;

constexpr AssetIndex kEth = 0;
constexpr AssetIndex kUsd = 1;

EthAddress address(std::uint8_t fill) {
  EthAddress a{};
  a.fill(fill);
  return a;
}

ChainConfig chain_config(std::uint64_t chain_id, std::map<std::string, TokenConfig> assets) {
  ChainConfig c;
  c.chain_id = chain_id;
  c.rpc_url = "http://127.0.0.1:1";
  c.contract = address(static_cast<std::uint8_t>(chain_id));
  c.assets = std::move(assets);
  return c;
}

const EthAddress kUsdToken = address(0xaa);

// ETH as native ether (18 decimals, 10^9 per unit), USD as an 8-decimal token (100 per unit).
SettlerConfig anvil_only_config() {
  SettlerConfig config;
  config.interval_blocks = 3;
  config.chains = {chain_config(31337, {{"ETH", {std::nullopt, 18}}, {"USD", {kUsdToken, 8}}})};
  return config;
}

SettlementLayout layout_of(const SettlerConfig& config, const exchange::ChainRules& rules) {
  auto layout = make_layout(config, rules);
  REPLEX_ASSERT_MSG(layout.is_ok(), layout.status().to_string());
  return std::move(layout).value();
}

Hash256 account_word(const AccountId& a) {
  Hash256 h;
  std::copy(a.bytes.begin(), a.bytes.end(), h.bytes.begin());
  return h;
}

void expect_layout_error(const SettlerConfig& config, const exchange::ChainRules& rules, std::string_view text) {
  auto layout = make_layout(config, rules);
  ASSERT_FALSE(layout.is_ok()) << "expected: " << text;
  EXPECT_EQ(layout.status().message(), text);
}

TEST(SettlementLayout, ResolvesHomeChainsAndRoutes) {
  auto rules = testing::world_rules({{1, {"ETH", "USD"}}, {31337, {"USD"}}});
  SettlerConfig config;
  // Listed out of order on purpose: the layout sorts by chain id.
  config.chains = {chain_config(31337, {{"USD", {kUsdToken, 6}}}),
                   chain_config(1, {{"ETH", {std::nullopt, 18}}, {"USD", {address(0xbb), 6}}})};
  const SettlementLayout layout = layout_of(config, *rules);
  ASSERT_EQ(layout.chains.size(), 2u);
  EXPECT_EQ(layout.chains[0].chain_id, 1u);
  EXPECT_EQ(layout.chains[1].chain_id, 31337u);
  EXPECT_TRUE(layout.chains[0].home[kEth]);
  EXPECT_TRUE(layout.chains[0].home[kUsd]) << "USD's home is the lowest chain id listing it";
  EXPECT_FALSE(layout.chains[1].home[kUsd]);
  EXPECT_EQ(layout.chains[0].tokens.at(kEth).scale_exp, 9u);
  EXPECT_EQ(layout.chains[1].tokens.at(kUsd).address, kUsdToken);
  EXPECT_EQ(layout.chains[1].domain_separator,
            domain_separator("ReplexSettlement", "1", 31337, config.chains[0].contract));
  EXPECT_EQ(layout.route(0), 0u) << "no chain: the lowest configured";
  EXPECT_EQ(layout.route(31337), 1u);
  EXPECT_FALSE(layout.route(5).has_value());
}

TEST(SettlementLayout, RefusesConfigsThatDisagreeWithTheGenesis) {
  auto rules = testing::world_rules();
  SettlerConfig config = anvil_only_config();
  config.chains[0].assets["BTC"] = {std::nullopt, 8};
  expect_layout_error(config, *rules, "chains[31337].assets[BTC]: unknown asset");

  config = anvil_only_config();
  config.chains[0].assets["USD"].decimals = 5;
  expect_layout_error(config, *rules, "chains[31337].assets[USD].decimals: 5 is below the asset's 6");

  config = anvil_only_config();
  config.chains[0].assets.erase("USD");
  expect_layout_error(config, *rules,
                      "chains[31337].assets: no token for 'USD', which the genesis lists on this chain");

  config = anvil_only_config();
  config.chains[0].chain_id = 5;
  expect_layout_error(config, *rules, "chains[5].chain_id: not a settlement chain of the genesis");

  config = anvil_only_config();
  config.chains[0].assets["USD"].token = std::nullopt;
  expect_layout_error(config, *rules, "chains[31337].assets[USD].token: another asset of this chain has the same token");

  auto usd_only = testing::world_rules({{31337, {"USD"}}});
  expect_layout_error(anvil_only_config(), *usd_only,
                      "chains[31337].assets[ETH]: the genesis does not list this asset on this chain");

  config = anvil_only_config();
  config.chains[0].contract = kZeroAddress;
  expect_layout_error(config, *rules, "chains[0].contract: must not be the zero address");
  config = anvil_only_config();
  config.chains.push_back(config.chains[0]);
  expect_layout_error(config, *rules, "chains[1].chain_id: duplicate chain 31337");
  config = anvil_only_config();
  config.chains[0].rpc_url = "ftp://x";
  EXPECT_TRUE(make_layout(config, *rules).status().message().starts_with("chains[0].rpc_url")) 
      << make_layout(config, *rules).status().message();
  config = anvil_only_config();
  config.interval_blocks = 0;
  expect_layout_error(config, *rules, "interval_blocks: must be >= 1");
  config = anvil_only_config();
  config.chains.clear();
  expect_layout_error(config, *rules, "chains: at least one chain");
}

TEST(SettlementUnits, ScaleUpExactlyAndDownRoundingDown) {
  EXPECT_EQ(to_token_units(1'500'000'000, 9), U256(1'500'000'000) * U256(1'000'000'000));
  EXPECT_EQ(to_token_units(7, 0), U256(7));
  EXPECT_EQ(to_token_units(~std::uint64_t{0}, kMaxTokenDecimals) / U256(~std::uint64_t{0}),
            U256(1) * boost::multiprecision::pow(U256(10), kMaxTokenDecimals));
  EXPECT_EQ(to_replex_units(U256(1'500'000'000'999'999'999ull), 9), 1'500'000'000u) << "dust rounds down";
  EXPECT_EQ(to_replex_units(U256(999), 3), 0u);
  EXPECT_EQ(to_replex_units(U256(~std::uint64_t{0}), 0), ~std::uint64_t{0});
  EXPECT_FALSE(to_replex_units(U256(~std::uint64_t{0}) + 1, 0).has_value());
}

// A lookup of totals before the range: the genesis allocations.
TotalLookup genesis_lookup(const exchange::ChainRules& rules) {
  return [&rules](const AccountId& a, AssetIndex asset) -> std::uint64_t {
    std::uint64_t total = 0;
    for (const auto& alloc : rules.genesis().allocations) {
      if (alloc.account == a && *rules.find_asset(alloc.asset) == asset) total += alloc.amount;
    }
    return total;
  };
}

TEST(BatchBuilding, NetsDeltasOverTheRangeInTokenUnits) {
  auto rules = testing::world_rules();
  const SettlementLayout layout = layout_of(anvil_only_config(), *rules);
  BatchAccumulator acc(layout);
  const AccountId alice = trader("alice");
  const AccountId bob = trader("bob");
  const AccountId carol = trader("carol");
  const AccountId dave = trader("dave");  // not in the genesis
  const std::vector<exchange::Event> b1 = {
      BalanceChanged{alice, kUsd, kStartUsd + 400, 100},  // +500
      BalanceChanged{alice, kEth, kStartEth - 10, 10},    // unchanged total
      BalanceChanged{dave, kUsd, 50, 0},
  };
  const std::vector<exchange::Event> b2 = {
      BalanceChanged{alice, kUsd, kStartUsd + 200, 0},  // net +200 over the range
      BalanceChanged{bob, kEth, kStartEth - 3, 0},
  };
  const std::vector<exchange::Event> b3 = {
      BalanceChanged{carol, kUsd, kStartUsd - 1, 0},
      BalanceChanged{carol, kUsd, kStartUsd, 0},  // touched, back where it was
  };
  acc.add_block(1, b1, genesis_lookup(*rules));
  EXPECT_FALSE(acc.closes_at(1));
  acc.add_block(2, b2, genesis_lookup(*rules));
  acc.add_block(3, b3, genesis_lookup(*rules));
  EXPECT_TRUE(acc.closes_at(3));
  EXPECT_EQ(acc.balances().at({alice, kUsd}).before, kStartUsd);
  EXPECT_EQ(acc.balances().at({alice, kUsd}).after, kStartUsd + 200);

  const Batch batch = build_batch(layout, 0, ChainHead{}, 3, acc);
  std::vector<Delta> expected = {
      {account_word(alice), kUsdToken, I256(200) * 100},
      {account_word(bob), kZeroAddress, I256(-3) * I256(1'000'000'000)},
      {account_word(dave), kUsdToken, I256(50) * 100},
  };
  // Sorted by account, then asset.
  std::sort(expected.begin(), expected.end(), [](const Delta& a, const Delta& b) { return a.account < b.account; });
  EXPECT_EQ(batch.deltas, expected);
  EXPECT_EQ(batch.header.number, 1u);
  EXPECT_EQ(batch.header.from_height, 1u);
  EXPECT_EQ(batch.header.to_height, 3u);
  EXPECT_TRUE(batch.header.prev_root.is_zero());
  EXPECT_TRUE(batch.header.trades_root.is_zero()) << "no trades";
  EXPECT_TRUE(batch.header.withdrawals_root.is_zero()) << "no withdrawals";
  EXPECT_EQ(batch.header.deltas_hash, deltas_hash(expected));
  EXPECT_EQ(batch.root, batch_struct_hash(batch.header));
}

TEST(BatchBuilding, RoutesWithdrawalsToTheirChainAndDeltasToTheHomeChain) {
  auto rules = testing::world_rules({{1, {"ETH", "USD"}}, {31337, {"USD"}}});
  SettlerConfig config;
  config.chains = {chain_config(1, {{"ETH", {std::nullopt, 18}}, {"USD", {address(0xbb), 6}}}),
                   chain_config(31337, {{"USD", {kUsdToken, 8}}})};
  const SettlementLayout layout = layout_of(config, *rules);
  testing::Workload work(*rules);
  const EthAddress to = address(0x42);
  work.trade(1, 0, 1, 2'000'000, 5'000'000);
  work.withdraw(10, 0, kUsd, 1'000, to, 1, 31337);   // to anvil
  work.withdraw(11, 1, kEth, 2'000, to, 1, 1);       // to chain 1
  work.withdraw(12, 2, kUsd, 3'000, to, 1, 999);     // nowhere configured
  std::vector<exchange::Event> block = work.take_block();
  exchange::PendingWithdrawal chainless{13, trader("carol"), kUsd, 4'000, to, 1, 0};
  block.push_back(WithdrawalRecorded{chainless});  // a genesis without chains: the lowest chain id
  BatchAccumulator acc(layout);
  acc.add_block(1, block, genesis_lookup(*rules));
  ASSERT_EQ(acc.unroutable().size(), 1u);
  EXPECT_EQ(acc.unroutable()[0].id, 12u);

  const Batch one = build_batch(layout, 0, ChainHead{}, 1, acc);
  const Batch anvil = build_batch(layout, 1, ChainHead{}, 1, acc);
  ASSERT_EQ(one.withdrawals.size(), 2u);
  EXPECT_EQ(one.withdrawals[0], (Withdrawal{11, to, kZeroAddress, U256(2'000) * 1'000'000'000}));
  EXPECT_EQ(one.withdrawals[1], (Withdrawal{13, to, address(0xbb), U256(4'000)}));
  ASSERT_EQ(anvil.withdrawals.size(), 1u);
  EXPECT_EQ(anvil.withdrawals[0], (Withdrawal{10, to, kUsdToken, U256(1'000) * 100}));
  EXPECT_EQ(anvil.header.withdrawals_root, withdrawals_root(anvil.withdrawals));

  EXPECT_TRUE(anvil.deltas.empty()) << "USD's and ETH's home is chain 1";
  EXPECT_FALSE(one.deltas.empty());
  for (const Delta& d : one.deltas) EXPECT_TRUE(d.token == kZeroAddress || d.token == address(0xbb));
  EXPECT_FALSE(one.header.trades_root.is_zero());
  EXPECT_EQ(one.header.trades_root, anvil.header.trades_root) << "every chain carries the same trades root";
  EXPECT_EQ(one.header.trades_root, StandardMerkleTree(acc.trade_leaves()).root());
  EXPECT_EQ(acc.items(0), one.deltas.size() + 2);
}

TEST(BatchBuilding, ClosesAtTheIntervalOrWhenABatchIsFull) {
  auto rules = testing::world_rules();
  SettlerConfig config = anvil_only_config();
  config.interval_blocks = 10;
  config.max_batch_items = 4;
  const SettlementLayout layout = layout_of(config, *rules);
  BatchAccumulator acc(layout);
  acc.add_block(1, std::vector<exchange::Event>{BalanceChanged{trader("alice"), kUsd, 1, 0}}, genesis_lookup(*rules));
  EXPECT_FALSE(acc.closes_at(1));
  acc.add_block(2,
                std::vector<exchange::Event>{BalanceChanged{trader("alice"), kUsd, 2, 0},
                                             BalanceChanged{trader("bob"), kUsd, 2, 0},
                                             BalanceChanged{trader("carol"), kUsd, 2, 0}},
                genesis_lookup(*rules));
  EXPECT_EQ(acc.items(0), 3u) << "distinct pairs, not events";
  EXPECT_FALSE(acc.closes_at(2));
  acc.add_block(3, std::vector<exchange::Event>{BalanceChanged{trader("dave"), kEth, 2, 0}}, genesis_lookup(*rules));
  EXPECT_TRUE(acc.closes_at(3)) << "four items reached before the interval";
  acc.clear();
  EXPECT_EQ(acc.last_height(), 3u);
  acc.add_block(4, {}, genesis_lookup(*rules));
  EXPECT_FALSE(acc.closes_at(4));
  for (std::uint64_t h = 5; h <= 10; ++h) acc.add_block(h, {}, genesis_lookup(*rules));
  EXPECT_TRUE(acc.closes_at(10));
}

TEST(BatchBuilding, BatchesChainByRootAndHeights) {
  auto rules = testing::world_rules();
  const SettlementLayout layout = layout_of(anvil_only_config(), *rules);
  testing::Workload work(*rules);
  std::vector<std::vector<exchange::Event>> blocks;
  for (std::uint64_t h = 1; h <= 9; ++h) blocks.push_back(work.block(h));
  const auto batches = testing::expected_batches(*rules, layout, blocks);
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const Batch& b = batches[0][i];
    EXPECT_EQ(b.header.number, i + 1);
    EXPECT_EQ(b.header.from_height, 3 * i + 1);
    EXPECT_EQ(b.header.to_height, 3 * i + 3);
    EXPECT_EQ(b.header.prev_root, i == 0 ? Hash256{} : batches[0][i - 1].root);
    EXPECT_EQ(next_head(b), (ChainHead{i + 2, b.root, 3 * i + 3}));
  }
  EXPECT_EQ(batches[0][2].withdrawals.size(), 1u) << "height 7's withdrawal";

  // Deltas add up to the balances' movement since genesis.
  std::map<std::pair<Hash256, EthAddress>, I256> sum;
  for (const Batch& b : batches[0]) {
    for (const Delta& d : b.deltas) sum[{d.account, d.token}] += d.amount;
  }
  for (const std::string& t : testing::trader_labels()) {
    const AccountId a = trader(t);
    const I256 usd = sum[std::pair(account_word(a), kUsdToken)];
    const I256 eth = sum[std::pair(account_word(a), kZeroAddress)];
    EXPECT_EQ(usd, (I256(work.balance(a, kUsd)) - I256(kStartUsd)) * 100) << t;
    EXPECT_EQ(eth, (I256(work.balance(a, kEth)) - I256(kStartEth)) * I256(1'000'000'000)) << t;
  }
}

TEST(BatchBuilding, TradeLeafIsTheStandardLeafOfItsAbiEncodingAsCastComputesIt) {
  REPLEX_REQUIRE_CAST();
  exchange::event::Trade t;
  t.trade_id = 77;
  t.market = 3;
  t.maker_order_id = 1001;
  t.taker_order_id = 1002;
  t.maker = trader("alice");
  t.taker = trader("bob");
  t.price = 2'345'600;
  t.quantity = 1'000'000;
  t.maker_fee = 12;
  t.taker_fee = 34;
  t.aggressor = exchange::Side::kSell;
  const std::string encoded =
      cast({"abi-encode", "f(uint64,uint32,uint64,uint64,bytes32,bytes32,uint64,uint64,uint64,uint64,uint8)", "77",
            "3", "1001", "1002", "0x" + t.maker.hex(), "0x" + t.taker.hex(), "2345600", "1000000", "12", "34", "2"});
  const std::string inner = cast({"keccak", encoded});
  EXPECT_EQ("0x" + trade_leaf_hash(t).hex(), cast({"keccak", inner}));
}

TEST(BatchBuilding, SubmitCalldataIsTheContractsSubmitBatch) {
  Batch b;
  b.header.number = 1;
  b.header.from_height = 1;
  b.header.to_height = 5;
  b.deltas = {{account_word(trader("alice")), kUsdToken, I256(-5)}};
  const Rsv65 sig{};
  const Bytes data = submit_batch_calldata(b, std::span<const Rsv65>(&sig, 1));
  EXPECT_EQ(to_hex(ByteView(data.data(), 4)), "d6ad33e0");
  // Header (7 words) + two offsets, then the deltas (length + 3 words) and the signatures.
  EXPECT_EQ(data.size(), 4 + 32 * (7 + 2) + 32 * (1 + 3) + 32 * (1 + 1 + 1 + 3));
}

TEST(BatchSignatureMessage, EncodesDecodesAndVerifies) {
  auto rules = testing::world_rules();
  const SettlementLayout layout = layout_of(anvil_only_config(), *rules);
  const EthKey key = EthKey::generate();
  BatchSignatureMessage m;
  m.chain_id = 31337;
  m.number = 9;
  m.root = keccak256(std::string_view("root"));
  m.validator = 2;
  m.signature = key.sign_digest(batch_digest(layout.chains[0], m.root)).to_rsv65();
  const Bytes bytes = m.encode();
  ASSERT_EQ(bytes.size(), BatchSignatureMessage::kEncodedSize);
  EXPECT_EQ(bytes[0], 1);
  EXPECT_EQ(to_hex(ByteView(bytes.data() + 1, 8)), "0000000000007a69");
  auto back = BatchSignatureMessage::decode(bytes);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, m);
  EXPECT_TRUE(verify_batch_signature(layout.chains[0], m, key.address()).is_ok());

  const Status wrong_signer = verify_batch_signature(layout.chains[0], m, EthKey::generate().address());
  EXPECT_EQ(wrong_signer.code(), StatusCode::kUnauthenticated);
  BatchSignatureMessage other_root = m;
  other_root.root = keccak256(std::string_view("other"));
  EXPECT_FALSE(verify_batch_signature(layout.chains[0], other_root, key.address()).is_ok());

  Bytes short_bytes = bytes;
  short_bytes.pop_back();
  EXPECT_FALSE(BatchSignatureMessage::decode(short_bytes).is_ok());
  Bytes other_kind = bytes;
  other_kind[0] = 2;
  EXPECT_EQ(BatchSignatureMessage::decode(other_kind).status().message(), "batch signature message: kind 2");
  Bytes bad_v = bytes;
  bad_v.back() = 1;
  EXPECT_EQ(BatchSignatureMessage::decode(bad_v).status().message(),
            "batch signature message: v 1, expected 27 or 28");
  BatchSignatureMessage zero = m;
  zero.number = 0;
  EXPECT_FALSE(BatchSignatureMessage::decode(zero.encode()).is_ok());
}

TEST(SubmitterRotation, StartsAtNumberModNAndMovesOnEachTimeout) {
  EXPECT_EQ(designated_submitter(5, 4, 0, 1000), 1u);
  EXPECT_EQ(designated_submitter(5, 4, 999, 1000), 1u);
  EXPECT_EQ(designated_submitter(5, 4, 1000, 1000), 2u);
  EXPECT_EQ(designated_submitter(5, 4, 3000, 1000), 0u);
  EXPECT_EQ(designated_submitter(5, 4, 4000, 1000), 1u) << "and around again";
  EXPECT_EQ(designated_submitter(~std::uint64_t{0}, 7, ~std::uint64_t{0}, 1), (~std::uint64_t{0} % 7 + ~std::uint64_t{0} % 7) % 7);
  EXPECT_EQ(signature_threshold(1), 1u);
  EXPECT_EQ(signature_threshold(3), 3u);
  EXPECT_EQ(signature_threshold(4), 3u);
  EXPECT_EQ(signature_threshold(5), 4u);
  EXPECT_EQ(signature_threshold(7), 5u);
  EXPECT_EQ(signature_threshold(100), 67u);
  for (std::size_t n = 1; n <= 100; ++n) {
    const std::uint32_t t = signature_threshold(n);
    EXPECT_TRUE(t * 3 > 2 * n && (t - 1) * 3 <= 2 * n) << n;  // the contract's rule, and the least such
  }
}

TEST(ContractErrors, AreNamedWithTheirArguments) {
  const Bytes wrong_number = encode_call("WrongBatchNumber(uint64,uint64)", {AbiValue::uint64(3), AbiValue::uint64(2)});
  EXPECT_EQ(describe_contract_error(wrong_number), "WrongBatchNumber(expected 3, got 2)");
  EXPECT_EQ(describe_contract_error(from_hex("421ea630").value()), "WrongPrevRoot()");
  EXPECT_EQ(describe_contract_error(
                encode_call("NotEnoughSignatures(uint256,uint256)", {AbiValue::uint64(2), AbiValue::uint64(3)})),
            "NotEnoughSignatures(got 2, need 3)");
  EXPECT_EQ(describe_contract_error(encode_call("NotValidator(address)", {AbiValue::address(address(0x11))})),
            "NotValidator(signer 0x1111111111111111111111111111111111111111)");
  EXPECT_EQ(describe_contract_error(encode_call("Error(string)", {AbiValue::string("nope")})), "Error(message \"nope\")");
  EXPECT_EQ(describe_contract_error({}), "reverted without data");
  EXPECT_EQ(describe_contract_error(from_hex("deadbeef").value()), "custom error 0xdeadbeef");
  EXPECT_EQ(describe_contract_error(from_hex("f6d1afa3").value()), "WrongBatchNumber with malformed arguments 0xf6d1afa3");
}

TEST(SettlerRecords, RoundTripAndRefuseDamage) {
  using namespace records;
  auto rules = testing::world_rules();
  const SettlementLayout layout = layout_of(anvil_only_config(), *rules);
  testing::Workload work(*rules);
  std::vector<std::vector<exchange::Event>> blocks;
  for (std::uint64_t h = 1; h <= 9; ++h) blocks.push_back(work.block(h));
  const Batch batch = testing::expected_batches(*rules, layout, blocks)[0][2];
  ASSERT_FALSE(batch.deltas.empty());
  ASSERT_FALSE(batch.withdrawals.empty());

  auto full = decode_batch(encode(BatchRecord{batch, false}));
  ASSERT_TRUE(full.is_ok()) << full.status().to_string();
  EXPECT_EQ(full->batch, batch);
  auto slim = decode_batch(encode(BatchRecord{batch, true}));
  ASSERT_TRUE(slim.is_ok());
  EXPECT_TRUE(slim->slim);
  EXPECT_TRUE(slim->batch.deltas.empty());
  EXPECT_EQ(slim->batch.withdrawals, batch.withdrawals);

  Bytes damaged = encode(BatchRecord{batch, false});
  damaged[20] ^= 1;  // inside the header: the root no longer matches
  EXPECT_EQ(decode_batch(damaged).status().code(), StatusCode::kCorruption);
  Bytes versioned = encode(BatchRecord{batch, false});
  versioned[0] = 9;
  EXPECT_EQ(decode_batch(versioned).status().message(), "settlement batch: version 9, expected 1");

  HeadRecord head{42, {{1, ChainHead{3, batch.root, 40}}, {31337, ChainHead{}}}};
  auto head_back = decode_head(encode(head));
  ASSERT_TRUE(head_back.is_ok());
  EXPECT_EQ(head_back->processed_height, 42u);
  EXPECT_EQ(head_back->chains, head.chains);

  TxRecord tx{5, false, 9, FeeCaps{U256(300), U256(2)}, 123'456, {batch.root, batch.header.deltas_hash}, Bytes{1, 2, 3}};
  auto tx_back = decode_tx(encode(tx));
  ASSERT_TRUE(tx_back.is_ok());
  EXPECT_EQ(tx_back->batch_number, 5u);
  EXPECT_EQ(tx_back->nonce, 9u);
  EXPECT_EQ(tx_back->fees, tx.fees);
  EXPECT_EQ(tx_back->hashes, tx.hashes);
  EXPECT_EQ(tx_back->raw, tx.raw);

  auto chain_back = decode_chain(encode(ChainRecord{4, 10, 12, 99}));
  ASSERT_TRUE(chain_back.is_ok());
  EXPECT_EQ(chain_back->scan_next_block, 99u);
  EXPECT_EQ(decode_total(encode_total(77)).value(), 77u);
  EXPECT_FALSE(decode_total(Bytes{1, 2}).is_ok());
  EXPECT_NE(total_key(trader("alice"), 0), total_key(trader("alice"), 1));
  EXPECT_NE(batch_key(1, 2), batch_key(2, 1));
}

}  // namespace
}  // namespace replex::settlement
