// A small exchange world for the settlement tests: a genesis with ETH (9
// decimals) and USD (6 decimals) bridged on anvil's chain, three traders, and
// a workload that produces plausible committed-block events (trades, the
// BalanceChanged they cause, withdrawals) together with the batches a
// settler must build from them (through the pure builder, fed separately).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "replex/core/ed25519.hpp"
#include "replex/exchange/chain_rules.hpp"
#include "replex/exchange/events.hpp"
#include "replex/settlement/batch.hpp"

namespace replex::settlement::testing {

using exchange::AccountId;
using exchange::AssetIndex;
using exchange::Event;

inline constexpr std::uint64_t kWorldChainId = 31337;
inline constexpr std::uint64_t kStartEth = 100'000'000'000;  // 100 ETH at 9 decimals
inline constexpr std::uint64_t kStartUsd = 1'000'000'000'000;  // 1M USD at 6 decimals

inline AccountId trader(std::string_view label) { return KeyPair::from_label(label).public_key(); }
inline const std::vector<std::string>& trader_labels() {
  static const std::vector<std::string> labels = {"alice", "bob", "carol"};
  return labels;
}

// `chains`: settlement chain id -> listed asset symbols (default: anvil with both).
inline exchange::Genesis world_genesis(std::vector<exchange::GenesisSettlementChain> chains = {
                                           {kWorldChainId, {"ETH", "USD"}}}) {
  exchange::Genesis g;
  g.chain_id = "replex-settlement-test";
  g.assets = {{"ETH", 9}, {"USD", 6}};
  exchange::GenesisMarket m;
  m.symbol = "ETH-USD";
  m.base = "ETH";
  m.quote = "USD";
  m.price_decimals = 2;
  m.tick_size = 1;
  m.lot_size = 1'000'000;
  m.min_quantity = 1'000'000;
  m.max_quantity = 1'000'000'000'000;
  m.maker_fee_bps = 10;
  m.taker_fee_bps = 20;
  g.markets = {m};
  for (const std::string& t : trader_labels()) {
    g.allocations.push_back({trader(t), "ETH", kStartEth});
    g.allocations.push_back({trader(t), "USD", kStartUsd});
  }
  g.fee_account = trader("fees");
  exchange::GenesisSettlement s;
  for (const char* v : {"val0", "val1", "val2", "val3"}) s.attesters.push_back(trader(v));
  s.attestation_threshold = 3;
  s.chains = std::move(chains);
  g.settlement = std::move(s);
  return g;
}

inline std::shared_ptr<const exchange::ChainRules> world_rules(
    std::vector<exchange::GenesisSettlementChain> chains = {{kWorldChainId, {"ETH", "USD"}}}) {
  auto rules = exchange::ChainRules::create(world_genesis(std::move(chains)));
  REPLEX_ASSERT_MSG(rules.is_ok(), rules.status().to_string());
  return std::move(rules).value();
}

// Produces each height's events from a model of the traders' balances.
class Workload {
 public:
  explicit Workload(const exchange::ChainRules& rules) : rules_(rules) {
    for (const auto& a : rules.genesis().allocations) balances_[{a.account, *rules.find_asset(a.asset)}] = a.amount;
  }

  // A trade between two traders (the maker sells ETH for USD), fees to the
  // fee account, and the BalanceChanged events that close it.
  void trade(std::uint64_t trade_id, std::size_t maker, std::size_t taker, std::uint64_t eth, std::uint64_t usd) {
    const AccountId m = trader(trader_labels()[maker % 3]);
    const AccountId t = trader(trader_labels()[taker % 3]);
    exchange::event::Trade e;
    e.trade_id = trade_id;
    e.market = 0;
    e.maker_order_id = 2 * trade_id;
    e.taker_order_id = 2 * trade_id + 1;
    e.maker = m;
    e.taker = t;
    e.price = usd;
    e.quantity = eth;
    e.maker_fee = usd / 1000;
    e.taker_fee = usd / 500;
    e.aggressor = exchange::Side::kBuy;
    pending_.push_back(e);
    move(m, 0, -static_cast<std::int64_t>(eth));
    move(t, 0, static_cast<std::int64_t>(eth));
    move(m, 1, static_cast<std::int64_t>(usd - e.maker_fee));
    move(t, 1, -static_cast<std::int64_t>(usd + e.taker_fee));
    move(trader("fees"), 1, static_cast<std::int64_t>(e.maker_fee + e.taker_fee));
    close_tx();
  }

