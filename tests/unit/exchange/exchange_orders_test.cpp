// Order types, fees, locks and matching through the whole state machine.
// Market BASE-QUOTE: notional = price * quantity, maker 10 bps, taker 20 bps,
// so a buy locks price + ceil(price * 20 / 10^4) per unit.
#include <gtest/gtest.h>

#include "exchange_harness.hpp"

namespace replex::exchange {
namespace {

using testing::Harness;
using testing::kStartBase;
using testing::kStartQuote;
using testing::limit;
using testing::market_order;

TEST(Orders, LimitGtcRestsAndLocksPerUnitWorstCaseFee) {
  Harness h;
  const OrderId id = h.place("alice", limit(Side::kBuy, 100, 10));
  // 10 * (100 + ceil(100 * 20 / 10^4)) = 10 * 101.
  EXPECT_EQ(h.balance("alice", "QUOTE").locked, 1010u);
  EXPECT_EQ(h.balance("alice", "QUOTE").available, kStartQuote - 1010);
  const auto accepted = h.events<event::OrderAccepted>();
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].order_id, id);
  EXPECT_EQ(accepted[0].price, 100u);
  EXPECT_EQ(accepted[0].quantity, 10u);
  const auto changes = h.events<event::BalanceChanged>();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].locked, 1010u);
  const auto depth = h.depth();
  ASSERT_EQ(depth.bids.size(), 1u);
  EXPECT_EQ(depth.bids[0], (DepthLevel{100, 10, 1}));
  const auto info = h.app().order(id);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->locked, 1010u);
  EXPECT_EQ(info->open_quantity, 10u);
  EXPECT_FALSE(info->pending_stop);

  h.place("bob", limit(Side::kSell, 105, 7));
  EXPECT_EQ(h.balance("bob", "BASE").locked, 7u);
  EXPECT_EQ(h.balance("bob", "BASE").available, kStartBase - 7);
}

TEST(Orders, CrossingLimitTradesAtMakerPriceAndChargesMakerAndTakerFees) {
  Harness h;
  const OrderId maker = h.place("alice", limit(Side::kSell, 100, 10));
  const OrderId taker = h.place("bob", limit(Side::kBuy, 105, 4));
  const auto trades = h.events<event::Trade>();
  ASSERT_EQ(trades.size(), 1u);
  const event::Trade& t = trades[0];
  EXPECT_EQ(t.maker_order_id, maker);
  EXPECT_EQ(t.taker_order_id, taker);
  EXPECT_EQ(t.maker, h.id("alice"));
  EXPECT_EQ(t.taker, h.id("bob"));
  EXPECT_EQ(t.price, 100u);
  EXPECT_EQ(t.quantity, 4u);
  EXPECT_EQ(t.maker_fee, 1u);  // ceil(400 * 10 / 10^4) = ceil(0.4)
  EXPECT_EQ(t.taker_fee, 1u);  // ceil(0.8)
  EXPECT_EQ(t.aggressor, Side::kBuy);
  // Buyer pays notional + fee, seller receives notional - fee, fees to the fee account.
  EXPECT_EQ(h.balance("bob", "QUOTE").available, kStartQuote - 401);
  EXPECT_EQ(h.balance("bob", "QUOTE").locked, 0u);  // filled: the rest of 4 * 106 released
  EXPECT_EQ(h.balance("bob", "BASE").available, kStartBase + 4);
  EXPECT_EQ(h.balance("alice", "QUOTE").available, kStartQuote + 399);
  EXPECT_EQ(h.balance("alice", "BASE").locked, 6u);
  EXPECT_EQ(h.balance("alice", "BASE").available, kStartBase - 10);
  EXPECT_EQ(h.balance("fees", "QUOTE").available, 2u);
  const auto partial = h.events<event::OrderPartiallyFilled>();
  ASSERT_EQ(partial.size(), 1u);
  EXPECT_EQ(partial[0].order_id, maker);
  EXPECT_EQ(partial[0].filled_quantity, 4u);
  EXPECT_EQ(partial[0].open_quantity, 6u);
  const auto filled = h.events<event::OrderFilled>();
  ASSERT_EQ(filled.size(), 1u);
  EXPECT_EQ(filled[0].order_id, taker);
  EXPECT_FALSE(h.app().order(taker).has_value());  // closed orders leave the state
  EXPECT_EQ(h.app().last_price(h.market()), 100u);
}

