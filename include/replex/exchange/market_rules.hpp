// The integer arithmetic of one market: unit conversion (price units <->
// ticks, base units <-> lots), notional, fees and the funds an order locks.
// Immutable after construction; safe to share between threads.
//
// notional(ticks, lots) = ticks * lots * quote_per_tick_lot, where
// quote_per_tick_lot = tick_size * lot_size * 10^quote_decimals /
// (10^price_decimals * 10^base_decimals) is a positive integer (genesis
// rejects markets where it is not). Products use 128-bit intermediates; a
// result that does not fit 64 bits is reported (nullopt), never wrapped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "replex/core/status.hpp"
#include "replex/exchange/types.hpp"

namespace replex::exchange {

inline constexpr std::uint64_t kBpsDenominator = 10'000;

// 128-bit intermediates for products of 64-bit amounts (a GCC/Clang extension).
__extension__ typedef unsigned __int128 Uint128;

struct MarketRules {
  MarketIndex index = 0;
  AssetIndex base = 0;
  AssetIndex quote = 0;
  std::uint64_t tick_size = 1;           // price units per tick
  std::uint64_t lot_size = 1;            // base units per lot
  std::uint64_t quote_per_tick_lot = 1;  // quote units for one lot at one tick
  std::uint64_t min_lots = 1;
  std::uint64_t max_lots = 1;
  std::uint32_t maker_fee_bps = 0;
  std::uint32_t taker_fee_bps = 0;

  // tick_size * lot_size * 10^quote_decimals / 10^(price_decimals + base_decimals),
  // or INVALID_ARGUMENT saying why it is not a positive 64-bit integer.
  static Result<std::uint64_t> compute_quote_per_tick_lot(std::uint64_t tick_size,
                                                          std::uint64_t lot_size,
                                                          std::uint32_t base_decimals,
                                                          std::uint32_t quote_decimals,
                                                          std::uint32_t price_decimals);

  // ceil(notional * bps / 10000); never exceeds notional for bps <= 10000.
  static std::uint64_t fee(std::uint64_t notional, std::uint32_t bps);

  std::uint32_t max_fee_bps() const { return maker_fee_bps > taker_fee_bps ? maker_fee_bps : taker_fee_bps; }

  // Quote units for `lots` at `ticks`; nullopt if it does not fit 64 bits.
  std::optional<std::uint64_t> notional(std::uint64_t ticks, std::uint64_t lots) const;

  // What a buy locks per lot at limit `ticks`: notional of one lot plus its
  // worst-case fee. Since ceil(q*x) <= q*ceil(x), lots * this covers any
  // sequence of partial fills at that price or better.
  std::optional<std::uint64_t> buy_lock_per_lot(std::uint64_t ticks) const;
  std::optional<std::uint64_t> buy_lock(std::uint64_t ticks, std::uint64_t lots) const;
  std::optional<std::uint64_t> sell_lock(std::uint64_t lots) const;

  // Quote a taker buy spends for `lots` at `ticks`: notional + taker fee.
  std::optional<std::uint64_t> taker_buy_cost(std::uint64_t ticks, std::uint64_t lots) const;
  // The most lots a taker buy can pay for at `ticks` (fees included) with `budget`.
  std::uint64_t affordable_lots(std::uint64_t ticks, std::uint64_t budget) const;

  // Conversions for orders already validated: ticks and lots come from
  // on-tick, on-lot 64-bit values, so the products fit (asserted).
  std::uint64_t price_of(std::uint64_t ticks) const;
  std::uint64_t quantity_of(std::uint64_t lots) const;
};

}  // namespace replex::exchange
