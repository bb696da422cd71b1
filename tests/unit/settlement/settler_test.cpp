// The Settler with its chain unreachable (a closed loopback port): what it
// does without Ethereum. It never blocks its inputs, builds the same batches
// on every node, gathers every validator's signature (and drops forged
// ones), serves withdrawal proofs before settlement, fills gaps from the
// store's events, and resumes exactly after a restart or a crash. With the
// chain: settler_anvil_test.cpp.
#include <gtest/gtest.h>

#include "support/anvil.hpp"
#include "settler_cluster.hpp"

namespace replex::settlement {
namespace {

using testing::dev_key;
using testing::SettlerCluster;
using testing::wait_until;
using namespace std::chrono_literals;

EthAddress contract_address() {
  EthAddress a{};
  a.fill(0xc0);
  return a;
}

SettlerConfig offline_config(std::uint16_t closed_port) {
  SettlerConfig config;
  config.interval_blocks = 5;
  config.poll_interval_ms = 50;
  config.resend_signatures_ms = 200;
  config.rpc.request_timeout_ms = 200;
  config.rpc.max_attempts = 1;
  config.rpc.max_call_ms = 200;
  ChainConfig chain;
  chain.chain_id = testing::kWorldChainId;
  chain.rpc_url = "http://127.0.0.1:" + std::to_string(closed_port);
  chain.contract = contract_address();
  EthAddress usd{};
  usd.fill(0xaa);
  chain.assets = {{"ETH", {std::nullopt, 18}}, {"USD", {usd, 8}}};
  config.chains = {chain};
  return config;
}

std::vector<EthAddress> dev_addresses(std::initializer_list<std::size_t> keys) {
  std::vector<EthAddress> out;
  for (std::size_t k : keys) out.push_back(dev_key(k).address());
  return out;
}

class OfflineSettlerTest : public ::testing::Test {
 protected:
  OfflineSettlerTest() : rules_(testing::world_rules()), work_(*rules_) {}

  std::unique_ptr<SettlerCluster> cluster(std::vector<std::optional<std::size_t>> keys,
                                          std::function<void(SettlerConfig&)> tweak = {}) {
    SettlerConfig config = offline_config(testing::free_port());
    if (tweak) tweak(config);
    return std::make_unique<SettlerCluster>(rules_, config, dev_addresses({0, 1, 2, 3}), std::move(keys));
  }

  // Commits heights from..to of the workload to every node.
  void commit(SettlerCluster& c, std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t h = from; h <= to; ++h) {
      if (blocks_.size() < h) blocks_.push_back(work_.block(h));
      c.commit(h, blocks_[h - 1]);
    }
  }

  std::vector<Batch> expected(const SettlerCluster& c) const {
    const SettlementLayout layout = make_layout(c.config(), *rules_).value();
    return testing::expected_batches(*rules_, layout, blocks_)[0];
  }

