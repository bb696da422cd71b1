// Model test: the Matcher (with OrderBook and OrderPool) against a
// deliberately simple reference book, a flat list scanned for the best order
// at every step, on random streams of limit (GTC/IOC/FOK/post-only),
// iceberg, market (protection/budget), amend and cancel operations with
// self-trade prevention. After every step the trades, the makers removed and
// both books must be identical.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <sstream>

#include "replex/exchange/matcher.hpp"

namespace replex::exchange {
namespace {

struct Trade {
  OrderId maker = 0;
  OrderId taker = 0;
  std::uint64_t ticks = 0;
  std::uint64_t lots = 0;
  friend bool operator==(const Trade&, const Trade&) = default;
};

struct Removal {
  OrderId id = 0;
  MakerRemoval why = MakerRemoval::kFilled;
  friend bool operator==(const Removal&, const Removal&) = default;
};

struct BookEntry {
  OrderId id = 0;
  std::uint64_t ticks = 0;
  std::uint64_t open = 0;
  std::uint64_t visible = 0;
  friend bool operator==(const BookEntry&, const BookEntry&) = default;
};

// What one operation did, in comparable form.
struct StepResult {
  std::string outcome;
  std::vector<Trade> trades;
  std::vector<Removal> removals;
  friend bool operator==(const StepResult&, const StepResult&) = default;
};

struct OrderSpec {
  OrderId id = 0;
  std::uint32_t owner = 0;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  bool post_only = false;
  SelfTradePrevention stp = SelfTradePrevention::kExpireMaker;
  std::uint64_t ticks = 0;  // limit; 0 for market
  std::uint64_t lots = 0;
  std::uint64_t display = 0;
  TakerBounds bounds;
};

std::string outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kRested: return "rested";
    case Outcome::kReducedInPlace: return "reduced";
    case Outcome::kFilled: return "filled";
    case Outcome::kExpired: return "expired";
    case Outcome::kCanceledSelfTrade: return "stp-canceled";
  }
  return "?";
}

// ---------------- the reference: a flat list, written for clarity ----------------

class ReferenceBook {
 public:
  explicit ReferenceBook(const MarketRules& rules) : rules_(rules) {}

  StepResult place(const OrderSpec& spec) {
    Resting taker = from_spec(spec);
    StepResult r;
    if (spec.post_only && crosses_now(spec.side, spec.ticks)) {
      r.outcome = "rejected-post-only";
      return r;
    }
    if (spec.tif == TimeInForce::kFok) {
      // Try it on a copy of the book; keep nothing from the try.
      ReferenceBook trial = *this;
      Resting probe = taker;
      StepResult ignored;
      trial.match(probe, spec.bounds, ignored);
      if (probe.open > 0) {
        r.outcome = "rejected-fok";
        return r;
      }
    }
    arrive(taker, spec.bounds, r);
    return r;
  }

  StepResult amend(OrderId id, std::uint64_t ticks, std::uint64_t open) {
    StepResult r;
    auto it = find(id);
    if (ticks == it->ticks && open <= it->open) {
      it->open = open;
      it->visible = std::min(it->visible, open);
      r.outcome = "reduced";
      return r;
    }
    if (it->post_only && crosses_now(it->side, ticks)) {
      r.outcome = "rejected-post-only";
      return r;
    }
    Resting taker = *it;
    orders_.erase(it);
    taker.ticks = ticks;
    taker.open = open;
    taker.tif = TimeInForce::kGtc;
    arrive(taker, TakerBounds{ticks, std::nullopt}, r);
    return r;
  }

  void cancel(OrderId id) { orders_.erase(find(id)); }

  std::vector<BookEntry> side(Side s) const {
    std::vector<Resting> sorted;
    for (const auto& o : orders_) {
      if (o.side == s) sorted.push_back(o);
    }
    std::sort(sorted.begin(), sorted.end(), [](const Resting& a, const Resting& b) { return better(a, b); });
    std::vector<BookEntry> out;
    for (const auto& o : sorted) out.push_back({o.id, o.ticks, o.open, o.visible});
    return out;
  }

 private:
  struct Resting {
    OrderId id = 0;
    std::uint32_t owner = 0;
    Side side = Side::kBuy;
    OrderType type = OrderType::kLimit;
    TimeInForce tif = TimeInForce::kGtc;
    bool post_only = false;
    SelfTradePrevention stp = SelfTradePrevention::kExpireMaker;
    std::uint64_t ticks = 0;
    std::uint64_t open = 0;
    std::uint64_t visible = 0;
    std::uint64_t display = 0;
    std::uint64_t seq = 0;  // arrival in the book; larger = later
  };

  static bool better(const Resting& a, const Resting& b) {
    if (a.ticks != b.ticks) return a.side == Side::kBuy ? a.ticks > b.ticks : a.ticks < b.ticks;
    return a.seq < b.seq;
  }

