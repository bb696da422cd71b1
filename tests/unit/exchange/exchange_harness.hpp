// Test harness: an ExchangeApp on a small genesis, keys for a few traders,
// and helpers that build, sign and execute transactions one block at a time.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "replex/exchange/exchange_app.hpp"
#include "replex/exchange/tx_builder.hpp"

namespace replex::exchange::testing {

inline constexpr std::string_view kChain = "replex-test";
// BASE-QUOTE: every unit is 1 (price 1 = 1 quote per base unit), so
// notional = price * quantity; maker 10 bps, taker 20 bps.
inline constexpr std::string_view kMarket = "BASE-QUOTE";
// BTC-USDT: real decimals (BTC 8, USDT 6, prices in cents); tick 0.01 USDT,
// lot 0.001 BTC, so one tick on one lot is 10 quote units (0.00001 USDT).
inline constexpr std::string_view kBtcMarket = "BTC-USDT";
inline constexpr std::uint64_t kStartBase = 1'000'000;
inline constexpr std::uint64_t kStartQuote = 1'000'000'000;

inline Genesis test_genesis(const std::vector<std::string>& traders = {"alice", "bob", "carol", "dave"}) {
  Genesis g;
  g.chain_id = std::string(kChain);
  g.assets = {{"BASE", 0}, {"QUOTE", 0}, {"BTC", 8}, {"USDT", 6}};
  GenesisMarket base_quote{.symbol = std::string(kMarket), .base = "BASE", .quote = "QUOTE", .price_decimals = 0,
                           .tick_size = 1, .lot_size = 1, .min_quantity = 1, .max_quantity = 1'000'000,
                           .maker_fee_bps = 10, .taker_fee_bps = 20};
  GenesisMarket btc{.symbol = std::string(kBtcMarket), .base = "BTC", .quote = "USDT", .price_decimals = 2,
                    .tick_size = 1, .lot_size = 100'000, .min_quantity = 100'000,
                    .max_quantity = 10'000'000'000, .maker_fee_bps = 10, .taker_fee_bps = 20};
  g.markets = {base_quote, btc};
  for (const auto& t : traders) {
    const AccountId key = KeyPair::from_label(t).public_key();
    g.allocations.push_back({key, "BASE", kStartBase});
    g.allocations.push_back({key, "QUOTE", kStartQuote});
    g.allocations.push_back({key, "BTC", 100'000'000'000});    // 1000 BTC
    g.allocations.push_back({key, "USDT", 100'000'000'000'000}); // 100M USDT
  }
  g.fee_account = KeyPair::from_label("fees").public_key();
  return g;
}

// Settlement: four attesters (labels "val0".."val3"), threshold 3; chain 1
// bridges BTC and USDT (the default withdrawal chain: lowest id), chain 31337
// BASE, QUOTE and USDT.
inline const std::vector<std::string> kAttesters = {"val0", "val1", "val2", "val3"};
inline constexpr EvmChainId kMainnet = 1;
inline constexpr EvmChainId kAnvil = 31337;

inline Genesis settlement_genesis(const std::vector<std::string>& traders = {"alice", "bob", "carol", "dave"}) {
  Genesis g = test_genesis(traders);
  GenesisSettlement st;
  for (const auto& a : kAttesters) st.attesters.push_back(KeyPair::from_label(a).public_key());
  st.attestation_threshold = 3;
  st.chains = {{kAnvil, {"USDT", "QUOTE", "BASE"}}, {kMainnet, {"USDT", "BTC"}}};  // canonicalised by genesis
  g.settlement = std::move(st);
  return g;
}

inline PlaceOrderArgs limit(Side side, std::uint64_t price, std::uint64_t quantity,
                            TimeInForce tif = TimeInForce::kGtc) {
  PlaceOrderArgs a;
  a.market = std::string(kMarket);
  a.side = side;
  a.type = OrderType::kLimit;
  a.time_in_force = tif;
  a.price = price;
  a.quantity = quantity;
  return a;
}

inline PlaceOrderArgs market_order(Side side, std::uint64_t quantity, std::uint64_t protection,
                                   std::uint64_t budget = 0) {
  PlaceOrderArgs a;
  a.market = std::string(kMarket);
  a.side = side;
  a.type = OrderType::kMarket;
  a.time_in_force = TimeInForce::kIoc;
  a.quantity = quantity;
  a.protection_price = protection;
  a.quote_budget = budget;
  return a;
}

class Harness {
 public:
  explicit Harness(Genesis genesis = test_genesis()) : builder_(genesis.chain_id) {
    auto app = ExchangeApp::create(std::move(genesis));
    REPLEX_ASSERT_MSG(app.is_ok(), app.status().to_string());
    app_ = std::move(app).value();
  }

  ExchangeApp& app() { return *app_; }
  const TxBuilder& builder() const { return builder_; }

  const KeyPair& key(const std::string& label) {
    auto it = keys_.find(label);
    if (it == keys_.end()) it = keys_.emplace(label, KeyPair::from_label(label)).first;
    return it->second;
  }
  AccountId id(const std::string& label) { return key(label).public_key(); }

  // A fresh header valid for the next block.
  TxHeader next() { return TxHeader{nonce_++, app_->last_height() + 10}; }

  Bytes place_tx(const std::string& who, const PlaceOrderArgs& a) { return builder_.place_order(key(who), next(), a); }
  Bytes cancel_tx(const std::string& who, OrderId id, std::string_view market = kMarket) {
    return builder_.cancel_order(key(who), next(), market, id);
  }
  Bytes amend_tx(const std::string& who, OrderId id, std::uint64_t price, std::uint64_t quantity,
                 std::string_view market = kMarket) {
    return builder_.amend_order(key(who), next(), market, id, price, quantity);
  }

  // Executes one block and checks the state's invariants afterwards.
  abci::BlockOutcome run(const std::vector<Bytes>& txs) {
    auto outcome = app_->execute_block({app_->last_height() + 1, 0}, txs);
    const Status audit = app_->check_invariants();
    EXPECT_TRUE(audit.is_ok()) << audit.to_string();
    return outcome;
  }
  // One transaction in its own block; returns its code.
  std::uint32_t exec(const Bytes& tx) { return run({tx}).tx_codes.at(0); }

  // Places an order that must be accepted; returns its id.
  OrderId place(const std::string& who, const PlaceOrderArgs& a) {
    const auto outcome = run({place_tx(who, a)});
    EXPECT_EQ(outcome.tx_codes.at(0), 0u) << "place rejected: " << reason_name(outcome.tx_codes.at(0)) << " "
                                          << message_of(0);
    for (const auto& e : app_->last_block_events()) {
      if (const auto* acc = std::get_if<event::OrderAccepted>(&e)) return acc->order_id;
    }
    return 0;
  }

  std::string message_of(std::uint32_t tx_index) const {
    for (const auto& e : app_->last_block_events()) {
      if (const auto* r = std::get_if<event::TxResult>(&e); r && r->tx_index == tx_index) return r->message;
    }
    return {};
  }

  BalanceInfo balance(const std::string& who, std::string_view asset) {
    const auto index = app_->rules().find_asset(asset);
    REPLEX_ASSERT(index.has_value());
    const auto all = app_->balances(id(who));
    if (all.empty()) return BalanceInfo{*index, 0, 0};
    return all.at(*index);
  }

  template <typename E>
  std::vector<E> events() const {
    std::vector<E> out;
    for (const auto& e : app_->last_block_events()) {
      if (const auto* v = std::get_if<E>(&e)) out.push_back(*v);
    }
    return out;
  }

  MarketIndex market(std::string_view symbol = kMarket) const { return *app_->rules().find_market(symbol); }
  BookDepth depth(std::size_t levels = 10, std::string_view symbol = kMarket) const {
    return app_->depth(market(symbol), levels);
  }

 private:
  TxBuilder builder_;
  std::unique_ptr<ExchangeApp> app_;
  std::map<std::string, KeyPair> keys_;
  std::uint64_t nonce_ = 1;
};

}  // namespace replex::exchange::testing
