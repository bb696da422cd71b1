// Executor: applies decoded transactions to the State for one block and
// appends the resulting events. Private to the module; one per block.
//
// Every check runs before the first mutation, so a rejected transaction
// changes no balance, order or counter. Its nonce is recorded once admission
// (account, expiry, nonce) passes, even if the transaction is then rejected,
// so a signed transaction can never be replayed into a later block.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "replex/exchange/events.hpp"
#include "replex/exchange/matcher.hpp"
#include "replex/exchange/reason.hpp"
#include "replex/exchange/transaction.hpp"
#include "state.hpp"

namespace replex::exchange {

// Admission against `state` for inclusion at `height`: the signer has an
// account, height <= good_til_height <= height + max_tx_ttl_blocks, the
// nonce is unused, and an attestation is not one the state refuses (below).
TxCheck check_admission(const State& state, const Transaction& tx, std::uint64_t height);
// An attestation of a deposit already credited (DEPOSIT_ALREADY_CREDITED) or
// already attested by `attester` (DUPLICATE_ATTESTATION) is refused.
TxCheck check_attestation(const State& state, const AccountId& attester, const DepositAttestationTx& d);
// The same checks but the nonce's, which the Executor makes as it records it,
// given the signer's account as state.find_account(tx.signer) returns it.
TxCheck check_header(const State& state, const Transaction& tx, std::uint64_t height,
                     std::optional<std::uint32_t> account);

class Executor final : private MatchListener {
 public:
  Executor(State& state, std::vector<Event>& events, std::uint64_t height)
      : s_(state), events_(events), height_(height) {}

  // Emits a TxResult for a transaction that failed decoding.
  void reject_undecodable(std::uint32_t tx_index, const TxCheck& verdict);
  // Applies one decoded transaction (and the stop orders it triggers); returns
  // its code. `account` is the signer's, as State::find_account returns it.
  std::uint32_t apply(const Transaction& tx, std::uint32_t tx_index, std::optional<std::uint32_t> account);

 private:
  // Rejects a nonce already used, else records it until its good_til_height.
  TxCheck record_nonce(std::uint32_t account, const Transaction& tx);
  TxCheck place(std::uint32_t account, const PlaceOrderTx& p);
  TxCheck cancel(std::uint32_t account, const CancelOrderTx& c);
  TxCheck cancel_all(std::uint32_t account, const CancelAllTx& c);
  TxCheck amend(std::uint32_t account, const AmendOrderTx& a);
  TxCheck withdraw(std::uint32_t account, const WithdrawTx& w);
  TxCheck register_address(std::uint32_t account, const RegisterSettlementAddressTx& r);
  TxCheck attest_deposit(std::uint32_t account, const DepositAttestationTx& d);

  // Runs an admitted, funded order against its market and settles the outcome.
  void run(Slot slot, const TakerBounds& bounds);
  void conclude(Slot slot, Outcome outcome);
  void run_triggered_stops();
  void collect_triggered(MarketIndex market);
  void cancel_order(Slot slot, CancelCause cause);
  // Releases what the order still locks and forgets it.
  void finish(Slot slot);
  Slot find_own_order(std::uint32_t account, MarketIndex market, OrderId id) const;
  void emit_fill(const Order& o);

  // Ledger: every change records the touched (account, asset).
  void lock(std::uint32_t account, AssetIndex asset, std::uint64_t amount);
  void unlock(std::uint32_t account, AssetIndex asset, std::uint64_t amount);
  void spend_locked(Order& o, AssetIndex asset, std::uint64_t amount);
  void credit(std::uint32_t account, AssetIndex asset, std::uint64_t amount);
  void debit(std::uint32_t account, AssetIndex asset, std::uint64_t amount);
  void touch(std::uint32_t account, AssetIndex asset) { touched_.emplace_back(account, asset); }
  void flush_balance_changes();

  // MatchListener
  void on_trade(Order& maker, Order& taker, std::uint64_t ticks, std::uint64_t lots) override;
  void on_maker_removed(Slot maker, MakerRemoval why) override;

  State& s_;
  std::vector<Event>& events_;
  std::uint64_t height_;
  std::vector<std::pair<std::uint32_t, AssetIndex>> touched_;
  // Trades of the running order, for stop triggers.
  std::optional<std::uint64_t> traded_min_ticks_;
  std::optional<std::uint64_t> traded_max_ticks_;
  std::set<OrderId> triggered_;  // stops to run, smallest id (earliest arrival) first
};

}  // namespace replex::exchange