  std::shared_ptr<const exchange::ChainRules> rules_;
  testing::Workload work_;
  std::vector<std::vector<exchange::Event>> blocks_;
};

TEST_F(OfflineSettlerTest, OpenRefusesABadValidatorSetOrAValidatorWithoutItsKey) {
  auto disk = std::make_shared<storage::MemoryDisk>();
  auto store = storage::MemoryStore::open(disk).value();
  const SettlerConfig config = offline_config(testing::free_port());
  Settler::Ports ports{[](Bytes) {}, [](const DepositObserved&) {}};
  auto open = [&](std::vector<EthAddress> validators, std::optional<std::uint32_t> self, std::optional<EthKey> key,
                  Settler::Ports p) {
    return Settler::open(config, rules_, std::move(validators), self, std::move(key), *store, std::move(p)).status();
  };
  EXPECT_EQ(open({}, std::nullopt, std::nullopt, ports).message(), "validators: at least one");
  EXPECT_EQ(open({kZeroAddress}, std::nullopt, std::nullopt, ports).message(), "validators[0]: the zero address");
  const EthAddress a = dev_key(0).address();
  EXPECT_TRUE(open({a, a}, std::nullopt, std::nullopt, ports).message().starts_with("validators[1]: duplicate"));
  EXPECT_EQ(open({a}, 1, dev_key(0), ports).message(), "self: validator 1 of 1");
  EXPECT_EQ(open({a}, 0, std::nullopt, ports).message(), "key: a validator needs its Ethereum key");
  EXPECT_EQ(open({a}, 0, dev_key(0), Settler::Ports{{}, ports.attest}).message(),
            "ports.broadcast: a validator needs it");
  SettlerConfig bad = config;
  bad.chains[0].assets.erase("ETH");
  EXPECT_EQ(Settler::open(bad, rules_, {a}, std::nullopt, std::nullopt, *store, ports).status().message(),
            "chains[31337].assets: no token for 'ETH', which the genesis lists on this chain");
  EXPECT_TRUE(open({a}, std::nullopt, std::nullopt, Settler::Ports{}).is_ok()) << "an observer needs no ports";
}

TEST_F(OfflineSettlerTest, BuildsAndSignsTheSameBatchesEverywhereWhileTheChainIsDown) {
  auto c = cluster({0, 1, 2, 3});
  c->open_all();
  commit(*c, 1, 12);  // batches at 5 and 10; 11..12 accumulate
  const std::vector<Batch> batches = expected(*c);
  ASSERT_EQ(batches.size(), 2u);
  for (std::size_t i = 0; i < c->size(); ++i) {
    ASSERT_TRUE(wait_until(
        [&] {
          const SettlementStatus s = c->settler(i).status();
          return s.processed_height == 12 && s.chains[0].signatures_held == 4;
        },
        10s))
        << "node " << i;
    const SettlementStatus s = c->settler(i).status();
    EXPECT_TRUE(s.running);
    const ChainSettlementStatus& chain = s.chains[0];
    EXPECT_EQ(chain.next_batch_number, 3u);
    EXPECT_EQ(chain.batches_built, 2u);
    EXPECT_EQ(chain.batches_signed, 2u);
    EXPECT_EQ(chain.batches_pending, 2u);
    EXPECT_EQ(chain.last_settled_batch, 0u);
    EXPECT_EQ(chain.lag_blocks, 12u);
    EXPECT_EQ(chain.signatures_dropped, 0u);
    EXPECT_FALSE(chain.rpc_up);
    EXPECT_FALSE(chain.last_error.empty()) << "the unreachable endpoint is reported";
    EXPECT_EQ(chain.transactions_sent, 0u);

    // Height 7's withdrawal is in batch 2, provable against its root already.
    const std::optional<WithdrawalClaim> claim = c->settler(i).withdrawal_claim(1007);
    ASSERT_TRUE(claim.has_value());
    EXPECT_FALSE(claim->settled);
    EXPECT_EQ(claim->batch_number, 2u);
    EXPECT_EQ(claim->contract, contract_address());
    EXPECT_EQ(claim->withdrawal, batches[1].withdrawals[0]);
    EXPECT_TRUE(verify_merkle_proof(claim->proof, batches[1].header.withdrawals_root,
                                    withdrawal_leaf_hash(claim->withdrawal)));
    EXPECT_FALSE(c->settler(i).withdrawal_claim(1014).has_value()) << "not batched yet";
  }
}

TEST_F(OfflineSettlerTest, DropsSignaturesOfAKeyThatIsNotTheValidators) {
  // Node 3 signs with dev key 7, but validator 3 is dev key 3's address.
  auto c = cluster({0, 1, 2, 7});
  c->open_all();
  commit(*c, 1, 5);
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(wait_until([&] { return c->settler(i).status().chains[0].signatures_dropped >= 1; }, 10s)) << i;
    ASSERT_TRUE(wait_until([&] { return c->settler(i).status().chains[0].signatures_held == 3; }, 10s)) << i;
  }
  // Garbage and a signature under another validator's index are dropped too.
  c->cut(3, true);
  const std::uint64_t before = c->settler(0).status().chains[0].signatures_dropped;
  c->settler(0).on_message(1, Bytes{1, 2, 3});
  BatchSignatureMessage forged;
  forged.chain_id = testing::kWorldChainId;
  forged.number = 1;
  forged.root = expected(*c)[0].root;
  forged.validator = 2;
  forged.signature = dev_key(1).sign_digest(batch_digest(make_layout(c->config(), *rules_)->chains[0], forged.root)).to_rsv65();
  c->settler(0).on_message(1, forged.encode());
  ASSERT_TRUE(wait_until([&] { return c->settler(0).status().chains[0].signatures_dropped >= before + 1; }, 5s));
  EXPECT_EQ(c->settler(0).status().chains[0].signatures_held, 3u);
}

