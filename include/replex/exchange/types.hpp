// Value types shared by the exchange's public API: ids, enums and the views
// the node's read side receives (orders, balances, depth, withdrawals,
// deposits).
// All plain data; prices and quantities are integers in the units of
// proto/replex/v1/tx.proto (price units, base units, asset units).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "replex/core/ed25519.hpp"

namespace replex::exchange {

using OrderId = std::uint64_t;
using TradeId = std::uint64_t;
using WithdrawalId = std::uint64_t;
using AccountId = PublicKey;
// Index of an asset / market in the genesis lists, which are sorted by symbol;
// so an index is as canonical as the symbol it stands for.
using AssetIndex = std::uint32_t;
using MarketIndex = std::uint32_t;
using EthAddress = std::array<std::uint8_t, 20>;
using EthTxHash = std::array<std::uint8_t, 32>;
// An EVM chain's EIP-155 id; 0 stands for "no chain" (no settlement chains configured).
using EvmChainId = std::uint64_t;
// A deposit's id in its chain's Settlement contract (sequential from 1).
using DepositId = std::uint64_t;

// Enum values equal the proto values, so conversions are checked casts.
enum class Side : std::uint8_t { kBuy = 1, kSell = 2 };
enum class OrderType : std::uint8_t { kLimit = 1, kMarket = 2, kStopMarket = 3, kStopLimit = 4 };
enum class TimeInForce : std::uint8_t { kGtc = 1, kIoc = 2, kFok = 3 };
enum class SelfTradePrevention : std::uint8_t { kExpireMaker = 1, kExpireTaker = 2, kExpireBoth = 3 };

constexpr Side opposite(Side s) { return s == Side::kBuy ? Side::kSell : Side::kBuy; }
std::string_view side_name(Side s);
std::string_view order_type_name(OrderType t);
std::string_view time_in_force_name(TimeInForce t);
std::string_view stp_name(SelfTradePrevention s);

// An open (resting or pending-stop) order as the read side sees it.
struct OrderInfo {
  OrderId id = 0;
  MarketIndex market = 0;
  AccountId account;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce time_in_force = TimeInForce::kGtc;
  bool post_only = false;
  SelfTradePrevention self_trade_prevention = SelfTradePrevention::kExpireMaker;
  bool pending_stop = false;      // a stop order waiting for its trigger
  std::uint64_t price = 0;        // limit price; 0 for stop-market
  std::uint64_t quantity = 0;     // filled + open
  std::uint64_t open_quantity = 0;
  std::uint64_t filled_quantity = 0;
  std::uint64_t visible_quantity = 0;  // shown in the book (icebergs show less than open)
  std::uint64_t display_quantity = 0;  // iceberg slice size; 0 if not an iceberg
  std::uint64_t stop_price = 0;
  std::uint64_t protection_price = 0;
  std::uint64_t quote_budget = 0;
  std::uint64_t locked = 0;       // funds still locked for the order, in the asset it spends
  std::string client_order_id;

  friend bool operator==(const OrderInfo&, const OrderInfo&) = default;
};

struct BalanceInfo {
  AssetIndex asset = 0;
  std::uint64_t available = 0;
  std::uint64_t locked = 0;
  friend bool operator==(const BalanceInfo&, const BalanceInfo&) = default;
};

// One aggregated price level: visible quantity only (iceberg reserves are hidden).
struct DepthLevel {
  std::uint64_t price = 0;
  std::uint64_t quantity = 0;
  std::uint32_t orders = 0;
  friend bool operator==(const DepthLevel&, const DepthLevel&) = default;
};

// Best first on both sides.
struct BookDepth {
  std::vector<DepthLevel> bids;
  std::vector<DepthLevel> asks;
};

// A withdrawal debited from the exchange and waiting for settlement.
struct PendingWithdrawal {
  WithdrawalId id = 0;
  AccountId account;
  AssetIndex asset = 0;
  std::uint64_t amount = 0;
  EthAddress eth_address{};
  std::uint64_t height = 0;  // block that recorded it
  EvmChainId chain_id = 0;   // destination chain; 0 when the genesis configures none
  friend bool operator==(const PendingWithdrawal&, const PendingWithdrawal&) = default;
};

// The attestations of a deposit that agree on its content.
struct DepositAttestations {
  AccountId account;
  AssetIndex asset = 0;
  std::uint64_t amount = 0;
  std::vector<AccountId> attesters;  // sorted; fewer than the threshold while pending
  friend bool operator==(const DepositAttestations&, const DepositAttestations&) = default;
};

enum class DepositState : std::uint8_t {
  kUnknown = 0,   // never attested (or attested only by transactions that were refused)
  kPending = 1,   // attested, below the threshold
  kCredited = 2,  // credited to its account, once and for all
};

struct DepositStatus {
  DepositState state = DepositState::kUnknown;
  // kPending: one entry per distinct (account, asset, amount) attested, in that order.
  std::vector<DepositAttestations> contents;
  friend bool operator==(const DepositStatus&, const DepositStatus&) = default;
};

}  // namespace replex::exchange