  // A withdrawal of `amount` units of asset `asset` from trader `who` to `to`.
  void withdraw(std::uint64_t id, std::size_t who, AssetIndex asset, std::uint64_t amount, const EthAddress& to,
                std::uint64_t height, exchange::EvmChainId chain_id = kWorldChainId) {
    const AccountId a = trader(trader_labels()[who % 3]);
    exchange::PendingWithdrawal w{id, a, asset, amount, to, height, chain_id};
    pending_.push_back(exchange::event::WithdrawalRecordedOnChain{w});
    move(a, asset, -static_cast<std::int64_t>(amount));
    close_tx();
  }

  // The events gathered since the last call: one block's.
  std::vector<Event> take_block() { return std::exchange(pending_, {}); }

  // A default block at `height`: one trade, and a withdrawal every 7th height.
  std::vector<Event> block(std::uint64_t height) {
    trade(height, height, height + 1, 1'000'000 * (1 + height % 5), 2'000'000 * (3 + height % 4));
    if (height % 7 == 0) {
      EthAddress to{};
      to[0] = 0x77;
      to[19] = static_cast<std::uint8_t>(height);
      withdraw(1000 + height, height, 0, 500'000 + height, to, height);
    }
    return take_block();
  }

  std::uint64_t balance(const AccountId& a, AssetIndex asset) const {
    auto it = balances_.find({a, asset});
    return it == balances_.end() ? 0 : it->second;
  }

 private:
  void move(const AccountId& a, AssetIndex asset, std::int64_t by) {
    std::uint64_t& b = balances_[{a, asset}];
    b = static_cast<std::uint64_t>(static_cast<std::int64_t>(b) + by);
    touched_[{a, asset}] = b;
  }
  void close_tx() {
    for (const auto& [key, total] : touched_) {
      // Half locked, half available: only the total matters to settlement.
      pending_.push_back(exchange::event::BalanceChanged{key.first, key.second, total - total / 2, total / 2});
    }
    touched_.clear();
  }

  const exchange::ChainRules& rules_;
  std::map<BalanceKey, std::uint64_t> balances_;
  std::map<BalanceKey, std::uint64_t> touched_;
  std::vector<Event> pending_;
};

// The batches a settler must build from `blocks` (heights 1..n), through the
// pure builder with totals kept the way the settler keeps them.
inline std::vector<std::vector<Batch>> expected_batches(const exchange::ChainRules& rules, const SettlementLayout& layout,
                                                        const std::vector<std::vector<Event>>& blocks) {
  std::map<BalanceKey, std::uint64_t> totals;
  for (const auto& a : rules.genesis().allocations) totals[{a.account, *rules.find_asset(a.asset)}] += a.amount;
  std::vector<ChainHead> heads(layout.chains.size());
  std::vector<std::vector<Batch>> out(layout.chains.size());
  BatchAccumulator acc(layout);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::uint64_t h = i + 1;
    acc.add_block(h, blocks[i], [&](const AccountId& a, AssetIndex asset) {
      auto it = totals.find({a, asset});
      return it == totals.end() ? 0 : it->second;
    });
    if (!acc.closes_at(h)) continue;
    for (std::size_t c = 0; c < layout.chains.size(); ++c) {
      Batch b = build_batch(layout, c, heads[c], h, acc);
      if (b.header.trades_root.is_zero() && b.deltas.empty() && b.withdrawals.empty()) continue;
      heads[c] = next_head(b);
      out[c].push_back(std::move(b));
    }
    for (const auto& [k, change] : acc.balances()) totals[k] = change.after;
    acc.clear();
  }
  return out;
}

}  // namespace replex::settlement::testing
