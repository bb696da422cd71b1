// Matcher: price-time matching of one market's order book, without funds.
//
// It decides what trades (maker price, taker's self-trade prevention mode,
// iceberg refills that lose priority, limit/protection price, quote budget)
// and reports each trade and each maker that leaves the book to a
// MatchListener, which owns funds, events and the records' lifetime. The
// exchange and the model test drive the same code. Single-threaded.
#pragma once

#include <cstdint>
#include <optional>

#include "replex/exchange/market_rules.hpp"
#include "replex/exchange/order.hpp"
#include "replex/exchange/order_book.hpp"

namespace replex::exchange {

// How far a taker may go, besides its own open quantity.
struct TakerBounds {
  std::optional<std::uint64_t> limit_ticks;   // worst price: buys <=, sells >=; none = any
  std::optional<std::uint64_t> quote_budget;  // buys only: quote to spend at most, taker fees included
};

enum class MakerRemoval : std::uint8_t {
  kFilled,     // open quantity reached zero
  kSelfTrade,  // expired by the taker's self-trade prevention, open quantity intact
};

class MatchListener {
 public:
  // One trade of `lots` at the maker's level `ticks`. Both records already
  // show the fill (open, filled and visible quantities updated).
  virtual void on_trade(Order& maker, Order& taker, std::uint64_t ticks, std::uint64_t lots) = 0;
  // The maker has been unlinked from the book; its slot is the listener's to release.
  virtual void on_maker_removed(Slot maker, MakerRemoval why) = 0;

 protected:
  ~MatchListener() = default;
};

enum class MatchEnd : std::uint8_t {
  kFilled,     // no open quantity left
  kNoMatch,    // the book has nothing more within the taker's price limit
  kBudget,     // the quote budget cannot pay for one more lot at the next price
  kSelfTrade,  // self-trade prevention ended the taker (EXPIRE_TAKER / EXPIRE_BOTH)
};

struct MatchResult {
  std::uint64_t lots = 0;         // filled by this call
  std::uint64_t quote_spent = 0;  // budget used (notional + taker fees), for budgeted buys
  MatchEnd end = MatchEnd::kNoMatch;
};

enum class Admission : std::uint8_t { kOk, kPostOnlyWouldTake, kFokNotFillable };

enum class Outcome : std::uint8_t {
  kRested,             // the remainder rests in the book (GTC limit)
  kReducedInPlace,     // amend: quantity lowered, time priority kept
  kFilled,             // nothing left open
  kExpired,            // IOC / market remainder: it never rests
  kCanceledSelfTrade,  // the taker's own STP mode canceled its remainder
};

struct ExecResult {
  Outcome outcome = Outcome::kExpired;
  MatchResult match;
};

class Matcher {
 public:
  // `rules` and `pool` must outlive the matcher.
  Matcher(const MarketRules& rules, OrderPool& pool) : rules_(rules), pool_(pool), book_(pool) {}
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  const OrderBook& book() const { return book_; }
  OrderBook& mutable_book() { return book_; }
  const MarketRules& rules() const { return rules_; }

  // True if an order on `side` at `ticks` would trade against the book now.
  bool would_take(Side side, std::uint64_t ticks) const;

  // The lots a taker could really fill now (stopping early at `want`): its
  // price limit, the makers' hidden iceberg quantity, and where its
  // self-trade prevention mode would skip a maker or end the match.
  std::uint64_t fillable_lots(const Order& taker, const TakerBounds& bounds, std::uint64_t want) const;

  // The checks that must pass before funds are locked: post-only crossing
  // and fill-or-kill fillability. Changes nothing.
  Admission admit(const Order& taker, const TakerBounds& bounds) const;

  // Runs an order that is neither resting nor pending (admitted before)
  // against the book; the remainder of a GTC limit rests, anything else's
  // remainder is reported as expired / canceled for the caller to release.
  ExecResult execute(Slot taker, const TakerBounds& bounds, MatchListener& listener);

  // Amends a resting order: same price and no more quantity keeps its place
  // (kReducedInPlace); otherwise it leaves the book and arrives again as a
  // GTC taker limited by its new price, then rests at the back of its level.
  // Precondition: a post-only order does not take at `new_ticks`; new_open_lots > 0.
  ExecResult amend(Slot slot, std::uint64_t new_ticks, std::uint64_t new_open_lots,
                   MatchListener& listener);

  // Unlinks a resting order (cancel); the caller releases the record.
  void remove(Slot slot) { book_.unlink(slot); }

  // Whether an order of this kind keeps its remainder in the book.
  static bool rests(OrderType type, TimeInForce tif) {
    return tif == TimeInForce::kGtc && (type == OrderType::kLimit || type == OrderType::kStopLimit);
  }
  static bool rests(const Order& order) { return rests(order.type, order.tif); }

 private:
  MatchResult match(Slot taker_slot, const TakerBounds& bounds, MatchListener& listener);

  const MarketRules& rules_;
  OrderPool& pool_;
  OrderBook book_;
};

}  // namespace replex::exchange
