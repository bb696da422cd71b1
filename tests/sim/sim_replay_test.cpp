// The simulator itself: one seed replays exactly, the command line parses
// back to the same plan, and a run without faults commits with few messages.
#include <gtest/gtest.h>


#include "sim/simulator.hpp"

namespace replex::sim {
namespace {

TEST(SimReplay, TheSameSeedReplaysExactly) {
  SimOptions options;
  options.seed = 7;  // a crash-restart mix
  const SimPlan plan = resolve(options);
  const SimReport first = run_simulation(plan);
  const SimReport second = run_simulation(plan);
  ASSERT_TRUE(first.status.is_ok()) << first.summary();
  EXPECT_EQ(first.summary(), second.summary());
  EXPECT_EQ(first.steps, second.steps);
  EXPECT_EQ(first.consensus_messages, second.consensus_messages);

  options.deposits = true;  // a different run, which replays as exactly
  const SimPlan with_deposits = resolve(options);
  const SimReport third = run_simulation(with_deposits);
  ASSERT_TRUE(third.status.is_ok()) << third.summary();
  EXPECT_GT(third.deposits, 0u) << third.summary();
  EXPECT_EQ(third.summary(), run_simulation(with_deposits).summary());
}

TEST(SimReplay, TheReplayCommandResolvesToTheSamePlan) {
  SimOptions options;
  options.seed = 1234;
  options.validators = 7;
  const SimPlan plan = resolve(options);
  auto parsed = parse_replay_command(plan.replay_command());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  const SimPlan again = resolve(*parsed);
  EXPECT_EQ(again.replay_command(), plan.replay_command());
  EXPECT_EQ(again.faults, plan.faults);

  options.idle_block_delay_ms = 2;
  const SimPlan idle = resolve(options);
  EXPECT_NE(idle.replay_command().find(" --idle-block-delay-ms 2"), std::string::npos);
  auto parsed_idle = parse_replay_command(idle.replay_command());
  ASSERT_TRUE(parsed_idle.is_ok()) << parsed_idle.status().to_string();
  EXPECT_EQ(resolve(*parsed_idle).idle_block_delay_ms, 2u);

  EXPECT_EQ(plan.replay_command().find("--deposits"), std::string::npos);
  options.deposits = true;
  const SimPlan deposits = resolve(options);
  EXPECT_NE(deposits.replay_command().find(" --deposits"), std::string::npos);
  auto parsed_deposits = parse_replay_command(deposits.replay_command());
  ASSERT_TRUE(parsed_deposits.is_ok()) << parsed_deposits.status().to_string();
  EXPECT_TRUE(resolve(*parsed_deposits).deposits);
}

TEST(SimReplay, BadArgumentsNameTheFlag) {
  EXPECT_NE(parse_sim_args({"--validators", "3"}).status().message().find("--validators"),
            std::string::npos);
  EXPECT_NE(parse_sim_args({"--faults", "drop,gremlins"}).status().message().find("gremlins"),
            std::string::npos);
  EXPECT_NE(parse_sim_args({"--latency-ms", "9"}).status().message().find("MIN:MAX"),
            std::string::npos);
  EXPECT_NE(parse_sim_args({"--storage", "tape"}).status().message().find("--storage"),
            std::string::npos);
  EXPECT_NE(parse_sim_args({"--seed"}).status().message().find("needs a value"), std::string::npos);
  EXPECT_NE(parse_sim_args({"--idle-block-delay-ms", "31"}).status().message().find("--idle-block-delay-ms: 31"),
            std::string::npos);
  EXPECT_NE(parse_sim_args({"--deposits", "--rate", "100"}).status().message().find("--deposits: not with --rate"),
            std::string::npos);
}

TEST(SimReplay, AFaultFreeRunCommitsWithTheNormalCaseMessageCount) {
  SimOptions options;
  options.seed = 3;
  options.faults = FaultSet{};
  options.heights = 20;
  const SimReport report = run_simulation(resolve(options));
  ASSERT_TRUE(report.status.is_ok()) << report.summary();
  EXPECT_GE(report.min_height, 20u);
  EXPECT_EQ(report.counts.view_changes, 0u);
  // PRE-PREPARE to 3, PREPARE 3 x 3, COMMIT 4 x 3 per block, plus a
  // CHECKPOINT round every 10 blocks.
  EXPECT_LE(report.messages_per_block(), 26.0) << report.summary();
  EXPECT_TRUE(report.evidence.empty()) << report.summary();
}

}  // namespace
}  // namespace replex::sim
