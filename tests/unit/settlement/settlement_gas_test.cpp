// Gas of submitBatch on a real anvil as a batch grows in trades, in distinct
// accounts (deltas) and in withdrawals: batches built by the pure builder,
// signed by 3 of 4 validators, sent one after another to one contract. Prints
// a table; asserts only that every batch settled (numbers are for
// docs/settlement.md, not for a test to pin).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "support/anvil.hpp"
#include "settlement_world.hpp"

namespace replex::settlement {
namespace {

using exchange::AccountId;
using exchange::event::BalanceChanged;
using testing::dev_key;

struct Scenario {
  std::string name;
  std::size_t trades = 0;
  std::size_t accounts = 0;     // distinct accounts with a USD balance change
  std::size_t withdrawals = 0;
};

TEST(SettlementGas, PerBatchAgainstTradesAccountsAndWithdrawals) {
  testing::AnvilProcess anvil;
  const std::string why = anvil.start();
  ASSERT_TRUE(why.empty()) << why;
  testing::Chain chain(anvil.url());

  std::vector<EthAddress> validators;
  for (std::size_t i = 0; i < 4; ++i) validators.push_back(dev_key(i).address());
  std::sort(validators.begin(), validators.end());
  std::vector<AbiValue> set;
  for (const EthAddress& a : validators) set.push_back(AbiValue::address(a));
  const AbiValue args[] = {AbiValue::array(std::move(set)), AbiValue::uint256(3)};
  const EthAddress contract =
      chain.deploy(dev_key(9), testing::contract_bytecode("Settlement.sol", "Settlement"), args);
  ASSERT_NE(contract, kZeroAddress);

  auto rules = testing::world_rules();
  SettlerConfig config;
  config.interval_blocks = 1;  // one block, one batch
  config.max_batch_items = 1'000'000;
  ChainConfig c;
  c.chain_id = testing::kAnvilChainId;
  c.rpc_url = anvil.url();
  c.contract = contract;
  EthAddress usd{};
  usd.fill(0xaa);
  c.assets = {{"ETH", {std::nullopt, 18}}, {"USD", {usd, 8}}};
  config.chains = {c};
  const SettlementLayout layout = make_layout(config, *rules).value();

  // The first batch also pays for the contract's first writes (cold slots
  // going from zero): a warm-up row, so the sweeps compare like with like.
  std::vector<Scenario> scenarios = {{"warm-up", 0, 1, 0}};
  for (std::size_t t : {0, 10, 100, 1'000, 10'000}) scenarios.push_back({"trades", t, 0, 0});
  for (std::size_t a : {1, 10, 50, 100, 250, 500, 1'000}) scenarios.push_back({"accounts", 0, a, 0});
  for (std::size_t w : {1, 10, 100, 1'000}) scenarios.push_back({"withdrawals", 0, 0, w});

  std::vector<AccountId> accounts;
  for (std::size_t i = 0; i < 1'000; ++i) accounts.push_back(KeyPair::from_label("gas-" + std::to_string(i)).public_key());

  BatchAccumulator acc(layout);
  ChainHead head;
  std::uint64_t height = 0;
  std::uint64_t next_withdrawal = 1;
  std::printf("\n%-12s %7s %7s %7s %9s %10s\n", "sweep", "trades", "deltas", "wdraws", "calldata", "gas");
  for (const Scenario& s : scenarios) {
    ++height;
    testing::Workload work(*rules);
    for (std::size_t i = 0; i < s.trades; ++i) work.trade(i + 1, i, i + 1, 1'000'000, 2'000'000);
    std::vector<exchange::Event> events = work.take_block();
    for (std::size_t i = 0; i < s.accounts; ++i) {
      events.push_back(BalanceChanged{accounts[i], 1, 1'000 + height, 0});
    }
    for (std::size_t i = 0; i < s.withdrawals; ++i) {
      EthAddress to{};
      to[19] = static_cast<std::uint8_t>(i);
      to[0] = 0x55;
      exchange::PendingWithdrawal w{next_withdrawal++, testing::trader("alice"), 1, 1'000, to, height, 0};
      events.push_back(exchange::event::WithdrawalRecordedOnChain{w});
    }
    // Totals start at 0 for the gas accounts (not in the genesis), at the
    // genesis allocation for traders whose balances the trades move.
    acc.add_block(height, events, [&](const AccountId& a, exchange::AssetIndex asset) -> std::uint64_t {
      for (const auto& alloc : rules->genesis().allocations) {
        if (alloc.account == a && *rules->find_asset(alloc.asset) == asset) return alloc.amount;
      }
      return 0;
    });
    ASSERT_TRUE(acc.closes_at(height));
    const Batch batch = build_batch(layout, 0, head, height, acc);
    acc.clear();
    head = next_head(batch);

    std::vector<std::pair<EthAddress, Rsv65>> signed_by;
    for (std::size_t k : {0, 1, 2}) {
      const EthKey key = dev_key(k);
      signed_by.emplace_back(key.address(), key.sign_digest(batch_digest(layout.chains[0], batch.root)).to_rsv65());
    }
    std::sort(signed_by.begin(), signed_by.end());
    std::vector<Rsv65> sigs;
    for (const auto& p : signed_by) sigs.push_back(p.second);
    const Bytes data = submit_batch_calldata(batch, sigs);
    auto receipt = chain.send(dev_key(8), contract, data);
    ASSERT_TRUE(receipt && receipt->succeeded()) << s.name;
    std::printf("%-12s %7zu %7zu %7zu %9zu %10llu\n", s.name.c_str(), s.trades, batch.deltas.size(), s.withdrawals,
                data.size(), static_cast<unsigned long long>(receipt->gas_used));
  }
  EXPECT_EQ(chain.call_u64(contract, "lastBatchNumber()"), scenarios.size());
}

}  // namespace
}  // namespace replex::settlement
