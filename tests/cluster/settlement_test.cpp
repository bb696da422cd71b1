// Settlement over the real binary and a real anvil (DESIGN.md §10,
// docs/settlement.md). scripts/settlement-devnet deploys the contract and a
// test token for a 4-validator `replex testnet --settlement`, as make run
// does. Deposits of ether and of the token are credited exactly once; a
// withdrawal lands in a batch the validators signed, settles and is claimed
// on chain; batches settle in order, each chained to the last; with one
// validator killed the other three (the threshold) keep settling. With two
// anvils (chain ids 31337 and 31338): ether deposited on one, traded, and
// withdrawn and claimed on the other.
#include <gtest/gtest.h>

#include <thread>

#include "cluster.hpp"
#include "replex/settlement/abi.hpp"
#include "support/anvil.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

namespace replex::cluster {
namespace {

using nlohmann::json;
using replex::testing::http_request;
using namespace replex::settlement;
using namespace replex::settlement::testing;

// Amount text in an asset's own decimals ("1002.00000000") as base units.
std::uint64_t units_of(const std::string& decimal) {
  std::string digits;
  for (char ch : decimal) {
    if (ch != '.') digits.push_back(ch);
  }
  return std::stoull(digits);
}

class ClusterSettlement : public ::testing::Test {
 protected:
  void SetUp() override { bring_up({&anvil_}); }

  // Starts the anvils, a 4-validator testnet settling on every one of them
  // (one `chains` entry each, as settlement-devnet prepares it), deploys the
  // contract and the test token on each (fresh chains: the same addresses).
  void bring_up(const std::vector<AnvilProcess*>& anvils) {
    std::string yaml_text;
    for (std::size_t i = 0; i < anvils.size(); ++i) {
      const std::string why = anvils[i]->start();
      ASSERT_TRUE(why.empty()) << why;
      const std::string part = dir_.path() + "/settlement-" + std::to_string(i) + ".yaml";
      ASSERT_EQ(devnet({"prepare", anvils[i]->url(), part}), 0) << log_text();
      std::stringstream text;
      text << std::ifstream(part).rdbuf();
      // The first file whole; of the others only their entry of `chains`.
      yaml_text += i == 0 ? text.str() : text.str().substr(text.str().find("  - chain_id:"));
    }
    chain_ = std::make_unique<Chain>(anvils[0]->url());
    const std::string yaml = dir_.path() + "/settlement.yaml";
    std::ofstream(yaml) << yaml_text;
    auto cluster = Cluster::create({.validators = 4, .settlement_file = yaml});
    ASSERT_TRUE(cluster.is_ok()) << cluster.status().to_string();
    cluster_ = std::move(cluster).value();
    for (AnvilProcess* anvil : anvils) {
      ASSERT_EQ(devnet({"deploy", anvil->url(), cluster_->testnet_dir()}), 0) << log_text();
      const EthAddress contract = address_in_log("settlement=");
      ASSERT_TRUE(contract_ == EthAddress{} || contract_ == contract) << "the contracts differ between chains";
      contract_ = contract;
      token_ = address_in_log("token=");
    }
    ASSERT_TRUE(cluster_->start_all().is_ok());
    ASSERT_TRUE(cluster_->wait_connected().is_ok());
  }

  int devnet(std::vector<std::string> args) {
    args.insert(args.begin(), repo_path("scripts/settlement-devnet"));
    auto code = run_to_completion(args, dir_.path() + "/devnet.log", 120s);
    return code.is_ok() ? *code : -1;
  }
  std::string log_text() const {
    std::stringstream text;
    text << std::ifstream(dir_.path() + "/devnet.log").rdbuf();
    return text.str();
  }
  EthAddress address_in_log(const std::string& prefix) const {
    std::istringstream lines(log_text());
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(prefix, 0) == 0) return parse_eth_address(line.substr(prefix.size())).value();
    }
    ADD_FAILURE() << "no " << prefix << " in " << log_text();
    return {};
  }

