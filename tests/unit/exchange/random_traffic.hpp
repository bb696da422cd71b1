// Seeded random traffic for property and golden tests: valid-looking
// transactions of every kind against the app's current state, with a share of
// rejections of every kind, replays and junk. Deterministic for a seed
// (std::mt19937_64 is specified bit for bit); the golden test pins its output,
// so changing what it generates means recomputing the golden constants.
#pragma once

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "exchange_harness.hpp"

namespace replex::exchange::testing {

inline const std::vector<std::string> kTraders = {"alice", "bob", "carol", "dave", "erin"};

// Random but valid-looking traffic, with a share of rejections of every kind.
class Traffic {
 public:
  explicit Traffic(std::uint64_t seed) : rng_(seed), builder_(std::string(kChain)) {
    for (const auto& t : kTraders) keys_.emplace(t, KeyPair::from_label(t));
  }

  std::vector<Bytes> block(const ExchangeApp& app, std::size_t max_txs) {
    std::vector<Bytes> txs;
    const std::size_t n = pick(0, max_txs);
    for (std::size_t i = 0; i < n; ++i) txs.push_back(tx(app));
    return txs;
  }

  // Bytes that fail verify_tx for a reason other than the signature, so they
  // fail decoding in execute_block too.
  Bytes junk(const ExchangeApp& app) {
    while (true) {
      Bytes candidate;
      switch (pick(0, 3)) {
        case 0: {
          candidate.resize(pick(0, 300));
          for (auto& b : candidate) b = static_cast<std::uint8_t>(rng_());
          break;
        }
        case 1: {
          candidate = tx(app);
          candidate.resize(pick(0, candidate.size()));
          break;
        }
        case 2: {
          candidate = tx(app);
          if (candidate.empty()) continue;
          for (int flips = 0; flips < 3; ++flips) {
            candidate[pick(0, candidate.size() - 1)] ^= static_cast<std::uint8_t>(1u << pick(0, 7));
          }
          break;
        }
        default: {
          Bytes body(pick(1, 80));
          for (auto& b : body) b = static_cast<std::uint8_t>(rng_());
          candidate = builder_.seal(keys_.at(trader()), body);
          break;
        }
      }
      const TxCheck verdict = app.verify_tx(candidate);
      if (!verdict.ok() && verdict.code != code(Reason::kBadSignature)) return candidate;
    }
  }

 private:
  std::uint64_t pick(std::uint64_t lo, std::uint64_t hi) { return lo + rng_() % (hi - lo + 1); }
  const std::string& trader() { return kTraders[pick(0, kTraders.size() - 1)]; }

  TxHeader header(const ExchangeApp& app, const std::string& who) {
    const std::uint64_t next_height = app.last_height() + 1;
    TxHeader h{++nonces_[who], next_height + pick(0, 20)};
    const std::uint64_t odd = pick(0, 99);
    if (odd < 2 && next_height > 1) h.good_til_height = next_height - 1;  // expired
    if (odd == 2) h.good_til_height = next_height + 5000;                  // too far
    if (odd == 3 && nonces_[who] > 3) h.nonce = pick(1, nonces_[who] - 1);  // maybe a replay
    return h;
  }

  std::uint64_t near(const ExchangeApp& app, MarketIndex m, std::uint64_t mid, std::uint64_t spread) {
    const std::uint64_t centre = app.last_price(m).value_or(mid);
    return std::max<std::uint64_t>(1, centre + pick(0, 2 * spread) - spread);
  }

