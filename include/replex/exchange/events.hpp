// The events of one executed block, typed for the read side and encoded
// canonically (replex::ByteWriter) for app_hash. The encoding is the
// replicated truth: docs/wire-formats.md describes every byte; a new event
// gets a new tag, existing layouts never change.
//
// Order in a block: execution order. Each transaction contributes a TxResult
// first, then its own events, then the events of stop orders it triggered;
// its BalanceChanged events close each transaction and each triggered order
// (one per touched (account, asset), sorted by account key then asset).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/core/codec.hpp"
#include "replex/core/status.hpp"
#include "replex/exchange/types.hpp"

namespace replex::exchange {

enum class CancelCause : std::uint8_t {
  kUser = 1,             // CancelOrder
  kCancelAll = 2,        // CancelAll
  kSelfTradeMaker = 3,   // a resting order expired by a taker's self-trade prevention
  kSelfTradeTaker = 4,   // the taker's remainder canceled by its own self-trade prevention
};

enum class ExpireCause : std::uint8_t {
  kImmediateOrCancel = 1,  // IOC remainder
  kMarketRemainder = 2,    // market order: no liquidity left within its protection, cap or budget
};

namespace event {

// Tag 1. Opens each transaction's events. `message` is advisory text for
// clients and is not part of the canonical encoding.
struct TxResult {
  std::uint32_t tx_index = 0;  // position in the block
  std::uint32_t code = 0;      // 0 applied, else a Reason code
  std::string message;
};
// Tag 2.
struct OrderAccepted {
  OrderId order_id = 0;
  MarketIndex market = 0;
  AccountId account;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce time_in_force = TimeInForce::kGtc;
  bool post_only = false;
  SelfTradePrevention self_trade_prevention = SelfTradePrevention::kExpireMaker;
  std::uint64_t price = 0;
  std::uint64_t quantity = 0;
  std::uint64_t stop_price = 0;
  std::uint64_t display_quantity = 0;
  std::uint64_t protection_price = 0;
  std::uint64_t quote_budget = 0;
  std::string client_order_id;
};
// Tag 3. A triggered stop order that could not run (post-only would take,
// fill-or-kill not fillable); its funds are released.
struct OrderRejected {
  OrderId order_id = 0;
  MarketIndex market = 0;
  AccountId account;
  std::uint32_t code = 0;
};
// Tag 4.
struct OrderTriggered {
  OrderId order_id = 0;
  MarketIndex market = 0;
  AccountId account;
  std::uint64_t last_price = 0;  // the market's last trade price when it ran
};
// Tag 5 (open_quantity > 0) and tag 6 (open_quantity == 0).
struct OrderPartiallyFilled {
  OrderId order_id = 0;
  MarketIndex market = 0;
  AccountId account;
  std::uint64_t filled_quantity = 0;  // cumulative
  std::uint64_t open_quantity = 0;
};
struct OrderFilled {
  OrderId order_id = 0;
  MarketIndex market = 0;
  AccountId account;
  std::uint64_t filled_quantity = 0;  // cumulative
};
// Tag 7.
struct OrderCanceled {
  OrderId order_id = 0;
  MarketIndex market = 0;
  AccountId account;
  CancelCause cause = CancelCause::kUser;
  std::uint64_t open_quantity = 0;  // what was left unfilled
};
// Tag 8.
struct OrderExpired {
  OrderId order_id = 0;
  MarketIndex market = 0;
  AccountId account;
  ExpireCause cause = ExpireCause::kImmediateOrCancel;
  std::uint64_t open_quantity = 0;
};
// Tag 9.
struct OrderAmended {
  OrderId order_id = 0;
  MarketIndex market = 0;
  AccountId account;
  std::uint64_t price = 0;
  std::uint64_t open_quantity = 0;
  bool requeued = false;  // lost time priority (price changed or quantity raised)
};
// Tag 10.
struct Trade {
  TradeId trade_id = 0;
  MarketIndex market = 0;
  OrderId maker_order_id = 0;
  OrderId taker_order_id = 0;
  AccountId maker;
  AccountId taker;
  std::uint64_t price = 0;     // the maker's price, price units
  std::uint64_t quantity = 0;  // base units
  std::uint64_t maker_fee = 0; // quote units
  std::uint64_t taker_fee = 0; // quote units
  Side aggressor = Side::kBuy; // the taker's side
};
// Tag 11. The new balances of one touched (account, asset).
struct BalanceChanged {
  AccountId account;
  AssetIndex asset = 0;
  std::uint64_t available = 0;
  std::uint64_t locked = 0;
};
// Tag 12. A withdrawal when the genesis configures no settlement chain
// (withdrawal.chain_id == 0; the field is not encoded).
struct WithdrawalRecorded {
  PendingWithdrawal withdrawal;
};
// Tag 13.
struct SettlementAddressRegistered {
  AccountId account;
  EthAddress eth_address{};
};
// Tag 14. An attester's attestation of a deposit was recorded.
struct DepositAttested {
  EvmChainId chain_id = 0;
  DepositId deposit_id = 0;
  AccountId attester;
  // Distinct attesters of the same content (account, asset, amount), this one
  // included; reaching the threshold credits the deposit (DepositCredited follows).
  std::uint32_t attestations = 0;
};
// Tag 15. A deposit reached the threshold and was credited to `account`'s
// available balance (the account is created if it did not exist).
struct DepositCredited {
  EvmChainId chain_id = 0;
  DepositId deposit_id = 0;
  AccountId account;
  AssetIndex asset = 0;
  std::uint64_t amount = 0;
};
// Tag 16. A withdrawal to a settlement chain: emitted instead of
// WithdrawalRecorded when the genesis configures chains (withdrawal.chain_id != 0).
struct WithdrawalRecordedOnChain {
  PendingWithdrawal withdrawal;
};

}  // namespace event

using Event = std::variant<event::TxResult, event::OrderAccepted, event::OrderRejected,
                           event::OrderTriggered, event::OrderPartiallyFilled, event::OrderFilled,
                           event::OrderCanceled, event::OrderExpired, event::OrderAmended,
                           event::Trade, event::BalanceChanged, event::WithdrawalRecorded,
                           event::SettlementAddressRegistered, event::DepositAttested,
                           event::DepositCredited, event::WithdrawalRecordedOnChain>;

// Canonical bytes: u32 count, then each event as u8 tag and its fields.
void encode_event(ByteWriter& out, const Event& e);
Bytes encode_events(std::span<const Event> events);
// Parses canonical bytes (TxResult messages come back empty).
Result<std::vector<Event>> decode_events(ByteView bytes);

}  // namespace replex::exchange