TEST(Orders, FeesRoundUpPerTrade) {
  Harness h;
  h.place("alice", limit(Side::kSell, 100, 101));
  h.place("bob", limit(Side::kBuy, 100, 101));
  const auto t = h.events<event::Trade>().at(0);
  EXPECT_EQ(t.maker_fee, 11u);  // ceil(10100 * 10 / 10^4) = ceil(10.1)
  EXPECT_EQ(t.taker_fee, 21u);  // ceil(20.2)
  EXPECT_EQ(h.balance("fees", "QUOTE").available, 32u);
  h.place("alice", limit(Side::kSell, 13, 7));
  h.place("bob", limit(Side::kBuy, 13, 7));
  const auto small = h.events<event::Trade>().at(0);
  EXPECT_EQ(small.maker_fee, 1u);  // ceil(0.091)
  EXPECT_EQ(small.taker_fee, 1u);  // ceil(0.182)
}

TEST(Orders, IocRemainderExpiresAndReleasesItsLock) {
  Harness h;
  h.place("alice", limit(Side::kSell, 100, 3));
  const OrderId ioc = h.place("bob", limit(Side::kBuy, 100, 5, TimeInForce::kIoc));
  const auto expired = h.events<event::OrderExpired>();
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].order_id, ioc);
  EXPECT_EQ(expired[0].cause, ExpireCause::kImmediateOrCancel);
  EXPECT_EQ(expired[0].open_quantity, 2u);
  EXPECT_EQ(h.balance("bob", "QUOTE").locked, 0u);
  EXPECT_EQ(h.balance("bob", "QUOTE").available, kStartQuote - 301);
  EXPECT_TRUE(h.depth().bids.empty());  // never rests
}

TEST(Orders, FokFillsCompletelyOrIsRejectedWithoutSideEffects) {
  Harness h;
  h.place("alice", limit(Side::kSell, 100, 4));
  const Bytes snapshot_before = h.app().snapshot();
  const auto outcome = h.run({h.place_tx("bob", limit(Side::kBuy, 100, 5, TimeInForce::kFok))});
  EXPECT_EQ(outcome.tx_codes[0], code(Reason::kFokNotFillable));
  ASSERT_EQ(h.app().last_block_events().size(), 1u);  // only the TxResult
  EXPECT_EQ(h.balance("bob", "QUOTE").locked, 0u);
  EXPECT_EQ(h.balance("bob", "QUOTE").available, kStartQuote);
  EXPECT_EQ(h.depth().asks.at(0).quantity, 4u);

  h.place("bob", limit(Side::kBuy, 100, 4, TimeInForce::kFok));
  EXPECT_EQ(h.events<event::Trade>().size(), 1u);
  EXPECT_TRUE(h.depth().asks.empty());
}

TEST(Orders, FokCountsHiddenIcebergQuantityAndSelfTradePrevention) {
  Harness h;
  PlaceOrderArgs ice = limit(Side::kSell, 100, 10);
  ice.display_quantity = 2;
  h.place("alice", ice);
  EXPECT_EQ(h.depth().asks.at(0).quantity, 2u);  // only the slice shows
  h.place("bob", limit(Side::kBuy, 100, 10, TimeInForce::kFok));
  EXPECT_EQ(h.events<event::Trade>().size(), 5u);  // 2 + 2 + 2 + 2 + 2

  // carol's own ask sits first; EXPIRE_TAKER would end her FOK there.
  h.place("carol", limit(Side::kSell, 100, 5));
  h.place("dave", limit(Side::kSell, 101, 10));
  PlaceOrderArgs fok = limit(Side::kBuy, 101, 10, TimeInForce::kFok);
  fok.self_trade_prevention = SelfTradePrevention::kExpireTaker;
  EXPECT_EQ(h.exec(h.place_tx("carol", fok)), code(Reason::kFokNotFillable));
  // EXPIRE_MAKER skips (and cancels) carol's ask, so dave's 10 fill it.
  fok.self_trade_prevention = SelfTradePrevention::kExpireMaker;
  EXPECT_EQ(h.exec(h.place_tx("carol", fok)), 0u);
  EXPECT_EQ(h.events<event::Trade>().size(), 1u);
  const auto canceled = h.events<event::OrderCanceled>();
  ASSERT_EQ(canceled.size(), 1u);
  EXPECT_EQ(canceled[0].cause, CancelCause::kSelfTradeMaker);
  EXPECT_EQ(h.balance("carol", "BASE").locked, 0u);
}

