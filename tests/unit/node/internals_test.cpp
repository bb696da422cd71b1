// The node's private building blocks: peer requests and the worker pool.
#include <gtest/gtest.h>
#include <vector>
#include <string>
#include <mutex>
#include <functional>

#include <atomic>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fstream>

#include "replex/node/logging.hpp"
#include "support/temp_dir.hpp"
#include "unknown_signer_limiter.hpp"
#include "worker_pool.hpp"

namespace replex::node {
namespace {

TEST(WorkerPool, RefusesWorkBeyondItsBoundAndRunsTheRest) {
  WorkerPool pool(1, 2, 2);
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

// One worker held by a job until released.
struct Blocker {
  std::atomic<bool> release{false};
  std::atomic<bool> started{false};
  std::function<void()> job() {
    return [this] {
      started.store(true);
      while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    };
  }
};

TEST(WorkerPool, OutsidersCannotFillTheValidatorsLaneAndValidatorsRunFirst) {
  WorkerPool pool(1, 3, 100);
  Blocker blocker;
  ASSERT_TRUE(pool.try_post(blocker.job()));
  while (!blocker.started.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::mutex mu;
  std::vector<std::string> order;
  const auto record = [&](std::string what) {
    return [&, what] {
      std::lock_guard lock(mu);
      order.push_back(what);
    };
  };
  // The shared lane is full (the blocker and two more)...
  EXPECT_TRUE(pool.try_post(record("tx-1")));
  EXPECT_TRUE(pool.try_post(record("tx-2")));
  EXPECT_FALSE(pool.try_post(record("tx-3")));
  // ...the validators' lane is not, and its jobs run before the queued ones.
  EXPECT_TRUE(pool.try_post_validator(record("vote")));
  blocker.release.store(true);
  pool.stop();
  EXPECT_EQ(order, (std::vector<std::string>{"vote", "tx-1", "tx-2"}));
}

TEST(WorkerPool, OnePeerHoldsAtMostItsQuota) {
  WorkerPool pool(1, 100, 2);
  Blocker blocker;
  ASSERT_TRUE(pool.try_post(blocker.job()));
  while (!blocker.started.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const WorkerPool::PeerKey flooder{1};
  const WorkerPool::PeerKey other{2};
  std::atomic<int> ran{0};
  const auto job = [&] { ran.fetch_add(1); };
  EXPECT_TRUE(pool.try_post(job, flooder));
  EXPECT_TRUE(pool.try_post(job, flooder));
  EXPECT_FALSE(pool.try_post(job, flooder));  // its quota is full
  EXPECT_TRUE(pool.try_post(job, other));     // others still get in
  EXPECT_TRUE(pool.try_post(job));            // and local work
  blocker.release.store(true);
  while (ran.load() < 4) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  while (pool.pending() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_TRUE(pool.try_post(job, flooder));  // its finished jobs gave the quota back
  pool.stop();
  EXPECT_EQ(ran.load(), 5);
  EXPECT_EQ(pool.refused(), 1u);
}

TEST(UnknownSignerLimiter, AllowsTheBurstReportsOnceAndForgivesAsTheBucketRefills) {
  using V = UnknownSignerLimiter::Verdict;
  UnknownSignerLimiter limiter(/*rate_per_s=*/10, /*burst=*/3);
  const p2p::NodeId a = KeyPair::from_label("a").public_key();
  const p2p::NodeId b = KeyPair::from_label("b").public_key();
  const auto t0 = UnknownSignerLimiter::Clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.charge(a, t0), V::kWithin) << i;
  EXPECT_EQ(limiter.charge(a, t0), V::kNewlyOver);
  EXPECT_EQ(limiter.charge(a, t0), V::kStillOver);  // reported already
  EXPECT_EQ(limiter.charge(b, t0), V::kWithin);     // each peer has its own bucket
  // 100 ms at 10/s refills one.
  const auto later = t0 + std::chrono::milliseconds(100);
  EXPECT_EQ(limiter.charge(a, later), V::kWithin);
  EXPECT_EQ(limiter.charge(a, later), V::kNewlyOver);  // over again: a new offence
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
