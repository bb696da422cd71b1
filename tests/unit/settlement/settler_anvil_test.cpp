// The settlement runtime against a real anvil and the real Settlement
// contract (contracts/out, deployed here with EthClient): batches built here
// hash as the contract hashes them; four Settlers (anvil dev keys 0..3 as
// the validators' Ethereum keys, broadcast ports wired to each other) settle
// batches in order with the expected roots; deposits are attested once per
// node; withdrawals are claimable with the settler's proof; the chain going
// down and coming back, a stopped submitter, a wrong validator key, a stuck
// transaction and a restart with a transaction in flight. Each test starts
// its own anvil on a free loopback port and kills it at the end. A missing
// anvil fails the test (scripts/bootstrap installs it).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "support/anvil.hpp"
#include "replex/settlement/keccak.hpp"
#include "settler_cluster.hpp"

namespace replex::settlement {
namespace {

using namespace std::chrono_literals;
using exchange::AccountId;
using exchange::AssetIndex;
using testing::AnvilProcess;
using testing::kEther;
using testing::Chain;
using testing::dev_key;
using testing::SettlerCluster;
using testing::wait_until;

constexpr std::size_t kDeployer = 9;
constexpr std::size_t kDepositor = 5;
constexpr std::size_t kClaimer = 6;
constexpr std::size_t kOutsider = 7;  // funded, not a validator
constexpr std::size_t kSubmitter = 8;  // sends batches by hand in the hashing test
constexpr AssetIndex kEth = 0;

const std::string kSubmitBatch =
    "submitBatch((uint64,uint64,uint64,bytes32,bytes32,bytes32,bytes32),(bytes32,address,int256)[],bytes[])";

class SettlerAnvilTest : public ::testing::Test {
 protected:
  SettlerAnvilTest() : rules_(testing::world_rules()), work_(*rules_) {}

  void TearDown() override {
    cluster_.reset();  // settlers before the chain they talk to
    anvil_.reset();
  }

  // Starts anvil and deploys Settlement (validators: dev keys 0..3,
  // threshold 3) and an 8-decimal TestToken standing for USD.
  void start_chain(std::vector<std::string> anvil_args = {}) {
    anvil_ = std::make_unique<AnvilProcess>(std::move(anvil_args));
    const std::string why = anvil_->start();
    ASSERT_TRUE(why.empty()) << why;
    chain_ = std::make_unique<Chain>(anvil_->url());
    for (std::size_t i = 0; i < 4; ++i) validators_.push_back(dev_key(i).address());
    auto balance = chain_->client().get_balance(dev_key(kDeployer).address());
    ASSERT_TRUE(balance.is_ok() && *balance > 0) << "dev key 9 is not anvil's funded account";
    std::vector<EthAddress> sorted = validators_;
    std::sort(sorted.begin(), sorted.end());
    std::vector<AbiValue> set;
    for (const EthAddress& a : sorted) set.push_back(AbiValue::address(a));
    const AbiValue settlement_args[] = {AbiValue::array(std::move(set)), AbiValue::uint256(3)};
    contract_ = chain_->deploy(dev_key(kDeployer), testing::contract_bytecode("Settlement.sol", "Settlement"),
                               settlement_args);
    const AbiValue token_args[] = {AbiValue::string("Test USD"), AbiValue::string("TUSD"), AbiValue::uint256(8)};
    usd_ = chain_->deploy(dev_key(kDeployer), testing::contract_bytecode("TestToken.sol", "TestToken"), token_args);
    ASSERT_NE(contract_, kZeroAddress);
    ASSERT_NE(usd_, kZeroAddress);
  }

  SettlerConfig config() const {
    SettlerConfig config;
    config.interval_blocks = 5;
    config.poll_interval_ms = 100;
    config.submit_timeout_ms = 10'000;
    config.stuck_after_ms = 30'000;
    config.resend_signatures_ms = 300;
    config.rpc.request_timeout_ms = 2'000;
    config.rpc.max_attempts = 1;
    config.rpc.max_call_ms = 2'000;
    ChainConfig chain;
    chain.chain_id = testing::kAnvilChainId;
    chain.rpc_url = anvil_->url();
    chain.contract = contract_;
    chain.assets = {{"ETH", {std::nullopt, 18}}, {"USD", {usd_, 8}}};
    config.chains = {chain};
    return config;
  }

