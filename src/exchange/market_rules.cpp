#include "replex/exchange/market_rules.hpp"

#include <string>

#include "replex/core/assert.hpp"

namespace replex::exchange {

namespace {

using u128 = Uint128;
constexpr u128 kU64Max = UINT64_MAX;

std::optional<std::uint64_t> narrow(u128 v) {
  if (v > kU64Max) return std::nullopt;
  return static_cast<std::uint64_t>(v);
}

}  // namespace

Result<std::uint64_t> MarketRules::compute_quote_per_tick_lot(std::uint64_t tick_size,
                                                             std::uint64_t lot_size,
                                                             std::uint32_t base_decimals,
                                                             std::uint32_t quote_decimals,
                                                             std::uint32_t price_decimals) {
  REPLEX_ASSERT(base_decimals <= 18 && quote_decimals <= 18 && price_decimals <= 18);
  const std::string formula = "tick_size (" + std::to_string(tick_size) + ") * lot_size (" +
                              std::to_string(lot_size) + ") * 10^quote_decimals (" +
                              std::to_string(quote_decimals) + ") / (10^price_decimals (" +
                              std::to_string(price_decimals) + ") * 10^base_decimals (" +
                              std::to_string(base_decimals) + "))";
  if (tick_size == 0 || lot_size == 0) {
    return Status::invalid_argument(formula + " must be positive");
  }
  const u128 tick_lot = static_cast<u128>(tick_size) * lot_size;
  const int exponent = static_cast<int>(price_decimals + base_decimals) - static_cast<int>(quote_decimals);
  u128 value = tick_lot;
  if (exponent <= 0) {
    for (int i = 0; i < -exponent; ++i) {
      if (value > kU64Max) break;
      value *= 10;
    }
  } else {
    u128 divisor = 1;
    for (int i = 0; i < exponent; ++i) divisor *= 10;  // <= 10^36 < 2^120
    if (tick_lot % divisor != 0) {
      return Status::invalid_argument(
          "quote units per tick-lot = " + formula +
          " is not a whole number: one tick on one lot must move a whole number of quote units "
          "(raise tick_size or lot_size, or the quote asset's decimals)");
    }
    value = tick_lot / divisor;
  }
  if (value > kU64Max) {
    return Status::invalid_argument("quote units per tick-lot = " + formula + " does not fit 64 bits");
  }
  return static_cast<std::uint64_t>(value);
}

std::uint64_t MarketRules::fee(std::uint64_t notional, std::uint32_t bps) {
  REPLEX_ASSERT(bps <= kBpsDenominator);
  const u128 scaled = static_cast<u128>(notional) * bps + (kBpsDenominator - 1);
  return static_cast<std::uint64_t>(scaled / kBpsDenominator);
}

std::optional<std::uint64_t> MarketRules::notional(std::uint64_t ticks, std::uint64_t lots) const {
  const u128 tick_lots = static_cast<u128>(ticks) * lots;
  if (tick_lots > kU64Max) return std::nullopt;
  return narrow(tick_lots * quote_per_tick_lot);
}

std::optional<std::uint64_t> MarketRules::buy_lock_per_lot(std::uint64_t ticks) const {
  const auto one = notional(ticks, 1);
  if (!one) return std::nullopt;
  return narrow(static_cast<u128>(*one) + fee(*one, max_fee_bps()));
}

std::optional<std::uint64_t> MarketRules::buy_lock(std::uint64_t ticks, std::uint64_t lots) const {
  const auto per_lot = buy_lock_per_lot(ticks);
  if (!per_lot) return std::nullopt;
  return narrow(static_cast<u128>(*per_lot) * lots);
}

std::optional<std::uint64_t> MarketRules::sell_lock(std::uint64_t lots) const {
  return narrow(static_cast<u128>(lots) * lot_size);
}

std::optional<std::uint64_t> MarketRules::taker_buy_cost(std::uint64_t ticks, std::uint64_t lots) const {
  const auto n = notional(ticks, lots);
  if (!n) return std::nullopt;
  return narrow(static_cast<u128>(*n) + fee(*n, taker_fee_bps));
}

std::uint64_t MarketRules::affordable_lots(std::uint64_t ticks, std::uint64_t budget) const {
  const u128 per_lot = static_cast<u128>(ticks) * quote_per_tick_lot;
  REPLEX_ASSERT(per_lot > 0);
  if (per_lot > budget) return 0;
  // n = floor(budget * 10^4 / (per_lot * (10^4 + bps))) is exact: cost(n) =
  // N + ceil(N*bps/10^4) < N*(10^4+bps)/10^4 + 1 <= budget + 1, and n + 1 lots
  // cost more than budget even before rounding the fee up.
  const u128 lots = static_cast<u128>(budget) * kBpsDenominator /
                    (per_lot * (kBpsDenominator + taker_fee_bps));
  REPLEX_ASSERT(lots <= budget);
  const auto n = static_cast<std::uint64_t>(lots);
  if (n > 0) {
    const auto cost = taker_buy_cost(ticks, n);
    REPLEX_ASSERT_MSG(cost && *cost <= budget, "affordable_lots over budget");
  }
  return n;
}

std::uint64_t MarketRules::price_of(std::uint64_t ticks) const {
  const auto p = narrow(static_cast<u128>(ticks) * tick_size);
  REPLEX_ASSERT_MSG(p.has_value(), "ticks " + std::to_string(ticks) + " overflow a price");
  return *p;
}

std::uint64_t MarketRules::quantity_of(std::uint64_t lots) const {
  const auto q = narrow(static_cast<u128>(lots) * lot_size);
  REPLEX_ASSERT_MSG(q.has_value(), "lots " + std::to_string(lots) + " overflow a quantity");
  return *q;
}

}  // namespace replex::exchange