TEST(Orders, PostOnlyRestsOrIsRejectedWithoutSideEffects) {
  Harness h;
  h.place("alice", limit(Side::kSell, 100, 5));
  PlaceOrderArgs po = limit(Side::kBuy, 99, 5);
  po.post_only = true;
  const OrderId rested = h.place("bob", po);
  EXPECT_TRUE(h.app().order(rested)->post_only);
  po.price = 100;
  const auto outcome = h.run({h.place_tx("bob", po)});
  EXPECT_EQ(outcome.tx_codes[0], code(Reason::kPostOnlyWouldTake));
  EXPECT_EQ(h.app().last_block_events().size(), 1u);
  EXPECT_EQ(h.balance("bob", "QUOTE").locked, 5u * 100u);  // only the resting one: 5 * (99 + 1)
}

TEST(Orders, MarketOrderStopsAtProtectionPriceAndExpiresTheRest) {
  Harness h;
  h.place("alice", limit(Side::kSell, 100, 5));
  h.place("alice", limit(Side::kSell, 102, 5));
  h.place("alice", limit(Side::kSell, 104, 5));
  const OrderId m = h.place("bob", market_order(Side::kBuy, 12, 102));
  const auto trades = h.events<event::Trade>();
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].price, 100u);
  EXPECT_EQ(trades[1].price, 102u);
  const auto expired = h.events<event::OrderExpired>();
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].order_id, m);
  EXPECT_EQ(expired[0].cause, ExpireCause::kMarketRemainder);
  EXPECT_EQ(expired[0].open_quantity, 2u);
  // 500 + 1 and 510 + 2 paid; the lock of 12 * 103 released.
  EXPECT_EQ(h.balance("bob", "QUOTE").available, kStartQuote - 1013);
  EXPECT_EQ(h.balance("bob", "QUOTE").locked, 0u);

  h.place("carol", limit(Side::kBuy, 98, 5));
  h.place("bob", market_order(Side::kSell, 3, 97));
  EXPECT_EQ(h.events<event::Trade>().at(0).price, 98u);
  EXPECT_EQ(h.events<event::Trade>().at(0).aggressor, Side::kSell);
}

TEST(Orders, MarketBuyWithQuoteBudgetSpendsAtMostTheBudgetIncludingFees) {
  Harness h;
  h.place("alice", limit(Side::kSell, 100, 10));
  h.place("alice", limit(Side::kSell, 110, 10));
  PlaceOrderArgs buy = market_order(Side::kBuy, 0, 0, 1500);  // no quantity, no protection
  const OrderId id = h.place("bob", buy);
  const auto trades = h.events<event::Trade>();
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].quantity, 10u);  // 1000 + 2
  EXPECT_EQ(trades[1].quantity, 4u);   // 440 + 1; a fifth unit would cost 551 > 498 left
  EXPECT_EQ(h.balance("bob", "QUOTE").available, kStartQuote - 1443);
  EXPECT_EQ(h.balance("bob", "QUOTE").locked, 0u);
  EXPECT_EQ(h.balance("bob", "BASE").available, kStartBase + 14);
  const auto expired = h.events<event::OrderExpired>();
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].order_id, id);

  // With a quantity, the quantity caps it.
  buy.quantity = 3;
  h.place("bob", buy);
  EXPECT_EQ(h.events<event::Trade>().at(0).quantity, 3u);
  EXPECT_TRUE(h.events<event::OrderExpired>().empty());
}

TEST(Orders, MarketSellNeedsProtectionPrice) {
  Harness h;
  const auto outcome = h.run({h.place_tx("bob", market_order(Side::kSell, 3, 0))});
  EXPECT_EQ(outcome.tx_codes[0], code(Reason::kInvalidField));
  EXPECT_NE(h.message_of(0).find("place_order.protection_price"), std::string::npos);
}

