// Workload: the simulated clients. A genesis with two markets and funded
// traders, and a stream of real signed exchange transactions: limit orders
// that cross, IOC/FOK, post-only, market, stop and iceberg orders, cancels,
// amends, cancel-all, settlement addresses, withdrawals, and a share of
// transactions the exchange must refuse. Deterministic given its Prng.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "replex/exchange/exchange_app.hpp"
#include "replex/exchange/genesis.hpp"
#include "replex/exchange/tx_builder.hpp"
#include "sim/prng.hpp"

namespace replex::sim {

inline constexpr std::string_view kSimChainId = "replex-sim";

class Workload {
 public:
  static constexpr std::size_t kTraders = 8;

  explicit Workload(Prng rng);

  static exchange::Genesis genesis();

  // The next transaction a client submits. `height` is the newest committed
  // height the client knows of (for good_til_height); `view`, if set, is a
  // replica's state the client reads open orders from (to amend them).
  Bytes next(std::uint64_t height, const exchange::ExchangeApp* view);

  // A different placement by the trader of the last next() that was a
  // placement, with that transaction's nonce: at most one of the two can
  // apply (the nonce-reuse fault). Empty if next() has made none yet.
  Bytes twin_of_last_placement(std::uint64_t height);

  std::uint64_t generated() const { return generated_; }

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
  std::vector<Trader> traders_;
  std::uint64_t btc_mid_ = 3'000'000;  // 30000.00 USDT
  std::uint64_t eth_mid_ = 200'000;    // 2000.00 USDT
  std::uint64_t generated_ = 0;
  Trader* last_placer_ = nullptr;
  exchange::TxHeader last_placement_header_;
};

}  // namespace replex::sim
