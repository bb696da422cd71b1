// Graceful shutdown: an in-process node stops with calls in flight and
// restarts from its store; the `replex` binary exits 0 on SIGTERM.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "node_harness.hpp"

namespace replex::node {
namespace {

using testing::NodeHarness;
using replex::testing::TempDir;

v1::GetBlockResponse get_block(NodeHarness& harness, std::uint64_t height) {
  grpc::ClientContext context;
  v1::GetBlockRequest request;
  request.set_height(height);
  v1::GetBlockResponse response;
  EXPECT_TRUE(harness.stub().GetBlock(&context, request, &response).ok());
  return response;
}

TEST(NodeShutdown, StopsWithCallsInFlightAndRestartsFromTheStore) {
  spdlog::set_level(spdlog::level::warn);
  NodeHarness harness;
  ASSERT_TRUE(harness.start().is_ok());
  std::uint64_t last_height = 0;
  for (std::uint64_t nonce = 1; nonce <= 5; ++nonce) {
    v1::SubmitTransactionResponse response;
    ASSERT_TRUE(harness.submit(harness.limit_buy(nonce % 2, nonce), true, &response).ok());
    last_height = response.commit().height();
  }
  const v1::GetBlockResponse before = get_block(harness, last_height);

  // A block stream is open while the node stops: it ends, it does not hang.
  grpc::ClientContext stream_context;
  v1::StreamBlocksRequest stream_request;
  stream_request.set_from_height(last_height + 1);
  auto reader = harness.stub().StreamBlocks(&stream_context, stream_request);
  auto stream_end = std::async(std::launch::async, [&] {
    v1::StreamBlocksResponse message;
    while (reader->Read(&message)) {
    }
    return reader->Finish();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  harness.stop();
  ASSERT_EQ(stream_end.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_FALSE(stream_end.get().ok());

  // Everything acknowledged as committed is there after a restart.
  ASSERT_TRUE(harness.start().is_ok());
  EXPECT_GE(harness.node().views().chain()->height, last_height);
  const v1::GetBlockResponse after = get_block(harness, last_height);
  EXPECT_EQ(after.block().block_hash(), before.block().block_hash());
  EXPECT_EQ(after.block().app_hash(), before.block().app_hash());
  // And the chain goes on.
  v1::SubmitTransactionResponse response;
  ASSERT_TRUE(harness.submit(harness.limit_buy(0, 100), true, &response).ok());
  EXPECT_GT(response.commit().height(), last_height);
}

TEST(NodeShutdown, PendingCommitWaitEndsUnavailable) {
  spdlog::set_level(spdlog::level::warn);
  NodeHarness harness([](config::NodeConfig& c) { c.consensus.local.max_block_delay_ms = 60'000; });
  ASSERT_TRUE(harness.start().is_ok());
  auto waiting = std::async(std::launch::async, [&] {
    v1::SubmitTransactionResponse response;
    return harness.submit(harness.limit_buy(0, 1), true, &response);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  harness.node().stop();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const grpc::Status s = waiting.get();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

// Runs `replex start` as a child process, its output in `log`.
pid_t spawn_node(const std::string& home, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execl(REPLEX_BINARY, REPLEX_BINARY, "start", "--home", home.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Waits for the child to exit; its exit code, or -1 after `timeout` (then it is killed).
int wait_exit(pid_t pid, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

// The generated ports were free when the testnet was written, not
// necessarily now (tests run side by side): the node binds port 0 instead.
void listen_on_any_port(const config::TestnetNode& node) {
  const std::string path = node.home + "/config.yaml";
  std::string text = read_all(path);
  for (const std::uint16_t port : {node.p2p_port, node.grpc_port, node.rest_port}) {
    const std::string generated = "\"127.0.0.1:" + std::to_string(port) + "\"";
    const auto at = text.find(generated);
    ASSERT_NE(at, std::string::npos) << generated << " in " << text;
    text.replace(at, generated.size(), "\"127.0.0.1:0\"");
  }
  std::ofstream(path, std::ios::trunc) << text;
}

TEST(NodeShutdown, BinaryExitsZeroOnSigterm) {
  TempDir dir;
  config::TestnetOptions options;
  options.validators = 1;
  options.out_dir = dir.file("net");
  auto layout = config::generate_testnet(options);
  ASSERT_TRUE(layout.is_ok()) << layout.status().to_string();
  ASSERT_NO_FATAL_FAILURE(listen_on_any_port(layout->nodes[0]));
  const std::string log = dir.file("node.log");
  const pid_t pid = spawn_node(layout->nodes[0].home, log);
  ASSERT_GT(pid, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (read_all(log).find("replex started") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string started = read_all(log);
  ASSERT_NE(started.find("replex started"), std::string::npos) << started;
  // The line names the ports bound, not the 0 configured.
  const auto grpc = started.find("grpc=127.0.0.1:");
  ASSERT_NE(grpc, std::string::npos) << started;
  EXPECT_GT(std::stoul(started.substr(grpc + std::string("grpc=127.0.0.1:").size())), 0u) << started;
  ::kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit(pid, std::chrono::seconds(20)), 0) << read_all(log);
  EXPECT_NE(read_all(log).find("stopped cleanly"), std::string::npos) << read_all(log);
}

TEST(NodeShutdown, BinaryRefusesAKeyFileOthersCanRead) {
  TempDir dir;
  config::TestnetOptions options;
  options.validators = 1;
  options.out_dir = dir.file("net");
  auto layout = config::generate_testnet(options);
  ASSERT_TRUE(layout.is_ok());
  const std::string key = layout->nodes[0].home + "/keys/validator_key.hex";
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  const std::string log = dir.file("node.log");
  const pid_t pid = spawn_node(layout->nodes[0].home, log);
  EXPECT_EQ(wait_exit(pid, std::chrono::seconds(20)), 1);
  EXPECT_NE(read_all(log).find("validator key file has mode 0644"), std::string::npos) << read_all(log);
}

}  // namespace
}  // namespace replex::node