TEST(SelfTradePrevention, ExpireMakerCancelsOwnRestingOrderAndContinues) {
  Harness h;
  const OrderId own = h.place("alice", limit(Side::kSell, 100, 5));
  h.place("bob", limit(Side::kSell, 101, 5));
  const OrderId taker = h.place("alice", limit(Side::kBuy, 101, 10));  // default mode
  const auto canceled = h.events<event::OrderCanceled>();
  ASSERT_EQ(canceled.size(), 1u);
  EXPECT_EQ(canceled[0].order_id, own);
  EXPECT_EQ(canceled[0].cause, CancelCause::kSelfTradeMaker);
  EXPECT_EQ(canceled[0].open_quantity, 5u);
  ASSERT_EQ(h.events<event::Trade>().size(), 1u);
  EXPECT_EQ(h.events<event::Trade>()[0].price, 101u);
  EXPECT_EQ(h.app().order(taker)->open_quantity, 5u);  // the rest rests
  EXPECT_EQ(h.balance("alice", "BASE").locked, 0u);    // the canceled ask released its lock
}

TEST(SelfTradePrevention, ExpireTakerCancelsTheIncomingRemainder) {
  Harness h;
  const OrderId own = h.place("alice", limit(Side::kSell, 100, 5));
  PlaceOrderArgs buy = limit(Side::kBuy, 101, 10);
  buy.self_trade_prevention = SelfTradePrevention::kExpireTaker;
  const OrderId taker = h.place("alice", buy);
  EXPECT_TRUE(h.events<event::Trade>().empty());
  const auto canceled = h.events<event::OrderCanceled>();
  ASSERT_EQ(canceled.size(), 1u);
  EXPECT_EQ(canceled[0].order_id, taker);
  EXPECT_EQ(canceled[0].cause, CancelCause::kSelfTradeTaker);
  EXPECT_TRUE(h.app().order(own).has_value());
  EXPECT_EQ(h.balance("alice", "QUOTE").locked, 0u);
}

TEST(SelfTradePrevention, ExpireBothCancelsBoth) {
  Harness h;
  h.place("bob", limit(Side::kSell, 99, 2));
  const OrderId own = h.place("alice", limit(Side::kSell, 100, 5));
  PlaceOrderArgs buy = limit(Side::kBuy, 101, 10);
  buy.self_trade_prevention = SelfTradePrevention::kExpireBoth;
  const OrderId taker = h.place("alice", buy);
  EXPECT_EQ(h.events<event::Trade>().size(), 1u);  // bob's 2 at 99 first
  const auto canceled = h.events<event::OrderCanceled>();
  ASSERT_EQ(canceled.size(), 2u);
  EXPECT_EQ(canceled[0].order_id, own);
  EXPECT_EQ(canceled[0].cause, CancelCause::kSelfTradeMaker);
  EXPECT_EQ(canceled[1].order_id, taker);
  EXPECT_EQ(canceled[1].cause, CancelCause::kSelfTradeTaker);
  EXPECT_EQ(canceled[1].open_quantity, 8u);
  EXPECT_TRUE(h.depth().asks.empty());
  EXPECT_TRUE(h.depth().bids.empty());
}

TEST(Icebergs, ShowOnlyTheSliceAndLosePriorityOnRefill) {
  Harness h;
  PlaceOrderArgs ice = limit(Side::kSell, 100, 10);
  ice.display_quantity = 3;
  const OrderId iceberg = h.place("alice", ice);
  const OrderId plain = h.place("bob", limit(Side::kSell, 100, 5));
  EXPECT_EQ(h.depth().asks.at(0), (DepthLevel{100, 8, 2}));  // 3 shown + 5
  EXPECT_EQ(h.balance("alice", "BASE").locked, 10u);         // the whole order is locked

  h.place("carol", limit(Side::kBuy, 100, 3));
  EXPECT_EQ(h.events<event::Trade>().at(0).maker_order_id, iceberg);
  // The refilled slice went behind bob's order.
  h.place("carol", limit(Side::kBuy, 100, 5));
  const auto trades = h.events<event::Trade>();
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].maker_order_id, plain);
  EXPECT_EQ(h.depth().asks.at(0), (DepthLevel{100, 3, 1}));
  const auto info = h.app().order(iceberg);
  EXPECT_EQ(info->open_quantity, 7u);
  EXPECT_EQ(info->visible_quantity, 3u);
  EXPECT_EQ(info->display_quantity, 3u);
}

