// The CPU model and the offered load: costs show in latency, a load beyond
// the cores' capacity queues and falls behind while one within it is
// sustained, and runs with the model replay exactly.
#include <gtest/gtest.h>


#include "sim/simulator.hpp"

namespace replex::sim {
namespace {

// One core per validator and a 2 ms verification: four validators verify
// every order, so they keep up with about 500 orders/s and a test needs
// only hundreds of orders to saturate them.
CpuCosts slow_cpu() {
  CpuCosts costs;
  costs.cores = 1;
  costs.verify_us = 2000;
  return costs;
}

SimReport run_load(std::uint64_t rate) {
  SimOptions options;
  options.seed = 11;
  options.faults = FaultSet{};
  options.execution = ExecutionMode::kInline;
  options.latency_min_ms = 20;
  options.latency_max_ms = 100;
  options.cpu = slow_cpu();
  options.rate = rate;
  options.duration_s = 4;
  return run_simulation(resolve(options));
}

TEST(SimCpu, CostsParseAndPrintBack) {
  auto parsed = CpuCosts::parse("cores=3,verify=60,sign=25,message=5,kib=1,tx=30,execute-tx=2,block=100");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->cores, 3u);
  EXPECT_EQ(parsed->verify_us, 60u);
  EXPECT_EQ(CpuCosts::parse(parsed->to_string()).value(), *parsed);
  EXPECT_EQ(CpuCosts::parse("on").value(), CpuCosts{});
  EXPECT_EQ(CpuCosts::parse("verify=70")->sign_us, CpuCosts{}.sign_us);
  EXPECT_FALSE(CpuCosts::parse("cores=0").is_ok());
  EXPECT_NE(CpuCosts::parse("hashing=3").status().message().find("hashing"), std::string::npos);
  EXPECT_FALSE(CpuCosts::parse("verify=").is_ok());
}

TEST(SimCpu, TheReplayCommandCarriesTheCpuModelAndTheLoad) {
  SimOptions options;
  options.seed = 5;
  options.cpu = slow_cpu();
  options.rate = 250;
  options.duration_s = 3;
  const SimPlan plan = resolve(options);
  auto parsed = parse_replay_command(plan.replay_command());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  const SimPlan again = resolve(*parsed);
  EXPECT_EQ(again.replay_command(), plan.replay_command());
  EXPECT_EQ(again.cpu, plan.cpu);
  EXPECT_EQ(again.rate, 250u);
  EXPECT_EQ(resolve(parse_sim_args({"--seed", "3", "--cpu", "off"}).value()).cpu, std::nullopt);
  EXPECT_EQ(resolve(parse_sim_args({"--seed", "3", "--cpu", "on"}).value()).cpu, CpuCosts{});
}

TEST(SimCpu, VerificationCostsAddToCommitLatency) {
  SimOptions options;
  options.seed = 3;
  options.faults = FaultSet{};
  options.heights = 20;
  options.cpu = std::optional<CpuCosts>{};
  const SimReport without = run_simulation(resolve(options));
  CpuCosts costly;
  costly.verify_us = 1000;
  options.cpu = costly;
  const SimReport with = run_simulation(resolve(options));
  ASSERT_TRUE(without.status.is_ok()) << without.summary();
  ASSERT_TRUE(with.status.is_ok()) << with.summary();
  // Each of the three rounds waits for a quorum of 1 ms verifications.
  EXPECT_GE(with.latency_p50_ms, without.latency_p50_ms + 3) << without.summary() << with.summary();
  EXPECT_GT(with.cpu_utilisation_mean, 0.0);
}

TEST(SimCpu, ALoadWithinTheCoresCapacityIsSustained) {
  const SimReport r = run_load(200);
  ASSERT_TRUE(r.status.is_ok()) << r.summary();
  EXPECT_TRUE(r.load_sustained) << r.summary();
  EXPECT_EQ(r.load_pending, 0u) << r.summary();
  EXPECT_GT(r.load_committed_per_s, 150.0) << r.summary();
  EXPECT_LT(r.cpu_utilisation_max, 0.9) << r.summary();
}

TEST(SimCpu, ALoadBeyondTheCoresCapacityQueuesAndFallsBehind) {
  const SimReport r = run_load(800);
  ASSERT_TRUE(r.status.is_ok()) << r.summary();
  EXPECT_FALSE(r.load_sustained) << r.summary();
  EXPECT_GT(r.load_pending, 0u) << r.summary();
  EXPECT_GT(r.load_late_p50_ms, 2 * r.load_early_p50_ms) << r.summary();
  EXPECT_GT(r.cpu_max_wait_ms, 1000u) << r.summary();
  EXPECT_LT(r.load_committed_per_s, 700.0) << r.summary();
}

TEST(SimCpu, TheSameSeedReplaysExactlyWithTheCpuModel) {
  SimOptions options;
  options.seed = 7;  // a crash-restart mix
  options.cpu = CpuCosts{};
  const SimPlan plan = resolve(options);
  const SimReport first = run_simulation(plan);
  const SimReport second = run_simulation(plan);
  ASSERT_TRUE(first.status.is_ok()) << first.summary();
  EXPECT_EQ(first.summary(), second.summary());
  EXPECT_EQ(first.steps, second.steps);
}

}  // namespace
}  // namespace replex::sim
