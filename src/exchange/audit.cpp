// The state audit: every invariant the state machine keeps, checked over the
// whole state. Run by restore() on decoded snapshots and by check_invariants().
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "state.hpp"

namespace replex::exchange {

namespace {
using u128 = Uint128;

// Deposits, attestations and withdrawal chains against the genesis'
// settlement section.
Status audit_settlement(const State& s) {
  const ChainRules& chain = s.chain();
  const std::uint64_t default_chain = chain.default_withdrawal_chain();
  for (const auto& [id, w] : s.withdrawals) {
    const std::string what = "withdrawal " + std::to_string(id);
    if (default_chain == 0 ? w.chain_id != 0 : !chain.chain_lists_asset(w.chain_id, w.asset)) {
      return Status::corruption(what + ": chain " + std::to_string(w.chain_id) +
                                " is not a settlement chain listing its asset");
    }
  }
  if (!chain.settlement()) {
    if (!s.deposits.empty() || !s.pending_attestations.empty()) {
      return Status::corruption("deposit records without a settlement section in the genesis");
    }
    return Status::ok();
  }
  for (const AccountId& attester : chain.settlement()->attesters) {
    if (!s.find_account(attester)) return Status::internal("attester " + attester.hex() + " has no account");
  }
  const std::uint32_t threshold = chain.attestation_threshold();
  std::map<AccountId, std::uint32_t> held;  // attestations per attester, recounted
  for (const auto& [chain_id, deposits] : s.deposits) {
    const std::string what = "deposits of chain " + std::to_string(chain_id);
    if (!chain.has_chain(chain_id)) return Status::corruption(what + ": not a settlement chain of the genesis");
    if (deposits.credited_through == 0 && deposits.credited_above.empty() && deposits.pending.empty()) {
      return Status::internal(what + ": an empty entry");
    }
    for (const DepositId id : deposits.credited_above) {
      if (id <= deposits.credited_through || id - deposits.credited_through < 2) {
        return Status::internal(what + ": credited id " + std::to_string(id) + " is not above the watermark + 1");
      }
    }
    for (const auto& [id, pending] : deposits.pending) {
      const std::string deposit = what + ", deposit " + std::to_string(id);
      // A credited deposit is never pending again: its attestations were dropped when credited.
      if (id == 0 || deposits.credited(id)) return Status::corruption(deposit + ": pending although credited (or id 0)");
      if (pending.groups.empty()) return Status::internal(deposit + ": pending without attestations");
      std::set<AccountId> seen;
      for (const auto& [content, attesters] : pending.groups) {
        if (content.account == AccountId{} || content.amount == 0 || content.asset >= chain.asset_count() ||
            !chain.chain_lists_asset(chain_id, content.asset)) {
          return Status::corruption(deposit + ": attested content out of range");
        }
        if (attesters.empty() || attesters.size() >= threshold) {
          return Status::corruption(deposit + ": " + std::to_string(attesters.size()) +
                                    " agreeing attestations pending with threshold " + std::to_string(threshold));
        }
        for (const AccountId& a : attesters) {
          if (!chain.is_attester(a)) return Status::corruption(deposit + ": attested by non-attester " + a.hex());
          if (!seen.insert(a).second) return Status::corruption(deposit + ": attester " + a.hex() + " attested twice");
          ++held[a];
        }
      }
    }
  }
  if (held != s.pending_attestations) return Status::internal("pending attestation counts out of step");
  const std::uint32_t limit = chain.max_pending_attestations_per_attester();
  for (const auto& [attester, n] : held) {
    if (n > limit) {
      return Status::corruption("attester " + attester.hex() + " holds " + std::to_string(n) +
                                " pending attestations, above max_pending_attestations_per_attester " +
                                std::to_string(limit));
    }
  }
  return Status::ok();
}

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
  if (s.deposited.size() != assets) return Status::internal("deposited totals sized wrongly");
  for (AssetIndex asset = 0; asset < assets; ++asset) {
    // Conservation: what accounts hold plus what left equals what came in.
    const u128 in = genesis_supply[asset] + s.deposited[asset];
    if (supply[asset] + s.withdrawn[asset] != in) {
      return Status::corruption("asset " + chain.asset(asset).symbol + ": balances plus withdrawn (" +
                                std::to_string(static_cast<std::uint64_t>(supply[asset] + s.withdrawn[asset])) +
                                ") differ from the genesis supply plus deposits (" +
                                std::to_string(static_cast<std::uint64_t>(in)) + ")");
    }
    if (in > UINT64_MAX) {
      return Status::corruption("asset " + chain.asset(asset).symbol + ": genesis supply plus deposits exceeds 2^64 - 1");
    }
    if (s.deposited[asset] != 0 && !chain.asset_is_bridged(asset)) {
      return Status::corruption("asset " + chain.asset(asset).symbol + ": deposited but bridged on no chain");
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
  return audit_settlement(s);
}

}  // namespace replex::exchange