TEST(Amend, LoweringQuantityKeepsPriority) {
  Harness h;
  const OrderId first = h.place("alice", limit(Side::kBuy, 100, 10));
  h.place("bob", limit(Side::kBuy, 100, 10));
  EXPECT_EQ(h.exec(h.amend_tx("alice", first, 0, 5)), 0u);
  const auto amended = h.events<event::OrderAmended>();
  ASSERT_EQ(amended.size(), 1u);
  EXPECT_FALSE(amended[0].requeued);
  EXPECT_EQ(amended[0].open_quantity, 5u);
  EXPECT_EQ(h.balance("alice", "QUOTE").locked, 5u * 101u);  // re-locked for 5
  h.place("carol", limit(Side::kSell, 100, 5));
  EXPECT_EQ(h.events<event::Trade>().at(0).maker_order_id, first);
}

TEST(Amend, RaisingQuantityRequeuesBehindTheLevel) {
  Harness h;
  const OrderId first = h.place("alice", limit(Side::kBuy, 100, 10));
  const OrderId second = h.place("bob", limit(Side::kBuy, 100, 10));
  EXPECT_EQ(h.exec(h.amend_tx("alice", first, 0, 12)), 0u);
  EXPECT_TRUE(h.events<event::OrderAmended>().at(0).requeued);
  EXPECT_EQ(h.balance("alice", "QUOTE").locked, 12u * 101u);
  h.place("carol", limit(Side::kSell, 100, 5));
  EXPECT_EQ(h.events<event::Trade>().at(0).maker_order_id, second);
  EXPECT_EQ(h.app().order(first)->id, first);  // same order id after re-queueing
}

TEST(Amend, PriceChangeRequeuesAndMayTrade) {
  Harness h;
  h.place("bob", limit(Side::kSell, 103, 5));
  const OrderId id = h.place("alice", limit(Side::kBuy, 100, 10));
  EXPECT_EQ(h.exec(h.amend_tx("alice", id, 103, 0)), 0u);
  const auto trades = h.events<event::Trade>();
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].taker_order_id, id);
  EXPECT_EQ(trades[0].quantity, 5u);
  const auto info = h.app().order(id);
  EXPECT_EQ(info->price, 103u);
  EXPECT_EQ(info->open_quantity, 5u);
  EXPECT_EQ(info->filled_quantity, 5u);
  // Locked 10 * 104 at the new price, spent 515 + 2.
  EXPECT_EQ(h.balance("alice", "QUOTE").locked, 1040u - 517u);
  EXPECT_EQ(h.depth().bids.at(0), (DepthLevel{103, 5, 1}));
}

TEST(Amend, PostOnlyThatWouldCrossAndUnaffordableAmendsLeaveTheOrderUnchanged) {
  Genesis g = testing::test_genesis();
  g.allocations.push_back({KeyPair::from_label("poor").public_key(), "QUOTE", 1000});
  Harness h(std::move(g));
  h.place("bob", limit(Side::kSell, 102, 5));
  PlaceOrderArgs po = limit(Side::kBuy, 100, 5);
  po.post_only = true;
  const OrderId id = h.place("poor", po);  // locks 5 * 101 = 505
  const OrderInfo before = *h.app().order(id);
  EXPECT_EQ(h.exec(h.amend_tx("poor", id, 102, 0)), code(Reason::kPostOnlyWouldTake));
  EXPECT_EQ(*h.app().order(id), before);
  EXPECT_EQ(h.exec(h.amend_tx("poor", id, 0, 10)), code(Reason::kInsufficientBalance));
  EXPECT_EQ(*h.app().order(id), before);
  EXPECT_EQ(h.balance("poor", "QUOTE").locked, 505u);
  EXPECT_EQ(h.exec(h.amend_tx("poor", id, 101, 0)), 0u);  // still below the ask: fine
  EXPECT_EQ(h.app().order(id)->price, 101u);
  EXPECT_EQ(h.balance("poor", "QUOTE").locked, 5u * 102u);
}

TEST(Amend, RejectsPendingStopsAndOthersOrders) {
  Harness h;
  PlaceOrderArgs stop = limit(Side::kBuy, 106, 2);
  stop.type = OrderType::kStopLimit;
  stop.stop_price = 105;
  const OrderId id = h.place("alice", stop);
  EXPECT_EQ(h.exec(h.amend_tx("alice", id, 107, 0)), code(Reason::kOrderNotAmendable));
  EXPECT_NE(h.message_of(0).find("pending stop"), std::string::npos);
  const OrderId other = h.place("bob", limit(Side::kBuy, 90, 1));
  EXPECT_EQ(h.exec(h.amend_tx("alice", other, 91, 0)), code(Reason::kUnknownOrder));
  EXPECT_EQ(h.exec(h.amend_tx("bob", other, 91, 0, testing::kBtcMarket)), code(Reason::kUnknownOrder));
}

