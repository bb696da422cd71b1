// The book + matcher on a mixed stream over a deep book: ~60% limit orders
// near the touch, ~25% cancels by id, ~15% marketable IOC orders, against a
// book of 100,000 resting orders on 1,000 price levels. Reports operations/s
// (untimed-per-op run), per-operation latency percentiles (cycle counter
// around every operation) and heap bytes per resting order.
#include <benchmark/benchmark.h>

#include <random>

#include "exchange_bench_util.hpp"
#include "replex/exchange/matcher.hpp"

namespace replex::exchange::bench {
namespace {

constexpr std::uint64_t kMid = 100'000;
constexpr std::size_t kLevelsPerSide = 500;
constexpr std::size_t kOrdersPerLevel = 100;
constexpr std::size_t kOps = 2'000'000;
constexpr std::uint32_t kAccounts = 1000;

MarketRules bench_rules() {
  MarketRules r;
  r.quote_per_tick_lot = 1;
  r.maker_fee_bps = 10;
  r.taker_fee_bps = 20;
  r.max_lots = 1'000'000;
  return r;
}

enum class OpKind : std::uint8_t { kLimit, kCancel, kMarketable };

struct Op {
  OpKind kind;
  Side side;
  std::uint32_t account;
  std::uint64_t id;  // new order id, or the order to cancel
  std::uint64_t ticks;
  std::uint64_t lots;
};

// A book and what a real caller keeps beside it: the id index.
class Venue final : private MatchListener {
 public:
  explicit Venue(const MarketRules& rules) : matcher_(rules, pool_), ids_(pool_) {}

  void place(const Op& op, TimeInForce tif) {
    const Slot slot = pool_.allocate();
    Order& o = pool_[slot];
    o.id = op.id;
    o.account = op.account;
    o.side = op.side;
    o.tif = tif;
    o.price_ticks = op.ticks;
    o.open_lots = op.lots;
    const ExecResult r = matcher_.execute(slot, TakerBounds{op.ticks, std::nullopt}, *this);
    if (r.outcome == Outcome::kRested) {
      ids_.insert(op.id, slot);
    } else {
      pool_.release(slot);
    }
  }

  bool cancel(OrderId id) {
    const Slot slot = ids_.find(id);
    if (slot == kNoSlot) return false;
    matcher_.remove(slot);
    ids_.erase(id);
    pool_.release(slot);
    return true;
  }

  bool live(OrderId id) const { return ids_.find(id) != kNoSlot; }
  const OrderBook& book() const { return matcher_.book(); }
  std::uint64_t trades() const { return trades_; }

 private:
  void on_trade(Order&, Order&, std::uint64_t, std::uint64_t) override { ++trades_; }
  void on_maker_removed(Slot maker, MakerRemoval) override {
    ids_.erase(pool_[maker].id);
    pool_.release(maker);
  }

