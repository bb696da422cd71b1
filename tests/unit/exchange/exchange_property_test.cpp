// Properties over random blocks of every transaction kind (and junk):
// conservation of every asset after every block, identical outcomes on two
// replicas, snapshot -> restore -> continue equals not stopping, and
// malformed transactions never change balances or orders.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "random_traffic.hpp"
#include "replex/core/hash.hpp"

namespace replex::exchange {
namespace {

using testing::kTraders;
using testing::Traffic;

std::unique_ptr<ExchangeApp> make_traders_app() {
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
  auto a = make_traders_app();
  const Chain chain = random_chain(seed, 80, 60, *a);
  // A second replica fed the same blocks ends with the same hash, events and state.
  auto b = make_traders_app();
  auto c = make_traders_app();
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
  auto reference = make_traders_app();
  const Chain chain = random_chain(seed, 60, 50, *reference);
  std::mt19937_64 rng(seed * 31 + 7);
  for (int trial = 0; trial < 4; ++trial) {
    const std::size_t stop_at = rng() % chain.blocks.size();  // snapshot after `stop_at` blocks
    auto original = make_traders_app();
    for (std::size_t i = 0; i < stop_at; ++i) original->execute_block({i + 1, 0}, chain.blocks[i]);
    const Bytes snap = original->snapshot();
    auto restored = make_traders_app();
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
  auto app = make_traders_app();
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
  auto app = make_traders_app();
  random_chain(5, 15, 40, *app);
  const Bytes good = app->snapshot();
  const Hash256 hash = app->app_hash();
  const Hash256 digest = app->state_digest();
  auto other = make_traders_app();
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
