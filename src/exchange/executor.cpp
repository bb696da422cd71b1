#include "executor.hpp"

#include <algorithm>
#include <iterator>

#include "replex/core/assert.hpp"

namespace replex::exchange {

namespace {

TxCheck reject(Reason r, std::string message) { return TxCheck::reject(code(r), std::move(message)); }

bool stop_triggers(Side side, std::uint64_t stop_ticks, std::uint64_t last_ticks) {
  return side == Side::kBuy ? last_ticks >= stop_ticks : last_ticks <= stop_ticks;
}

bool is_stop(OrderType t) { return t == OrderType::kStopMarket || t == OrderType::kStopLimit; }
bool is_market(OrderType t) { return t == OrderType::kMarket || t == OrderType::kStopMarket; }

TakerBounds bounds_of(OrderType type, std::uint64_t price_ticks, std::uint64_t protection_ticks,
                      std::uint64_t quote_budget) {
  TakerBounds b;
  if (is_market(type)) {
    if (protection_ticks != 0) b.limit_ticks = protection_ticks;
    if (quote_budget != 0) b.quote_budget = quote_budget;
  } else {
    b.limit_ticks = price_ticks;
  }
  return b;
}

TxCheck duplicate_nonce(std::uint64_t nonce) {
  return reject(Reason::kDuplicateNonce, "nonce " + std::to_string(nonce) + " already used");
}

}  // namespace

TxCheck check_header(const State& s, const Transaction& tx, std::uint64_t height,
                     std::optional<std::uint32_t> account) {
  if (!account) {
    // A later block's deposit may create it.
    return TxCheck::reject(code(Reason::kUnknownAccount), "signer " + tx.signer.hex() + " has no account (never funded)",
                           TxCheck::Scope::kUntilLaterState);
  }
  if (height > tx.good_til_height) {
    return reject(Reason::kExpired, "good_til_height " + std::to_string(tx.good_til_height) +
                                        " is below height " + std::to_string(height));
  }
  const std::uint64_t ttl = s.chain().params().max_tx_ttl_blocks;
  if (tx.good_til_height - height > ttl) {
    // The advisory text predates the key's rename (params.max_tx_ttl_blocks);
    // it is kept as it was, since the golden test pins every message.
    return reject(Reason::kGoodTilTooFar, "good_til_height " + std::to_string(tx.good_til_height) +
                                              " is more than tx_ttl_blocks_max " + std::to_string(ttl) +
                                              " above height " + std::to_string(height));
  }
  return TxCheck::accept();
}

TxCheck check_attestation(const State& s, const AccountId& attester, const DepositAttestationTx& d) {
  const auto chain = s.deposits.find(d.chain_id);
  if (chain == s.deposits.end()) return TxCheck::accept();
  const std::string what = "deposit_attestation: deposit " + std::to_string(d.deposit_id) + " on chain " +
                           std::to_string(d.chain_id);
  // An older state may not have credited it, nor seen the attester's first
  // attestation, yet: execution rejects what a block holds of these.
  if (chain->second.credited(d.deposit_id)) {
    return TxCheck::reject(code(Reason::kDepositAlreadyCredited), what + " is already credited",
                           TxCheck::Scope::kAdmissionOnly);
  }
  const auto pending = chain->second.pending.find(d.deposit_id);
  if (pending != chain->second.pending.end() && pending->second.attested_by(attester)) {
    return TxCheck::reject(code(Reason::kDuplicateAttestation), what + " was already attested by " + attester.hex(),
                           TxCheck::Scope::kAdmissionOnly);
  }
  return TxCheck::accept();
}

TxCheck check_admission(const State& s, const Transaction& tx, std::uint64_t height) {
  const auto account = s.find_account(tx.signer);
  TxCheck verdict = check_header(s, tx, height, account);
  if (!verdict.ok()) return verdict;
  // A nonce whose good_til_height is below `height` is forgotten before that
  // block runs; one below s.height already was (the windows' floor).
  if (s.accounts[*account].nonces.contains(tx.nonce, std::max(height, s.height))) return duplicate_nonce(tx.nonce);
  // Attestations the block would refuse stay out of the mempool.
  if (const auto* d = std::get_if<DepositAttestationTx>(&tx.kind)) return check_attestation(s, tx.signer, *d);
  return TxCheck::accept();
}

void Executor::reject_undecodable(std::uint32_t tx_index, const TxCheck& verdict) {
  REPLEX_ASSERT(!verdict.ok());
  events_.push_back(event::TxResult{tx_index, verdict.code, verdict.message});
}

std::uint32_t Executor::apply(const Transaction& tx, std::uint32_t tx_index,
                              std::optional<std::uint32_t> signer_account) {
  const std::size_t result_at = events_.size();
  events_.push_back(event::TxResult{tx_index, 0, {}});
  TxCheck verdict = check_header(s_, tx, height_, signer_account);
  const std::uint32_t account = signer_account.value_or(0);
  if (verdict.ok()) verdict = record_nonce(account, tx);
  if (verdict.ok()) {
    verdict = std::visit(
        [&](const auto& kind) -> TxCheck {
          using K = std::decay_t<decltype(kind)>;
          if constexpr (std::is_same_v<K, PlaceOrderTx>) return place(account, kind);
          if constexpr (std::is_same_v<K, CancelOrderTx>) return cancel(account, kind);
          if constexpr (std::is_same_v<K, CancelAllTx>) return cancel_all(account, kind);
          if constexpr (std::is_same_v<K, AmendOrderTx>) return amend(account, kind);
          if constexpr (std::is_same_v<K, WithdrawTx>) return withdraw(account, kind);
          if constexpr (std::is_same_v<K, RegisterSettlementAddressTx>) return register_address(account, kind);
          if constexpr (std::is_same_v<K, DepositAttestationTx>) return attest_deposit(account, kind);
        },
        tx.kind);
  }
  if (!verdict.ok()) {
    REPLEX_ASSERT_MSG(events_.size() == result_at + 1 && touched_.empty(),
                      "a rejected transaction had side effects");
    auto& result = std::get<event::TxResult>(events_[result_at]);
    result.code = verdict.code;
    result.message = std::move(verdict.message);
    return result.code;
  }
  run_triggered_stops();
  flush_balance_changes();
  return 0;
}

TxCheck Executor::record_nonce(std::uint32_t account, const Transaction& tx) {
  // Nonces were pruned up to this block's height before it ran: that is the floor.
  NonceWindow& nonces = s_.accounts[account].nonces;
  if (nonces.contains(tx.nonce, height_)) return duplicate_nonce(tx.nonce);
  const NonceWindow::Entry entry = nonces.insert(tx.nonce, tx.good_til_height, height_);
  s_.nonce_expiry[tx.good_til_height].push_back(NonceRef{account, entry});
  return TxCheck::accept();
}

// ---- transaction kinds ----

TxCheck Executor::place(std::uint32_t account, const PlaceOrderTx& p) {
  AccountState& a = s_.accounts[account];
  MarketState& ms = *s_.markets[p.market];
  const MarketRules& m = ms.matcher.rules();
  const bool stop = is_stop(p.type);
  const bool may_stay_open = stop || Matcher::rests(p.type, p.tif);
  const std::uint32_t max_open = s_.chain().params().max_open_orders_per_account;
  if (may_stay_open && a.orders.size() >= max_open) {
    return reject(Reason::kTooManyOpenOrders, "account has " + std::to_string(a.orders.size()) +
                                                  " open orders, max_open_orders_per_account is " +
                                                  std::to_string(max_open));
  }
  if (!p.client_order_id.empty() && a.client_ids.contains(p.client_order_id)) {
    return reject(Reason::kDuplicateClientOrderId,
                  "place_order.client_order_id: '" + p.client_order_id + "' is used by an open order");
  }
  if (stop && ms.last_ticks && stop_triggers(p.side, p.stop_ticks, *ms.last_ticks)) {
    return reject(Reason::kStopWouldTrigger, "place_order.stop_price: the last trade price " +
                                                 std::to_string(m.price_of(*ms.last_ticks)) +
                                                 " already triggers it");
  }
  // The funds the order may spend, locked up front.
  const AssetIndex lock_asset = p.side == Side::kBuy ? m.quote : m.base;
  std::optional<std::uint64_t> lock_amount;
  if (p.side == Side::kSell) {
    lock_amount = m.sell_lock(p.lots);
  } else if (p.quote_budget != 0) {
    lock_amount = p.quote_budget;
  } else {
    lock_amount = m.buy_lock(is_market(p.type) ? p.protection_ticks : p.price_ticks, p.lots);
  }
  if (!lock_amount) {
    return reject(Reason::kAmountOverflow, "place_order: the funds to lock exceed 2^64 - 1 units");
  }

  Order probe;
  probe.price_ticks = p.price_ticks;
  probe.open_lots = p.lots;
  probe.display_lots = p.display_lots;
  probe.account = account;
  probe.market = p.market;
  probe.side = p.side;
  probe.type = p.type;
  probe.tif = p.tif;
  probe.stp = p.stp;
  probe.flags = p.post_only ? Order::kPostOnly : 0;
  probe.locked = *lock_amount;
  const TakerBounds bounds = bounds_of(p.type, p.price_ticks, p.protection_ticks, p.quote_budget);
  if (!stop) {
    switch (ms.matcher.admit(probe, bounds)) {
      case Admission::kOk: break;
      case Admission::kPostOnlyWouldTake:
        return reject(Reason::kPostOnlyWouldTake, "place_order.post_only: the order would trade on arrival");
      case Admission::kFokNotFillable:
        return reject(Reason::kFokNotFillable, "place_order.time_in_force: FOK quantity is not fillable now");
    }
  }
  if (a.balances[lock_asset].available < *lock_amount) {
    return reject(Reason::kInsufficientBalance,
                  "needs " + std::to_string(*lock_amount) + " " + s_.chain().asset(lock_asset).symbol +
                      " available, has " + std::to_string(a.balances[lock_asset].available));
  }

  // Accepted: nothing below can fail.
  const OrderId id = s_.next_order_id++;
  const Slot slot = s_.pool.allocate();
  Order& o = s_.pool[slot];
  o = probe;
  o.id = id;
  o.set_client_order_id(p.client_order_id);
  if (stop) o.flags |= Order::kPendingStop;
  o.account_pos = static_cast<std::uint32_t>(a.orders.size());
  a.orders.push_back(slot);
  if (!p.client_order_id.empty()) a.client_ids.emplace(p.client_order_id, id);
  s_.ids.insert(id, slot);
  lock(account, lock_asset, *lock_amount);

  events_.push_back(event::OrderAccepted{
      .order_id = id,
      .market = p.market,
      .account = a.key,
      .side = p.side,
      .type = p.type,
      .time_in_force = p.tif,
      .post_only = p.post_only,
      .self_trade_prevention = p.stp,
      .price = m.price_of(p.price_ticks),
      .quantity = m.quantity_of(p.lots),
      .stop_price = m.price_of(p.stop_ticks),
      .display_quantity = m.quantity_of(p.display_lots),
      .protection_price = m.price_of(p.protection_ticks),
      .quote_budget = p.quote_budget,
      .client_order_id = p.client_order_id,
  });
  if (stop) {
    s_.stops.emplace(id, StopTrigger{p.stop_ticks, p.protection_ticks, p.quote_budget});
    (p.side == Side::kBuy ? ms.buy_stops : ms.sell_stops).emplace(p.stop_ticks, id);
    return TxCheck::accept();
  }
  run(slot, bounds);
  return TxCheck::accept();
}

Slot Executor::find_own_order(std::uint32_t account, MarketIndex market, OrderId id) const {
  const Slot slot = s_.ids.find(id);
  if (slot == kNoSlot) return kNoSlot;
  const Order& o = s_.pool[slot];
  // Someone else's order is as unknown to the signer as one that never existed.
  if (o.account != account || o.market != market) return kNoSlot;
  return slot;
}

TxCheck Executor::cancel(std::uint32_t account, const CancelOrderTx& c) {
  Slot slot = kNoSlot;
  if (c.order_id != 0) {
    slot = find_own_order(account, c.market, c.order_id);
  } else {
    const auto& ids = s_.accounts[account].client_ids;
    const auto it = ids.find(c.client_order_id);
    if (it != ids.end()) slot = find_own_order(account, c.market, it->second);
  }
  if (slot == kNoSlot) {
    return reject(Reason::kUnknownOrder,
                  c.order_id != 0 ? "cancel_order.order_id: no open order " + std::to_string(c.order_id) +
                                        " of this account in this market"
                                  : "cancel_order.client_order_id: no open order '" + c.client_order_id +
                                        "' of this account in this market");
  }
  cancel_order(slot, CancelCause::kUser);
  return TxCheck::accept();
}

TxCheck Executor::cancel_all(std::uint32_t account, const CancelAllTx& c) {
  std::vector<OrderId> ids;
  for (const Slot slot : s_.accounts[account].orders) {
    const Order& o = s_.pool[slot];
    if (!c.market || o.market == *c.market) ids.push_back(o.id);
  }
  std::sort(ids.begin(), ids.end());  // cancel in arrival order, whatever the list's order
  for (const OrderId id : ids) cancel_order(s_.ids.find(id), CancelCause::kCancelAll);
  return TxCheck::accept();
}

TxCheck Executor::amend(std::uint32_t account, const AmendOrderTx& a) {
  const Slot slot = find_own_order(account, a.market, a.order_id);
  if (slot == kNoSlot) {
    return reject(Reason::kUnknownOrder, "amend_order.order_id: no open order " + std::to_string(a.order_id) +
                                             " of this account in this market");
  }
  Order& o = s_.pool[slot];
  if (o.pending_stop()) {
    return reject(Reason::kOrderNotAmendable, "amend_order.order_id: order " + std::to_string(a.order_id) +
                                                  " is a pending stop; cancel it and place a new one");
  }
  REPLEX_ASSERT(o.resting());
  MarketState& ms = *s_.markets[o.market];
  const MarketRules& m = ms.matcher.rules();
  const std::uint64_t new_ticks = a.new_price_ticks != 0 ? a.new_price_ticks : o.price_ticks;
  const std::uint64_t new_lots = a.new_lots != 0 ? a.new_lots : o.open_lots;
  const bool in_place = new_ticks == o.price_ticks && new_lots <= o.open_lots;
  const auto required = o.side == Side::kSell ? m.sell_lock(new_lots) : m.buy_lock(new_ticks, new_lots);
  if (!required) {
    return reject(Reason::kAmountOverflow, "amend_order: the funds to lock exceed 2^64 - 1 units");
  }
  if (!in_place && o.post_only() && ms.matcher.would_take(o.side, new_ticks)) {
    return reject(Reason::kPostOnlyWouldTake, "amend_order.new_price: the post-only order would trade");
  }
  const AssetIndex asset = o.side == Side::kBuy ? m.quote : m.base;
  const BalanceCell& cell = s_.accounts[account].balances[asset];
  if (*required > o.locked && cell.available < *required - o.locked) {
    return reject(Reason::kInsufficientBalance,
                  "amend needs " + std::to_string(*required - o.locked) + " more " +
                      s_.chain().asset(asset).symbol + " available, has " + std::to_string(cell.available));
  }
  // Accepted: re-lock exactly what the amended order may spend.
  if (*required > o.locked) {
    lock(account, asset, *required - o.locked);
  } else if (*required < o.locked) {
    unlock(account, asset, o.locked - *required);
  }
  o.locked = *required;
  events_.push_back(event::OrderAmended{
      .order_id = o.id,
      .market = o.market,
      .account = s_.accounts[account].key,
      .price = m.price_of(new_ticks),
      .open_quantity = m.quantity_of(new_lots),
      .requeued = !in_place,
  });
  traded_min_ticks_.reset();
  traded_max_ticks_.reset();
  const ExecResult r = ms.matcher.amend(slot, new_ticks, new_lots, *this);
  if (r.match.lots > 0) emit_fill(o);
  conclude(slot, r.outcome);
  collect_triggered(a.market);
  return TxCheck::accept();
}

TxCheck Executor::withdraw(std::uint32_t account, const WithdrawTx& w) {
  AccountState& a = s_.accounts[account];
  if (!a.settlement_address) {
    return reject(Reason::kNoSettlementAddress, "withdraw: register a settlement address first");
  }
  if (a.balances[w.asset].available < w.amount) {
    return reject(Reason::kInsufficientBalance,
                  "withdraw.amount: " + std::to_string(w.amount) + " exceeds available " +
                      std::to_string(a.balances[w.asset].available));
  }
  debit(account, w.asset, w.amount);
  s_.withdrawn[w.asset] += w.amount;  // bounded by the asset's supply
  const PendingWithdrawal record{s_.next_withdrawal_id++, a.key, w.asset, w.amount, *a.settlement_address,
                                 height_, w.chain_id};
  s_.withdrawals.emplace(record.id, record);
  // Without settlement chains the event is the one it always was.
  if (record.chain_id == 0) {
    events_.push_back(event::WithdrawalRecorded{record});
  } else {
    events_.push_back(event::WithdrawalRecordedOnChain{record});
  }
  return TxCheck::accept();
}

TxCheck Executor::register_address(std::uint32_t account, const RegisterSettlementAddressTx& r) {
  AccountState& a = s_.accounts[account];
  a.settlement_address = r.eth_address;
  events_.push_back(event::SettlementAddressRegistered{a.key, r.eth_address});
  return TxCheck::accept();
}

// Records one attester's attestation; the one that brings a content to the
// threshold credits the deposit instead of staying pending. decode_transaction
// checked the signer (an attester), the chain and the asset.
TxCheck Executor::attest_deposit(std::uint32_t account, const DepositAttestationTx& d) {
  const AccountId attester = s_.accounts[account].key;
  REPLEX_ASSERT(s_.chain().is_attester(attester));
  TxCheck verdict = check_attestation(s_, attester, d);
  if (!verdict.ok()) return verdict;
  const std::string what = "deposit_attestation: deposit " + std::to_string(d.deposit_id) + " on chain " +
                           std::to_string(d.chain_id);
  const auto chain_it = s_.deposits.find(d.chain_id);
  ChainDeposits* chain = chain_it == s_.deposits.end() ? nullptr : &chain_it->second;
  PendingDeposit* pending = nullptr;
  if (chain != nullptr) {
    const auto it = chain->pending.find(d.deposit_id);
    if (it != chain->pending.end()) pending = &it->second;
  }
  const DepositContent content{d.account, d.asset, d.amount};
  std::size_t agreeing = 0;
  if (pending != nullptr) {
    const auto group = pending->groups.find(content);
    if (group != pending->groups.end()) agreeing = group->second.size();
  }
  const auto attestations = static_cast<std::uint32_t>(agreeing + 1);
  const bool credits = attestations >= s_.chain().attestation_threshold();
  if (credits) {
    // The asset's total supply (allocations + deposits) must stay a 64-bit
    // amount, which is what keeps every balance from overflowing.
    const Uint128 supply = static_cast<Uint128>(s_.chain().genesis_supply(d.asset)) + s_.deposited[d.asset] + d.amount;
    if (supply > UINT64_MAX) {
      return reject(Reason::kAmountOverflow, what + ": the total supply of " + s_.chain().asset(d.asset).symbol +
                                                 " would exceed 2^64 - 1 units");
    }
  } else {
    const std::uint32_t limit = s_.chain().max_pending_attestations_per_attester();
    const auto held = s_.pending_attestations.find(attester);
    if (held != s_.pending_attestations.end() && held->second >= limit) {
      return reject(Reason::kTooManyPendingAttestations,
                    what + ": attester " + attester.hex() + " has " + std::to_string(held->second) +
                        " attestations awaiting the threshold, max_pending_attestations_per_attester is " +
                        std::to_string(limit));
    }
  }

  // Accepted: nothing below can fail.
  events_.push_back(event::DepositAttested{d.chain_id, d.deposit_id, attester, attestations});
  if (!credits) {
    if (chain == nullptr) chain = &s_.deposits[d.chain_id];
    if (pending == nullptr) pending = &chain->pending[d.deposit_id];
    const bool fresh = pending->groups[content].insert(attester).second;
    REPLEX_ASSERT(fresh);
    ++s_.pending_attestations[attester];
    return TxCheck::accept();
  }
  if (chain == nullptr) chain = &s_.deposits[d.chain_id];
  if (pending != nullptr) {
    // The deposit's other attestations, agreeing or not, are settled with it.
    for (const auto& [other_content, attesters] : pending->groups) {
      for (const AccountId& a : attesters) {
        const auto held = s_.pending_attestations.find(a);
        REPLEX_ASSERT(held != s_.pending_attestations.end() && held->second > 0);
        if (--held->second == 0) s_.pending_attestations.erase(held);
      }
    }
    chain->pending.erase(d.deposit_id);
  }
  chain->mark_credited(d.deposit_id);
  // A deposit is how a trader who is not in the genesis gets an account.
  const std::uint32_t target = s_.intern_account(d.account);
  credit(target, d.asset, d.amount);
  s_.deposited[d.asset] += d.amount;  // checked above against the supply bound
  events_.push_back(event::DepositCredited{d.chain_id, d.deposit_id, d.account, d.asset, d.amount});
  return TxCheck::accept();
}

// ---- order lifecycle ----

void Executor::run(Slot slot, const TakerBounds& bounds) {
  Order& o = s_.pool[slot];
  MarketState& ms = *s_.markets[o.market];
  traded_min_ticks_.reset();
  traded_max_ticks_.reset();
  const MarketIndex market = o.market;
  const ExecResult r = ms.matcher.execute(slot, bounds, *this);
  if (r.match.lots > 0) emit_fill(o);
  conclude(slot, r.outcome);
  collect_triggered(market);
}

void Executor::conclude(Slot slot, Outcome outcome) {
  Order& o = s_.pool[slot];
  const MarketRules& m = s_.market_rules(o.market);
  switch (outcome) {
    case Outcome::kRested:
    case Outcome::kReducedInPlace:
      return;
    case Outcome::kFilled:
      break;
    case Outcome::kExpired:
      events_.push_back(event::OrderExpired{
          o.id, o.market, s_.accounts[o.account].key,
          is_market(o.type) ? ExpireCause::kMarketRemainder : ExpireCause::kImmediateOrCancel,
          m.quantity_of(o.open_lots)});
      break;
    case Outcome::kCanceledSelfTrade:
      events_.push_back(event::OrderCanceled{o.id, o.market, s_.accounts[o.account].key,
                                             CancelCause::kSelfTradeTaker, m.quantity_of(o.open_lots)});
      break;
  }
  finish(slot);
}

void Executor::emit_fill(const Order& o) {
  const MarketRules& m = s_.market_rules(o.market);
  const AccountId& key = s_.accounts[o.account].key;
  if (o.open_lots == 0) {
    events_.push_back(event::OrderFilled{o.id, o.market, key, m.quantity_of(o.filled_lots)});
  } else {
    events_.push_back(event::OrderPartiallyFilled{o.id, o.market, key, m.quantity_of(o.filled_lots),
                                                  m.quantity_of(o.open_lots)});
  }
}

void Executor::cancel_order(Slot slot, CancelCause cause) {
  Order& o = s_.pool[slot];
  MarketState& ms = *s_.markets[o.market];
  if (o.pending_stop()) {
    const auto it = s_.stops.find(o.id);
    REPLEX_ASSERT(it != s_.stops.end());
    const auto erased = (o.side == Side::kBuy ? ms.buy_stops : ms.sell_stops).erase({it->second.stop_ticks, o.id});
    REPLEX_ASSERT(erased == 1);
    s_.stops.erase(it);
  } else {
    ms.matcher.remove(slot);
  }
  events_.push_back(event::OrderCanceled{o.id, o.market, s_.accounts[o.account].key, cause,
                                         ms.matcher.rules().quantity_of(o.open_lots)});
  finish(slot);
}

void Executor::finish(Slot slot) {
  Order& o = s_.pool[slot];
  REPLEX_ASSERT(!o.resting());
  AccountState& a = s_.accounts[o.account];
  if (o.locked > 0) {
    const MarketRules& m = s_.market_rules(o.market);
    unlock(o.account, o.side == Side::kBuy ? m.quote : m.base, o.locked);
    o.locked = 0;
  }
  if (o.client_id_len > 0) {
    const auto it = a.client_ids.find(o.client_order_id());
    REPLEX_ASSERT(it != a.client_ids.end() && it->second == o.id);
    a.client_ids.erase(it);
  }
  // Swap-remove from the account's list, fixing the moved order's position.
  REPLEX_ASSERT(o.account_pos < a.orders.size() && a.orders[o.account_pos] == slot);
  const Slot moved = a.orders.back();
  a.orders[o.account_pos] = moved;
  s_.pool[moved].account_pos = o.account_pos;
  a.orders.pop_back();
  s_.ids.erase(o.id);
  s_.pool.release(slot);
}

void Executor::collect_triggered(MarketIndex market) {
  if (!traded_max_ticks_) return;
  MarketState& ms = *s_.markets[market];
  // Any trade of the order that just ran counts, not only the last one: a
  // buy stop fires if some trade reached its price, a sell stop likewise.
  while (!ms.buy_stops.empty() && ms.buy_stops.begin()->first <= *traded_max_ticks_) {
    triggered_.insert(ms.buy_stops.begin()->second);
    ms.buy_stops.erase(ms.buy_stops.begin());
  }
  while (!ms.sell_stops.empty() && std::prev(ms.sell_stops.end())->first >= *traded_min_ticks_) {
    triggered_.insert(std::prev(ms.sell_stops.end())->second);
    ms.sell_stops.erase(std::prev(ms.sell_stops.end()));
  }
  traded_min_ticks_.reset();
  traded_max_ticks_.reset();
}

void Executor::run_triggered_stops() {
  while (!triggered_.empty()) {
    const OrderId id = *triggered_.begin();
    triggered_.erase(triggered_.begin());
    const Slot slot = s_.ids.find(id);
    REPLEX_ASSERT(slot != kNoSlot);
    Order& o = s_.pool[slot];
    REPLEX_ASSERT(o.pending_stop());
    const auto it = s_.stops.find(id);
    REPLEX_ASSERT(it != s_.stops.end());
    const StopTrigger trigger = it->second;
    s_.stops.erase(it);
    o.flags &= static_cast<std::uint8_t>(~Order::kPendingStop);
    MarketState& ms = *s_.markets[o.market];
    const MarketRules& m = ms.matcher.rules();
    REPLEX_ASSERT(ms.last_ticks.has_value());
    events_.push_back(event::OrderTriggered{id, o.market, s_.accounts[o.account].key, m.price_of(*ms.last_ticks)});
    const TakerBounds bounds = bounds_of(o.type, o.price_ticks, trigger.protection_ticks, trigger.quote_budget);
    const Admission admission = ms.matcher.admit(o, bounds);
    if (admission != Admission::kOk) {
      const Reason why = admission == Admission::kPostOnlyWouldTake ? Reason::kPostOnlyWouldTake
                                                                    : Reason::kFokNotFillable;
      events_.push_back(event::OrderRejected{id, o.market, s_.accounts[o.account].key, code(why)});
      finish(slot);
      continue;
    }
    run(slot, bounds);
  }
}

// ---- matching callbacks ----

void Executor::on_trade(Order& maker, Order& taker, std::uint64_t ticks, std::uint64_t lots) {
  MarketState& ms = *s_.markets[taker.market];
  const MarketRules& m = ms.matcher.rules();
  const auto notional = m.notional(ticks, lots);
  REPLEX_ASSERT_MSG(notional.has_value(), "a trade's notional overflows although the buyer locked it");
  const std::uint64_t maker_fee = MarketRules::fee(*notional, m.maker_fee_bps);
  const std::uint64_t taker_fee = MarketRules::fee(*notional, m.taker_fee_bps);
  const bool taker_buys = taker.side == Side::kBuy;
  Order& buyer = taker_buys ? taker : maker;
  Order& seller = taker_buys ? maker : taker;
  const std::uint64_t buyer_fee = taker_buys ? taker_fee : maker_fee;
  const std::uint64_t seller_fee = taker_buys ? maker_fee : taker_fee;
  const std::uint64_t base_quantity = m.quantity_of(lots);

  spend_locked(buyer, m.quote, *notional + buyer_fee);  // <= the buyer's lock, so no overflow
  credit(buyer.account, m.base, base_quantity);
  spend_locked(seller, m.base, base_quantity);
  credit(seller.account, m.quote, *notional - seller_fee);
  if (maker_fee + taker_fee > 0) credit(s_.fee_account, m.quote, maker_fee + taker_fee);

  events_.push_back(event::Trade{
      .trade_id = s_.next_trade_id++,
      .market = taker.market,
      .maker_order_id = maker.id,
      .taker_order_id = taker.id,
      .maker = s_.accounts[maker.account].key,
      .taker = s_.accounts[taker.account].key,
      .price = m.price_of(ticks),
      .quantity = base_quantity,
      .maker_fee = maker_fee,
      .taker_fee = taker_fee,
      .aggressor = taker.side,
  });
  emit_fill(maker);
  ms.last_ticks = ticks;
  traded_min_ticks_ = std::min(traded_min_ticks_.value_or(ticks), ticks);
  traded_max_ticks_ = std::max(traded_max_ticks_.value_or(ticks), ticks);
}

void Executor::on_maker_removed(Slot maker, MakerRemoval why) {
  if (why == MakerRemoval::kSelfTrade) {
    const Order& o = s_.pool[maker];
    events_.push_back(event::OrderCanceled{o.id, o.market, s_.accounts[o.account].key,
                                           CancelCause::kSelfTradeMaker,
                                           s_.market_rules(o.market).quantity_of(o.open_lots)});
  }
  finish(maker);
}

}  // namespace replex::exchange