TEST_F(OfflineSettlerTest, ResumesExactlyAfterARestartAndACrash) {
  auto c = cluster({0, 1, 2, 3});
  c->open_all();
  commit(*c, 1, 7);
  ASSERT_TRUE(wait_until([&] { return c->settler(2).status().processed_height == 7; }, 10s));

  // A restart: the settler goes, its store stays and keeps receiving blocks.
  c->close_settler(2);
  commit(*c, 8, 12);
  ASSERT_TRUE(c->open(2).is_ok());
  // It catches up from the store (8..12), builds batch 2 as the others did,
  // and their signatures on it count: the roots agree.
  ASSERT_TRUE(wait_until(
      [&] {
        const SettlementStatus s = c->settler(2).status();
        return s.processed_height == 12 && s.chains[0].next_batch_number == 3 && s.chains[0].signatures_held == 4;
      },
      10s));

  // A crash: the process dies, unsynced writes are lost, the node reopens.
  c->close(2);
  ASSERT_FALSE(c->node(2).disk->crash().has_value());
  c->open_store(2);
  ASSERT_TRUE(c->open(2).is_ok());
  commit(*c, 13, 20);
  const std::vector<Batch> batches = expected(*c);
  ASSERT_EQ(batches.size(), 4u);
  for (std::size_t i = 0; i < c->size(); ++i) {
    ASSERT_TRUE(wait_until(
        [&] {
          const SettlementStatus s = c->settler(i).status();
          return s.processed_height == 20 && s.chains[0].next_batch_number == 5 && s.chains[0].signatures_held == 4;
        },
        10s))
        << "node " << i;
    const std::optional<WithdrawalClaim> claim = c->settler(i).withdrawal_claim(1014);
    ASSERT_TRUE(claim.has_value()) << i;
    EXPECT_EQ(claim->batch_number, 3u);
    EXPECT_TRUE(verify_merkle_proof(claim->proof, batches[2].header.withdrawals_root,
                                    withdrawal_leaf_hash(claim->withdrawal)));
    EXPECT_EQ(c->settler(i).status().chains[0].signatures_dropped, 0u) << "every root agreed";
  }
}

TEST_F(OfflineSettlerTest, AFullQueueDropsEventsThatTheStoreThenProvides) {
  // One observer: it builds and verifies, never signs.
  auto c = cluster({std::nullopt}, [](SettlerConfig& config) { config.max_queued_blocks = 1; });
  ASSERT_TRUE(c->open(0, /*start=*/false).is_ok());
  commit(*c, 1, 10);  // height 1 queued, 2..10 dropped: nobody drains the queue yet
  c->settler(0).start();
  ASSERT_TRUE(wait_until([&] { return c->settler(0).status().processed_height == 10; }, 10s));
  const ChainSettlementStatus s = c->settler(0).status().chains[0];
  EXPECT_EQ(s.next_batch_number, 3u);
  EXPECT_EQ(s.batches_signed, 0u);
  EXPECT_EQ(s.signatures_held, 0u);
  const std::optional<WithdrawalClaim> claim = c->settler(0).withdrawal_claim(1007);
  ASSERT_TRUE(claim.has_value());
  EXPECT_TRUE(verify_merkle_proof(claim->proof, expected(*c)[1].header.withdrawals_root,
                                  withdrawal_leaf_hash(claim->withdrawal)));
}

TEST_F(OfflineSettlerTest, RefusesAStoreWithBatchesOfOtherChains) {
  auto c = cluster({std::nullopt});
  ASSERT_TRUE(c->open(0).is_ok());
  commit(*c, 1, 5);
  ASSERT_TRUE(wait_until([&] { return c->settler(0).status().chains[0].next_batch_number == 2; }, 10s));
  c->close_settler(0);

  auto two_chains = testing::world_rules({{1, {"ETH"}}, {testing::kWorldChainId, {"ETH", "USD"}}});
  SettlerConfig config = c->config();
  ChainConfig mainnet = config.chains[0];
  mainnet.chain_id = 1;
  mainnet.assets = {{"ETH", {std::nullopt, 18}}};
  config.chains.push_back(mainnet);
  auto reopened = Settler::open(config, two_chains, dev_addresses({0}), std::nullopt, std::nullopt,
                                *c->node(0).store, Settler::Ports{});
  ASSERT_FALSE(reopened.is_ok());
  EXPECT_TRUE(reopened.status().message().starts_with(
      "settlement: the store holds batches for chains [31337], the config names [1, 31337]"))
      << reopened.status().message();
}

}  // namespace
}  // namespace replex::settlement
