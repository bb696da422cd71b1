// The node's private building blocks: peer requests, the worker pool and
// transaction admission.
#include <gtest/gtest.h>
#include <vector>
#include <sstream>
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

#include "replex/abci/application.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/node/logging.hpp"
#include "support/temp_dir.hpp"
#include "unit/exchange/exchange_harness.hpp"
#include "metrics.hpp"
#include "tx_admission.hpp"
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

// Accepts every transaction; verifying "slow-0" takes a while, so the share
// holding it is verified last. Admission alone is under test.
class SlowShareApp final : public abci::Application {
 public:
  abci::TxCheck verify_tx(ByteView tx) const override {
    if (std::string(as_chars(tx)) == "slow-0") std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return abci::TxCheck::accept();
  }
  abci::TxCheck check_tx(ByteView, std::uint64_t) const override { return abci::TxCheck::accept(); }
  abci::BlockOutcome execute_block(const abci::BlockContext&, std::span<const Bytes>) override { return {}; }
  std::uint64_t last_height() const override { return 0; }
  Hash256 app_hash() const override { return {}; }
  Bytes snapshot() const override { return {}; }
  Hash256 state_digest() const override { return {}; }
  Status restore(ByteView) override { return Status::ok(); }
  std::string_view reason_name(std::uint32_t) const override { return "REFUSED"; }
};

// Admission into a recording "consensus": what each call received.
struct AdmissionRecorder {
  std::mutex mu;
  std::vector<std::vector<std::string>> admitted;
  std::vector<bool> relayed;  // per call
  ConsensusAdmit admit() {
    return [this](std::vector<VerifiedTx> batch, bool from_peer) {
      std::vector<std::string> txs;
      for (VerifiedTx& item : batch) {
        txs.emplace_back(as_chars(item.tx));
        item.done(consensus::TxStatusReport{item.hash, consensus::TxVerdict::kAccepted, 0, {}});
      }
      std::lock_guard lock(mu);
      admitted.push_back(std::move(txs));
      relayed.push_back(from_peer);
    };
  }
};