  OrderPool pool_;
  Matcher matcher_;
  OrderIdIndex ids_;
  std::uint64_t trades_ = 0;
};

struct Workload {
  std::vector<Op> setup;  // the initial book
  std::vector<Op> ops;    // the measured stream
};

void apply(Venue& v, const Op& op) {
  switch (op.kind) {
    case OpKind::kLimit: v.place(op, TimeInForce::kGtc); break;
    case OpKind::kMarketable: v.place(op, TimeInForce::kIoc); break;
    case OpKind::kCancel: v.cancel(op.id); break;
  }
}

// Generates the stream against a scratch venue, so cancels name orders that
// are live at that point and the replay is exact.
const Workload& workload() {
  static const Workload w = [] {
    Workload out;
    const MarketRules rules = bench_rules();
    Venue scratch(rules);
    std::mt19937_64 rng(42);
    auto pick = [&rng](std::uint64_t lo, std::uint64_t hi) { return lo + rng() % (hi - lo + 1); };
    OrderId next_id = 1;
    std::vector<OrderId> live;
    for (std::size_t level = 1; level <= kLevelsPerSide; ++level) {
      for (std::size_t i = 0; i < kOrdersPerLevel; ++i) {
        for (const Side side : {Side::kBuy, Side::kSell}) {
          const Op op{OpKind::kLimit, side, static_cast<std::uint32_t>(pick(0, kAccounts - 1)), next_id++,
                      side == Side::kBuy ? kMid - level : kMid + level, pick(1, 10)};
          apply(scratch, op);
          out.setup.push_back(op);
          live.push_back(op.id);
        }
      }
    }
    out.ops.reserve(kOps);
    while (out.ops.size() < kOps) {
      const std::uint64_t dice = pick(0, 99);
      const Side side = pick(0, 1) == 0 ? Side::kBuy : Side::kSell;
      const auto& book = scratch.book();
      const std::uint64_t best_bid = book.empty(Side::kBuy) ? kMid - 1 : book.level(Side::kBuy, 0).ticks;
      const std::uint64_t best_ask = book.empty(Side::kSell) ? kMid + 1 : book.level(Side::kSell, 0).ticks;
      Op op{OpKind::kLimit, side, static_cast<std::uint32_t>(pick(0, kAccounts - 1)), 0, 0, 0};
      if (dice < 60) {
        // Passive, at or a few ticks behind the touch (inside the spread when there is room).
        const std::uint64_t offset = pick(0, 5);
        op.ticks = side == Side::kBuy ? std::min(best_bid + 1, best_ask - 1) - offset
                                      : std::max(best_ask - 1, best_bid + 1) + offset;
        op.lots = pick(1, 10);
        op.id = next_id++;
        live.push_back(op.id);
      } else if (dice < 85) {
        // Cancel a random live order (dropping ids that have since filled).
        while (!live.empty()) {
          const std::size_t i = pick(0, live.size() - 1);
          const OrderId id = live[i];
          live[i] = live.back();
          live.pop_back();
          if (scratch.live(id)) {
            op.kind = OpKind::kCancel;
            op.id = id;
            break;
          }
        }
        if (op.kind != OpKind::kCancel) continue;
      } else {
        op.kind = OpKind::kMarketable;
        op.ticks = side == Side::kBuy ? best_ask + pick(0, 2) : best_bid - pick(0, 2);
        // About three makers; sized a little up or down to hold the book near its start size.
        op.lots = book.order_count() > kLevelsPerSide * kOrdersPerLevel * 2 ? pick(8, 26) : pick(4, 16);
        op.id = next_id++;
      }
      apply(scratch, op);
      out.ops.push_back(op);
    }
    return out;
  }();
  return w;
}

std::unique_ptr<Venue> fresh_venue(const MarketRules& rules) {
  auto v = std::make_unique<Venue>(rules);
  for (const Op& op : workload().setup) apply(*v, op);
  return v;
}

void BM_MatcherMixedThroughput(benchmark::State& state) {
  const MarketRules rules = bench_rules();
  const Workload& w = workload();
  std::size_t resting_at_end = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto venue = fresh_venue(rules);
    state.ResumeTiming();
    for (const Op& op : w.ops) apply(*venue, op);
    state.PauseTiming();
    resting_at_end = venue->book().order_count();
    venue.reset();
    state.ResumeTiming();
  }
  state.counters["ops_per_s"] =
      benchmark::Counter(static_cast<double>(w.ops.size()) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.counters["resting_start"] = static_cast<double>(w.setup.size());
  state.counters["resting_end"] = static_cast<double>(resting_at_end);
}
BENCHMARK(BM_MatcherMixedThroughput)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

void BM_MatcherMixedLatency(benchmark::State& state) {
  const MarketRules rules = bench_rules();
  const Workload& w = workload();
  LatencySamples all;
  LatencySamples limits;
  LatencySamples cancels;
  LatencySamples marketable;
  all.reserve(w.ops.size());
  std::uint64_t trades = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto venue = fresh_venue(rules);
    state.ResumeTiming();
    for (const Op& op : w.ops) {
      const std::uint64_t t0 = CycleClock::now();
      apply(*venue, op);
      const std::uint64_t dt = CycleClock::now() - t0;
      all.add(dt);
      (op.kind == OpKind::kLimit ? limits : op.kind == OpKind::kCancel ? cancels : marketable).add(dt);
    }
    state.PauseTiming();
    trades = venue->trades();
    venue.reset();
    state.ResumeTiming();
  }
  state.counters["p50_ns"] = all.percentile_ns(50);
  state.counters["p99_ns"] = all.percentile_ns(99);
  state.counters["p999_ns"] = all.percentile_ns(99.9);
  state.counters["limit_p99_ns"] = limits.percentile_ns(99);
  state.counters["cancel_p99_ns"] = cancels.percentile_ns(99);
  state.counters["marketable_p99_ns"] = marketable.percentile_ns(99);
  state.counters["trades_per_run"] = static_cast<double>(trades);
}
BENCHMARK(BM_MatcherMixedLatency)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

// Heap bytes per resting order: pool, levels and the id index, measured as
// the mallinfo2 delta of building the 100,000-order book.
void BM_BookMemoryPerOrder(benchmark::State& state) {
  const MarketRules rules = bench_rules();
  const Workload& w = workload();
  double per_order = 0;
  for (auto _ : state) {
    const std::size_t before = heap_in_use();
    auto venue = fresh_venue(rules);
    const std::size_t after = heap_in_use();
    per_order = static_cast<double>(after - before) / static_cast<double>(venue->book().order_count());
    benchmark::DoNotOptimize(venue);
  }
  state.counters["bytes_per_order"] = per_order;
  state.counters["orders"] = static_cast<double>(w.setup.size());
}
BENCHMARK(BM_BookMemoryPerOrder)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace replex::exchange::bench

BENCHMARK_MAIN();