  Resting from_spec(const OrderSpec& s) const {
    Resting r;
    r.id = s.id;
    r.owner = s.owner;
    r.side = s.side;
    r.type = s.type;
    r.tif = s.tif;
    r.post_only = s.post_only;
    r.stp = s.stp;
    r.ticks = s.ticks;
    r.open = s.lots;
    r.display = s.display;
    return r;
  }

  std::vector<Resting>::iterator find(OrderId id) {
    auto it = std::find_if(orders_.begin(), orders_.end(), [id](const Resting& o) { return o.id == id; });
    EXPECT_NE(it, orders_.end());
    return it;
  }

  // Index of the best order on `side`, or -1.
  int best(Side s) const {
    int best_index = -1;
    for (int i = 0; i < static_cast<int>(orders_.size()); ++i) {
      if (orders_[static_cast<std::size_t>(i)].side != s) continue;
      if (best_index < 0 || better(orders_[static_cast<std::size_t>(i)], orders_[static_cast<std::size_t>(best_index)])) {
        best_index = i;
      }
    }
    return best_index;
  }

  static bool acceptable(Side taker_side, const std::optional<std::uint64_t>& limit, std::uint64_t ticks) {
    if (!limit) return true;
    return taker_side == Side::kBuy ? ticks <= *limit : ticks >= *limit;
  }

  bool crosses_now(Side s, std::uint64_t ticks) const {
    const int i = best(opposite(s));
    return i >= 0 && acceptable(s, ticks, orders_[static_cast<std::size_t>(i)].ticks);
  }

  MatchEnd match(Resting& taker, const TakerBounds& bounds, StepResult& r) {
    std::uint64_t budget = bounds.quote_budget.value_or(0);
    while (taker.open > 0) {
      const int i = best(opposite(taker.side));
      if (i < 0) return MatchEnd::kNoMatch;
      Resting& maker = orders_[static_cast<std::size_t>(i)];
      if (!acceptable(taker.side, bounds.limit_ticks, maker.ticks)) return MatchEnd::kNoMatch;
      std::uint64_t cap = taker.open;
      if (bounds.quote_budget) {
        cap = std::min(cap, rules_.affordable_lots(maker.ticks, budget));
        if (cap == 0) return MatchEnd::kBudget;
      }
      if (maker.owner == taker.owner) {
        if (taker.stp != SelfTradePrevention::kExpireTaker) {
          r.removals.push_back({maker.id, MakerRemoval::kSelfTrade});
          orders_.erase(orders_.begin() + i);
        }
        if (taker.stp == SelfTradePrevention::kExpireMaker) continue;
        return MatchEnd::kSelfTrade;
      }
      const std::uint64_t q = std::min(maker.visible, cap);
      r.trades.push_back({maker.id, taker.id, maker.ticks, q});
      maker.visible -= q;
      maker.open -= q;
      taker.open -= q;
      if (bounds.quote_budget) budget -= *rules_.taker_buy_cost(maker.ticks, q);
      if (maker.visible == 0) {
        if (maker.open == 0) {
          r.removals.push_back({maker.id, MakerRemoval::kFilled});
          orders_.erase(orders_.begin() + i);
        } else {
          maker.visible = std::min(maker.display, maker.open);
          maker.seq = ++seq_;  // a refilled slice goes to the back
        }
      }
    }
    return MatchEnd::kFilled;
  }

  void arrive(Resting taker, const TakerBounds& bounds, StepResult& r) {
    const MatchEnd end = match(taker, bounds, r);
    if (taker.open == 0) {
      r.outcome = "filled";
    } else if (end == MatchEnd::kSelfTrade) {
      r.outcome = "stp-canceled";
    } else if (taker.tif == TimeInForce::kGtc && taker.type == OrderType::kLimit) {
      taker.visible = taker.display != 0 ? std::min(taker.display, taker.open) : taker.open;
      taker.seq = ++seq_;
      orders_.push_back(taker);
      r.outcome = "rested";
    } else {
      r.outcome = "expired";
    }
  }

  const MarketRules& rules_;
  std::vector<Resting> orders_;
  std::uint64_t seq_ = 0;
};

// ---------------- the subject: Matcher over a pool ----------------

class SubjectBook final : private MatchListener {
 public:
  explicit SubjectBook(const MarketRules& rules) : matcher_(rules, pool_) {}

