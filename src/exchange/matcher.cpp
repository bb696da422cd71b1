#include "replex/exchange/matcher.hpp"

#include <algorithm>

#include "replex/core/assert.hpp"

namespace replex::exchange {

namespace {

// True if a taker limited to `limit` on `taker_side` may trade at `ticks`.
bool within_limit(Side taker_side, const std::optional<std::uint64_t>& limit, std::uint64_t ticks) {
  if (!limit) return true;
  return taker_side == Side::kBuy ? ticks <= *limit : ticks >= *limit;
}

}  // namespace

bool Matcher::would_take(Side side, std::uint64_t ticks) const {
  const Side maker_side = opposite(side);
  if (book_.empty(maker_side)) return false;
  return within_limit(side, ticks, book_.level(maker_side, 0).ticks);
}

std::uint64_t Matcher::fillable_lots(const Order& taker, const TakerBounds& bounds,
                                     std::uint64_t want) const {
  const Side maker_side = opposite(taker.side);
  std::uint64_t total = 0;
  for (std::size_t rank = 0; rank < book_.level_count(maker_side); ++rank) {
    const PriceLevel& level = book_.level(maker_side, rank);
    if (!within_limit(taker.side, bounds.limit_ticks, level.ticks)) break;
    // A taker walking a level meets its orders in list order; an iceberg whose
    // slice it empties refills behind everything else at the level. So when
    // STP would end the taker at one of its own orders, only the slices shown
    // before that order are reachable; otherwise every lot of every other
    // account's order at the level is (icebergs come round again).
    std::uint64_t shown_before_self = 0;
    std::uint64_t all_open = 0;
    bool ends_here = false;
    for (Slot s = level.head; s != kNoSlot; s = pool_[s].next) {
      const Order& maker = pool_[s];
      if (maker.account == taker.account) {
        if (taker.stp == SelfTradePrevention::kExpireMaker) continue;
        ends_here = true;
        break;
      }
      shown_before_self += maker.visible_lots;
      all_open += maker.open_lots;
      if (total + shown_before_self >= want) return want;
    }
    total += ends_here ? shown_before_self : all_open;
    if (ends_here || total >= want) return std::min(total, want);
  }
  return std::min(total, want);
}

Admission Matcher::admit(const Order& taker, const TakerBounds& bounds) const {
  if (taker.post_only()) {
    REPLEX_ASSERT(taker.price_ticks > 0);
    if (would_take(taker.side, taker.price_ticks)) return Admission::kPostOnlyWouldTake;
  }
  if (taker.tif == TimeInForce::kFok && fillable_lots(taker, bounds, taker.open_lots) < taker.open_lots) {
    return Admission::kFokNotFillable;
  }
  return Admission::kOk;
}

MatchResult Matcher::match(Slot taker_slot, const TakerBounds& bounds, MatchListener& listener) {
  Order& taker = pool_[taker_slot];  // chunks never move, so the reference stays valid
  REPLEX_ASSERT(!bounds.quote_budget || taker.side == Side::kBuy);
  const Side maker_side = opposite(taker.side);
  std::uint64_t budget = bounds.quote_budget.value_or(0);
  MatchResult result;
  while (taker.open_lots > 0) {
    if (book_.empty(maker_side)) {
      result.end = MatchEnd::kNoMatch;
      return result;
    }
    const PriceLevel& level = book_.level_by_id(book_.level_id(maker_side, 0));
    const std::uint64_t ticks = level.ticks;
    if (!within_limit(taker.side, bounds.limit_ticks, ticks)) {
      result.end = MatchEnd::kNoMatch;
      return result;
    }
    std::uint64_t cap = taker.open_lots;
    if (bounds.quote_budget) {
      cap = std::min(cap, rules_.affordable_lots(ticks, budget));
      if (cap == 0) {
        result.end = MatchEnd::kBudget;
        return result;
      }
    }
    const Slot maker_slot = level.head;
    Order& maker = pool_[maker_slot];
    if (maker.account == taker.account) {
      const SelfTradePrevention mode = taker.stp;
      if (mode != SelfTradePrevention::kExpireTaker) {
        book_.unlink(maker_slot);
        listener.on_maker_removed(maker_slot, MakerRemoval::kSelfTrade);
      }
      if (mode == SelfTradePrevention::kExpireMaker) continue;
      result.end = MatchEnd::kSelfTrade;
      return result;
    }
    const std::uint64_t lots = std::min(maker.visible_lots, cap);
    REPLEX_ASSERT(lots > 0);
    book_.set_visible(maker_slot, maker.visible_lots - lots);
    maker.open_lots -= lots;
    maker.filled_lots += lots;
    taker.open_lots -= lots;
    taker.filled_lots += lots;
    result.lots += lots;
    if (bounds.quote_budget) {
      const auto cost = rules_.taker_buy_cost(ticks, lots);
      REPLEX_ASSERT(cost && *cost <= budget);
      budget -= *cost;
      result.quote_spent += *cost;
    }
    listener.on_trade(maker, taker, ticks, lots);
    if (maker.visible_lots == 0) {
      if (maker.open_lots == 0) {
        book_.unlink(maker_slot);
        listener.on_maker_removed(maker_slot, MakerRemoval::kFilled);
      } else {
        // Iceberg refill: a new slice, at the back of the level.
        book_.set_visible(maker_slot, std::min(maker.display_lots, maker.open_lots));
        book_.move_to_back(maker_slot);
      }
    }
  }
  result.end = MatchEnd::kFilled;
  return result;
}

ExecResult Matcher::execute(Slot taker_slot, const TakerBounds& bounds, MatchListener& listener) {
  Order& taker = pool_[taker_slot];
  REPLEX_ASSERT(!taker.resting() && !taker.pending_stop() && taker.open_lots > 0);
  REPLEX_ASSERT_MSG(admit(taker, bounds) == Admission::kOk, "executing an order that was not admitted");
  ExecResult r;
  r.match = match(taker_slot, bounds, listener);
  if (taker.open_lots == 0) {
    r.outcome = Outcome::kFilled;
  } else if (r.match.end == MatchEnd::kSelfTrade) {
    r.outcome = Outcome::kCanceledSelfTrade;
  } else if (rests(taker)) {
    REPLEX_ASSERT(taker.price_ticks > 0);
    taker.visible_lots = taker.is_iceberg() ? std::min(taker.display_lots, taker.open_lots) : taker.open_lots;
    book_.append(taker_slot);
    r.outcome = Outcome::kRested;
  } else {
    REPLEX_ASSERT(taker.tif != TimeInForce::kFok);
    r.outcome = Outcome::kExpired;
  }
  return r;
}

ExecResult Matcher::amend(Slot slot, std::uint64_t new_ticks, std::uint64_t new_open_lots,
                          MatchListener& listener) {
  Order& o = pool_[slot];
  REPLEX_ASSERT(o.resting() && new_ticks > 0 && new_open_lots > 0);
  if (new_ticks == o.price_ticks && new_open_lots <= o.open_lots) {
    o.open_lots = new_open_lots;
    book_.set_visible(slot, std::min(o.visible_lots, new_open_lots));
    return ExecResult{Outcome::kReducedInPlace, {}};
  }
  REPLEX_ASSERT_MSG(!(o.post_only() && would_take(o.side, new_ticks)),
                    "amending a post-only order across the book");
  book_.unlink(slot);
  o.price_ticks = new_ticks;
  o.open_lots = new_open_lots;
  o.visible_lots = 0;
  return execute(slot, TakerBounds{new_ticks, std::nullopt}, listener);
}

}  // namespace replex::exchange