TEST(Stops, WaitWithoutTradesThenTriggerOnTheLastTradePrice) {
  Harness h;
  PlaceOrderArgs stop = limit(Side::kBuy, 106, 2);
  stop.type = OrderType::kStopLimit;
  stop.stop_price = 105;
  const OrderId id = h.place("alice", stop);
  EXPECT_TRUE(h.app().order(id)->pending_stop);
  EXPECT_EQ(h.app().order(id)->stop_price, 105u);
  EXPECT_EQ(h.balance("alice", "QUOTE").locked, 2u * 107u);  // locked at placement
  EXPECT_TRUE(h.depth().bids.empty());                     // not in the book

  h.place("bob", limit(Side::kSell, 104, 1));
  h.place("carol", limit(Side::kBuy, 104, 1));  // last = 104 < 105: still waiting
  EXPECT_TRUE(h.events<event::OrderTriggered>().empty());
  h.place("bob", limit(Side::kSell, 105, 1));
  h.place("carol", limit(Side::kBuy, 105, 1));  // last = 105: triggers
  const auto triggered = h.events<event::OrderTriggered>();
  ASSERT_EQ(triggered.size(), 1u);
  EXPECT_EQ(triggered[0].order_id, id);
  EXPECT_EQ(triggered[0].last_price, 105u);
  const auto info = h.app().order(id);
  EXPECT_FALSE(info->pending_stop);
  EXPECT_EQ(h.depth().bids.at(0), (DepthLevel{106, 2, 1}));
}

TEST(Stops, AnyTradeOfASweepCountsNotOnlyTheLast) {
  Harness h;
  h.place("bob", limit(Side::kBuy, 105, 1));
  h.place("bob", limit(Side::kBuy, 103, 1));
  PlaceOrderArgs stop = market_order(Side::kBuy, 1, 120);
  stop.type = OrderType::kStopMarket;
  stop.stop_price = 104;
  const OrderId id = h.place("alice", stop);
  h.place("carol", limit(Side::kSell, 103, 2));  // prints 105, then 103
  EXPECT_EQ(h.app().last_price(h.market()), 103u);
  const auto triggered = h.events<event::OrderTriggered>();
  ASSERT_EQ(triggered.size(), 1u);  // the 105 print crossed 104
  EXPECT_EQ(triggered[0].order_id, id);
}

TEST(Stops, RejectedWhenTheLastPriceAlreadyTriggersThem) {
  Harness h;
  h.place("bob", limit(Side::kSell, 105, 1));
  h.place("carol", limit(Side::kBuy, 105, 1));
  PlaceOrderArgs buy_stop = market_order(Side::kBuy, 1, 200);
  buy_stop.type = OrderType::kStopMarket;
  buy_stop.stop_price = 105;
  EXPECT_EQ(h.exec(h.place_tx("alice", buy_stop)), code(Reason::kStopWouldTrigger));
  PlaceOrderArgs sell_stop = market_order(Side::kSell, 1, 50);
  sell_stop.type = OrderType::kStopMarket;
  sell_stop.stop_price = 106;
  EXPECT_EQ(h.exec(h.place_tx("alice", sell_stop)), code(Reason::kStopWouldTrigger));
  sell_stop.stop_price = 104;
  EXPECT_EQ(h.exec(h.place_tx("alice", sell_stop)), 0u);
  EXPECT_EQ(h.balance("alice", "BASE").locked, 1u);
}

TEST(Stops, CascadeRunsTriggeredOrdersInArrivalOrder) {
  Harness h;
  h.place("bob", limit(Side::kSell, 101, 1));
  h.place("bob", limit(Side::kSell, 102, 1));
  h.place("bob", limit(Side::kSell, 103, 1));
  auto stop_buy = [](std::uint64_t stop_price) {
    PlaceOrderArgs a = market_order(Side::kBuy, 1, 110);
    a.type = OrderType::kStopMarket;
    a.stop_price = stop_price;
    return a;
  };
  const OrderId s1 = h.place("alice", stop_buy(101));
  const OrderId s2 = h.place("carol", stop_buy(102));
  h.place("dave", limit(Side::kBuy, 101, 1));  // trades at 101 -> s1 -> trades at 102 -> s2
  const auto triggered = h.events<event::OrderTriggered>();
  ASSERT_EQ(triggered.size(), 2u);
  EXPECT_EQ(triggered[0].order_id, s1);
  EXPECT_EQ(triggered[1].order_id, s2);
  const auto trades = h.events<event::Trade>();
  ASSERT_EQ(trades.size(), 3u);
  EXPECT_EQ(trades[1].taker_order_id, s1);
  EXPECT_EQ(trades[1].price, 102u);
  EXPECT_EQ(trades[2].taker_order_id, s2);
  EXPECT_EQ(trades[2].price, 103u);
  EXPECT_EQ(h.app().last_price(h.market()), 103u);
  EXPECT_EQ(h.balance("alice", "QUOTE").locked, 0u);
  EXPECT_EQ(h.balance("carol", "QUOTE").locked, 0u);
}