  Bytes tx(const ExchangeApp& app) {
    const std::string& who = trader();
    const KeyPair& key = keys_.at(who);
    const MarketIndex base_quote = *app.rules().find_market(kMarket);
    const MarketIndex btc = *app.rules().find_market(kBtcMarket);
    const std::uint64_t dice = pick(0, 99);
    const auto open = app.open_orders(key.public_key());
    if (dice < 40) {
      const bool on_btc = pick(0, 9) == 0;
      PlaceOrderArgs a;
      a.market = std::string(on_btc ? kBtcMarket : kMarket);
      a.side = pick(0, 1) == 0 ? Side::kBuy : Side::kSell;
      a.price = on_btc ? near(app, btc, 4'500'000, 300) : near(app, base_quote, 1000, 12);
      a.quantity = on_btc ? 100'000 * pick(1, 30) : pick(1, 40);
      const std::uint64_t tif = pick(0, 99);
      a.time_in_force = tif < 70 ? TimeInForce::kGtc : tif < 85 ? TimeInForce::kIoc : TimeInForce::kFok;
      if (a.time_in_force == TimeInForce::kGtc && pick(0, 9) < 2) a.post_only = true;
      if (a.time_in_force == TimeInForce::kGtc && !on_btc && a.quantity > 2 && pick(0, 9) < 2) {
        a.display_quantity = pick(1, a.quantity - 1);
      }
      a.self_trade_prevention = static_cast<SelfTradePrevention>(pick(1, 3));
      // Appended rather than "c" + to_string(): GCC 12 warns falsely (-Wrestrict) on that.
      if (pick(0, 9) < 3) a.client_order_id = std::string("c").append(std::to_string(pick(0, 30)));
      if (pick(0, 99) < 2) a.price += 1'000'000'000;  // unaffordable
      return builder_.place_order(key, header(app, who), a);
    }
    if (dice < 48) {
      PlaceOrderArgs a = market_order(pick(0, 1) == 0 ? Side::kBuy : Side::kSell, pick(1, 60), 0);
      const std::uint64_t mid = app.last_price(base_quote).value_or(1000);
      if (a.side == Side::kBuy && pick(0, 1) == 0) {
        a.quote_budget = pick(1, 60'000);
        if (pick(0, 1) == 0) a.quantity = 0;
        if (pick(0, 1) == 0) a.protection_price = mid + pick(0, 15);
      } else {
        a.protection_price = a.side == Side::kBuy ? mid + pick(0, 15) : std::max<std::uint64_t>(1, mid - pick(0, 15));
      }
      return builder_.place_order(key, header(app, who), a);
    }
    if (dice < 56) {
      PlaceOrderArgs a;
      a.market = std::string(kMarket);
      a.side = pick(0, 1) == 0 ? Side::kBuy : Side::kSell;
      a.quantity = pick(1, 20);
      const std::uint64_t last = app.last_price(base_quote).value_or(1000);
      a.stop_price = a.side == Side::kBuy ? last + pick(0, 8) : std::max<std::uint64_t>(1, last - pick(0, 8));
      if (pick(0, 1) == 0) {
        a.type = OrderType::kStopLimit;
        a.price = a.side == Side::kBuy ? a.stop_price + pick(0, 3) : std::max<std::uint64_t>(1, a.stop_price - pick(0, 3));
        if (pick(0, 4) == 0) a.time_in_force = TimeInForce::kFok;
        if (pick(0, 4) == 0) a.post_only = a.time_in_force == TimeInForce::kGtc;
      } else {
        a.type = OrderType::kStopMarket;
        a.time_in_force = TimeInForce::kIoc;
        if (a.side == Side::kBuy && pick(0, 1) == 0) {
          a.quote_budget = pick(1, 30'000);
        } else {
          a.protection_price = a.side == Side::kBuy ? a.stop_price + 10 : std::max<std::uint64_t>(1, a.stop_price - 10);
        }
      }
      return builder_.place_order(key, header(app, who), a);
    }
    if (dice < 72) {
      if (open.empty() || pick(0, 9) == 0) return builder_.cancel_order(key, header(app, who), kMarket, pick(1, 1000));
      const OrderInfo& o = open[pick(0, open.size() - 1)];
      const std::string& market = app.rules().market_spec(o.market).symbol;
      if (!o.client_order_id.empty() && pick(0, 1) == 0) {
        return builder_.cancel_order_by_client_id(key, header(app, who), market, o.client_order_id);
      }
      return builder_.cancel_order(key, header(app, who), market, o.id);
    }
    if (dice < 75) return builder_.cancel_all(key, header(app, who), pick(0, 1) == 0 ? "" : std::string(kMarket));
    if (dice < 88) {
      if (open.empty()) return builder_.amend_order(key, header(app, who), kMarket, pick(1, 1000), 5, 0);
      const OrderInfo& o = open[pick(0, open.size() - 1)];
      const std::string& market = app.rules().market_spec(o.market).symbol;
      const MarketRules& m = app.rules().market(o.market);
      std::uint64_t price = 0;
      std::uint64_t quantity = 0;
      const std::uint64_t kind = pick(0, 2);
      if (kind != 1) price = o.market == base_quote ? near(app, base_quote, 1000, 12) : near(app, btc, 4'500'000, 300);
      if (kind != 0) quantity = m.lot_size * pick(1, 30);
      return builder_.amend_order(key, header(app, who), market, o.id, price, quantity);
    }
    if (dice < 92) {
      static const char* kAssets[] = {"BASE", "QUOTE", "BTC", "USDT"};
      return builder_.withdraw(key, header(app, who), kAssets[pick(0, 3)], pick(1, 5000));
    }
    if (dice < 94) {
      EthAddress addr{};
      for (auto& b : addr) b = static_cast<std::uint8_t>(rng_());
      return builder_.register_settlement_address(key, header(app, who), addr);
    }
    if (dice < 97 && !history_.empty()) return history_[pick(0, history_.size() - 1)];
    return junk(app);
  }

 public:
  void remember(const std::vector<Bytes>& txs) {
    for (const auto& t : txs) {
      if (history_.size() < 500) history_.push_back(t);
    }
  }

 private:
  std::mt19937_64 rng_;
  TxBuilder builder_;
  std::map<std::string, KeyPair> keys_;
  std::map<std::string, std::uint64_t> nonces_;
  std::vector<Bytes> history_;
};

}  // namespace replex::exchange::testing
