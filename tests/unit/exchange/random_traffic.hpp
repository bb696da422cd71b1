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
// Traders who are in no genesis: only deposits give them an account.
inline const std::vector<std::string> kNewcomers = {"frank", "grace"};

struct TrafficOptions {
  // Adds deposit attestations (from kAttesters, for settlement_genesis()'s
  // chains: agreeing, disagreeing, duplicate, late and refused ones),
  // withdrawals to each chain, and kNewcomers, who trade once a deposit
  // funds them. Off, the generated sequence is exactly what it always was
  // (the golden test pins it).
  bool settlement = false;
};

// Random but valid-looking traffic, with a share of rejections of every kind.
class Traffic {
 public:
  explicit Traffic(std::uint64_t seed, TrafficOptions options = {})
      : rng_(seed), builder_(std::string(kChain)), options_(options), traders_(kTraders) {
    if (options_.settlement) traders_.insert(traders_.end(), kNewcomers.begin(), kNewcomers.end());
    for (const auto& t : traders_) keys_.emplace(t, KeyPair::from_label(t));
    for (const auto& a : kAttesters) keys_.emplace(a, KeyPair::from_label(a));
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
  const std::string& trader() { return traders_[pick(0, traders_.size() - 1)]; }

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

  // A deposit the traffic made up, as it "happened" on its chain.
  struct Deposit {
    EvmChainId chain_id = 0;
    DepositId id = 0;
    std::string account;
    std::string asset;
    std::uint64_t amount = 0;
  };

  Bytes attestation(const std::string& attester, const ExchangeApp& app, DepositAttestationArgs args) {
    return builder_.deposit_attestation(keys_.at(attester), header(app, attester), args);
  }

  Bytes settlement_tx(const ExchangeApp& app) {
    static const char* kMainnetAssets[] = {"BTC", "USDT"};
    static const char* kAnvilAssets[] = {"BASE", "QUOTE", "USDT"};
    const std::uint64_t dice = pick(0, 99);
    if (dice < 60) {
      if (deposits_.empty() || pick(0, 2) == 0) {
        Deposit d;
        d.chain_id = pick(0, 1) == 0 ? kMainnet : kAnvil;
        d.id = ++next_deposit_id_[d.chain_id];
        // Newcomers get most deposits: it is how they join.
        d.account = pick(0, 1) == 0 ? kNewcomers[pick(0, kNewcomers.size() - 1)] : trader();
        d.asset = d.chain_id == kMainnet ? kMainnetAssets[pick(0, 1)] : kAnvilAssets[pick(0, 2)];
        d.amount = d.asset == std::string("BTC") ? 100'000 * pick(1, 50) : pick(1, 200'000);
        deposits_.push_back(d);
      }
      // Mostly recent deposits, so most reach the threshold; attesters pick at
      // random, so some attest twice or after the credit.
      const std::size_t recent = std::min<std::size_t>(deposits_.size(), 12);
      const Deposit& d = deposits_[deposits_.size() - 1 - pick(0, recent - 1)];
      DepositAttestationArgs args{d.chain_id, d.id, keys_.at(d.account).public_key(), d.asset, d.amount, {}};
      args.eth_tx_hash[0] = static_cast<std::uint8_t>(d.id);
      if (pick(0, 9) == 0) args.amount += 1;  // a disagreeing (faulty) attestation
      return attestation(kAttesters[pick(0, kAttesters.size() - 1)], app, args);
    }
    if (dice < 68) {
      // Refused: a trader attesting, an unknown chain, an asset not on the chain, deposit 0.
      DepositAttestationArgs args{kAnvil, pick(1, 50), keys_.at(trader()).public_key(), "QUOTE", pick(1, 1000), {}};
      switch (pick(0, 3)) {
        case 0: {
          const std::string& who = trader();
          return builder_.deposit_attestation(keys_.at(who), header(app, who), args);
        }
        case 1: args.chain_id = 5; break;
        case 2: args.asset = "BTC"; break;
        default: args.deposit_id = 0; break;
      }
      return attestation(kAttesters[pick(0, kAttesters.size() - 1)], app, args);
    }
    if (dice < 90) {
      static const char* kAssets[] = {"BASE", "QUOTE", "BTC", "USDT"};
      static const EvmChainId kChains[] = {0, kMainnet, kAnvil, 5};
      const std::string& who = trader();
      return builder_.withdraw(keys_.at(who), header(app, who), kAssets[pick(0, 3)], pick(1, 5000), kChains[pick(0, 3)]);
    }
    EthAddress addr{};
    for (auto& b : addr) b = static_cast<std::uint8_t>(rng_());
    const std::string& who = trader();
    return builder_.register_settlement_address(keys_.at(who), header(app, who), addr);
  }

  Bytes tx(const ExchangeApp& app) {
    // Only with the option: the rng is not drawn from otherwise.
    if (options_.settlement && pick(0, 99) < 20) return settlement_tx(app);
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
  TrafficOptions options_;
  std::vector<std::string> traders_;
  std::map<std::string, KeyPair> keys_;
  std::map<std::string, std::uint64_t> nonces_;
  std::vector<Bytes> history_;
  std::vector<Deposit> deposits_;
  std::map<EvmChainId, DepositId> next_deposit_id_;
};

}  // namespace replex::exchange::testing