TEST(Stops, SameTriggerRunsInOrderIdOrderAndSellStopsTriggerBelow) {
  Harness h;
  h.place("bob", limit(Side::kBuy, 95, 5));
  auto stop_sell = [](std::uint64_t stop_price) {
    PlaceOrderArgs a = market_order(Side::kSell, 1, 90);
    a.type = OrderType::kStopMarket;
    a.stop_price = stop_price;
    return a;
  };
  const OrderId first_placed = h.place("carol", stop_sell(96));
  const OrderId second_placed = h.place("alice", stop_sell(97));
  h.place("dave", limit(Side::kSell, 95, 1));  // last 95 <= 96 and 97
  const auto triggered = h.events<event::OrderTriggered>();
  ASSERT_EQ(triggered.size(), 2u);
  EXPECT_EQ(triggered[0].order_id, first_placed);  // smaller id first, whatever the stop price
  EXPECT_EQ(triggered[1].order_id, second_placed);
}

TEST(Stops, TriggeredOrdersThatCannotRunAreRejectedAndReleased) {
  Harness h;
  PlaceOrderArgs post_only = limit(Side::kBuy, 106, 2);
  post_only.type = OrderType::kStopLimit;
  post_only.stop_price = 105;
  post_only.post_only = true;
  const OrderId po = h.place("alice", post_only);
  PlaceOrderArgs fok = limit(Side::kBuy, 106, 50, TimeInForce::kFok);
  fok.type = OrderType::kStopLimit;
  fok.stop_price = 105;
  const OrderId fk = h.place("alice", fok);
  EXPECT_EQ(h.balance("alice", "QUOTE").locked, 52u * 107u);
  h.place("bob", limit(Side::kSell, 106, 5));
  h.place("bob", limit(Side::kSell, 105, 1));
  h.place("carol", limit(Side::kBuy, 105, 1));  // last 105: both trigger, both fail
  const auto rejected = h.events<event::OrderRejected>();
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].order_id, po);
  EXPECT_EQ(rejected[0].code, code(Reason::kPostOnlyWouldTake));
  EXPECT_EQ(rejected[1].order_id, fk);
  EXPECT_EQ(rejected[1].code, code(Reason::kFokNotFillable));
  EXPECT_EQ(h.balance("alice", "QUOTE").locked, 0u);
  EXPECT_EQ(h.balance("alice", "QUOTE").available, kStartQuote);
  EXPECT_TRUE(h.app().open_orders(h.id("alice")).empty());
  EXPECT_EQ(h.depth().asks.at(0).quantity, 5u);  // untouched
}

TEST(Stops, CancelAndCancelAllReleaseTheirLocks) {
  Harness h;
  PlaceOrderArgs stop = limit(Side::kBuy, 106, 2);
  stop.type = OrderType::kStopLimit;
  stop.stop_price = 105;
  const OrderId id = h.place("alice", stop);
  EXPECT_EQ(h.exec(h.cancel_tx("alice", id)), 0u);
  EXPECT_EQ(h.events<event::OrderCanceled>().at(0).cause, CancelCause::kUser);
  EXPECT_EQ(h.balance("alice", "QUOTE").locked, 0u);
  h.place("alice", stop);
  h.place("alice", limit(Side::kBuy, 90, 1));
  EXPECT_EQ(h.exec(h.builder().cancel_all(h.key("alice"), h.next(), "")), 0u);
  EXPECT_EQ(h.events<event::OrderCanceled>().size(), 2u);
  EXPECT_EQ(h.events<event::OrderCanceled>().at(0).cause, CancelCause::kCancelAll);
  EXPECT_EQ(h.balance("alice", "QUOTE").locked, 0u);
  EXPECT_TRUE(h.app().open_orders(h.id("alice")).empty());
}

