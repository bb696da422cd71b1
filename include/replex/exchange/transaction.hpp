// A decoded, statically valid transaction in the book's units (ticks, lots,
// indices), and the decoder that produces it from envelope bytes.
//
// decode_transaction() performs every check that needs only the genesis:
// size, envelope, signature (optional), body, known market / asset, enums in
// range, the fields each kind requires, tick and lot multiples, quantity
// bounds, client id length and charset, amounts that must fit 64 bits, and
// the settlement rules (attester signer, configured chain listing the asset).
// It reads nothing mutable, so it is thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "replex/abci/application.hpp"
#include "replex/core/bytes.hpp"
#include "replex/exchange/chain_rules.hpp"
#include "replex/exchange/types.hpp"

namespace replex::exchange {

struct PlaceOrderTx {
  MarketIndex market = 0;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  bool post_only = false;
  std::uint64_t price_ticks = 0;       // limit (LIMIT, STOP_LIMIT); else 0
  std::uint64_t lots = 0;              // > 0; a budgeted market buy without quantity gets max_lots
  std::uint64_t stop_ticks = 0;        // STOP_*; else 0
  std::uint64_t display_lots = 0;      // iceberg slice; 0 = whole order shown
  std::uint64_t protection_ticks = 0;  // MARKET / STOP_MARKET; 0 = none
  std::uint64_t quote_budget = 0;      // MARKET / STOP_MARKET buys; 0 = none
  SelfTradePrevention stp = SelfTradePrevention::kExpireMaker;
  std::string client_order_id;
};

// Exactly one of order_id (> 0) and client_order_id (non-empty) is set.
struct CancelOrderTx {
  MarketIndex market = 0;
  OrderId order_id = 0;
  std::string client_order_id;
};

struct CancelAllTx {
  std::optional<MarketIndex> market;  // none = every market
};

// At least one of the new values is non-zero; zero keeps the current value.
struct AmendOrderTx {
  MarketIndex market = 0;
  OrderId order_id = 0;
  std::uint64_t new_price_ticks = 0;
  std::uint64_t new_lots = 0;
};

// chain_id is resolved: 0 in the transaction becomes the default chain, so it
// is 0 here only when the genesis configures no chain.
struct WithdrawTx {
  AssetIndex asset = 0;
  std::uint64_t amount = 0;
  EvmChainId chain_id = 0;
};

// Signed by a genesis attester; the chain is configured and lists the asset.
struct DepositAttestationTx {
  EvmChainId chain_id = 0;
  DepositId deposit_id = 0;  // > 0
  AccountId account;         // not all-zero
  AssetIndex asset = 0;
  std::uint64_t amount = 0;  // > 0
  EthTxHash eth_tx_hash{};
};

struct RegisterSettlementAddressTx {
  EthAddress eth_address{};
};

struct Transaction {
  AccountId signer;
  std::uint64_t nonce = 0;
  std::uint64_t good_til_height = 0;
  std::variant<PlaceOrderTx, CancelOrderTx, CancelAllTx, AmendOrderTx, WithdrawTx,
               RegisterSettlementAddressTx, DepositAttestationTx>
      kind;
};

using abci::TxCheck;

// Decodes `envelope` into `out`; on rejection returns the reason code and a
// message naming the field, and `out` is unspecified.
TxCheck decode_transaction(const ChainRules& rules, ByteView envelope, bool verify_signature,
                           Transaction& out);

// Within a block, these run before everything else (docs/exchange.md):
// cancels, cancel-alls, amends that keep the price, and post-only placements.
bool runs_in_first_phase(const Transaction& tx);

}  // namespace replex::exchange
