// A real anvil (npm @foundry-rs/anvil-linux-amd64 at node_modules/.bin/anvil)
// for the settlement tests, plus the contracts compiled by forge
// (contracts/out) and a few chain helpers: deploy, send, call, wait.
// Each AnvilProcess is killed when it goes out of scope, failed test or not,
// and dies with the test process. A missing anvil fails the test:
// scripts/bootstrap installs it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
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

#include "replex/settlement/abi.hpp"
#include "replex/settlement/eip1559.hpp"
#include "replex/settlement/eth_client.hpp"
#include "replex/settlement/secp256k1.hpp"

namespace replex::settlement::testing {

using std::chrono::milliseconds;
using TestClock = std::chrono::steady_clock;

inline constexpr std::uint64_t kAnvilChainId = 31337;

// anvil's dev accounts (mnemonic "test test ... junk"), 10000 ether each at genesis.
inline const std::vector<std::string>& dev_key_hex() {
  static const std::vector<std::string> keys = {
      "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
      "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
      "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
      "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
      "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
      "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
      "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
      "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
      "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
      "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
  };
  return keys;
}
inline EthKey dev_key(std::size_t i) { return EthKey::from_bytes(from_hex(dev_key_hex().at(i)).value()).value(); }

inline const U256 kEther = U256(1'000'000'000'000'000'000ull);

inline std::string repo_path(const std::string& rel) { return std::string(REPLEX_SOURCE_DIR) + "/" + rel; }
inline std::string anvil_path() { return repo_path("node_modules/.bin/anvil"); }

// A loopback port the OS just handed out and we released.
inline std::uint16_t free_port() {
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

inline JsonRpcConfig rpc_config(const std::string& url) {
  JsonRpcConfig config;
  config.url = url;
  config.request_timeout_ms = 3'000;
  config.max_attempts = 2;
  config.retry_backoff_ms = 50;
  config.max_retry_backoff_ms = 200;
  config.max_call_ms = 6'000;
  return config;
}

// One anvil process on a loopback port, with extra arguments (e.g. --state
// FILE). stop() and start_again() keep the port, so an RPC URL stays valid
// across a restart of the chain.
class AnvilProcess {
 public:
  explicit AnvilProcess(std::vector<std::string> extra_args = {}, std::uint64_t chain_id = kAnvilChainId)
      : extra_args_(std::move(extra_args)), chain_id_(chain_id) {}
  AnvilProcess(const AnvilProcess&) = delete;
  AnvilProcess& operator=(const AnvilProcess&) = delete;
  ~AnvilProcess() {
    stop();
    std::error_code ignored;
    if (!log_path_.empty()) std::filesystem::remove(log_path_, ignored);
  }

  // Empty on success, else why anvil is not serving.
  std::string start() {
    if (::access(anvil_path().c_str(), X_OK) != 0) {
      return "anvil is missing at " + anvil_path() + "; scripts/bootstrap installs it (npm @foundry-rs/anvil-linux-amd64)";
    }
    std::string why;
    for (int attempt = 0; attempt < 3; ++attempt) {
      why = start_on(free_port());
      if (why.empty()) return {};
      stop();
    }
    return why;
  }
  // The same port again (after stop()).
  std::string start_again() { return start_on(port_); }

  // SIGINT first: anvil writes its --state/--dump-state file on a graceful exit.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGINT);
    const auto give_up = TestClock::now() + std::chrono::seconds(10);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (TestClock::now() >= give_up) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    pid_ = -1;
  }

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string start_on(std::uint16_t port) {
    port_ = port;
    log_path_ = std::filesystem::temp_directory_path() /
                ("replex-settler-anvil-" + std::to_string(::getpid()) + "-" + std::to_string(port) + ".log");
    std::vector<std::string> args = {anvil_path(), "--port", std::to_string(port), "--host", "127.0.0.1",
                                     "--chain-id", std::to_string(chain_id_), "--silent"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) return "fork failed";
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    JsonRpcConfig quick = rpc_config(url());
    quick.request_timeout_ms = 500;
    quick.max_attempts = 1;
    quick.max_call_ms = 500;
    auto client = EthClient::open(quick);
    REPLEX_ASSERT(client.is_ok());
    const auto give_up = TestClock::now() + std::chrono::seconds(30);
    while (TestClock::now() < give_up) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "anvil exited (status " + std::to_string(status) + ") on port " + std::to_string(port) + ": " + log_text();
      }
      if (client->chain_id().is_ok()) return {};
      std::this_thread::sleep_for(milliseconds(50));
    }
    return "anvil did not answer on port " + std::to_string(port) + " within 30 s: " + log_text();
  }

  std::string log_text() const {
    std::stringstream text;
    text << std::ifstream(log_path_).rdbuf();
    return text.str();
  }

  std::vector<std::string> extra_args_;
  std::uint64_t chain_id_ = kAnvilChainId;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::filesystem::path log_path_;
};