  json get(std::size_t node, const std::string& target) {
    return http_request(cluster_->rest_target(node), "GET", target).json();
  }
  replex::testing::HttpAnswer post(std::size_t node, std::size_t trader, const std::string& target, const json& body) {
    return http_request(cluster_->rest_target(node), "POST", target, body.dump(),
                        {{"X-API-Key", cluster_->api_key(trader)}});
  }
  std::uint64_t available(std::size_t node, const std::string& account, const std::string& asset) {
    const json balances = get(node, "/api/v1/accounts/" + account + "/balances");
    for (const json& line : balances["balances"]) {
      if (line["asset"] == asset) return units_of(line["available"].get<std::string>());
    }
    return 0;
  }
  // The id in a committed withdrawal's receipt ("" and a test failure if none).
  std::string withdrawal_id_of(const replex::testing::HttpAnswer& withdrawn) {
    const json receipt = withdrawn.json();
    for (const json& e : receipt["events"]) {
      if (e["type"] == "withdrawal_recorded") return e["attributes"]["withdrawal_id"];
    }
    ADD_FAILURE() << "no withdrawal_recorded event: " << withdrawn.body;
    return {};
  }
  // Trades until the withdrawal's batch has settled; its claim (null, and a
  // test failure, if it never settles).
  json wait_settled(const std::string& withdrawal_id) {
    json claim;
    const bool settled = wait_until(
        [&] {
          trade(3);
          claim = get(2, "/api/v1/withdrawals/" + withdrawal_id);
          return claim.contains("settled") && claim.at("settled").get<bool>();
        },
        120s);
    if (settled) return claim;
    ADD_FAILURE() << "withdrawal " << withdrawal_id << " not settled: " << claim.dump() << "\n"
                  << get(0, "/api/v1/settlement").dump();
    return {};
  }
  // A crossing pair between traders 2 and 3 (trader 0 is the one who
  // settles): a trade, so each block moves balances.
  void trade(std::size_t node) {
    for (const auto& [trader, side] : {std::pair{2, "buy"}, std::pair{3, "sell"}}) {
      const auto answer = post(node, static_cast<std::size_t>(trader), "/api/v1/orders?wait=commit",
                               {{"market", "BTC-USD"}, {"side", side}, {"quantity", "0.01"}, {"price", "100"}});
      EXPECT_EQ(answer.status, 200) << answer.body;
    }
  }
  // Every block's transaction results, for a failure message.
  std::string blocks_text(std::size_t node) {
    std::string out;
    const json latest = get(node, "/api/v1/blocks/latest");
    const std::uint64_t tip = latest.contains("height") ? latest.at("height").get<std::uint64_t>() : 0;
    for (std::uint64_t h = 1; h <= tip; ++h) {
      const json block = get(node, "/api/v1/blocks/" + std::to_string(h));
      for (const json& tx : block["transactions"]) {
        out += "height " + std::to_string(h) + ": " + tx["result"].get<std::string>() + " " +
               get(node, "/api/v1/transactions/" + tx["tx_hash"].get<std::string>())["events"].dump() + "\n";
      }
    }
    return out;
  }
  std::uint64_t last_batch_on_chain() { return chain_->call_u64(contract_, "lastBatchNumber()"); }

  AnvilProcess anvil_;
  replex::testing::TempDir dir_;
  std::unique_ptr<Chain> chain_;
  std::unique_ptr<Cluster> cluster_;
  EthAddress contract_{};
  EthAddress token_{};
};

