#include "replex/exchange/genesis.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "exchange_harness.hpp"
#include "replex/exchange/chain_rules.hpp"

namespace replex::exchange {
namespace {

using testing::test_genesis;

void expect_invalid(const Genesis& g, std::string_view fragment) {
  const Status s = validate_genesis(g);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
  EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
}

TEST(Genesis, TestGenesisIsValid) { EXPECT_TRUE(validate_genesis(test_genesis()).is_ok()); }

TEST(Genesis, RejectsEachBadFieldByName) {
  Genesis g = test_genesis();
  g.chain_id = "";
  expect_invalid(g, "chain_id");
  g = test_genesis();
  g.chain_id = "bad chain";
  expect_invalid(g, "chain_id");

  g = test_genesis();
  g.params.max_tx_bytes = 10;
  expect_invalid(g, "params.max_tx_bytes");
  g = test_genesis();
  g.params.max_tx_ttl_blocks = 0;
  expect_invalid(g, "params.max_tx_ttl_blocks");
  g = test_genesis();
  g.params.max_open_orders_per_account = 0;
  expect_invalid(g, "params.max_open_orders_per_account");
  g = test_genesis();
  g.params.max_client_order_id_bytes = 37;
  expect_invalid(g, "params.max_client_order_id_bytes");

  g = test_genesis();
  g.assets.clear();
  expect_invalid(g, "assets");
  g = test_genesis();
  g.assets[0].symbol = "base";
  expect_invalid(g, "assets[0].symbol");
  g = test_genesis();
  g.assets[1].decimals = 19;
  expect_invalid(g, "assets[1].decimals");
  g = test_genesis();
  g.assets.push_back({"BASE", 2});
  expect_invalid(g, "duplicate asset");

  g = test_genesis();
  g.markets[0].base = "NOPE";
  expect_invalid(g, "markets[BASE-QUOTE].base");
  g = test_genesis();
  g.markets[0].quote = "BASE";
  expect_invalid(g, "markets[BASE-QUOTE].quote");
  g = test_genesis();
  g.markets[0].tick_size = 0;
  expect_invalid(g, "markets[BASE-QUOTE].tick_size");
  g = test_genesis();
  g.markets[0].lot_size = 0;
  expect_invalid(g, "markets[BASE-QUOTE].lot_size");
  g = test_genesis();
  g.markets[1].min_quantity = 150'000;
  expect_invalid(g, "markets[BTC-USDT].min_quantity");
  g = test_genesis();
  g.markets[1].max_quantity = 50'000;
  expect_invalid(g, "markets[BTC-USDT].max_quantity");
  g = test_genesis();
  g.markets[0].maker_fee_bps = 1001;
  expect_invalid(g, "markets[BASE-QUOTE].maker_fee_bps");
  g = test_genesis();
  g.markets[0].taker_fee_bps = 5000;
  expect_invalid(g, "markets[BASE-QUOTE].taker_fee_bps");
  g = test_genesis();
  g.markets.push_back(g.markets[0]);
  expect_invalid(g, "duplicate market");

  g = test_genesis();
  g.fee_account = AccountId{};
  expect_invalid(g, "fee_account");
  g = test_genesis();
  g.allocations[0].asset = "NOPE";
  expect_invalid(g, "allocations[0].asset");
  g = test_genesis();
  g.allocations[0].amount = 0;
  expect_invalid(g, "allocations[0].amount");
  g = test_genesis();
  g.allocations.push_back(g.allocations[0]);
  expect_invalid(g, "duplicate (account, asset)");
  g = test_genesis({"alice", "bob"});
  g.allocations[0].amount = UINT64_MAX;
  expect_invalid(g, "total supply of BASE");
}

TEST(Genesis, RejectsMarketsWhoseTickLotIsNotAWholeQuoteUnit) {
  Genesis g = test_genesis();
  // 0.01 USDT tick on a 0.00000001 BTC lot is 10^-10 USDT: below one quote unit.
  g.markets[1].lot_size = 1;
  g.markets[1].min_quantity = 1;
  const Status s = validate_genesis(g);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("markets[BTC-USDT]"), std::string::npos);
  EXPECT_NE(s.message().find("not a whole number"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("tick_size (1) * lot_size (1)"), std::string::npos) << s.message();
}

TEST(Genesis, CanonicalEncodingIgnoresListOrderAndRoundTrips) {
  Genesis a = test_genesis();
  Genesis b = a;
  std::reverse(b.assets.begin(), b.assets.end());
  std::reverse(b.markets.begin(), b.markets.end());
  std::reverse(b.allocations.begin(), b.allocations.end());
  EXPECT_EQ(encode_genesis(a), encode_genesis(b));
  EXPECT_EQ(genesis_hash(a), genesis_hash(b));

  auto decoded = decode_genesis(encode_genesis(b));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, canonical_genesis(a));

  Genesis c = a;
  c.markets[0].taker_fee_bps = 21;
  EXPECT_NE(genesis_hash(a), genesis_hash(c));
}

TEST(Genesis, DecodeRejectsTruncatedTrailingAndUnsortedBytes) {
  const Bytes good = encode_genesis(test_genesis());
  Bytes truncated(good.begin(), good.end() - 3);
  EXPECT_FALSE(decode_genesis(truncated).is_ok());
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_FALSE(decode_genesis(trailing).is_ok());
  EXPECT_FALSE(decode_genesis(Bytes{}).is_ok());
}

TEST(ChainRules, IndicesFollowSortedSymbolsAndMarketArithmetic) {
  auto rules = ChainRules::create(test_genesis());
  ASSERT_TRUE(rules.is_ok());
  const ChainRules& r = **rules;
  EXPECT_EQ(r.asset(*r.find_asset("BASE")).symbol, "BASE");
  EXPECT_LT(*r.find_asset("BASE"), *r.find_asset("QUOTE"));  // sorted by symbol
  EXPECT_FALSE(r.find_market("NOPE").has_value());
  const MarketRules& btc = r.market(*r.find_market("BTC-USDT"));
  EXPECT_EQ(btc.quote_per_tick_lot, 10u);
  EXPECT_EQ(btc.min_lots, 1u);
  EXPECT_EQ(btc.max_lots, 100'000u);
  EXPECT_EQ(btc.base, *r.find_asset("BTC"));
  EXPECT_EQ(btc.quote, *r.find_asset("USDT"));
}

}  // namespace
}  // namespace replex::exchange