  StepResult place(const OrderSpec& spec) {
    const Slot slot = pool_.allocate();
    Order& o = pool_[slot];
    o.id = spec.id;
    o.account = spec.owner;
    o.side = spec.side;
    o.type = spec.type;
    o.tif = spec.tif;
    o.stp = spec.stp;
    o.flags = spec.post_only ? Order::kPostOnly : 0;
    o.price_ticks = spec.ticks;
    o.open_lots = spec.lots;
    o.display_lots = spec.display;
    StepResult r;
    switch (matcher_.admit(o, spec.bounds)) {
      case Admission::kOk: break;
      case Admission::kPostOnlyWouldTake:
        pool_.release(slot);
        r.outcome = "rejected-post-only";
        return r;
      case Admission::kFokNotFillable:
        pool_.release(slot);
        r.outcome = "rejected-fok";
        return r;
    }
    step_ = &r;
    const ExecResult e = matcher_.execute(slot, spec.bounds, *this);
    step_ = nullptr;
    r.outcome = outcome_name(e.outcome);
    if (e.outcome == Outcome::kRested) {
      slots_.emplace(spec.id, slot);
    } else {
      pool_.release(slot);
    }
    return r;
  }

  StepResult amend(OrderId id, std::uint64_t ticks, std::uint64_t open) {
    const Slot slot = slots_.at(id);
    const Order& o = pool_[slot];
    StepResult r;
    const bool in_place = ticks == o.price_ticks && open <= o.open_lots;
    if (!in_place && o.post_only() && matcher_.would_take(o.side, ticks)) {
      r.outcome = "rejected-post-only";
      return r;
    }
    step_ = &r;
    const ExecResult e = matcher_.amend(slot, ticks, open, *this);
    step_ = nullptr;
    r.outcome = outcome_name(e.outcome);
    if (e.outcome != Outcome::kRested && e.outcome != Outcome::kReducedInPlace) {
      slots_.erase(id);
      pool_.release(slot);
    }
    return r;
  }

  void cancel(OrderId id) {
    const Slot slot = slots_.at(id);
    matcher_.remove(slot);
    pool_.release(slot);
    slots_.erase(id);
  }

  std::vector<BookEntry> side(Side s) const {
    std::vector<BookEntry> out;
    const OrderBook& book = matcher_.book();
    for (std::size_t rank = 0; rank < book.level_count(s); ++rank) {
      const PriceLevel& level = book.level(s, rank);
      std::uint64_t visible = 0;
      for (Slot slot = level.head; slot != kNoSlot; slot = pool_[slot].next) {
        const Order& o = pool_[slot];
        out.push_back({o.id, o.price_ticks, o.open_lots, o.visible_lots});
        visible += o.visible_lots;
      }
      EXPECT_EQ(visible, level.visible_lots);
    }
    return out;
  }

  const std::map<OrderId, Slot>& resting() const { return slots_; }
  const Order& order(OrderId id) const { return pool_[slots_.at(id)]; }

 private:
  void on_trade(Order& maker, Order& taker, std::uint64_t ticks, std::uint64_t lots) override {
    step_->trades.push_back({maker.id, taker.id, ticks, lots});
  }
  void on_maker_removed(Slot maker, MakerRemoval why) override {
    const OrderId id = pool_[maker].id;
    step_->removals.push_back({id, why});
    slots_.erase(id);
    pool_.release(maker);
  }

  OrderPool pool_;
  Matcher matcher_;
  std::map<OrderId, Slot> slots_;
  StepResult* step_ = nullptr;
};

std::string describe(const OrderSpec& s) {
  std::ostringstream out;
  out << "place id=" << s.id << " owner=" << s.owner << " " << side_name(s.side) << " "
      << order_type_name(s.type) << " " << time_in_force_name(s.tif) << (s.post_only ? " post-only" : "")
      << " stp=" << stp_name(s.stp) << " ticks=" << s.ticks << " lots=" << s.lots << " display=" << s.display;
  if (s.bounds.limit_ticks) out << " limit=" << *s.bounds.limit_ticks;
  if (s.bounds.quote_budget) out << " budget=" << *s.bounds.quote_budget;
  return out.str();
}

std::string dump(const StepResult& r) {
  std::ostringstream out;
  out << r.outcome << " trades[";
  for (const auto& t : r.trades) out << " " << t.maker << "<-" << t.taker << " " << t.lots << "@" << t.ticks;
  out << " ] removed[";
  for (const auto& x : r.removals) out << " " << x.id << (x.why == MakerRemoval::kFilled ? ":filled" : ":stp");
  out << " ]";
  return out.str();
}

