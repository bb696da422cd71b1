// The genesis the exchange-fed benchmarks share: one market BASE-QUOTE, and
// `accounts` traders ("trader-<i>") funded far beyond what any bench spends.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "replex/core/ed25519.hpp"
#include "replex/exchange/genesis.hpp"

namespace replex::exchange::bench {

inline constexpr std::string_view kBenchChain = "replex-bench";
inline constexpr std::string_view kBenchMarket = "BASE-QUOTE";

inline KeyPair trader_key(std::size_t i) { return KeyPair::from_label("trader-" + std::to_string(i)); }

inline std::vector<KeyPair> trader_keys(std::size_t accounts) {
  std::vector<KeyPair> keys;
  for (std::size_t i = 0; i < accounts; ++i) keys.push_back(trader_key(i));
  return keys;
}

inline Genesis bench_genesis(std::size_t accounts) {
  Genesis g;
  g.chain_id = std::string(kBenchChain);
  g.assets = {{"BASE", 0}, {"QUOTE", 0}};
  g.markets = {{.symbol = std::string(kBenchMarket), .base = "BASE", .quote = "QUOTE", .price_decimals = 0,
                .tick_size = 1, .lot_size = 1, .min_quantity = 1, .max_quantity = 1'000'000,
                .maker_fee_bps = 10, .taker_fee_bps = 20}};
  for (std::size_t i = 0; i < accounts; ++i) {
    const AccountId key = trader_key(i).public_key();
    g.allocations.push_back({key, "BASE", 1'000'000'000'000});
    g.allocations.push_back({key, "QUOTE", 1'000'000'000'000'000});
  }
  g.fee_account = KeyPair::from_label("fees").public_key();
  return g;
}

}  // namespace replex::exchange::bench
