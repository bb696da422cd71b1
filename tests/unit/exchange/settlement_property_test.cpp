// Properties with settlement traffic (testing::TrafficOptions::settlement):
// deposit attestations from the attesters (agreeing, disagreeing, duplicate,
// late, refused), withdrawals to each chain and newcomers who join by deposit
// and then trade. After every block the audit holds and, independently
// through the read API, every asset is conserved with deposits:
// sum over accounts + withdrawn == genesis allocations + deposited. Replicas
// agree, and snapshot -> restore -> continue equals not stopping.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "random_traffic.hpp"
#include "replex/core/hash.hpp"

namespace replex::exchange {
namespace {

using testing::Traffic;
using testing::TrafficOptions;

std::unique_ptr<ExchangeApp> make_settlement_app() {
  auto app = ExchangeApp::create(testing::settlement_genesis(testing::kTraders));
  REPLEX_ASSERT(app.is_ok());
  return std::move(app).value();
}

// Conservation through the public read API, over every account the state has
// (those created by deposits included), independent of check_invariants.
void expect_conserved_with_deposits(const ExchangeApp& app, std::uint64_t seed, std::size_t block) {
  const ChainRules& rules = app.rules();
  std::vector<Uint128> held(rules.asset_count(), 0);
  for (const AccountId& account : app.accounts()) {
    for (const auto& b : app.balances(account)) held[b.asset] += static_cast<Uint128>(b.available) + b.locked;
  }
  for (AssetIndex a = 0; a < rules.asset_count(); ++a) {
    const Uint128 out = held[a] + app.withdrawn_total(a);
    const Uint128 in = static_cast<Uint128>(rules.genesis_supply(a)) + app.deposited_total(a);
    EXPECT_TRUE(out == in) << "seed " << seed << " block " << block << " asset " << rules.asset(a).symbol;
  }
}

struct SettlementRun {
  std::vector<std::vector<Bytes>> blocks;
  std::map<std::uint32_t, std::size_t> codes;
  std::size_t attested = 0;
  std::size_t credited = 0;
  std::size_t on_chain_withdrawals = 0;
  std::size_t newcomer_trades = 0;
};

SettlementRun settlement_chain(std::uint64_t seed, std::size_t blocks, std::size_t max_txs, ExchangeApp& app) {
  Traffic traffic(seed, TrafficOptions{.settlement = true});
  std::vector<AccountId> newcomers;
  for (const auto& n : testing::kNewcomers) newcomers.push_back(KeyPair::from_label(n).public_key());
  auto is_newcomer = [&](const AccountId& a) { return std::find(newcomers.begin(), newcomers.end(), a) != newcomers.end(); };
  SettlementRun run;
  for (std::size_t b = 0; b < blocks; ++b) {
    auto txs = traffic.block(app, max_txs);
    const auto outcome = app.execute_block({app.last_height() + 1, 1000 * b}, txs);
    EXPECT_EQ(outcome.tx_codes.size(), txs.size());
    const Status audit = app.check_invariants();
    EXPECT_TRUE(audit.is_ok()) << "seed " << seed << " block " << b + 1 << ": " << audit.to_string();
    expect_conserved_with_deposits(app, seed, b + 1);
    std::map<std::pair<EvmChainId, DepositId>, int> credited_here;
    for (const auto& e : app.last_block_events()) {
      run.attested += std::holds_alternative<event::DepositAttested>(e);
      run.on_chain_withdrawals += std::holds_alternative<event::WithdrawalRecordedOnChain>(e);
      EXPECT_FALSE(std::holds_alternative<event::WithdrawalRecorded>(e));  // chains are configured
      if (const auto* c = std::get_if<event::DepositCredited>(&e)) {
        ++run.credited;
        EXPECT_EQ(++credited_here[std::make_pair(c->chain_id, c->deposit_id)], 1);
        EXPECT_EQ(app.deposit_status(c->chain_id, c->deposit_id).state, DepositState::kCredited);
      }
      if (const auto* t = std::get_if<event::Trade>(&e)) run.newcomer_trades += is_newcomer(t->maker) || is_newcomer(t->taker);
    }
    for (const std::uint32_t c : outcome.tx_codes) ++run.codes[c];
    traffic.remember(txs);
    run.blocks.push_back(std::move(txs));
  }
  return run;
}

class SettlementProperties : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(SettlementProperties, ConservationWithDepositsAndReplicasAgree) {
  const std::uint64_t seed = GetParam();
  auto a = make_settlement_app();
  const SettlementRun run = settlement_chain(seed, 80, 60, *a);
  auto b = make_settlement_app();
  for (std::size_t i = 0; i < run.blocks.size(); ++i) b->execute_block({i + 1, 1000 * i}, run.blocks[i]);
  EXPECT_EQ(a->app_hash(), b->app_hash()) << "seed " << seed;
  EXPECT_EQ(a->snapshot(), b->snapshot());

  // Every deposit is credited at most once over the whole run, never more
  // than the attestations allow, and the stream reached every settlement path.
  std::string codes;
  for (const auto& [reason, n] : run.codes) codes += std::string(reason_name(reason)) + "=" + std::to_string(n) + " ";
  EXPECT_GT(run.credited, 15u) << codes;
  EXPECT_GE(run.attested, 3 * run.credited);
  EXPECT_GT(run.on_chain_withdrawals, 5u);
  EXPECT_GT(run.newcomer_trades, 0u);
  for (const Reason r : {Reason::kNotAnAttester, Reason::kUnknownChain, Reason::kAssetNotOnChain,
                         Reason::kDuplicateAttestation, Reason::kDepositAlreadyCredited, Reason::kInvalidField}) {
    EXPECT_GT(run.codes.count(code(r)), 0u) << reason_name(r) << ": " << codes;
  }
  for (const auto& n : testing::kNewcomers) EXPECT_TRUE(a->has_account(KeyPair::from_label(n).public_key())) << n;
}

TEST_P(SettlementProperties, SnapshotRestoreAndContinueEqualsNotStopping) {
  const std::uint64_t seed = GetParam();
  auto reference = make_settlement_app();
  const SettlementRun run = settlement_chain(seed, 50, 50, *reference);
  std::mt19937_64 rng(seed * 17 + 3);
  for (int trial = 0; trial < 3; ++trial) {
    const std::size_t stop_at = 1 + rng() % (run.blocks.size() - 1);
    auto original = make_settlement_app();
    for (std::size_t i = 0; i < stop_at; ++i) original->execute_block({i + 1, 0}, run.blocks[i]);
    const Bytes snap = original->snapshot();
    auto restored = make_settlement_app();
    const Status s = restored->restore(snap);
    ASSERT_TRUE(s.is_ok()) << s.to_string();
    EXPECT_EQ(restored->snapshot(), snap);
    EXPECT_EQ(restored->state_digest(), original->state_digest());
    EXPECT_EQ(restored->accounts(), original->accounts());
    for (std::size_t i = stop_at; i < run.blocks.size(); ++i) {
      const auto x = original->execute_block({i + 1, 0}, run.blocks[i]);
      const auto y = restored->execute_block({i + 1, 0}, run.blocks[i]);
      ASSERT_EQ(x.app_hash, y.app_hash) << "seed " << seed << " restored at " << stop_at << ", block " << i + 1;
    }
    EXPECT_EQ(restored->app_hash(), reference->app_hash());
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, SettlementProperties, ::testing::Values(11, 22, 33));

}  // namespace
}  // namespace replex::exchange
