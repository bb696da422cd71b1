// Workload: the simulated clients. A genesis with two markets and funded
// traders, and a stream of real signed exchange transactions: limit orders
// that cross, IOC/FOK, post-only, market, stop and iceberg orders, cancels,
// amends, cancel-all, settlement addresses, withdrawals, and a share of
// transactions the exchange must refuse. With deposits, also the validators'
// attestations of deposits from a simulated Ethereum, and the new accounts
// they create, which trade from their first credit on. Deterministic given
// its Prng.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "replex/exchange/exchange_app.hpp"
#include "replex/exchange/genesis.hpp"
#include "replex/exchange/tx_builder.hpp"
#include "sim/prng.hpp"

namespace replex::sim {

inline constexpr std::string_view kSimChainId = "replex-sim";
inline constexpr exchange::EvmChainId kSimEvmChainId = 31337;

class Workload {
 public:
  static constexpr std::size_t kTraders = 8;

  explicit Workload(Prng rng);

  // With attesters (the validators' consensus keys), deposits on
  // kSimEvmChainId credit BTC and USDT once 2f+1 of them attested.
  static exchange::Genesis genesis(const std::vector<PublicKey>& attesters = {});

  // The next transaction a client submits. `height` is the newest committed
  // height the client knows of (for good_til_height); `view`, if set, is a
  // replica's state the client reads open orders from (to amend them).
  Bytes next(std::uint64_t height, const exchange::ExchangeApp* view);

  // A different placement by the trader of the last next() that was a
  // placement, with that transaction's nonce: at most one of the two can
  // apply (the nonce-reuse fault). Empty if next() has made none yet.
  Bytes twin_of_last_placement(std::uint64_t height);

  std::uint64_t generated() const { return generated_; }

  // --- deposits (the genesis names `attesters` as its attesters) -------------------
  void enable_deposits(std::vector<KeyPair> attesters);
  // A deposit just seen on Ethereum: each attester's attestation of it, in
  // attester order. To a new account (at most kMaxDepositors), or to one
  // that already trades.
  std::vector<Bytes> deposit(std::uint64_t height);
  // A depositor's account appeared in `view`: it trades from now on, and
  // this is its first order (a buy, paid with the deposit). Nullopt: none.
  std::optional<Bytes> first_order_of_credited(std::uint64_t height, const exchange::ExchangeApp& view);
  static constexpr std::size_t kMaxDepositors = 32;
  std::uint64_t deposits() const { return next_deposit_id_ - 1; }
  std::uint64_t depositors_trading() const { return traders_.size() - kTraders; }

 private:
  struct Trader {
    explicit Trader(KeyPair k) : key(std::move(k)) {}
    KeyPair key;
    std::uint64_t nonce = 0;
    std::deque<std::string> client_ids;  // recent placements, for cancels and amends
    bool has_settlement_address = false;
  };

  exchange::TxHeader header(Trader& t, std::uint64_t height);
  exchange::PlaceOrderArgs limit_order(const std::string& market, std::uint64_t mid);
  Bytes place(Trader& t, std::uint64_t height, exchange::PlaceOrderArgs args);

  Prng rng_;
  exchange::TxBuilder builder_;
  std::deque<Trader> traders_;  // a deque: last_placer_ stays valid as depositors join
  std::uint64_t btc_mid_ = 3'000'000;  // 30000.00 USDT
  std::uint64_t eth_mid_ = 200'000;    // 2000.00 USDT
  std::uint64_t generated_ = 0;
  Trader* last_placer_ = nullptr;
  exchange::TxHeader last_placement_header_;

  std::deque<Trader> attesters_;
  std::deque<Trader> depositors_;  // waiting for their first credit
  std::size_t deposited_accounts_ = 0;
  exchange::DepositId next_deposit_id_ = 1;
};

}  // namespace replex::sim