TEST_F(ClusterSettlement, DepositsWithdrawalsAndBatchesSettleOnAnvil) {
  Cluster& c = *cluster_;
  const json status = get(0, "/api/v1/settlement");
  ASSERT_EQ(status["chains"].size(), 1u) << status.dump();
  EXPECT_EQ(status["chains"][0]["threshold"], 3);

  // Trader 0 names where its withdrawals go (a fresh address: its balance is exact).
  const EthAddress recipient = parse_eth_address("0x000000000000000000000000000000000000bEEF").value();
  const auto registered = post(0, 0, "/api/v1/settlement/address?wait=commit",
                               {{"eth_address", to_checksum_hex(recipient)}});
  ASSERT_EQ(registered.status, 200) << registered.body;
  const std::string account = registered.json()["account"];
  const std::uint64_t eth_before = available(2, account, "ETH");
  const std::uint64_t usd_before = available(2, account, "USD");

  // Deposits on chain: 2 ether, and 500 test USD (6 decimals) through approve + depositToken.
  const EthKey depositor = dev_key(1);
  const Hash256 account_word = Hash256::from_hex(account).value();
  const U256 ether(1'000'000'000'000'000'000ull);
  auto deposit = chain_->send(depositor, contract_, encode_call("depositEth(bytes32)", {AbiValue::bytes32(account_word)}),
                              ether * 2);
  ASSERT_TRUE(deposit && deposit->succeeded());
  const U256 usd(500'000'000);
  ASSERT_TRUE(chain_->send(depositor, token_, encode_call("mint(address,uint256)",
                                                          {AbiValue::address(depositor.address()), AbiValue::uint256(usd)})));
  ASSERT_TRUE(chain_->send(depositor, token_, encode_call("approve(address,uint256)",
                                                          {AbiValue::address(contract_), AbiValue::uint256(usd)})));
  auto token_deposit = chain_->send(depositor, contract_,
                                    encode_call("depositToken(address,uint256,bytes32)",
                                                {AbiValue::address(token_), AbiValue::uint256(usd),
                                                 AbiValue::bytes32(account_word)}));
  ASSERT_TRUE(token_deposit && token_deposit->succeeded());

  // Credited once the validators' attestations reach the threshold; every node agrees.
  ASSERT_TRUE(wait_until(
      [&] { return available(2, account, "ETH") > eth_before && available(2, account, "USD") > usd_before; }, 60s))
      << get(0, "/api/v1/settlement").dump() << "\n" << get(2, "/api/v1/accounts/" + account + "/balances").dump()
      << "\n" << blocks_text(2);
  for (int i = 0; i < 3; ++i) trade(1);  // more blocks: a second credit would show now
  for (std::size_t node : c.all()) {
    EXPECT_EQ(available(node, account, "ETH") - eth_before, 200'000'000u) << "node " << node;  // 2 ETH, 8 decimals
    EXPECT_EQ(available(node, account, "USD") - usd_before, 500'000'000u) << "node " << node;  // 500 USD, 6 decimals
  }

  // A withdrawal of 0.5 ETH: debited at once, claimable once its batch settles.
  const auto withdrawn =
      post(1, 0, "/api/v1/withdrawals?wait=commit", {{"asset", "ETH"}, {"amount", "0.5"}});
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
  const std::string withdrawal_id = withdrawal_id_of(withdrawn);
  ASSERT_FALSE(withdrawal_id.empty());
  const json claim = wait_settled(withdrawal_id);
  ASSERT_FALSE(claim.is_null());
  EXPECT_EQ(claim["amount"], "500000000000000000");
  EXPECT_EQ(claim["recipient"], to_checksum_hex(recipient));

  // Anyone may send the claim; the ether goes to the registered address, once.
  const Bytes calldata = from_hex(claim["claim_calldata"].get<std::string>().substr(2)).value();
  auto claimed = chain_->send(dev_key(2), contract_, calldata);
  ASSERT_TRUE(claimed && claimed->succeeded());
  EXPECT_EQ(chain_->client().get_balance(recipient).value(), ether / 2);
  CallRequest second_claim;
  second_claim.from = dev_key(2).address();
  second_claim.to = contract_;
  second_claim.data = calldata;
  auto again = chain_->client().estimate_gas(second_claim);
  EXPECT_FALSE(again.is_ok()) << "a second claim of the same withdrawal must revert";

  // Batches settled in order, each starting where the last ended, on every node's view.
  const std::uint64_t last = last_batch_on_chain();
  ASSERT_GE(last, 1u);
  std::uint64_t next_from = 1;
  for (std::uint64_t b = 1; b <= last; ++b) {
    const Bytes info = chain_->call(contract_, encode_call("batches(uint64)", {AbiValue::uint64(b)}));
    AbiReader reader(info);
    EXPECT_EQ(reader.uint64(1).value(), next_from) << "batch " << b;
    next_from = reader.uint64(2).value() + 1;
  }

  // One validator down: the other three are the threshold and settle on.
  c.kill(3);
  ASSERT_TRUE(wait_until(
      [&] {
        trade(0);
        return last_batch_on_chain() > last;
      },
      120s))
      << get(0, "/api/v1/settlement").dump();

  // The settlement metrics are exported while it runs.
  const std::string metrics = http_request(c.rest_target(0), "GET", "/metrics").body;
  for (const char* name : {"replex_settlement_batches_pending{chain=\"31337\"}",
                           "replex_settlement_last_settled_batch{chain=\"31337\"}",
                           "replex_settlement_deposits_attested_total{chain=\"31337\"}"}) {
    EXPECT_NE(metrics.find(name), std::string::npos) << name;
  }
}