TEST(TxAdmission, AdmitsABatchsSharesTogetherInTheOrderSubmitted) {
  WorkerPool pool(2, 100, 100);
  SlowShareApp app;
  AdmissionRecorder recorder;
  TxAdmission admission(pool, app, 1024, recorder.admit(), nullptr);
  // Two shares of 32 (one per worker): the first waits on "slow-0".
  std::vector<std::string> expected;
  std::vector<api::Submission> batch;
  std::atomic<int> answered{0};
  for (int i = 0; i < 64; ++i) {
    expected.push_back((i < 32 ? "slow-" : "fast-") + std::to_string(i));
    batch.push_back({to_bytes(expected.back()), [&](Result<consensus::TxStatusReport>) { answered.fetch_add(1); }});
  }
  admission.submit(std::move(batch));
  for (int waited = 0; answered.load() < 64 && waited < 10'000; ++waited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  pool.stop();
  ASSERT_EQ(answered.load(), 64);
  ASSERT_EQ(recorder.admitted.size(), 1u);  // not one call per share: no block cut can fall between them
  EXPECT_EQ(recorder.admitted[0], expected);
  EXPECT_FALSE(recorder.relayed[0]);  // a client's
}

// The mempool may hold a relayed transaction its older state refuses
// (consensus::TxVerdict::kHeld), never a client's: admission says which.
TEST(TxAdmission, SaysWhetherAPeerRelayedTheBatch) {
  WorkerPool pool(2, 100, 100);
  SlowShareApp app;
  AdmissionRecorder recorder;
  TxAdmission admission(pool, app, 1024, recorder.admit(), nullptr);
  std::atomic<int> answered{0};
  const auto one = [&](std::string tx) {
    std::vector<api::Submission> batch;
    batch.push_back({to_bytes(tx), [&](Result<consensus::TxStatusReport>) { answered.fetch_add(1); }});
    return batch;
  };
  admission.submit(one("from-a-client"));
  for (int waited = 0; answered.load() < 1 && waited < 10'000; ++waited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  admission.submit(one("from-a-peer"), KeyPair::from_label("peer").public_key());
  for (int waited = 0; answered.load() < 2 && waited < 10'000; ++waited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  pool.stop();
  ASSERT_EQ(answered.load(), 2);
  ASSERT_EQ(recorder.admitted.size(), 2u);
  EXPECT_EQ(recorder.admitted[0], std::vector<std::string>{"from-a-client"});
  EXPECT_FALSE(recorder.relayed[0]);
  EXPECT_EQ(recorder.admitted[1], std::vector<std::string>{"from-a-peer"});
  EXPECT_TRUE(recorder.relayed[1]);
}

TEST(WorkerPool, TakesAllOfABatchOrNone) {
  WorkerPool pool(1, 3, 100);
  Blocker blocker;
  ASSERT_TRUE(pool.try_post(blocker.job()));
  std::atomic<int> ran{0};
  const auto jobs = [&](int n) {
    std::vector<std::function<void()>> out;
    for (int i = 0; i < n; ++i) out.emplace_back([&] { ran.fetch_add(1); });
    return out;
  };
  EXPECT_FALSE(pool.try_post_all(jobs(3)));  // 1 + 3 > 3
  EXPECT_EQ(pool.refused(), 3u);
  EXPECT_TRUE(pool.try_post_all(jobs(2)));
  blocker.release.store(true);
  pool.stop();
  EXPECT_EQ(ran.load(), 2);
}

TEST(TxAdmission, ABatchThePoolCannotTakeWholeIsRefusedWhole) {
  WorkerPool pool(2, 2, 100);
  Blocker blocker;  // one of the lane's two places is taken
  ASSERT_TRUE(pool.try_post(blocker.job()));
  SlowShareApp app;
  AdmissionRecorder recorder;
  TxAdmission admission(pool, app, 1024, recorder.admit(), nullptr);
  std::vector<api::Submission> batch;
  std::atomic<int> refused{0};
  for (int i = 0; i < 64; ++i) {  // two shares: both or neither
    batch.push_back({to_bytes("tx-" + std::to_string(i)), [&](Result<consensus::TxStatusReport> r) {
                       if (!r && r.status().code() == StatusCode::kResourceExhausted) refused.fetch_add(1);
                     }});
  }
  admission.submit(std::move(batch));
  EXPECT_EQ(refused.load(), 64);  // answered at once, on this thread
  blocker.release.store(true);
  pool.stop();
  EXPECT_TRUE(recorder.admitted.empty());
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

// One sample of the text exposition, by its full series name; 0 when absent.
double sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return 0;
}

TEST(Metrics, ABlocksEventsAreCountedExactly) {
  namespace x = exchange::event;
  Metrics metrics(exchange::ChainRules::create(exchange::testing::test_genesis()).value());
  api::BlockDigest digest;
  digest.summary.height = 1;
  digest.summary.tx_count = 3;
  const exchange::MarketIndex btc = 1;  // BTC-USDT, BTC with 8 decimals
  const auto accepted = [](exchange::MarketIndex m) {
    x::OrderAccepted e;
    e.market = m;
    return e;
  };
  const auto filled = [](exchange::MarketIndex m) {
    x::OrderFilled e;
    e.market = m;
    return e;
  };
  const auto trade = [](exchange::MarketIndex m, std::uint64_t quantity) {
    x::Trade e;
    e.market = m;
    e.quantity = quantity;
    return e;
  };
  digest.events = {x::TxResult{0, 0, {}},
                   accepted(btc),
                   x::TxResult{1, 0, {}},
                   accepted(btc),
                   trade(btc, 50'000'000),
                   filled(btc),
                   trade(btc, 25'000'000),
                   filled(btc),
                   x::TxResult{2, exchange::code(exchange::Reason::kDuplicateNonce), "nonce"},
                   accepted(0)};
  metrics.on_block(digest, 0);
  digest.summary.height = 2;
  metrics.on_block(digest, 0);
  const std::string text = metrics.render({});
  EXPECT_EQ(sample(text, "replex_transactions_total{result=\"OK\"}"), 4);
  EXPECT_EQ(sample(text, "replex_transactions_total{result=\"" +
                             std::string(exchange::reason_name(exchange::code(exchange::Reason::kDuplicateNonce))) + "\"}"),
            2);
  EXPECT_EQ(sample(text, "replex_orders_total{market=\"BTC-USDT\",result=\"accepted\"}"), 4);
  EXPECT_EQ(sample(text, "replex_orders_total{market=\"BTC-USDT\",result=\"filled\"}"), 4);
  EXPECT_EQ(sample(text, "replex_orders_total{market=\"BASE-QUOTE\",result=\"accepted\"}"), 2);
  EXPECT_EQ(sample(text, "replex_trades_total{market=\"BTC-USDT\"}"), 4);
  EXPECT_DOUBLE_EQ(sample(text, "replex_traded_volume_total{market=\"BTC-USDT\"}"), 1.5);
  // A label set with no event has no series.
  EXPECT_EQ(text.find("result=\"canceled\""), std::string::npos);
  EXPECT_EQ(text.find("replex_trades_total{market=\"BASE-QUOTE\"}"), std::string::npos);
}

}  // namespace
}  // namespace replex::node