  SettlementLayout layout() const { return make_layout(config(), *rules_).value(); }

  void make_cluster(std::vector<std::optional<std::size_t>> keys, std::function<void(SettlerConfig&)> tweak = {}) {
    SettlerConfig c = config();
    if (tweak) tweak(c);
    cluster_ = std::make_unique<SettlerCluster>(rules_, c, validators_, std::move(keys));
  }

  void commit(std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t h = from; h <= to; ++h) {
      if (blocks_.size() < h) blocks_.push_back(work_.block(h));
      cluster_->commit(h, blocks_[h - 1]);
    }
  }
  // The next block's events come from work_ as the test shaped them.
  void commit_shaped(std::uint64_t h) {
    ASSERT_EQ(blocks_.size() + 1, h);
    blocks_.push_back(work_.take_block());
    cluster_->commit(h, blocks_.back());
  }

  std::vector<Batch> expected() const { return testing::expected_batches(*rules_, layout(), blocks_)[0]; }

  std::uint64_t last_batch() { return chain_->call_u64(contract_, "lastBatchNumber()"); }
  bool wait_last_batch(std::uint64_t n, std::chrono::milliseconds limit = 30s) {
    return wait_until([&] { return last_batch() >= n; }, limit);
  }

  // batches(n) on chain matches the batch built here.
  void expect_settled_as(const Batch& b) {
    const Bytes out = chain_->call(contract_, encode_call("batches(uint64)", {AbiValue::uint64(b.header.number)}));
    const AbiReader r(out);
    EXPECT_EQ(r.bytes32(0).value(), b.root) << "batch " << b.header.number;
    EXPECT_EQ(r.uint64(1).value(), b.header.from_height);
    EXPECT_EQ(r.uint64(2).value(), b.header.to_height);
    EXPECT_EQ(r.bytes32(3).value(), b.header.withdrawals_root);
  }

  // The numbers of every BatchSettled event, in chain order.
  std::vector<std::uint64_t> settled_events() {
    LogFilter filter;
    filter.addresses = {contract_};
    filter.topics = {{event_topic("BatchSettled(uint64,bytes32,uint64,uint64,bytes32,bytes32)")}};
    filter.from_block = BlockTag::earliest();
    auto logs = chain_->client().get_logs(filter);
    EXPECT_TRUE(logs.is_ok());
    std::vector<std::uint64_t> out;
    if (!logs.is_ok()) return out;
    for (const Log& l : *logs) out.push_back(AbiReader(l.topics[1].view()).uint64(0).value());
    return out;
  }

  // Sorted signatures of `root` by dev keys `keys`.
  std::vector<Rsv65> sign(const Hash256& root, std::vector<std::size_t> keys) {
    std::vector<std::pair<EthAddress, Rsv65>> s;
    for (std::size_t k : keys) {
      const EthKey key = dev_key(k);
      s.emplace_back(key.address(), key.sign_digest(batch_digest(layout().chains[0], root)).to_rsv65());
    }
    std::sort(s.begin(), s.end());
    std::vector<Rsv65> out;
    for (const auto& p : s) out.push_back(p.second);
    return out;
  }

  std::uint64_t nonce_of(std::size_t key, BlockTag tag) {
    auto n = chain_->client().transaction_count(dev_key(key).address(), tag);
    EXPECT_TRUE(n.is_ok());
    return n.is_ok() ? *n : 0;
  }

