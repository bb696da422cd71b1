// Builds TransactionBody bytes for each transaction kind and seals them into
// signed envelopes. Used by tests, benchmarks, the CLI and the node. Values
// are in wire units (price units, base units, asset units); the builder does
// no validation, so tests can build invalid transactions on purpose.
// Stateless apart from the chain id; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "replex/core/bytes.hpp"
#include "replex/core/ed25519.hpp"
#include "replex/exchange/types.hpp"

namespace replex::exchange {

struct TxHeader {
  std::uint64_t nonce = 0;
  std::uint64_t good_til_height = 0;
};

struct PlaceOrderArgs {
  std::string market;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce time_in_force = TimeInForce::kGtc;
  bool post_only = false;
  std::uint64_t price = 0;
  std::uint64_t quantity = 0;
  std::uint64_t stop_price = 0;
  std::uint64_t display_quantity = 0;
  std::uint64_t protection_price = 0;
  std::uint64_t quote_budget = 0;
  std::string client_order_id;
  SelfTradePrevention self_trade_prevention = SelfTradePrevention::kExpireMaker;
};

struct DepositAttestationArgs {
  EvmChainId chain_id = 0;
  DepositId deposit_id = 0;
  AccountId account;
  std::string asset;
  std::uint64_t amount = 0;
  EthTxHash eth_tx_hash{};
};

namespace tx_body {
Bytes place_order(TxHeader h, const PlaceOrderArgs& args);
Bytes cancel_order(TxHeader h, std::string_view market, OrderId order_id);
Bytes cancel_order_by_client_id(TxHeader h, std::string_view market, std::string_view client_order_id);
Bytes cancel_all(TxHeader h, std::string_view market);  // empty market: every market
Bytes amend_order(TxHeader h, std::string_view market, OrderId order_id, std::uint64_t new_price,
                  std::uint64_t new_quantity);
Bytes withdraw(TxHeader h, std::string_view asset, std::uint64_t amount);
// chain_id 0 is the genesis' default (and encodes exactly as the overload above).
Bytes withdraw(TxHeader h, std::string_view asset, std::uint64_t amount, EvmChainId chain_id);
Bytes deposit_attestation(TxHeader h, const DepositAttestationArgs& args);
Bytes register_settlement_address(TxHeader h, const EthAddress& eth_address);
Bytes genesis_allocation(TxHeader h, const AccountId& account, std::string_view asset,
                         std::uint64_t amount);
}  // namespace tx_body

class TxBuilder {
 public:
  explicit TxBuilder(std::string chain_id) : chain_id_(std::move(chain_id)) {}

  // A SignedTransaction over `body`.
  Bytes seal(const KeyPair& key, ByteView body) const;

  Bytes place_order(const KeyPair& key, TxHeader h, const PlaceOrderArgs& args) const {
    return seal(key, tx_body::place_order(h, args));
  }
  Bytes cancel_order(const KeyPair& key, TxHeader h, std::string_view market, OrderId id) const {
    return seal(key, tx_body::cancel_order(h, market, id));
  }
  Bytes cancel_order_by_client_id(const KeyPair& key, TxHeader h, std::string_view market,
                                  std::string_view client_order_id) const {
    return seal(key, tx_body::cancel_order_by_client_id(h, market, client_order_id));
  }
  Bytes cancel_all(const KeyPair& key, TxHeader h, std::string_view market) const {
    return seal(key, tx_body::cancel_all(h, market));
  }
  Bytes amend_order(const KeyPair& key, TxHeader h, std::string_view market, OrderId id,
                    std::uint64_t new_price, std::uint64_t new_quantity) const {
    return seal(key, tx_body::amend_order(h, market, id, new_price, new_quantity));
  }
  Bytes withdraw(const KeyPair& key, TxHeader h, std::string_view asset, std::uint64_t amount) const {
    return seal(key, tx_body::withdraw(h, asset, amount));
  }
  Bytes withdraw(const KeyPair& key, TxHeader h, std::string_view asset, std::uint64_t amount,
                 EvmChainId chain_id) const {
    return seal(key, tx_body::withdraw(h, asset, amount, chain_id));
  }
  // Signed by an attester (a validator's consensus key).
  Bytes deposit_attestation(const KeyPair& key, TxHeader h, const DepositAttestationArgs& args) const {
    return seal(key, tx_body::deposit_attestation(h, args));
  }
  Bytes register_settlement_address(const KeyPair& key, TxHeader h, const EthAddress& addr) const {
    return seal(key, tx_body::register_settlement_address(h, addr));
  }

  const std::string& chain_id() const { return chain_id_; }

 private:
  std::string chain_id_;
};

}  // namespace replex::exchange
