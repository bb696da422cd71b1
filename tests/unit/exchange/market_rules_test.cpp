#include "replex/exchange/market_rules.hpp"

#include <gtest/gtest.h>

namespace replex::exchange {
namespace {

MarketRules rules(std::uint32_t maker_bps, std::uint32_t taker_bps, std::uint64_t per_tick_lot = 1) {
  MarketRules m;
  m.quote_per_tick_lot = per_tick_lot;
  m.maker_fee_bps = maker_bps;
  m.taker_fee_bps = taker_bps;
  m.max_lots = UINT64_MAX;
  return m;
}

TEST(MarketRules, QuotePerTickLot) {
  // BTC (8) / USDT (6), cents, lot 0.001 BTC: 1 * 10^5 * 10^6 / 10^10 = 10.
  EXPECT_EQ(*MarketRules::compute_quote_per_tick_lot(1, 100'000, 8, 6, 2), 10u);
  // More quote decimals than price + base: multiply.
  EXPECT_EQ(*MarketRules::compute_quote_per_tick_lot(5, 3, 0, 4, 1), 5u * 3u * 1000u);
  // Not a whole number: 1 * 1 * 10^6 / 10^10.
  const auto fractional = MarketRules::compute_quote_per_tick_lot(1, 1, 8, 6, 2);
  ASSERT_FALSE(fractional.is_ok());
  EXPECT_NE(fractional.status().message().find("not a whole number"), std::string::npos);
  // Too large for 64 bits: 2^63 * 10^18.
  EXPECT_FALSE(MarketRules::compute_quote_per_tick_lot(1ull << 63, 1, 0, 18, 0).is_ok());
  EXPECT_FALSE(MarketRules::compute_quote_per_tick_lot(0, 1, 0, 0, 0).is_ok());
}

TEST(MarketRules, FeesRoundUp) {
  EXPECT_EQ(MarketRules::fee(0, 20), 0u);
  EXPECT_EQ(MarketRules::fee(1, 1), 1u);        // 0.0001 -> 1
  EXPECT_EQ(MarketRules::fee(10'000, 20), 20u); // exact
  EXPECT_EQ(MarketRules::fee(10'001, 20), 21u); // 20.002 -> 21
  EXPECT_EQ(MarketRules::fee(91, 10), 1u);
  EXPECT_EQ(MarketRules::fee(UINT64_MAX, 1000), UINT64_MAX / 10 + 1);  // no overflow
  EXPECT_EQ(MarketRules::fee(7, 0), 0u);
}

TEST(MarketRules, NotionalAndLocksReportOverflow) {
  const MarketRules m = rules(10, 20, 10);
  EXPECT_EQ(*m.notional(3, 7), 210u);
  EXPECT_FALSE(m.notional(1ull << 32, 1ull << 32).has_value());
  EXPECT_FALSE(m.notional(UINT64_MAX, 1).has_value());
  // Per lot at 100 ticks: notional 1000 + ceil(1000 * 20 / 10^4) = 1002.
  EXPECT_EQ(*m.buy_lock_per_lot(100), 1002u);
  EXPECT_EQ(*m.buy_lock(100, 5), 5010u);
  EXPECT_FALSE(m.buy_lock(1ull << 40, 1ull << 30).has_value());
  MarketRules lots = m;
  lots.lot_size = 1ull << 40;
  EXPECT_FALSE(lots.sell_lock(1ull << 30).has_value());
  EXPECT_EQ(*m.taker_buy_cost(100, 3), 3000u + 6u);
}

TEST(MarketRules, PerLotLockCoversAnySplitOfFills) {
  // ceil(q * x) <= q * ceil(x): locking per lot covers every partial fill.
  const MarketRules m = rules(7, 13, 3);
  for (std::uint64_t ticks = 1; ticks < 60; ++ticks) {
    for (std::uint64_t q = 1; q < 40; ++q) {
      const std::uint64_t cost = *m.notional(ticks, q) + MarketRules::fee(*m.notional(ticks, q), 13);
      EXPECT_LE(cost, *m.buy_lock(ticks, q));
    }
  }
}

TEST(MarketRules, AffordableLotsIsExact) {
  for (const std::uint32_t bps : {0u, 1u, 20u, 999u, 1000u}) {
    const MarketRules m = rules(0, bps, 7);
    for (std::uint64_t ticks = 1; ticks < 30; ++ticks) {
      for (std::uint64_t budget = 0; budget < 3000; budget += 7) {
        const std::uint64_t n = m.affordable_lots(ticks, budget);
        if (n > 0) {
          EXPECT_LE(*m.taker_buy_cost(ticks, n), budget);
        }
        EXPECT_GT(*m.taker_buy_cost(ticks, n + 1), budget) << "ticks " << ticks << " budget " << budget;
      }
    }
  }
  EXPECT_EQ(rules(0, 20, 1).affordable_lots(UINT64_MAX, 100), 0u);
}

}  // namespace
}  // namespace replex::exchange
