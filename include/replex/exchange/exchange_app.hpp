// ExchangeApp: the deterministic exchange state machine behind
// abci::Application. Ledger, order books, matcher, transaction
// validation, events, snapshots and app_hash; no clocks, randomness, I/O or
// threads. Rules as implemented: docs/exchange.md.
//
// Thread-safety: verify_tx reads only immutable genesis data and may run on
// any thread concurrently with anything. Everything else, the read-side
// queries included, must be called from one thread at a time (the node
// serialises them with block execution).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "replex/abci/application.hpp"
#include "replex/exchange/chain_rules.hpp"
#include "replex/exchange/events.hpp"
#include "replex/exchange/genesis.hpp"
#include "replex/exchange/reason.hpp"
#include "replex/exchange/types.hpp"

namespace replex::exchange {

struct State;
struct BlockScratch;
using abci::TxCheck;

class ExchangeApp final : public abci::Application {
 public:
  // Validates the genesis and builds the height-0 state; app_hash(0) is the
  // state digest of that state (docs/exchange.md, "Hashes").
  static Result<std::unique_ptr<ExchangeApp>> create(Genesis genesis);
  ~ExchangeApp() override;
  ExchangeApp(const ExchangeApp&) = delete;
  ExchangeApp& operator=(const ExchangeApp&) = delete;

  // abci::Application
  TxCheck verify_tx(ByteView tx) const override;
  // The envelopes and bodies one by one, the signatures in one batch.
  void verify_txs(std::span<const ByteView> txs, std::span<TxCheck> verdicts) const override;
  TxCheck check_tx(ByteView tx, std::uint64_t height) const override;
  // signer ‖ nonce (big-endian); like verify_tx, reads immutable data only.
  std::optional<abci::ReplayKey> replay_key(ByteView tx) const override;
  abci::TxCheck replay_key_held() const override;
  abci::BlockOutcome execute_block(const abci::BlockContext& ctx,
                                        std::span<const Bytes> txs) override;
  std::uint64_t last_height() const override;
  Hash256 app_hash() const override;
  Bytes snapshot() const override;
  Hash256 state_digest() const override;
  Status restore(ByteView snapshot) override;
  std::string_view reason_name(std::uint32_t code) const override;

  // verify_tx then check_tx with one decode: the mempool's admission.
  TxCheck full_check(ByteView tx, std::uint64_t height) const;

  // Read side. Orders are open ones only (resting or pending stop); closed
  // orders live on in the events, not in the state. Account queries see
  // accounts created by deposits like genesis ones.
  const ChainRules& rules() const { return *rules_; }
  const std::vector<Event>& last_block_events() const { return events_; }
  std::optional<OrderInfo> order(OrderId id) const;
  std::optional<OrderInfo> order_by_client_id(const AccountId& account,
                                              std::string_view client_order_id) const;
  // Sorted by order id.
  std::vector<OrderInfo> open_orders(const AccountId& account,
                                     std::optional<MarketIndex> market = std::nullopt) const;
  // Top `levels` aggregated visible levels per side, best first. Precondition: market exists.
  BookDepth depth(MarketIndex market, std::size_t levels) const;
  // One entry per asset, in asset order; empty if the account does not exist.
  std::vector<BalanceInfo> balances(const AccountId& account) const;
  bool has_account(const AccountId& account) const;
  std::optional<EthAddress> settlement_address(const AccountId& account) const;
  std::optional<std::uint64_t> last_price(MarketIndex market) const;
  // Sorted by withdrawal id.
  std::vector<PendingWithdrawal> pending_withdrawals() const;
  // Total withdrawn per asset since genesis.
  std::uint64_t withdrawn_total(AssetIndex asset) const;
  // Total credited by deposits per asset since genesis (0 without settlement).
  std::uint64_t deposited_total(AssetIndex asset) const;
  // A deposit as the state knows it: unknown, pending (the attestations so
  // far, grouped by content) or credited.
  DepositStatus deposit_status(EvmChainId chain_id, DepositId deposit_id) const;
  // Every account key, sorted: genesis accounts, attesters and accounts
  // created by deposits. O(accounts).
  std::vector<AccountId> accounts() const;

  // Full audit of the state's invariants (conservation per asset with
  // deposits, every order's lock summing to the locked balances, books
  // uncrossed, indices consistent, deposits and attestations well-formed). O(state); for tests and operators, never on the hot path.
  Status check_invariants() const;

 private:
  explicit ExchangeApp(std::shared_ptr<const ChainRules> rules);

  std::shared_ptr<const ChainRules> rules_;
  std::unique_ptr<State> state_;
  std::vector<Event> events_;  // of the last executed block
  std::unique_ptr<BlockScratch> scratch_;  // execute_block's buffers, kept to reuse their memory
};

}  // namespace replex::exchange