void run_seed(std::uint64_t seed, int steps) {
  MarketRules rules;
  rules.quote_per_tick_lot = 3;
  rules.maker_fee_bps = 10;
  rules.taker_fee_bps = 25;
  rules.max_lots = 1'000'000;
  ReferenceBook reference(rules);
  SubjectBook subject(rules);
  std::mt19937_64 rng(seed);
  auto pick = [&rng](std::uint64_t lo, std::uint64_t hi) { return lo + rng() % (hi - lo + 1); };
  constexpr std::uint64_t kMid = 1000;
  OrderId next_id = 1;
  std::size_t trades = 0;
  std::size_t stp_removals = 0;

  for (int step = 0; step < steps; ++step) {
    const std::uint64_t dice = pick(0, 99);
    std::string op;
    StepResult expected;
    StepResult actual;
    const auto& resting = subject.resting();
    if (dice < 50 || resting.empty()) {
      OrderSpec s;
      s.id = next_id++;
      s.owner = static_cast<std::uint32_t>(pick(0, 3));
      s.side = pick(0, 1) == 0 ? Side::kBuy : Side::kSell;
      s.stp = static_cast<SelfTradePrevention>(pick(1, 3));
      s.ticks = pick(kMid - 8, kMid + 8);
      s.lots = pick(1, 20);
      const std::uint64_t tif = pick(0, 99);
      s.tif = tif < 65 ? TimeInForce::kGtc : tif < 80 ? TimeInForce::kIoc : TimeInForce::kFok;
      if (s.tif == TimeInForce::kGtc && pick(0, 99) < 15) s.post_only = true;
      if (s.tif == TimeInForce::kGtc && s.lots > 1 && pick(0, 99) < 30) s.display = pick(1, s.lots - 1);
      s.bounds.limit_ticks = s.ticks;
      op = describe(s);
      expected = reference.place(s);
      actual = subject.place(s);
    } else if (dice < 60) {
      OrderSpec s;
      s.id = next_id++;
      s.owner = static_cast<std::uint32_t>(pick(0, 3));
      s.side = pick(0, 1) == 0 ? Side::kBuy : Side::kSell;
      s.type = OrderType::kMarket;
      s.tif = TimeInForce::kIoc;
      s.stp = static_cast<SelfTradePrevention>(pick(1, 3));
      s.lots = pick(1, 40);
      const bool budgeted = s.side == Side::kBuy && pick(0, 99) < 50;
      if (budgeted) {
        s.bounds.quote_budget = pick(0, 60'000);
        if (pick(0, 1) == 0) s.lots = rules.max_lots;  // no quantity: the budget decides
      }
      if (!budgeted || pick(0, 1) == 0) {
        s.bounds.limit_ticks = s.side == Side::kBuy ? pick(kMid - 2, kMid + 12) : pick(kMid - 12, kMid + 2);
      }
      op = describe(s);
      expected = reference.place(s);
      actual = subject.place(s);
    } else if (dice < 80) {
      auto it = resting.begin();
      std::advance(it, static_cast<long>(pick(0, resting.size() - 1)));
      const OrderId id = it->first;
      op = "cancel " + std::to_string(id);
      reference.cancel(id);
      subject.cancel(id);
      expected.outcome = actual.outcome = "canceled";
    } else {
      auto it = resting.begin();
      std::advance(it, static_cast<long>(pick(0, resting.size() - 1)));
      const OrderId id = it->first;
      const Order& o = subject.order(id);
      std::uint64_t ticks = o.price_ticks;
      std::uint64_t open = o.open_lots;
      const std::uint64_t kind = pick(0, 99);
      if (kind < 35) {
        open = pick(1, o.open_lots);  // down (or same): keeps priority
      } else if (kind < 55) {
        open = o.open_lots + pick(1, 10);  // up: re-queued
      } else {
        ticks = pick(kMid - 10, kMid + 10);  // may cross
        if (pick(0, 1) == 0) open = pick(1, 25);
      }
      op = "amend " + std::to_string(id) + " ticks=" + std::to_string(ticks) + " open=" + std::to_string(open);
      expected = reference.amend(id, ticks, open);
      actual = subject.amend(id, ticks, open);
    }
    ASSERT_EQ(dump(actual), dump(expected)) << "seed " << seed << " step " << step << ": " << op;
    ASSERT_EQ(subject.side(Side::kBuy), reference.side(Side::kBuy)) << "seed " << seed << " step " << step << ": " << op;
    ASSERT_EQ(subject.side(Side::kSell), reference.side(Side::kSell)) << "seed " << seed << " step " << step << ": " << op;
    trades += actual.trades.size();
    for (const auto& r : actual.removals) stp_removals += r.why == MakerRemoval::kSelfTrade;
  }
  // The stream must actually exercise matching and self-trade prevention.
  EXPECT_GT(trades, static_cast<std::size_t>(steps) / 5) << "seed " << seed;
  EXPECT_GT(stp_removals, 50u) << "seed " << seed;
}

class MatcherModel : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(MatcherModel, MatchesReferenceBook) { run_seed(GetParam(), 10'000); }

INSTANTIATE_TEST_SUITE_P(Seeds, MatcherModel, ::testing::Values(1, 2, 3, 4, 5, 6, 20240611, 987654321));

}  // namespace
}  // namespace replex::exchange
