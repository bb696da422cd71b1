// EthClient against a real anvil (npm @foundry-rs/anvil-linux-amd64, at
// node_modules/.bin/anvil) on a free loopback port: chain state, fees, an
// EIP-1559 transfer signed here and mined there, and the node's errors as the
// settlement submitter will meet them. Each test starts its own anvil and
// kills it on the way out, failed or not. A missing anvil fails the test:
// scripts/bootstrap installs it.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "replex/settlement/eip1559.hpp"
#include "replex/settlement/eth_client.hpp"
#include "replex/settlement/json_rpc.hpp"
#include "replex/settlement/keccak.hpp"
#include "replex/settlement/secp256k1.hpp"

namespace replex::settlement {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kAnvilChainId = 31337;
// anvil's first dev account (mnemonic "test test ... junk"), 10000 ether at genesis.
constexpr const char* kDevKey = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr const char* kDevAddress = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const U256 kEther = U256(1'000'000'000'000'000'000ull);

std::string anvil_path() { return std::string(REPLEX_SOURCE_DIR) + "/node_modules/.bin/anvil"; }

// A loopback port the OS just handed out and we released. Another process
// could take it before anvil binds it; Anvil::start retries on a new port.
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REPLEX_ASSERT(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REPLEX_ASSERT(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REPLEX_ASSERT(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

JsonRpcConfig config_for(std::uint16_t port) {
  JsonRpcConfig config;
  config.url = "http://127.0.0.1:" + std::to_string(port);
  config.request_timeout_ms = 5'000;
  config.max_attempts = 2;
  config.retry_backoff_ms = 50;
  config.max_retry_backoff_ms = 200;
  config.max_call_ms = 12'000;
  return config;
}

// One anvil process: started on a free port, killed (SIGTERM, then SIGKILL)
// when this goes out of scope. The child also dies with the test process.
class Anvil {
 public:
  Anvil() = default;
  Anvil(const Anvil&) = delete;
  Anvil& operator=(const Anvil&) = delete;
  ~Anvil() { stop(); }

  // Empty on success, else why anvil is not serving.
  std::string start() {
    if (::access(anvil_path().c_str(), X_OK) != 0) {
      return "anvil is missing at " + anvil_path() + "; scripts/bootstrap installs it (npm @foundry-rs/anvil-linux-amd64)";
    }
    std::string why;
    for (int attempt = 0; attempt < 3; ++attempt) {
      why = start_once(free_port());
      if (why.empty()) return {};
      stop();
    }
    return why;
  }

  std::uint16_t port() const { return port_; }

 private:
  std::string start_once(std::uint16_t port) {
    port_ = port;
    log_path_ = std::filesystem::temp_directory_path() /
                ("replex-anvil-" + std::to_string(::getpid()) + "-" + std::to_string(port) + ".log");
    const std::string port_arg = std::to_string(port);
    const std::string path = anvil_path();
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) return "fork failed";
    if (pid_ == 0) {
      // The child: die with the test, write to the log, become anvil.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
      }
      const char* argv[] = {path.c_str(), "--port", port_arg.c_str(), "--host", "127.0.0.1", "--chain-id", "31337",
                            "--silent", nullptr};
      ::execv(path.c_str(), const_cast<char* const*>(argv));
      ::_exit(127);
    }
    // Wait until it answers eth_chainId, or exits, or 30 s pass.
    auto client = EthClient::open(quick_config(port));
    REPLEX_ASSERT(client.is_ok());
    const auto give_up = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < give_up) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "anvil exited (status " + std::to_string(status) + ") on port " + port_arg + ": " + log_text();
      }
      auto chain = client->chain_id();
      if (chain.is_ok()) return {};
      std::this_thread::sleep_for(milliseconds(50));
    }
    return "anvil did not answer on port " + port_arg + " within 30 s: " + log_text();
  }

  static JsonRpcConfig quick_config(std::uint16_t port) {
    JsonRpcConfig config = config_for(port);
    config.request_timeout_ms = 500;
    config.max_attempts = 1;
    config.max_call_ms = 500;
    return config;
  }

  std::string log_text() const {
    std::stringstream text;
    text << std::ifstream(log_path_).rdbuf();
    return text.str();
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      const auto give_up = Clock::now() + std::chrono::seconds(5);
      int status = 0;
      while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (Clock::now() >= give_up) {
          ::kill(pid_, SIGKILL);
          ::waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(milliseconds(20));
      }
      pid_ = -1;
    }
    if (!log_path_.empty()) {
      std::error_code ignored;
      std::filesystem::remove(log_path_, ignored);
    }
  }

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::filesystem::path log_path_;
};

class AnvilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = anvil_.start();
    ASSERT_TRUE(why.empty()) << why;
    auto client = EthClient::open(config_for(anvil_.port()));
    ASSERT_TRUE(client.is_ok()) << client.status().to_string();
    client_.emplace(std::move(client).value());
  }

  EthClient& client() { return *client_; }

  static EthKey dev_key() { return EthKey::from_bytes(from_hex(kDevKey).value()).value(); }

  // A signed transfer of `value` wei from the dev account at `nonce`.
  Eip1559Transaction transfer(const EthAddress& to, const U256& value, std::uint64_t nonce, const FeeCaps& fees) {
    Eip1559Transaction tx;
    tx.chain_id = kAnvilChainId;
    tx.nonce = nonce;
    tx.max_priority_fee_per_gas = fees.max_priority_fee_per_gas;
    tx.max_fee_per_gas = fees.max_fee_per_gas;
    tx.gas_limit = 21'000;
    tx.to = to;
    tx.value = value;
    return tx;
  }

  // Polls the receipt until mined or 10 s pass.
  std::optional<TransactionReceipt> wait_for_receipt(const Hash256& hash) {
    const auto give_up = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < give_up) {
      auto receipt = client().transaction_receipt(hash);
      EXPECT_TRUE(receipt.is_ok()) << receipt.error().text;
      if (!receipt.is_ok()) return std::nullopt;
      if (receipt->has_value()) return std::move(receipt).value();
      std::this_thread::sleep_for(milliseconds(50));
    }
    ADD_FAILURE() << "no receipt for 0x" << hash.hex() << " within 10 s";
    return std::nullopt;
  }

  Anvil anvil_;
  std::optional<EthClient> client_;
};

