// A validator stopped while the others move several checkpoint intervals
// ahead (checkpoint_interval 10 in this genesis) catches up by state
// transfer: it installs a proven snapshot from a peer instead of replaying
// every block (it then holds no blocks below the snapshot), rejoins, and
// agrees with the others on every block it holds and on the app_hash. The
// snapshot comes in 4 KiB chunks, so in several: 64 accounts make it ~15 KB
// (the load's nonces alone, ~3 bytes each, would not). An observer stopped
// as long catches up the same way.
#include <gtest/gtest.h>

#include <future>
#include <regex>

#include "cluster_test_util.hpp"

namespace replex::cluster {
namespace {

constexpr std::uint64_t kCheckpointInterval = 10;
constexpr std::uint64_t kIntervalsBehind = 5;
constexpr std::uint32_t kChunkBytes = 4096;

TEST(ClusterStateTransfer, NodeFarBehindTheStableCheckpointCatchesUpByStateTransfer) {
  auto setup = start_under_load(
      {.validators = 4, .observers = 1, .accounts = 64, .checkpoint_interval = kCheckpointInterval,
       .state_chunk_bytes = kChunkBytes},
      50);
  CLUSTER_ASSERT_OK(setup);
  Cluster& c = *setup->cluster;
  OrderLoad& orders = *setup->load;
  const std::size_t victim = setup->backup;
  const std::size_t observer = c.validator_count();
  std::vector<std::size_t> others = c.all_except(victim);
  std::erase(others, observer);
  for (const std::size_t node : {victim, observer}) {
    orders.set_up(node, false);
    CLUSTER_ASSERT_OK(c.stop(node));
  }
  auto stopped_at = c.height(others[0]);
  CLUSTER_ASSERT_OK(stopped_at);
  CLUSTER_ASSERT_OK(c.wait_for_height(others, *stopped_at + kIntervalsBehind * kCheckpointInterval));

  CLUSTER_ASSERT_OK(c.start(victim));
  CLUSTER_ASSERT_OK(c.start(observer));
  auto target = c.max_height(others);
  CLUSTER_ASSERT_OK(target);
  CLUSTER_ASSERT_OK(c.wait_for_height({victim, observer}, *target));
  for (const std::size_t node : {victim, observer}) {
    ASSERT_TRUE(eventually([&] { return c.log_contains(node, "installed state at height"); }, 10s))
        << "node" << node << " caught up without a state transfer";
    std::smatch chunks;
    const std::string log = c.log(node);
    ASSERT_TRUE(std::regex_search(log, chunks, std::regex(R"(installed state at height=\d+ from a peer \((\d+) chunks\))")));
    EXPECT_GE(std::stoul(chunks[1]), 2u) << "node" << node << ": the snapshot came in one chunk; the test wants several";
  }
  auto caught_up = c.status(victim);
  CLUSTER_ASSERT_OK(caught_up);
  EXPECT_GT(caught_up->first_height(), *stopped_at)
      << "after installing a snapshot the node holds blocks from the snapshot on, not the ones it missed";

  // It takes part again: submissions through it commit.
  CLUSTER_ASSERT_OK(resume_submissions(orders, victim, 20));

  orders.stop();
  CLUSTER_ASSERT_OK(wait_caught_up_and_agree(c, orders.acks()));
}

// A submission waiting on a validator for a transaction that commits in a
// block this validator skips by state transfer: the installed state used the
// transaction's nonce, so the mempool evicts it, and that eviction answers the
// waiter at once (it would otherwise wait out its whole deadline, since the
// block never executes here).
TEST(ClusterStateTransfer, WaiterOfATransactionCommittedInASkippedBlockIsAnsweredByItsEviction) {
  constexpr auto kWait = std::chrono::milliseconds(240'000);  // far beyond the catch-up
  auto setup = start_under_load({.validators = 4,
                                 .checkpoint_interval = kCheckpointInterval,
                                 .submit_wait_timeout_ms = 300'000,
                                 .proxied = true},
                                50);
  CLUSTER_ASSERT_OK(setup);
  Cluster& c = *setup->cluster;
  OrderLoad& orders = *setup->load;
  const std::size_t victim = setup->backup;
  const std::vector<std::size_t> others = c.all_except(victim);

  c.isolate(victim);
  orders.set_up(victim, false);
  CLUSTER_ASSERT_OK(c.wait_partitioned(victim));

  // One order, waited for on the cut-off victim (it stays in its mempool)...
  auto flow = c.order_flow();
  CLUSTER_ASSERT_OK(flow);
  auto height = c.max_height(others);
  CLUSTER_ASSERT_OK(height);
  const client::FlowOrder order = flow->next(*height + 300);
  auto waiting = std::async(std::launch::async, [&] { return c.client(victim).submit(order.tx, true, kWait); });
  ASSERT_TRUE(eventually([&] {
    auto again = c.client(victim).submit(order.tx, false);
    return again.is_ok() && again->status() == v1::SUBMIT_STATUS_DUPLICATE;
  })) << "the victim never admitted the order";
  // ...and committed by the others.
  auto committed = c.client(others[0]).submit(order.tx, true);
  CLUSTER_ASSERT_OK(committed);
  ASSERT_EQ(committed->status(), v1::SUBMIT_STATUS_COMMITTED);
  CLUSTER_ASSERT_OK(c.wait_for_height(others, committed->commit().height() + kIntervalsBehind * kCheckpointInterval));

  c.heal(victim);
  CLUSTER_ASSERT_OK(c.wait_connected());
  ASSERT_TRUE(eventually([&] { return c.log_contains(victim, "installed state at height"); }))
      << "the victim caught up without a state transfer";
  // Before the fix this answer was DEADLINE_EXCEEDED, kWait after the submission.
  auto answer = waiting.get();
  ASSERT_FALSE(answer.is_ok()) << "the victim never executed the block holding the order";
  EXPECT_NE(answer.status().message().find("evicted from the mempool after admission"), std::string::npos)
      << answer.status().to_string();
  EXPECT_NE(answer.status().message().find("DUPLICATE_NONCE"), std::string::npos) << answer.status().to_string();

  CLUSTER_ASSERT_OK(resume_submissions(orders, victim, 20));
  orders.stop();
  CLUSTER_ASSERT_OK(wait_caught_up_and_agree(c, orders.acks()));
}

}  // namespace
}  // namespace replex::cluster
