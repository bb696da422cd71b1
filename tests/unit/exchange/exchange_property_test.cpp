// Properties over random blocks of every transaction kind (and junk):
// conservation of every asset after every block, identical outcomes on two
// replicas, snapshot -> restore -> continue equals not stopping, and
// malformed transactions never change balances or orders.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "exchange_harness.hpp"
#include "replex/core/hash.hpp"

namespace replex::exchange {
namespace {

using testing::kBtcMarket;
using testing::kChain;
using testing::kMarket;

const std::vector<std::string> kTraders = {"alice", "bob", "carol", "dave", "erin"};

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
      if (pick(0, 9) < 3) a.client_order_id = "c" + std::to_string(pick(0, 30));
      if (pick(0, 99) < 2) a.price += 1'000'000'000;  // unaffordable
      return builder_.place_order(key, header(app, who), a);
    }
    if (dice < 48) {
      PlaceOrderArgs a = testing::market_order(pick(0, 1) == 0 ? Side::kBuy : Side::kSell, pick(1, 60), 0);
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

std::unique_ptr<ExchangeApp> make_app() {
  Genesis g = testing::test_genesis(kTraders);
  auto app = ExchangeApp::create(std::move(g));
  REPLEX_ASSERT(app.is_ok());
  return std::move(app).value();
}

// Conservation through the public read API, independent of check_invariants.
void expect_conserved(const ExchangeApp& app) {
  const Genesis& g = app.rules().genesis();
  std::vector<std::uint64_t> supply(app.rules().asset_count(), 0);
  for (const auto& a : g.allocations) supply[*app.rules().find_asset(a.asset)] += a.amount;
  std::vector<std::uint64_t> held(app.rules().asset_count(), 0);
  std::vector<AccountId> accounts;
  for (const auto& t : kTraders) accounts.push_back(KeyPair::from_label(t).public_key());
  accounts.push_back(g.fee_account);
  for (const auto& account : accounts) {
    for (const auto& b : app.balances(account)) held[b.asset] += b.available + b.locked;
  }
  for (AssetIndex a = 0; a < held.size(); ++a) {
    EXPECT_EQ(held[a] + app.withdrawn_total(a), supply[a]) << "asset " << app.rules().asset(a).symbol;
  }
}

struct Chain {
  std::vector<std::vector<Bytes>> blocks;
  std::size_t trades = 0;
  std::size_t triggered = 0;
  std::size_t amended = 0;
  std::map<std::uint32_t, std::size_t> codes;
};

Chain random_chain(std::uint64_t seed, std::size_t blocks, std::size_t max_txs, ExchangeApp& app) {
  Traffic traffic(seed);
  Chain chain;
  for (std::size_t b = 0; b < blocks; ++b) {
    auto txs = traffic.block(app, max_txs);
    const auto outcome = app.execute_block({app.last_height() + 1, 1000 * b}, txs);
    EXPECT_EQ(outcome.tx_codes.size(), txs.size());
    const Status audit = app.check_invariants();
    EXPECT_TRUE(audit.is_ok()) << "seed " << seed << " block " << b + 1 << ": " << audit.to_string();
    expect_conserved(app);
    for (const auto& e : app.last_block_events()) {
      chain.trades += std::holds_alternative<event::Trade>(e);
      chain.triggered += std::holds_alternative<event::OrderTriggered>(e);
      chain.amended += std::holds_alternative<event::OrderAmended>(e);
    }
    for (const std::uint32_t c : outcome.tx_codes) ++chain.codes[c];
    traffic.remember(txs);
    chain.blocks.push_back(std::move(txs));
  }
  return chain;
}

class ExchangeProperties : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(ExchangeProperties, ReplicasAgreeAndEveryAssetIsConserved) {
  const std::uint64_t seed = GetParam();
  auto a = make_app();
  const Chain chain = random_chain(seed, 80, 60, *a);
  // A second replica fed the same blocks ends with the same hash, events and state.
  auto b = make_app();
  auto c = make_app();
  for (std::size_t i = 0; i < chain.blocks.size(); ++i) {
    const auto ob = b->execute_block({i + 1, 1000 * i}, chain.blocks[i]);
    const auto oc = c->execute_block({i + 1, 1000 * i}, chain.blocks[i]);
    ASSERT_EQ(ob.app_hash, oc.app_hash) << "seed " << seed << " block " << i + 1;
    ASSERT_EQ(ob.events, oc.events);
    ASSERT_EQ(ob.tx_codes, oc.tx_codes);
  }
  EXPECT_EQ(a->app_hash(), b->app_hash()) << "seed " << seed;
  EXPECT_EQ(a->snapshot(), b->snapshot());
  // The stream exercised trading, stops, amends and most rejections.
  std::string codes;
  for (const auto& [reason, n] : chain.codes) codes += std::string(reason_name(reason)) + "=" + std::to_string(n) + " ";
  EXPECT_GT(chain.trades, 300u) << codes;
  EXPECT_GT(chain.triggered, 5u);
  EXPECT_GT(chain.amended, 50u);
  EXPECT_GE(chain.codes.size(), 10u) << codes;
}

TEST_P(ExchangeProperties, SnapshotRestoreAndContinueEqualsNotStopping) {
  const std::uint64_t seed = GetParam();
  auto reference = make_app();
  const Chain chain = random_chain(seed, 60, 50, *reference);
  std::mt19937_64 rng(seed * 31 + 7);
  for (int trial = 0; trial < 4; ++trial) {
    const std::size_t stop_at = rng() % chain.blocks.size();  // snapshot after `stop_at` blocks
    auto original = make_app();
    for (std::size_t i = 0; i < stop_at; ++i) original->execute_block({i + 1, 0}, chain.blocks[i]);
    const Bytes snap = original->snapshot();
    auto restored = make_app();
    const Status s = restored->restore(snap);
    ASSERT_TRUE(s.is_ok()) << s.to_string();
    EXPECT_EQ(restored->last_height(), stop_at);
    EXPECT_EQ(restored->app_hash(), original->app_hash());
    EXPECT_EQ(restored->state_digest(), original->state_digest());
    EXPECT_EQ(restored->snapshot(), snap);
    for (std::size_t i = stop_at; i < chain.blocks.size(); ++i) {
      const auto a = original->execute_block({i + 1, 0}, chain.blocks[i]);
      const auto b = restored->execute_block({i + 1, 0}, chain.blocks[i]);
      ASSERT_EQ(a.app_hash, b.app_hash) << "seed " << seed << " restored at " << stop_at << ", block " << i + 1;
    }
    EXPECT_EQ(restored->app_hash(), reference->app_hash());
  }
}

TEST_P(ExchangeProperties, MalformedTransactionsNeverChangeBalancesOrOrders) {
  const std::uint64_t seed = GetParam();
  auto app = make_app();
  random_chain(seed, 20, 40, *app);
  Traffic traffic(seed + 1000);
  auto view = [&app] {
    std::vector<std::pair<std::vector<BalanceInfo>, std::vector<OrderInfo>>> out;
    for (const auto& t : kTraders) {
      const AccountId id = KeyPair::from_label(t).public_key();
      out.emplace_back(app->balances(id), app->open_orders(id));
    }
    return out;
  };
  const auto before = view();
  for (int block = 0; block < 20; ++block) {
    std::vector<Bytes> junk;
    for (int i = 0; i < 30; ++i) junk.push_back(traffic.junk(*app));
    const auto outcome = app->execute_block({app->last_height() + 1, 0}, junk);
    for (const std::uint32_t c : outcome.tx_codes) EXPECT_NE(c, 0u);
    ASSERT_TRUE(app->check_invariants().is_ok());
  }
  EXPECT_EQ(view(), before);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ExchangeProperties, ::testing::Values(11, 22, 33));

TEST(Snapshot, RestoreRejectsCorruptionAndLeavesStateUnchanged) {
  auto app = make_app();
  random_chain(5, 15, 40, *app);
  const Bytes good = app->snapshot();
  const Hash256 hash = app->app_hash();
  const Hash256 digest = app->state_digest();
  auto other = make_app();
  std::mt19937_64 rng(99);
  int rejected = 0;
  for (int trial = 0; trial < 300; ++trial) {
    Bytes bad = good;
    switch (trial % 3) {
      case 0: bad.resize(rng() % bad.size()); break;
      case 1: bad[rng() % bad.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
      default: bad.push_back(static_cast<std::uint8_t>(rng())); break;
    }
    const Hash256 other_before = other->state_digest();
    const Status s = other->restore(bad);
    if (!s.is_ok()) {
      ++rejected;
      EXPECT_EQ(other->state_digest(), other_before);
    } else {
      // A flip that still decodes must describe a consistent state.
      EXPECT_TRUE(other->check_invariants().is_ok());
    }
  }
  EXPECT_GT(rejected, 250);
  // A snapshot of another chain is refused.
  Genesis g = testing::test_genesis(kTraders);
  g.chain_id = "another-chain";
  auto foreign = ExchangeApp::create(std::move(g));
  ASSERT_TRUE(foreign.is_ok());
  EXPECT_NE((*foreign)->restore(good).message().find("different genesis"), std::string::npos);
  EXPECT_EQ(app->app_hash(), hash);
  EXPECT_EQ(app->state_digest(), digest);
  ASSERT_TRUE(other->restore(good).is_ok());
  EXPECT_EQ(other->app_hash(), hash);
}

}  // namespace
}  // namespace replex::exchange