// The creation bytecode of a contract forge compiled into contracts/out
// (forge build runs once per process if the artifact is missing).
inline Bytes contract_bytecode(const std::string& source, const std::string& name) {
  const std::string artifact = repo_path("contracts/out/" + source + "/" + name + ".json");
  if (!std::filesystem::exists(artifact)) {
    static std::once_flag built;
    std::call_once(built, [] {
      const std::string contracts = repo_path("contracts");
      const std::string command = "cd '" + contracts + "' && mkdir -p cache/foundry-home && HOME='" + contracts +
                                  "/cache/foundry-home' NO_COLOR=1 '" + repo_path("node_modules/.bin/forge") +
                                  "' build --root '" + contracts + "' --offline --skip test >/dev/null 2>&1";
      if (std::system(command.c_str()) != 0) ADD_FAILURE() << "forge build failed: " << command;
    });
  }
  std::ifstream in(artifact);
  if (!in) {
    ADD_FAILURE() << "no artifact " << artifact << " (contracts/scripts/test builds it)";
    return {};
  }
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("bytecode")) {
    ADD_FAILURE() << "unreadable artifact " << artifact;
    return {};
  }
  auto code = from_hex(j["bytecode"]["object"].get<std::string>());
  if (!code.is_ok()) {
    ADD_FAILURE() << "bad bytecode in " << artifact;
    return {};
  }
  return std::move(code).value();
}

// Sends transactions from dev keys and waits for them (automine or evm_mine).
class Chain {
 public:
  explicit Chain(const std::string& url, std::uint64_t chain_id = kAnvilChainId)
      : client_(EthClient::open(rpc_config(url)).value()), chain_id_(chain_id) {}

  EthClient& client() { return client_; }

  std::optional<TransactionReceipt> wait_receipt(const Hash256& hash, std::chrono::seconds limit = std::chrono::seconds(20)) {
    const auto give_up = TestClock::now() + limit;
    while (TestClock::now() < give_up) {
      auto receipt = client_.transaction_receipt(hash);
      if (receipt.is_ok() && receipt->has_value()) return std::move(receipt).value();
      std::this_thread::sleep_for(milliseconds(50));
    }
    ADD_FAILURE() << "no receipt for 0x" << hash.hex();
    return std::nullopt;
  }

  // Signs and sends; returns the receipt (nullopt and a test failure if refused).
  std::optional<TransactionReceipt> send(const EthKey& from, std::optional<EthAddress> to, Bytes data,
                                         U256 value = 0, std::uint64_t gas = 0) {
    auto nonce = client_.transaction_count(from.address(), BlockTag::pending());
    auto fees = client_.suggest_fees();
    if (!nonce.is_ok() || !fees.is_ok()) {
      ADD_FAILURE() << "cannot prepare a transaction";
      return std::nullopt;
    }
    Eip1559Transaction tx;
    tx.chain_id = chain_id_;
    tx.nonce = *nonce;
    tx.max_priority_fee_per_gas = fees->max_priority_fee_per_gas;
    tx.max_fee_per_gas = fees->max_fee_per_gas;
    tx.to = to;
    tx.value = value;
    tx.data = std::move(data);
    if (gas == 0) {
      CallRequest estimate;
      estimate.from = from.address();
      estimate.to = to;
      estimate.value = value;
      estimate.data = tx.data;
      auto g = client_.estimate_gas(estimate);
      if (!g.is_ok()) {
        ADD_FAILURE() << "estimate_gas: " << g.error().text;
        return std::nullopt;
      }
      gas = *g * 3 / 2;
    }
    tx.gas_limit = gas;
    auto hash = client_.send_raw_transaction(tx.sign(from));
    if (!hash.is_ok()) {
      ADD_FAILURE() << "send: " << hash.error().text;
      return std::nullopt;
    }
    return wait_receipt(*hash);
  }

  EthAddress deploy(const EthKey& from, Bytes creation_code, std::span<const AbiValue> constructor_args) {
    const Bytes args = abi_encode(constructor_args);
    creation_code.insert(creation_code.end(), args.begin(), args.end());
    auto receipt = send(from, std::nullopt, std::move(creation_code));
    if (!receipt || !receipt->succeeded() || !receipt->contract_address) {
      ADD_FAILURE() << "deployment failed";
      return {};
    }
    return *receipt->contract_address;
  }

  Bytes call(const EthAddress& to, const Bytes& data) {
    auto out = client_.call(to, data);
    if (!out.is_ok()) {
      ADD_FAILURE() << "eth_call: " << out.error().text;
      return {};
    }
    return std::move(out).value();
  }
  std::uint64_t call_u64(const EthAddress& to, std::string_view signature, std::initializer_list<AbiValue> args = {}) {
    const Bytes out = call(to, encode_call(signature, args));
    auto v = AbiReader(out).uint64(0);
    return v.is_ok() ? *v : ~std::uint64_t{0};
  }
  Hash256 call_hash(const EthAddress& to, std::string_view signature, std::initializer_list<AbiValue> args = {}) {
    const Bytes out = call(to, encode_call(signature, args));
    auto v = AbiReader(out).bytes32(0);
    return v.is_ok() ? *v : Hash256{};
  }

  void rpc(std::string_view method, std::string_view params) {
    auto r = client_.rpc().call(method, params);
    EXPECT_TRUE(r.is_ok()) << method << ": " << (r.is_ok() ? "" : r.error().text);
  }

 private:
  EthClient client_;
  std::uint64_t chain_id_ = kAnvilChainId;
};

// Polls `done` every 50 ms until it holds or `limit` passes.
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto give_up = TestClock::now() + limit;
  while (TestClock::now() < give_up) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return done();
}

}  // namespace replex::settlement::testing
