// The node's private building blocks: peer requests and the worker pool.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fstream>

#include "peer_request.hpp"
#include "replex/node/logging.hpp"
#include "support/temp_dir.hpp"
#include "worker_pool.hpp"

namespace replex::node {
namespace {

TEST(PeerRequest, RoundTripsAndRefusesJunk) {
  const PeerRequest blocks{PeerRequestKind::kBlocks, 5, 9};
  EXPECT_EQ(decode_peer_request(encode_peer_request(blocks)).value(), blocks);
  const PeerRequest state{PeerRequestKind::kState, 100, 0};
  EXPECT_EQ(decode_peer_request(encode_peer_request(state)).value(), state);
  Bytes bad = encode_peer_request(blocks);
  bad[0] = 3;
  EXPECT_NE(decode_peer_request(bad).status().message().find("request.kind"), std::string::npos);
  Bytes longer = encode_peer_request(blocks);
  longer.push_back(0);
  EXPECT_FALSE(decode_peer_request(longer).is_ok());
  EXPECT_FALSE(decode_peer_request(Bytes{1, 0, 0}).is_ok());
}

TEST(WorkerPool, RefusesWorkBeyondItsBoundAndRunsTheRest) {
  WorkerPool pool(1, 2);
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  auto job = [&] {
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ran.fetch_add(1);
  };
  EXPECT_TRUE(pool.try_post(job));
  EXPECT_TRUE(pool.try_post(job));
  EXPECT_FALSE(pool.try_post(job));
  EXPECT_EQ(pool.refused(), 1u);
  release.store(true);
  pool.stop();
  EXPECT_EQ(ran.load(), 2);
  EXPECT_FALSE(pool.try_post(job));
}

TEST(Logging, JsonFormatWritesOneValidObjectPerLineWhateverTheMessage) {
  replex::testing::TempDir dir;
  config::LoggingSection logging;
  logging.format = "json";
  logging.file = dir.file("node.log");
  ASSERT_TRUE(setup_logging(logging, dir.path()).is_ok());
  spdlog::info("view change entered: height={} view={} note=\"{}\"", 12, 3, "a \"quoted\"\nline\tand \\ \x01");
  spdlog::warn("plain");
  spdlog::shutdown();  // flushes and drops the file logger
  spdlog::set_default_logger(spdlog::stderr_color_mt("test-default"));
  std::ifstream in(dir.file("node.log"));
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) {
    auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(parsed.is_discarded()) << line;
    lines.push_back(std::move(parsed));
  }
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["msg"], "view change entered: height=12 view=3 note=\"a \"quoted\"\nline\tand \\ \x01\"");
  EXPECT_EQ(lines[1]["level"], "warning");
  EXPECT_FALSE(lines[0]["time"].get<std::string>().empty());
}

}  // namespace
}  // namespace replex::node