  std::shared_ptr<const exchange::ChainRules> rules_;
  testing::Workload work_;
  std::vector<std::vector<exchange::Event>> blocks_;
  std::unique_ptr<AnvilProcess> anvil_;
  std::unique_ptr<Chain> chain_;
  std::vector<EthAddress> validators_;
  EthAddress contract_{};
  EthAddress usd_{};
  std::unique_ptr<SettlerCluster> cluster_;
};

TEST_F(SettlerAnvilTest, BuiltBatchesHashAndSettleAsTheContractComputes) {
  start_chain();
  for (std::uint64_t h = 1; h <= 10; ++h) blocks_.push_back(work_.block(h));
  const std::vector<Batch> batches = expected();
  ASSERT_EQ(batches.size(), 2u);
  const SettlementLayout resolved = layout();
  const ChainLayout& chain = resolved.chains[0];
  EXPECT_EQ(chain_->call_hash(contract_, "domainSeparator()"), chain.domain_separator);
  for (const Batch& b : batches) {
    EXPECT_EQ(chain_->call_hash(contract_, "batchRoot((uint64,uint64,uint64,bytes32,bytes32,bytes32,bytes32))",
                                {to_abi(b.header)}),
              b.root);
    EXPECT_EQ(chain_->call_hash(contract_, "batchDigest((uint64,uint64,uint64,bytes32,bytes32,bytes32,bytes32))",
                                {to_abi(b.header)}),
              batch_digest(chain, b.root));
  }
  ASSERT_FALSE(batches[0].deltas.empty());
  ASSERT_FALSE(batches[1].withdrawals.empty());

  // Signers out of order: the contract's error comes back decoded.
  std::vector<Rsv65> sigs = sign(batches[0].root, {0, 1, 2});
  std::swap(sigs[0], sigs[1]);
  CallRequest call;
  call.from = dev_key(kSubmitter).address();
  call.to = contract_;
  call.data = submit_batch_calldata(batches[0], sigs);
  auto refused = chain_->client().estimate_gas(call);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(describe_contract_error(refused.error().revert_data), "SignersNotAscending()");

  // In order, with the deltas whose hash the header carries: accepted, and
  // one BalanceDelta per delta.
  for (const Batch& b : batches) {
    auto receipt = chain_->send(dev_key(kSubmitter), contract_, submit_batch_calldata(b, sign(b.root, {1, 2, 3})));
    ASSERT_TRUE(receipt && receipt->succeeded());
    std::size_t balance_deltas = 0;
    for (const Log& l : receipt->logs) {
      if (l.topics[0] == event_topic("BalanceDelta(uint64,bytes32,address,int256)")) ++balance_deltas;
    }
    EXPECT_EQ(balance_deltas, b.deltas.size());
    expect_settled_as(b);
  }
  EXPECT_EQ(last_batch(), 2u);
  EXPECT_EQ(chain_->call_hash(contract_, "lastBatchRoot()"), batches[1].root);
}

TEST_F(SettlerAnvilTest, FourValidatorsSettleEveryBatchInOrderEachSubmittingInTurn) {
  start_chain();
  make_cluster({0, 1, 2, 3});
  cluster_->open_all();
  commit(1, 20);
  ASSERT_TRUE(wait_last_batch(4)) << "settled " << last_batch();
  const std::vector<Batch> batches = expected();
  ASSERT_EQ(batches.size(), 4u);
  for (const Batch& b : batches) expect_settled_as(b);
  EXPECT_EQ(settled_events(), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  for (std::size_t i = 0; i < 4; ++i) {
    // The settled batch shows (from the chain's events) before the settler
    // clears the transaction it sent (from its receipt): wait for both.
    ASSERT_TRUE(wait_until(
        [&] {
          const ChainSettlementStatus s = cluster_->settler(i).status().chains[0];
          return s.last_settled_batch == 4 && !s.pending_tx.has_value();
        },
        10s))
        << i;
    const ChainSettlementStatus s = cluster_->settler(i).status().chains[0];
    EXPECT_EQ(s.batches_pending, 0u);
    EXPECT_EQ(s.last_settled_from_height, 16u);
    EXPECT_EQ(s.last_settled_to_height, 20u);
    EXPECT_EQ(s.lag_blocks, 0u);
    EXPECT_EQ(s.chain_last_batch, 4u);
    EXPECT_EQ(s.threshold, 3u);
    EXPECT_TRUE(s.rpc_up);
    EXPECT_EQ(s.last_error, "");
    // Batch n is validator n % 4's: each sent exactly one.
    EXPECT_EQ(s.transactions_sent, 1u) << "validator " << i;
    EXPECT_FALSE(s.pending_tx.has_value());
  }
}

TEST_F(SettlerAnvilTest, EachDepositIsAttestedOncePerNodeInReplexUnits) {
  start_chain();
  make_cluster({0, 1, 2, 3});
  cluster_->open_all();
  const EthKey depositor = dev_key(kDepositor);
  const AccountId alice = testing::trader("alice");
  const AccountId bob = testing::trader("bob");
  auto account_word = [](const AccountId& a) {
    Hash256 h;
    std::copy(a.bytes.begin(), a.bytes.end(), h.bytes.begin());
    return h;
  };
  // 1.5 ether and 123 wei of dust: 1.5 ETH at 9 decimals.
  auto eth = chain_->send(depositor, contract_, encode_call("depositEth(bytes32)", {AbiValue::bytes32(account_word(alice))}),
                          U256(1'500'000'000'000'000'123ull));
  ASSERT_TRUE(eth && eth->succeeded());
  // 250.00000007 TUSD (8 decimals) -> 250.000000 USD (6 decimals).
  const U256 usd_amount = 25'000'000'007ull;
  ASSERT_TRUE(chain_->send(depositor, usd_, encode_call("mint(address,uint256)", {AbiValue::address(depositor.address()), AbiValue::uint256(usd_amount)})));
  ASSERT_TRUE(chain_->send(depositor, usd_, encode_call("approve(address,uint256)", {AbiValue::address(contract_), AbiValue::uint256(usd_amount)})));
  auto usd = chain_->send(depositor, contract_,
                          encode_call("depositToken(address,uint256,bytes32)",
                                      {AbiValue::address(usd_), AbiValue::uint256(usd_amount), AbiValue::bytes32(account_word(bob))}));
  ASSERT_TRUE(usd && usd->succeeded());
  // A token no asset maps to: seen, not attested.
  const AbiValue other_args[] = {AbiValue::string("Other"), AbiValue::string("OTH"), AbiValue::uint256(18)};
  const EthAddress other = chain_->deploy(dev_key(kDeployer), testing::contract_bytecode("TestToken.sol", "TestToken"), other_args);
  ASSERT_TRUE(chain_->send(depositor, other, encode_call("mint(address,uint256)", {AbiValue::address(depositor.address()), AbiValue::uint256(kEther)})));
  ASSERT_TRUE(chain_->send(depositor, other, encode_call("approve(address,uint256)", {AbiValue::address(contract_), AbiValue::uint256(kEther)})));
  ASSERT_TRUE(chain_->send(depositor, contract_,
                           encode_call("depositToken(address,uint256,bytes32)",
                                       {AbiValue::address(other), AbiValue::uint256(kEther), AbiValue::bytes32(account_word(bob))})));

  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(wait_until([&] { return cluster_->settler(i).status().chains[0].deposits_seen == 3; }, 20s)) << i;
  }
  std::this_thread::sleep_for(1s);  // more rounds over the same blocks
  for (std::size_t i = 0; i < 4; ++i) {
    const std::vector<DepositObserved> seen = cluster_->attested(i);
    ASSERT_EQ(seen.size(), 2u) << "node " << i;
    DepositObserved want_eth{testing::kAnvilChainId, 1, alice, "ETH", 1'500'000'000, {}};
    std::copy(eth->transaction_hash.bytes.begin(), eth->transaction_hash.bytes.end(), want_eth.eth_tx_hash.begin());
    DepositObserved want_usd{testing::kAnvilChainId, 2, bob, "USD", 250'000'000, {}};
    std::copy(usd->transaction_hash.bytes.begin(), usd->transaction_hash.bytes.end(), want_usd.eth_tx_hash.begin());
    EXPECT_EQ(seen[0], want_eth);
    EXPECT_EQ(seen[1], want_usd);
    EXPECT_EQ(cluster_->settler(i).status().chains[0].deposits_attested, 2u);
  }

  // A restart re-scans nothing it attested: its position and marks are stored.
  cluster_->close_settler(0);
  ASSERT_TRUE(cluster_->open(0).is_ok());
  auto head = chain_->client().block_number();
  ASSERT_TRUE(head.is_ok());
  ASSERT_TRUE(wait_until([&] { return cluster_->settler(0).status().chains[0].rpc_up; }, 10s));
  std::this_thread::sleep_for(500ms);
  EXPECT_GT(cluster_->settler(0).status().chains[0].deposit_scan_block, *head);
  EXPECT_EQ(cluster_->attested(0).size(), 2u);
  EXPECT_EQ(cluster_->settler(0).status().chains[0].deposits_attested, 0u);
}

TEST_F(SettlerAnvilTest, AWithdrawalInASettledBatchIsClaimableWithTheSettlersProof) {
  start_chain();
  // The contract holds 2 ether from a deposit.
  Hash256 someone;
  someone.bytes.fill(0x01);
  ASSERT_TRUE(chain_->send(dev_key(kDepositor), contract_, encode_call("depositEth(bytes32)", {AbiValue::bytes32(someone)}),
                           2 * kEther));
  make_cluster({0, 1, 2, 3});
  cluster_->open_all();
  const EthAddress recipient = EthKey::generate().address();
  commit(1, 2);
  work_.trade(100, 0, 1, 1'000'000, 3'000'000);
  work_.withdraw(5001, 0, kEth, 1'000'000'000, recipient, 3);  // 1 ETH
  commit_shaped(3);
  commit(4, 5);
  ASSERT_TRUE(wait_last_batch(1));
  ASSERT_TRUE(wait_until([&] { return cluster_->settler(3).status().chains[0].last_settled_batch == 1; }, 10s));

  const std::optional<WithdrawalClaim> claim = cluster_->settler(3).withdrawal_claim(5001);
  ASSERT_TRUE(claim.has_value());
  EXPECT_TRUE(claim->settled);
  EXPECT_EQ(claim->batch_number, 1u);
  EXPECT_EQ(claim->chain_id, testing::kAnvilChainId);
  EXPECT_EQ(claim->contract, contract_);
  EXPECT_EQ(claim->withdrawal, (Withdrawal{5001, recipient, kZeroAddress, kEther}));
  auto receipt = chain_->send(dev_key(kClaimer), contract_, claim_calldata(*claim));
  ASSERT_TRUE(receipt && receipt->succeeded());
  auto balance = chain_->client().get_balance(recipient);
  ASSERT_TRUE(balance.is_ok());
  EXPECT_EQ(*balance, kEther);

  CallRequest again;
  again.from = dev_key(kClaimer).address();
  again.to = contract_;
  again.data = claim_calldata(*claim);
  auto twice = chain_->client().call(again);
  ASSERT_FALSE(twice.is_ok());
  EXPECT_EQ(describe_contract_error(twice.error().revert_data), "AlreadyClaimed(withdrawalId 5001)");
}

TEST_F(SettlerAnvilTest, BatchesQueueWhileTheChainIsDownAndSettleInOrderWhenItReturns) {
  const std::filesystem::path state =
      std::filesystem::temp_directory_path() / ("replex-settler-state-" + std::to_string(::getpid()) + ".json");
  std::filesystem::remove(state);
  start_chain({"--state", state.string()});
  make_cluster({0, 1, 2, 3});
  cluster_->open_all();
  commit(1, 5);
  ASSERT_TRUE(wait_last_batch(1));

  anvil_->stop();  // writes the chain's state
  commit(6, 20);   // the exchange goes on: batches 2..4 queue
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(wait_until(
        [&] {
          const ChainSettlementStatus s = cluster_->settler(i).status().chains[0];
          return s.next_batch_number == 5 && !s.rpc_up && s.signatures_held == 4;
        },
        20s))
        << i;
    const ChainSettlementStatus s = cluster_->settler(i).status().chains[0];
    EXPECT_FALSE(s.last_error.empty());
    EXPECT_GE(s.batches_pending, 3u);
  }
  // One validator restarts meanwhile; it resumes from its store.
  cluster_->close_settler(3);
  ASSERT_TRUE(cluster_->open(3).is_ok());

  const std::string why = anvil_->start_again();  // same port, same state
  ASSERT_TRUE(why.empty()) << why;
  ASSERT_TRUE(wait_last_batch(4, 60s)) << "settled " << last_batch();
  const std::vector<Batch> batches = expected();
  ASSERT_EQ(batches.size(), 4u);
  for (const Batch& b : batches) expect_settled_as(b);
  EXPECT_EQ(settled_events(), (std::vector<std::uint64_t>{1, 2, 3, 4})) << "each batch settled once";
  std::uint64_t sent = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(wait_until([&] { return cluster_->settler(i).status().chains[0].last_settled_batch == 4; }, 10s)) << i;
    const ChainSettlementStatus s = cluster_->settler(i).status().chains[0];
    EXPECT_TRUE(s.rpc_up);
    EXPECT_EQ(s.last_error, "");
    sent += s.transactions_sent;
  }
  // Node 3 restarted after batch 3 was built but before it was sent.
  EXPECT_EQ(sent, 4u) << "no submission twice";
  anvil_->stop();
  std::filesystem::remove(state);
}

TEST_F(SettlerAnvilTest, TheNextValidatorTakesOverFromAStoppedSubmitter) {
  start_chain();
  make_cluster({0, 1, 2, 3}, [](SettlerConfig& c) { c.submit_timeout_ms = 2'000; });
  cluster_->open_all();
  cluster_->settler(1).stop();  // batch 1's submitter
  commit(1, 5);
  ASSERT_TRUE(wait_last_batch(1));
  expect_settled_as(expected()[0]);
  for (std::size_t i : {0, 2, 3}) {
    ASSERT_TRUE(wait_until([&] { return cluster_->settler(i).status().chains[0].last_settled_batch == 1; }, 10s));
  }
  // (1 + 1) % 4: validator 2 after one timeout.
  EXPECT_EQ(cluster_->settler(2).status().chains[0].transactions_sent, 1u);
  EXPECT_EQ(cluster_->settler(0).status().chains[0].transactions_sent, 0u);
  EXPECT_EQ(cluster_->settler(3).status().chains[0].transactions_sent, 0u);
  EXPECT_EQ(nonce_of(1, BlockTag::latest()), 0u);
}

TEST_F(SettlerAnvilTest, AValidatorWithAWrongKeyIsIgnoredAndBatchesSettleWithTheOthers) {
  start_chain();
  // Validator 3 signs (and pays) with a key that is not its address.
  make_cluster({0, 1, 2, kOutsider});
  cluster_->open_all();
  commit(1, 15);
  ASSERT_TRUE(wait_last_batch(3)) << "settled " << last_batch();
  const std::vector<Batch> batches = expected();
  for (const Batch& b : batches) expect_settled_as(b);
  for (std::size_t i = 0; i < 3; ++i) {
    const ChainSettlementStatus s = cluster_->settler(i).status().chains[0];
    EXPECT_GE(s.signatures_dropped, 1u) << i;
  }
  // Batch 3 was validator 3's to send: it did, with the others' signatures.
  ASSERT_TRUE(wait_until([&] { return cluster_->settler(3).status().chains[0].last_settled_batch == 3; }, 10s));
  EXPECT_EQ(cluster_->settler(3).status().chains[0].transactions_sent, 1u);
  EXPECT_EQ(nonce_of(kOutsider, BlockTag::latest()), 1u);
}

TEST_F(SettlerAnvilTest, AStuckTransactionIsReplacedWithBumpedFees) {
  start_chain();
  chain_->rpc("evm_setAutomine", "[false]");
  make_cluster({0, 1, 2, 3}, [](SettlerConfig& c) {
    c.stuck_after_ms = 1'000;
    c.submit_timeout_ms = 120'000;  // nobody takes over meanwhile
  });
  cluster_->open_all();
  commit(1, 5);
  Settler& submitter = cluster_->settler(1);
  ASSERT_TRUE(wait_until([&] { return submitter.status().chains[0].pending_tx.has_value(); }, 20s));
  const Hash256 first = *submitter.status().chains[0].pending_tx;
  ASSERT_TRUE(wait_until(
      [&] {
        const ChainSettlementStatus s = submitter.status().chains[0];
        return s.fee_bumps >= 1 && s.transactions_sent >= 2;
      },
      20s));
  const ChainSettlementStatus bumped = submitter.status().chains[0];
  ASSERT_TRUE(bumped.pending_tx.has_value());
  EXPECT_NE(*bumped.pending_tx, first);
  EXPECT_GE(bumped.transactions_sent, 2u);

  // The replacement carries higher caps than the original.
  auto original = chain_->client().rpc().call("eth_getTransactionByHash", "[\"0x" + first.hex() + "\"]");
  auto replacement = chain_->client().rpc().call("eth_getTransactionByHash", "[\"0x" + bumped.pending_tx->hex() + "\"]");
  ASSERT_TRUE(original.is_ok() && replacement.is_ok());
  EXPECT_EQ(*original, "null") << "replaced in the pool";
  const nlohmann::json r = nlohmann::json::parse(*replacement);
  EXPECT_EQ(r["nonce"].get<std::string>(), "0x0");

  chain_->rpc("evm_setAutomine", "[true]");
  chain_->rpc("evm_mine", "[]");
  ASSERT_TRUE(wait_last_batch(1));
  expect_settled_as(expected()[0]);
  ASSERT_TRUE(wait_until([&] { return !submitter.status().chains[0].pending_tx.has_value(); }, 10s));
  EXPECT_EQ(nonce_of(1, BlockTag::latest()), 1u) << "one transaction mined for the nonce";
  auto mined_first = chain_->client().transaction_receipt(first);
  ASSERT_TRUE(mined_first.is_ok());
  EXPECT_FALSE(mined_first->has_value()) << "the original was replaced, never mined";
}

TEST_F(SettlerAnvilTest, ARestartedSubmitterFollowsItsPendingTransactionInsteadOfSendingAnother) {
  start_chain();
  chain_->rpc("evm_setAutomine", "[false]");
  make_cluster({0, 1, 2, 3}, [](SettlerConfig& c) {
    c.submit_timeout_ms = 120'000;
    c.stuck_after_ms = 120'000;
  });
  cluster_->open_all();
  commit(1, 5);
  ASSERT_TRUE(wait_until([&] { return cluster_->settler(1).status().chains[0].pending_tx.has_value(); }, 20s));
  const Hash256 pending = *cluster_->settler(1).status().chains[0].pending_tx;
  EXPECT_EQ(nonce_of(1, BlockTag::pending()), 1u);

  cluster_->close_settler(1);
  ASSERT_TRUE(cluster_->open(1).is_ok());
  ASSERT_TRUE(wait_until([&] { return cluster_->settler(1).status().chains[0].rpc_up; }, 10s));
  std::this_thread::sleep_for(1s);  // several rounds with the batch ready and unsettled
  const ChainSettlementStatus s = cluster_->settler(1).status().chains[0];
  EXPECT_EQ(s.pending_tx, pending);
  EXPECT_EQ(s.transactions_sent, 0u);
  EXPECT_EQ(nonce_of(1, BlockTag::pending()), 1u) << "no second transaction";

  chain_->rpc("evm_mine", "[]");
  ASSERT_TRUE(wait_last_batch(1));
  ASSERT_TRUE(wait_until([&] { return !cluster_->settler(1).status().chains[0].pending_tx.has_value(); }, 10s));
  EXPECT_EQ(nonce_of(1, BlockTag::latest()), 1u);
  auto receipt = chain_->client().transaction_receipt(pending);
  ASSERT_TRUE(receipt.is_ok() && receipt->has_value());
  EXPECT_TRUE((*receipt)->succeeded());
}

}  // namespace
}  // namespace replex::settlement