TEST_F(AnvilTest, ReadsTheChainState) {
  auto chain = client().chain_id();
  ASSERT_TRUE(chain.is_ok()) << chain.error().text;
  EXPECT_EQ(*chain, kAnvilChainId);

  auto height = client().block_number();
  ASSERT_TRUE(height.is_ok()) << height.error().text;
  EXPECT_EQ(*height, 0u);

  const EthAddress dev = parse_eth_address(kDevAddress).value();
  EXPECT_EQ(dev_key().address(), dev);
  auto balance = client().get_balance(dev);
  ASSERT_TRUE(balance.is_ok()) << balance.error().text;
  EXPECT_EQ(*balance, 10'000 * kEther);

  for (BlockTag tag : {BlockTag::latest(), BlockTag::pending()}) {
    auto nonce = client().transaction_count(dev, tag);
    ASSERT_TRUE(nonce.is_ok()) << nonce.error().text;
    EXPECT_EQ(*nonce, 0u) << tag.to_param();
  }

  const double percentiles[] = {25.0, 75.0};
  auto history = client().fee_history(1, BlockTag::latest(), percentiles);
  ASSERT_TRUE(history.is_ok()) << history.error().text;
  ASSERT_EQ(history->base_fee_per_gas.size(), 2u);
  ASSERT_EQ(history->reward.size(), 1u);
  EXPECT_EQ(history->reward[0].size(), 2u);

  auto priority = client().max_priority_fee_per_gas();
  ASSERT_TRUE(priority.is_ok()) << priority.error().text;
  auto fees = client().suggest_fees();
  ASSERT_TRUE(fees.is_ok()) << fees.error().text;
  EXPECT_EQ(fees->max_priority_fee_per_gas, *priority);
  EXPECT_EQ(fees->max_fee_per_gas, 2 * history->base_fee_per_gas.back() + *priority);
  EXPECT_GT(fees->max_priority_fee_per_gas, 0);

  LogFilter everything;
  everything.from_block = BlockTag::earliest();
  auto logs = client().get_logs(everything);
  ASSERT_TRUE(logs.is_ok()) << logs.error().text;
  EXPECT_TRUE(logs->empty());
}

TEST_F(AnvilTest, SendsASignedTransferAndReadsItsReceipt) {
  const EthKey key = dev_key();
  const EthAddress recipient = EthKey::generate().address();
  const U256 value = kEther / 4;

  auto nonce = client().transaction_count(key.address(), BlockTag::pending());
  ASSERT_TRUE(nonce.is_ok()) << nonce.error().text;
  auto fees = client().suggest_fees();
  ASSERT_TRUE(fees.is_ok()) << fees.error().text;
  CallRequest estimate;
  estimate.from = key.address();
  estimate.to = recipient;
  estimate.value = value;
  auto gas = client().estimate_gas(estimate);
  ASSERT_TRUE(gas.is_ok()) << gas.error().text;
  EXPECT_EQ(*gas, 21'000u);

  Eip1559Transaction tx = transfer(recipient, value, *nonce, *fees);
  tx.gas_limit = *gas;
  ASSERT_TRUE(tx.validate().is_ok());
  const Bytes raw = tx.sign(key);
  auto hash = client().send_raw_transaction(raw);
  ASSERT_TRUE(hash.is_ok()) << hash.error().text;
  EXPECT_EQ(*hash, transaction_hash(raw));

  const std::optional<TransactionReceipt> receipt = wait_for_receipt(*hash);
  ASSERT_TRUE(receipt.has_value());
  EXPECT_TRUE(receipt->succeeded());
  EXPECT_EQ(receipt->transaction_hash, *hash);
  EXPECT_EQ(receipt->gas_used, 21'000u);
  EXPECT_GE(receipt->block_number, 1u);
  EXPECT_LE(receipt->effective_gas_price, fees->max_fee_per_gas);
  EXPECT_FALSE(receipt->contract_address.has_value());
  EXPECT_TRUE(receipt->logs.empty());

  auto balance = client().get_balance(recipient);
  ASSERT_TRUE(balance.is_ok()) << balance.error().text;
  EXPECT_EQ(*balance, value);
  auto sender_balance = client().get_balance(key.address());
  ASSERT_TRUE(sender_balance.is_ok()) << sender_balance.error().text;
  EXPECT_EQ(*sender_balance, 10'000 * kEther - value - receipt->gas_used * receipt->effective_gas_price);
  auto next_nonce = client().transaction_count(key.address(), BlockTag::latest());
  ASSERT_TRUE(next_nonce.is_ok()) << next_nonce.error().text;
  EXPECT_EQ(*next_nonce, *nonce + 1);
  auto height = client().block_number();
  ASSERT_TRUE(height.is_ok()) << height.error().text;
  EXPECT_GE(*height, receipt->block_number);

  // The same bytes again: the nonce is spent.
  auto again = client().send_raw_transaction(raw);
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(again.error().kind, RpcErrorKind::kNonceTooLow) << again.error().text;
}

TEST_F(AnvilTest, SurfacesTheNodesErrorsWithTheirMessages) {
  // eth_call moving more than the sender has.
  CallRequest broke;
  broke.from = EthKey::generate().address();
  broke.to = EthKey::generate().address();
  broke.value = kEther;
  auto poor = client().call(broke);
  ASSERT_FALSE(poor.is_ok());
  EXPECT_EQ(poor.error().kind, RpcErrorKind::kInsufficientFunds);
  EXPECT_EQ(poor.error().text, "eth_call: JSON-RPC error -32003: Insufficient funds for gas * price + value");
  EXPECT_EQ(poor.error().attempts, 1u) << "the node's answer is not retried";

  // Bytes that are no transaction.
  auto garbage = client().send_raw_transaction(from_hex("02deadbeef").value());
  ASSERT_FALSE(garbage.is_ok());
  EXPECT_EQ(garbage.error().kind, RpcErrorKind::kRpc);
  EXPECT_EQ(garbage.error().text, "eth_sendRawTransaction: JSON-RPC error -32602: Failed to decode transaction");

  // Init code that reverts with custom error data 0xdeadbeef, simulated
  // (eth_call and eth_estimateGas without `to` deploy nothing):
  // PUSH4 deadbeef PUSH1 0 MSTORE PUSH1 4 PUSH1 28 REVERT.
  CallRequest revert;
  revert.data = from_hex("63deadbeef6000526004601cfd").value();
  auto reverted = client().call(revert);
  ASSERT_FALSE(reverted.is_ok());
  EXPECT_EQ(reverted.error().kind, RpcErrorKind::kExecutionReverted);
  EXPECT_EQ(reverted.error().text, "eth_call: JSON-RPC error 3: execution reverted: custom error 0xdeadbeef (data 0xdeadbeef)");
  EXPECT_EQ(to_hex(reverted.error().revert_data), "deadbeef");
  auto estimate = client().estimate_gas(revert);
  ASSERT_FALSE(estimate.is_ok());
  EXPECT_EQ(estimate.error().kind, RpcErrorKind::kExecutionReverted);
  EXPECT_EQ(to_hex(estimate.error().revert_data), "deadbeef");

  // A method anvil does not have.
  auto missing = client().rpc().call("eth_noSuchMethod", "[]");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.error().text, "eth_noSuchMethod: JSON-RPC error -32601: Method not found");
}

TEST_F(AnvilTest, TellsApartAlreadyKnownUnderpricedAndNonceTooLow) {
  // With automine off, sent transactions wait in anvil's pool.
  auto automine = client().rpc().call("evm_setAutomine", "[false]");
  ASSERT_TRUE(automine.is_ok()) << automine.error().text;

  const EthKey key = dev_key();
  auto fees = client().suggest_fees();
  ASSERT_TRUE(fees.is_ok()) << fees.error().text;
  const EthAddress recipient = EthKey::generate().address();
  const Bytes first = transfer(recipient, U256(1), 0, *fees).sign(key);
  auto sent = client().send_raw_transaction(first);
  ASSERT_TRUE(sent.is_ok()) << sent.error().text;

  auto pending = client().transaction_receipt(*sent);
  ASSERT_TRUE(pending.is_ok()) << pending.error().text;
  EXPECT_FALSE(pending->has_value()) << "not mined while automine is off";

  auto known = client().send_raw_transaction(first);
  ASSERT_FALSE(known.is_ok());
  EXPECT_EQ(known.error().kind, RpcErrorKind::kAlreadyKnown) << known.error().text;
  EXPECT_EQ(known.status().code(), StatusCode::kAlreadyExists);

  // Same nonce, same fees, another value: not a valid replacement.
  auto underpriced = client().send_raw_transaction(transfer(recipient, U256(2), 0, *fees).sign(key));
  ASSERT_FALSE(underpriced.is_ok());
  EXPECT_EQ(underpriced.error().kind, RpcErrorKind::kReplacementUnderpriced) << underpriced.error().text;

  // Bumped by the replacement rule, the replacement is taken and mined.
  const Bytes replacement = transfer(recipient, U256(3), 0, bumped_fees(*fees, *fees)).sign(key);
  auto replaced = client().send_raw_transaction(replacement);
  ASSERT_TRUE(replaced.is_ok()) << replaced.error().text;
  auto mined = client().rpc().call("evm_mine", "[]");
  ASSERT_TRUE(mined.is_ok()) << mined.error().text;
  const std::optional<TransactionReceipt> receipt = wait_for_receipt(*replaced);
  ASSERT_TRUE(receipt.has_value());
  EXPECT_TRUE(receipt->succeeded());
  auto balance = client().get_balance(recipient);
  ASSERT_TRUE(balance.is_ok()) << balance.error().text;
  EXPECT_EQ(*balance, U256(3));

  // The first transaction lost its nonce to the replacement.
  auto stale = client().send_raw_transaction(first);
  ASSERT_FALSE(stale.is_ok());
  EXPECT_EQ(stale.error().kind, RpcErrorKind::kNonceTooLow) << stale.error().text;
}

}  // namespace
}  // namespace replex::settlement
