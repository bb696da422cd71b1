// The read model fed with real exchange blocks: orders with fills and their
// lifecycle, trades and candles, bounded histories, book diffs that continue
// the snapshot's update sequence, and streams with slow-consumer cut-off.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <thread>

#include "replex/api/chain_view_builder.hpp"
#include "replex/api/read_model.hpp"
#include "replex/core/hash.hpp"
#include "replex/core/tx_envelope.hpp"
#include "unit/exchange/exchange_harness.hpp"

namespace replex::api {
namespace {

using exchange::Side;
using exchange::testing::Harness;
using exchange::testing::limit;

// Runs blocks on a real ExchangeApp and feeds each to a ReadModel.
class Feeder {
 public:
  explicit Feeder(config::ApiSection limits = {})
      : rules_(exchange::ChainRules::create(exchange::testing::test_genesis()).value()),
        model_(rules_, limits),
        views_(harness_.app(), 20) {
    model_.start();
  }
  ~Feeder() { model_.stop(); }

  // One block at `time_ms`; waits until the model applied it.
  void block(const std::vector<Bytes>& txs, std::uint64_t time_ms) {
    auto outcome = harness_.app().execute_block({harness_.app().last_height() + 1, time_ms}, txs);
    const std::uint64_t h = harness_.app().last_height();
    BlockDigest digest;
    digest.summary = {h, sha256(std::to_string(h)), outcome.app_hash, time_ms,
                      static_cast<std::uint32_t>(txs.size()), 0};
    for (const Bytes& tx : txs) digest.tx_hashes.push_back(tx_hash(tx));
    digest.events = harness_.app().last_block_events();
    digest.view = views_.after_block({h, digest.summary.block_hash, outcome.app_hash, time_ms, 1});
    model_.feed(std::move(digest));
    model_.wait_idle();
  }

  Harness& h() { return harness_; }
  ReadModel& model() { return model_; }

 private:
  Harness harness_;
  std::shared_ptr<const exchange::ChainRules> rules_;
  ReadModel model_;
  ChainViewBuilder views_;
};

// Collects what a channel publishes.
class Collector final : public StreamSink {
 public:
  explicit Collector(std::size_t capacity = 1000) : capacity_(capacity) {}
  bool push(std::shared_ptr<const StreamItem> item) override {
    std::lock_guard lock(mutex_);
    if (items_.size() >= capacity_) return false;
    items_.push_back(std::move(item));
    return true;
  }
  std::vector<std::shared_ptr<const StreamItem>> take() {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<const StreamItem>> out(items_.begin(), items_.end());
    items_.clear();
    return out;
  }

