// Directed cases for the matcher's subtler rules; the model test covers the
// rest at random.
#include "replex/exchange/matcher.hpp"

#include <gtest/gtest.h>

namespace replex::exchange {
namespace {

class MatcherTest : public ::testing::Test, protected MatchListener {
 protected:
  MatcherTest() {
    rules_.quote_per_tick_lot = 1;
    rules_.taker_fee_bps = 20;
    rules_.max_lots = 1'000'000;
  }

  Slot make(OrderId id, std::uint32_t account, Side side, std::uint64_t ticks, std::uint64_t lots,
            std::uint64_t display = 0, SelfTradePrevention stp = SelfTradePrevention::kExpireMaker,
            TimeInForce tif = TimeInForce::kGtc) {
    const Slot s = pool_.allocate();
    Order& o = pool_[s];
    o.id = id;
    o.account = account;
    o.side = side;
    o.price_ticks = ticks;
    o.open_lots = lots;
    o.display_lots = display;
    o.stp = stp;
    o.tif = tif;
    return s;
  }
  Slot rest(OrderId id, std::uint32_t account, Side side, std::uint64_t ticks, std::uint64_t lots,
            std::uint64_t display = 0) {
    const Slot s = make(id, account, side, ticks, lots, display);
    EXPECT_EQ(matcher_.execute(s, TakerBounds{ticks, std::nullopt}, *this).outcome, Outcome::kRested);
    return s;
  }

  void on_trade(Order& maker, Order&, std::uint64_t ticks, std::uint64_t lots) override {
    trades_.push_back({maker.id, ticks, lots});
  }
  void on_maker_removed(Slot maker, MakerRemoval why) override {
    removed_.push_back({pool_[maker].id, why});
    pool_.release(maker);
  }

  struct Fill {
    OrderId maker;
    std::uint64_t ticks;
    std::uint64_t lots;
  };
  MarketRules rules_;
  OrderPool pool_;
  Matcher matcher_{rules_, pool_};
  std::vector<Fill> trades_;
  std::vector<std::pair<OrderId, MakerRemoval>> removed_;
};

TEST_F(MatcherTest, FokWithExpireTakerReachesOnlySlicesShownBeforeItsOwnOrder) {
  rest(1, 7, Side::kSell, 100, 10, /*display=*/2);  // shows 2, hides 8
  rest(2, 9, Side::kSell, 100, 3);                  // the taker's own order
  rest(3, 8, Side::kSell, 101, 50);
  const Slot taker = make(4, 9, Side::kBuy, 101, 5, 0, SelfTradePrevention::kExpireTaker, TimeInForce::kFok);
  // The taker takes 2 from the iceberg (whose refill goes behind order 2),
  // then meets its own order and stops: 2 lots are all it can get.
  EXPECT_EQ(matcher_.fillable_lots(pool_[taker], TakerBounds{101, std::nullopt}, 5), 2u);
  EXPECT_EQ(matcher_.admit(pool_[taker], TakerBounds{101, std::nullopt}), Admission::kFokNotFillable);
  // With EXPIRE_MAKER its own order is skipped and everything up to 101 counts.
  pool_[taker].stp = SelfTradePrevention::kExpireMaker;
  EXPECT_EQ(matcher_.fillable_lots(pool_[taker], TakerBounds{101, std::nullopt}, 100), 60u);
  const ExecResult r = matcher_.execute(taker, TakerBounds{101, std::nullopt}, *this);
  EXPECT_EQ(r.outcome, Outcome::kFilled);
  ASSERT_EQ(removed_.size(), 1u);
  EXPECT_EQ(removed_[0].first, 2u);
  EXPECT_EQ(removed_[0].second, MakerRemoval::kSelfTrade);
  // 2 from the slice, then the refilled slice (order 2 is gone), 2 + 1.
  ASSERT_EQ(trades_.size(), 3u);
  EXPECT_EQ(trades_[0].lots, 2u);
  EXPECT_EQ(trades_[1].lots, 2u);
  EXPECT_EQ(trades_[2].lots, 1u);
  pool_.release(taker);
}

TEST_F(MatcherTest, BudgetStopsAtTheFirstLotItCannotPayFor) {
  rest(1, 1, Side::kSell, 100, 3);
  rest(2, 1, Side::kSell, 200, 3);
  const Slot taker = make(3, 2, Side::kBuy, 0, 1000, 0, SelfTradePrevention::kExpireMaker, TimeInForce::kIoc);
  pool_[taker].type = OrderType::kMarket;
  // 3 lots at 100 cost 300 + 1; one at 200 costs 200 + 1; 150 left cannot buy another.
  const ExecResult r = matcher_.execute(taker, TakerBounds{std::nullopt, 652}, *this);
  EXPECT_EQ(r.outcome, Outcome::kExpired);
  EXPECT_EQ(r.match.end, MatchEnd::kBudget);
  EXPECT_EQ(r.match.lots, 4u);
  EXPECT_EQ(r.match.quote_spent, 502u);
  pool_.release(taker);
}

TEST_F(MatcherTest, AmendKeepsOrLosesPriority) {
  const Slot a = rest(1, 1, Side::kBuy, 100, 5);
  rest(2, 2, Side::kBuy, 100, 5);
  EXPECT_EQ(matcher_.amend(a, 100, 3, *this).outcome, Outcome::kReducedInPlace);
  EXPECT_EQ(matcher_.book().level(Side::kBuy, 0).head, a);
  EXPECT_EQ(matcher_.book().level(Side::kBuy, 0).visible_lots, 8u);
  EXPECT_EQ(matcher_.amend(a, 100, 4, *this).outcome, Outcome::kRested);
  EXPECT_EQ(matcher_.book().level(Side::kBuy, 0).tail, a);
  EXPECT_EQ(matcher_.amend(a, 101, 4, *this).outcome, Outcome::kRested);
  EXPECT_EQ(matcher_.book().level(Side::kBuy, 0).ticks, 101u);
}

}  // namespace
}  // namespace replex::exchange
