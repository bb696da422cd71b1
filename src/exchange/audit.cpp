// The state audit: every invariant the state machine keeps, checked over the
// whole state. Run by restore() on decoded snapshots and by check_invariants().
#include <optional>
#include <string>
#include <vector>

#include "state.hpp"

namespace replex::exchange {

namespace {
using u128 = Uint128;
}  // namespace

Status audit_state(const State& s) {
  const ChainRules& chain = s.chain();
  const std::size_t assets = chain.asset_count();

  // Orders: every open order is listed by exactly its account, indexed by id,
  // and locks exactly what its kind requires.
  std::vector<std::vector<u128>> order_locks(s.accounts.size(), std::vector<u128>(assets, 0));
  std::size_t listed = 0;
  for (std::uint32_t ai = 0; ai < s.accounts.size(); ++ai) {
    const AccountState& a = s.accounts[ai];
    std::size_t with_client_id = 0;
    for (std::uint32_t pos = 0; pos < a.orders.size(); ++pos) {
      const Slot slot = a.orders[pos];
      const Order& o = s.pool[slot];
      const std::string what = "order " + std::to_string(o.id);
      if (o.account != ai || o.account_pos != pos) return Status::internal(what + ": account list out of step");
      if (s.ids.find(o.id) != slot) return Status::internal(what + ": id index out of step");
      if (o.resting() == o.pending_stop()) return Status::internal(what + ": neither resting nor pending (or both)");
      const MarketRules& m = chain.market(o.market);
      std::optional<std::uint64_t> required;
      bool exact = true;
      if (o.side == Side::kSell) {
        required = m.sell_lock(o.open_lots);
      } else if (o.resting()) {
        required = m.buy_lock(o.price_ticks, o.open_lots);
        exact = false;  // fills at better prices leave more locked than needed
      } else {
        const auto stop = s.stops.find(o.id);
        if (stop == s.stops.end()) return Status::internal(what + ": pending without a stop trigger");
        const StopTrigger& t = stop->second;
        required = t.quote_budget != 0 ? std::optional<std::uint64_t>(t.quote_budget)
                                       : m.buy_lock(o.type == OrderType::kStopLimit ? o.price_ticks : t.protection_ticks,
                                                    o.open_lots);
      }
      if (!required || (exact ? o.locked != *required : o.locked < *required)) {
        return Status::corruption(what + ": locks " + std::to_string(o.locked) + ", its kind requires " +
                                  (required ? std::to_string(*required) : "an overflowing amount"));
      }
      order_locks[ai][o.side == Side::kBuy ? m.quote : m.base] += o.locked;
      if (o.client_id_len > 0) {
        ++with_client_id;
        const auto it = a.client_ids.find(o.client_order_id());
        if (it == a.client_ids.end() || it->second != o.id) return Status::internal(what + ": client id not indexed");
      }
    }
    if (with_client_id != a.client_ids.size()) return Status::internal("client id index has stale entries");
    listed += a.orders.size();
  }
  if (listed != s.pool.live() || listed != s.ids.size()) {
    return Status::internal("order count differs between accounts, pool and id index");
  }

  // Balances: locked equals the orders' locks; supply is conserved.
  std::vector<u128> supply(assets, 0);
  for (std::uint32_t ai = 0; ai < s.accounts.size(); ++ai) {
    const AccountState& a = s.accounts[ai];
    if (a.balances.size() != assets) return Status::internal("account balances sized wrongly");
    for (AssetIndex asset = 0; asset < assets; ++asset) {
      const BalanceCell& c = a.balances[asset];
      if (c.locked != order_locks[ai][asset]) {
        return Status::corruption("account " + a.key.hex() + " " + chain.asset(asset).symbol + ": locked " +
                                  std::to_string(c.locked) + " but its orders lock " +
                                  std::to_string(static_cast<std::uint64_t>(order_locks[ai][asset])));
      }
      supply[asset] += static_cast<u128>(c.available) + c.locked;
    }
  }
  std::vector<u128> genesis_supply(assets, 0);
  for (const GenesisAllocation& g : chain.genesis().allocations) genesis_supply[*chain.find_asset(g.asset)] += g.amount;
  std::vector<u128> pending(assets, 0);
  for (const auto& [id, p] : s.withdrawals) pending[p.asset] += p.amount;
  for (AssetIndex asset = 0; asset < assets; ++asset) {
    if (supply[asset] + s.withdrawn[asset] != genesis_supply[asset]) {
      return Status::corruption("asset " + chain.asset(asset).symbol + ": balances plus withdrawn (" +
                                std::to_string(static_cast<std::uint64_t>(supply[asset] + s.withdrawn[asset])) +
                                ") differ from the genesis supply (" +
                                std::to_string(static_cast<std::uint64_t>(genesis_supply[asset])) + ")");
    }
    if (pending[asset] > s.withdrawn[asset]) {
      return Status::corruption("asset " + chain.asset(asset).symbol + ": pending withdrawals exceed withdrawn");
    }
  }

  // Books: levels hold their orders' visible sum, sides do not cross, stops are indexed.
  std::size_t resting = 0;
  for (MarketIndex mi = 0; mi < s.markets.size(); ++mi) {
    const MarketState& ms = *s.markets[mi];
    const OrderBook& book = ms.matcher.book();
    for (const Side side : {Side::kBuy, Side::kSell}) {
      for (std::size_t rank = 0; rank < book.level_count(side); ++rank) {
        const PriceLevel& level = book.level(side, rank);
        std::uint64_t visible = 0;
        std::uint32_t orders = 0;
        for (Slot slot = level.head; slot != kNoSlot; slot = s.pool[slot].next) {
          const Order& o = s.pool[slot];
          if (o.market != mi || o.side != side || o.price_ticks != level.ticks || !o.resting()) {
            return Status::internal("order " + std::to_string(o.id) + " linked into the wrong level");
          }
          visible += o.visible_lots;
          ++orders;
        }
        if (visible != level.visible_lots || orders != level.orders) return Status::internal("level totals out of step");
        resting += orders;
      }
    }
    if (!book.empty(Side::kBuy) && !book.empty(Side::kSell) &&
        book.level(Side::kBuy, 0).ticks >= book.level(Side::kSell, 0).ticks) {
      return Status::corruption("market " + chain.market_spec(mi).symbol + ": book is crossed");
    }
    for (const auto* stops : {&ms.buy_stops, &ms.sell_stops}) {
      for (const auto& [ticks, id] : *stops) {
        const auto it = s.stops.find(id);
        const Slot slot = s.ids.find(id);
        if (it == s.stops.end() || it->second.stop_ticks != ticks || slot == kNoSlot ||
            s.pool[slot].market != mi || !s.pool[slot].pending_stop()) {
          return Status::internal("stop index out of step for order " + std::to_string(id));
        }
      }
    }
  }
  std::size_t indexed_stops = 0;
  for (const auto& ms : s.markets) indexed_stops += ms->buy_stops.size() + ms->sell_stops.size();
  if (indexed_stops != s.stops.size() || resting + s.stops.size() != listed) {
    return Status::internal("resting orders plus stops differ from the open orders");
  }

  std::size_t nonces = 0;
  std::size_t expiring = 0;
  for (const AccountState& a : s.accounts) {
    if (!a.nonces.consistent(s.height)) {
      return Status::internal("account " + a.key.hex() + ": nonce window inconsistent");
    }
    nonces += a.nonces.size();
  }
  for (const auto& [good_til, entries] : s.nonce_expiry) expiring += entries.size();
  if (nonces != expiring) return Status::internal("nonce expiry index out of step");
  if (!s.find_account(chain.genesis().fee_account)) return Status::internal("fee account missing");
  return Status::ok();
}

}  // namespace replex::exchange