 private:
  const std::size_t capacity_;
  std::mutex mutex_;
  std::deque<std::shared_ptr<const StreamItem>> items_;
};

constexpr exchange::MarketIndex kBaseQuote = 0;  // "BASE-QUOTE", the first market by symbol

TEST(ReadModel, OrdersCarryTheirLifecycleFillsAndTransaction) {
  Feeder f;
  const Bytes sell = f.h().place_tx("alice", limit(Side::kSell, 100, 10));
  f.block({sell}, 60'000);
  const auto resting = f.model().order_by_tx(tx_hash(sell));
  ASSERT_TRUE(resting);
  EXPECT_EQ(resting->status, OrderStatus::kNew);
  EXPECT_EQ(resting->open_quantity, 10u);

  f.block({f.h().place_tx("bob", limit(Side::kBuy, 100, 4))}, 61'000);
  const auto partly = f.model().order(resting->id);
  ASSERT_TRUE(partly);
  EXPECT_EQ(partly->status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(partly->filled_quantity, 4u);
  ASSERT_EQ(partly->fills.size(), 1u);
  EXPECT_TRUE(partly->fills[0].maker);

  f.block({f.h().cancel_tx("alice", resting->id)}, 62'000);
  const auto canceled = f.model().order(resting->id);
  EXPECT_EQ(canceled->status, OrderStatus::kCanceled);
  EXPECT_EQ(canceled->reason, "canceled");
  const auto alice = f.h().id("alice");
  EXPECT_EQ(f.model().account_orders(alice, OrderFilter::kOpen, std::nullopt, 0, 10).size(), 0u);
  EXPECT_EQ(f.model().account_orders(alice, OrderFilter::kClosed, std::nullopt, 0, 10).size(), 1u);
  ASSERT_EQ(f.model().account_trades(f.h().id("bob"), 10).size(), 1u);
}

TEST(ReadModel, TradesAndCandlesFollowBlockTime) {
  Feeder f;
  f.block({f.h().place_tx("alice", limit(Side::kSell, 100, 50))}, 0);
  f.block({f.h().place_tx("bob", limit(Side::kBuy, 100, 5))}, 60'000);   // minute 1
  f.block({f.h().place_tx("alice", limit(Side::kSell, 90, 5))}, 61'000);
  f.block({f.h().place_tx("bob", limit(Side::kBuy, 100, 5))}, 119'000);  // takes 90 then ...
  f.block({f.h().place_tx("bob", limit(Side::kBuy, 120, 3))}, 120'000);  // minute 2
  const auto trades = f.model().trades(kBaseQuote, 100);
  ASSERT_EQ(trades.size(), 3u);
  EXPECT_EQ(trades.front().time_ms, 120'000u) << "newest first";
  const auto candles = f.model().candles(kBaseQuote, CandleInterval::k1m, 0, UINT64_MAX, 10);
  ASSERT_EQ(candles.size(), 2u);
  EXPECT_EQ(candles[0].open_time_ms, 60'000u);
  EXPECT_EQ(candles[0].open, 100u);
  EXPECT_EQ(candles[0].low, 90u);
  EXPECT_EQ(candles[0].close, 90u);
  EXPECT_EQ(candles[0].volume, 10u);
  EXPECT_EQ(candles[0].trades, 2u);
  EXPECT_EQ(candles[1].open_time_ms, 120'000u);
  EXPECT_EQ(candles[1].close, 100u);
  EXPECT_EQ(f.model().candles(kBaseQuote, CandleInterval::k1h, 0, UINT64_MAX, 10).size(), 1u);
  EXPECT_EQ(f.model().candles(kBaseQuote, CandleInterval::k1m, 100'000, 200'000, 10).size(), 1u) << "from/to window";
}

TEST(ReadModel, HistoriesAreBounded) {
  config::ApiSection limits;
  limits.max_trades_kept = 2;
  limits.max_orders_kept = 3;
  Feeder f(limits);
  for (int i = 0; i < 5; ++i) {
    f.block({f.h().place_tx("alice", limit(Side::kSell, 100, 1)), f.h().place_tx("bob", limit(Side::kBuy, 100, 1))},
            1000u * static_cast<std::uint64_t>(i));
  }
  EXPECT_EQ(f.model().trades(kBaseQuote, 100).size(), 2u);
  // Ten orders placed, all closed: only the newest three are kept.
  EXPECT_EQ(f.model().account_orders(f.h().id("alice"), OrderFilter::kAll, std::nullopt, 0, 100).size() +
                f.model().account_orders(f.h().id("bob"), OrderFilter::kAll, std::nullopt, 0, 100).size(),
            3u);
}

TEST(ReadModel, ClosedOrdersAreEvictedFirstThenTheOldestOpenOnes) {
  config::ApiSection limits;
  limits.max_orders_kept = 4;
  Feeder f(limits);
  std::vector<Bytes> resting;
  for (int i = 0; i < 3; ++i) resting.push_back(f.h().place_tx("alice", limit(Side::kSell, 200, 1)));
  f.block(resting, 1000);
  const Bytes sell = f.h().place_tx("alice", limit(Side::kSell, 100, 1));
  const Bytes buy = f.h().place_tx("bob", limit(Side::kBuy, 100, 1));
  f.block({sell, buy}, 2000);
  // Five records, two closed: the one closed first goes, every open one stays.
  EXPECT_FALSE(f.model().order_by_tx(tx_hash(sell)));
  EXPECT_TRUE(f.model().order_by_tx(tx_hash(buy)));
  for (const Bytes& tx : resting) EXPECT_TRUE(f.model().order_by_tx(tx_hash(tx)));

  std::vector<Bytes> more;
  for (int i = 0; i < 3; ++i) more.push_back(f.h().place_tx("alice", limit(Side::kSell, 200, 1)));
  f.block(more, 3000);
  // Seven records, all open but one: the closed one, then the two oldest open.
  EXPECT_FALSE(f.model().order_by_tx(tx_hash(buy)));
  EXPECT_FALSE(f.model().order_by_tx(tx_hash(resting[0])));
  EXPECT_FALSE(f.model().order_by_tx(tx_hash(resting[1])));
  EXPECT_TRUE(f.model().order_by_tx(tx_hash(resting[2])));
  for (const Bytes& tx : more) EXPECT_TRUE(f.model().order_by_tx(tx_hash(tx)));
  EXPECT_EQ(f.model().account_orders(f.h().id("alice"), OrderFilter::kAll, std::nullopt, 0, 100).size(), 4u);
}

TEST(ReadModel, FeedingWaitsWhileTheQueueIsFull) {
  config::ApiSection limits;
  limits.max_queued_blocks = 2;
  ReadModel model(exchange::ChainRules::create(exchange::testing::test_genesis()).value(), limits);
  auto digest = [](std::uint64_t height) {
    BlockDigest d;
    d.summary.height = height;
    return d;
  };
  model.feed(digest(1));
  model.feed(digest(2));  // not started: both stay queued
  std::atomic<bool> fed{false};
  std::thread execution([&] {
    model.feed(digest(3));
    fed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(fed) << "a third block waits for the model";
  model.start();
  execution.join();
  model.wait_idle();
  ASSERT_TRUE(model.last_block());
  EXPECT_EQ(model.last_block()->height, 3u);
  model.stop();
}

TEST(ReadModel, BookDiffsContinueTheSnapshotWithoutGaps) {
  Feeder f;
  f.block({f.h().place_tx("alice", limit(Side::kSell, 105, 5))}, 0);
  auto sink = std::make_shared<Collector>();
  ASSERT_TRUE(f.model().subscribe("book.BASE-QUOTE", sink).is_ok());
  auto first = sink->take();
  ASSERT_EQ(first.size(), 1u);
  const auto& snapshot = std::get<BookState>(first[0]->update);
  ASSERT_EQ(snapshot.depth.asks.size(), 1u);
  std::uint64_t last = snapshot.last_update_id;

  f.block({f.h().place_tx("bob", limit(Side::kBuy, 100, 2)), f.h().place_tx("carol", limit(Side::kBuy, 99, 1))}, 1);
  f.block({f.h().place_tx("dave", limit(Side::kSell, 100, 2))}, 2);  // takes bob's level away
  const auto diffs = sink->take();
  ASSERT_EQ(diffs.size(), 2u);
  for (const auto& item : diffs) {
    const auto& diff = std::get<BookDiff>(item->update);
    EXPECT_EQ(diff.first_update_id, last + 1);
    EXPECT_EQ(diff.last_update_id, last + diff.bids.size() + diff.asks.size());
    last = diff.last_update_id;
  }
  const auto& removal = std::get<BookDiff>(diffs[1]->update);
  ASSERT_EQ(removal.bids.size(), 1u);
  EXPECT_EQ(removal.bids[0].price, 100u);
  EXPECT_EQ(removal.bids[0].quantity, 0u) << "0 removes the level";
  EXPECT_EQ(f.model().book(kBaseQuote, 10).last_update_id, last);
}

TEST(ReadModel, ASinkThatFallsBehindIsDroppedAndOthersKeepGoing) {
  Feeder f;
  auto slow = std::make_shared<Collector>(1);
  auto fine = std::make_shared<Collector>();
  ASSERT_TRUE(f.model().subscribe("blocks", slow).is_ok());
  ASSERT_TRUE(f.model().subscribe("blocks", fine).is_ok());
  f.block({}, 1);
  f.block({}, 2);
  f.block({}, 3);
  EXPECT_EQ(slow->take().size(), 1u) << "dropped at its bound";
  f.block({}, 4);
  EXPECT_TRUE(slow->take().empty()) << "and not fed again";
  EXPECT_EQ(fine->take().size(), 4u);
  EXPECT_FALSE(f.model().check_channel("book.NOPE").is_ok());
  EXPECT_FALSE(f.model().check_channel("candles.BASE-QUOTE.2m").is_ok());
  EXPECT_FALSE(f.model().check_channel("orders.zz").is_ok());
  EXPECT_TRUE(f.model().check_channel("candles.BASE-QUOTE.5m").is_ok());
}

TEST(ReadModel, AfterHeightRunsOnceTheBlockIsApplied) {
  Feeder f;
  int ran = 0;
  f.model().after_height(2, [&] { ++ran; });
  f.block({}, 1);
  EXPECT_EQ(ran, 0);
  f.block({}, 2);
  EXPECT_EQ(ran, 1);
  f.model().after_height(1, [&] { ++ran; });  // already applied: at once
  EXPECT_EQ(ran, 2);
}

}  // namespace
}  // namespace replex::api