// Two chains (31337 and 31338) settle one exchange: ether deposited on the
// first, traded, and withdrawn on the second, where it is claimed.
class ClusterSettlementTwoChains : public ClusterSettlement {
 protected:
  void SetUp() override { bring_up({&anvil_, &second_anvil_}); }

  static constexpr std::uint64_t kSecondChainId = 31338;
  AnvilProcess second_anvil_{{}, kSecondChainId};
};

TEST_F(ClusterSettlementTwoChains, DepositOnOneChainIsTradedAndClaimedOnTheOther) {
  Chain second(second_anvil_.url(), kSecondChainId);
  const json status = get(0, "/api/v1/settlement");
  ASSERT_EQ(status["chains"].size(), 2u) << status.dump();

  const EthAddress recipient = parse_eth_address("0x000000000000000000000000000000000000bEEF").value();
  const auto registered = post(0, 0, "/api/v1/settlement/address?wait=commit",
                               {{"eth_address", to_checksum_hex(recipient)}});
  ASSERT_EQ(registered.status, 200) << registered.body;
  const std::string account = registered.json()["account"];
  const std::uint64_t eth_before = available(1, account, "ETH");

  // 2 ether deposited on the first chain, credited once on every node.
  const U256 ether(1'000'000'000'000'000'000ull);
  const Hash256 account_word = Hash256::from_hex(account).value();
  auto deposit = chain_->send(dev_key(1), contract_,
                              encode_call("depositEth(bytes32)", {AbiValue::bytes32(account_word)}), ether * 2);
  ASSERT_TRUE(deposit && deposit->succeeded());
  ASSERT_TRUE(wait_until([&] { return available(1, account, "ETH") > eth_before; }, 60s))
      << get(0, "/api/v1/settlement").dump();
  EXPECT_EQ(available(3, account, "ETH") - eth_before, 200'000'000u);  // 8 decimals on Replex

  // A trade: trader 0 sells 0.1 of that ether to trader 1 on ETH-USDT.
  const std::uint64_t eth_deposited = available(1, account, "ETH");
  for (const auto& [trader, side] : {std::pair{0, "sell"}, std::pair{1, "buy"}}) {
    const auto answer = post(0, static_cast<std::size_t>(trader), "/api/v1/orders?wait=commit",
                             {{"market", "ETH-USDT"}, {"side", side}, {"quantity", "0.1"}, {"price", "2000"}});
    ASSERT_EQ(answer.status, 200) << answer.body;
  }
  EXPECT_LT(available(1, account, "ETH"), eth_deposited);

  // The second chain's contract holds no deposit of its own: liquidity for the claim.
  second.rpc("anvil_setBalance", "[\"" + to_checksum_hex(contract_) + "\", \"0x8ac7230489e80000\"]");  // 10 ether

  // Withdrawn on the second chain: settled in that chain's own batch sequence, claimed there.
  const auto withdrawn = post(1, 0, "/api/v1/withdrawals?wait=commit",
                              {{"asset", "ETH"}, {"amount", "0.5"}, {"chain_id", kSecondChainId}});
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
  const std::string withdrawal_id = withdrawal_id_of(withdrawn);
  ASSERT_FALSE(withdrawal_id.empty());
  const json claim = wait_settled(withdrawal_id);
  ASSERT_FALSE(claim.is_null());
  EXPECT_EQ(claim["chain_id"], kSecondChainId) << claim.dump();
  const Bytes calldata = from_hex(claim["claim_calldata"].get<std::string>().substr(2)).value();
  auto claimed = second.send(dev_key(2), contract_, calldata);
  ASSERT_TRUE(claimed && claimed->succeeded());
  EXPECT_EQ(second.client().get_balance(recipient).value(), ether / 2);
  EXPECT_EQ(chain_->client().get_balance(recipient).value(), U256(0)) << "nothing is paid on the first chain";
  EXPECT_GE(second.call_u64(contract_, "lastBatchNumber()"), 1u);
}

}  // namespace
}  // namespace replex::cluster
