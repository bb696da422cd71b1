#include "state.hpp"

#include "replex/core/assert.hpp"

namespace replex::exchange {

State::State(std::shared_ptr<const ChainRules> chain_rules) : rules(std::move(chain_rules)) {
  REPLEX_ASSERT(rules != nullptr);
  withdrawn.assign(rules->asset_count(), 0);
  deposited.assign(rules->asset_count(), 0);
  markets.reserve(rules->market_count());
  for (MarketIndex m = 0; m < rules->market_count(); ++m) {
    markets.push_back(std::make_unique<MarketState>(rules->market(m), pool));
  }
}

bool PendingDeposit::attested_by(const AccountId& attester) const {
  for (const auto& [content, attesters] : groups) {
    if (attesters.contains(attester)) return true;
  }
  return false;
}

void ChainDeposits::mark_credited(DepositId id) {
  REPLEX_ASSERT(id > 0 && !credited(id));
  if (id != credited_through + 1) {
    credited_above.insert(id);
    return;
  }
  credited_through = id;
  // Fold the sparse ids that are now consecutive with the watermark.
  while (!credited_above.empty() && *credited_above.begin() == credited_through + 1) {
    credited_through = *credited_above.begin();
    credited_above.erase(credited_above.begin());
  }
}

bool State::has_settlement_state() const {
  if (!deposits.empty()) return true;
  for (const std::uint64_t d : deposited) {
    if (d != 0) return true;
  }
  for (const auto& [id, w] : withdrawals) {
    if (w.chain_id != 0) return true;
  }
  return false;
}

std::optional<std::uint32_t> State::find_account(const AccountId& key) const {
  const auto it = account_index.find(key);
  if (it == account_index.end()) return std::nullopt;
  return it->second;
}

std::uint32_t State::intern_account(const AccountId& key) {
  const auto [it, fresh] = account_index.try_emplace(key, static_cast<std::uint32_t>(accounts.size()));
  if (fresh) {
    AccountState a;
    a.key = key;
    a.balances = Balances(rules->asset_count());
    accounts.push_back(std::move(a));
  }
  return it->second;
}

OrderInfo State::describe(Slot slot) const {
  const Order& o = pool[slot];
  const MarketRules& m = market_rules(o.market);
  OrderInfo info;
  info.id = o.id;
  info.market = o.market;
  info.account = accounts[o.account].key;
  info.side = o.side;
  info.type = o.type;
  info.time_in_force = o.tif;
  info.post_only = o.post_only();
  info.self_trade_prevention = o.stp;
  info.pending_stop = o.pending_stop();
  info.price = m.price_of(o.price_ticks);
  info.open_quantity = m.quantity_of(o.open_lots);
  info.filled_quantity = m.quantity_of(o.filled_lots);
  info.quantity = info.open_quantity + info.filled_quantity;
  info.visible_quantity = o.resting() ? m.quantity_of(o.visible_lots) : 0;
  info.display_quantity = m.quantity_of(o.display_lots);
  info.locked = o.locked;
  info.client_order_id = std::string(o.client_order_id());
  if (o.pending_stop()) {
    const StopTrigger& t = stops.at(o.id);
    info.stop_price = m.price_of(t.stop_ticks);
    info.protection_price = m.price_of(t.protection_ticks);
    info.quote_budget = t.quote_budget;
  }
  return info;
}

std::unique_ptr<State> genesis_state(std::shared_ptr<const ChainRules> rules) {
  auto state = std::make_unique<State>(rules);
  const Genesis& g = rules->genesis();
  // Allocations are sorted by account, so accounts are interned in key order
  // (not that anything observable depends on the order).
  for (const GenesisAllocation& a : g.allocations) {
    const std::uint32_t account = state->intern_account(a.account);
    const AssetIndex asset = *rules->find_asset(a.asset);
    state->accounts[account].balances[asset].available = a.amount;
  }
  state->fee_account = state->intern_account(g.fee_account);
  // Attesters sign transactions, so they need accounts for their nonces.
  if (g.settlement) {
    for (const AccountId& attester : g.settlement->attesters) state->intern_account(attester);
  }
  return state;
}

void prune_nonces(State& state, std::uint64_t height) {
  std::vector<std::uint32_t> touched;  // accounts with expired nonces, repeats allowed
  auto it = state.nonce_expiry.begin();
  while (it != state.nonce_expiry.end() && it->first < height) {
    for (const NonceRef& ref : it->second) {
      REPLEX_ASSERT_MSG(!ref.entry.in_map || ref.entry.at->second == it->first,
                        "nonce expiry index out of step with the account's nonces");
      state.accounts[ref.account].nonces.expire(ref.entry);
      touched.push_back(ref.account);
    }
    it = state.nonce_expiry.erase(it);
  }
  // Compaction needs the whole floor expired first, so it runs after the loop.
  for (const std::uint32_t account : touched) state.accounts[account].nonces.compact(height);
}

}  // namespace replex::exchange