TEST(Cancel, ByIdByClientIdAndCancelAllPerMarket) {
  Harness h;
  PlaceOrderArgs a = limit(Side::kBuy, 90, 1);
  a.client_order_id = "my-order.1";
  const OrderId with_client_id = h.place("alice", a);
  EXPECT_EQ(h.app().order_by_client_id(h.id("alice"), "my-order.1")->id, with_client_id);
  EXPECT_EQ(h.exec(h.place_tx("alice", a)), code(Reason::kDuplicateClientOrderId));
  EXPECT_EQ(h.exec(h.builder().cancel_order_by_client_id(h.key("alice"), h.next(), testing::kMarket, "my-order.1")),
            0u);
  EXPECT_FALSE(h.app().order(with_client_id).has_value());
  EXPECT_FALSE(h.app().order_by_client_id(h.id("alice"), "my-order.1").has_value());
  h.place("alice", a);  // the client id is free again

  PlaceOrderArgs btc;
  btc.market = std::string(testing::kBtcMarket);
  btc.side = Side::kBuy;
  btc.price = 4'500'000;
  btc.quantity = 100'000;
  const OrderId btc_order = h.place("alice", btc);
  h.place("alice", limit(Side::kBuy, 91, 1));
  EXPECT_EQ(h.app().open_orders(h.id("alice")).size(), 3u);
  EXPECT_EQ(h.app().open_orders(h.id("alice"), h.market()).size(), 2u);
  EXPECT_EQ(h.exec(h.builder().cancel_all(h.key("alice"), h.next(), testing::kMarket)), 0u);
  const auto canceled = h.events<event::OrderCanceled>();
  ASSERT_EQ(canceled.size(), 2u);
  EXPECT_LT(canceled[0].order_id, canceled[1].order_id);  // in arrival order
  const auto left = h.app().open_orders(h.id("alice"));
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, btc_order);
}

TEST(Ledger, TooManyOpenOrdersCountsRestingOrdersAndPendingStops) {
  Genesis g = testing::test_genesis();
  g.params.max_open_orders_per_account = 2;
  Harness h(std::move(g));
  h.place("alice", limit(Side::kBuy, 90, 1));
  PlaceOrderArgs stop = limit(Side::kBuy, 106, 1);
  stop.type = OrderType::kStopLimit;
  stop.stop_price = 105;
  h.place("alice", stop);
  EXPECT_EQ(h.exec(h.place_tx("alice", limit(Side::kBuy, 91, 1))), code(Reason::kTooManyOpenOrders));
  // Orders that cannot rest are not limited.
  h.place("bob", limit(Side::kSell, 95, 1));
  EXPECT_EQ(h.exec(h.place_tx("alice", limit(Side::kBuy, 95, 1, TimeInForce::kIoc))), 0u);
}

TEST(Ledger, UnitsFollowTheMarketsDecimals) {
  Harness h;
  PlaceOrderArgs buy;
  buy.market = std::string(testing::kBtcMarket);
  buy.side = Side::kBuy;
  buy.price = 4'500'000;   // 45000.00 USDT
  buy.quantity = 200'000;  // 0.002 BTC
  h.place("alice", buy);
  // Per lot (0.001 BTC): 4.5M ticks * 10 quote units = 45 USDT, plus the 20 bps
  // worst-case fee (0.09 USDT); amounts in micro-USDT.
  EXPECT_EQ(h.balance("alice", "USDT").locked, 2u * (45'000'000u + 90'000u));
  PlaceOrderArgs sell = buy;
  sell.side = Side::kSell;
  h.place("bob", sell);
  const auto t = h.events<event::Trade>().at(0);
  EXPECT_EQ(t.price, 4'500'000u);
  EXPECT_EQ(t.quantity, 200'000u);
  EXPECT_EQ(t.maker_fee, 90'000u);   // 90 USDT * 10 bps
  EXPECT_EQ(t.taker_fee, 180'000u);
  EXPECT_EQ(h.balance("bob", "USDT").available, 100'000'000'000'000u + 90'000'000u - 180'000u);
  EXPECT_EQ(h.balance("alice", "BTC").available, 100'000'000'000u + 200'000u);
}

}  // namespace
}  // namespace replex::exchange
