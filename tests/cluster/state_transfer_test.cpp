// A validator stopped while the others move several checkpoint intervals
// ahead (checkpoint_interval 10 in this genesis) catches up by state
// transfer: it installs a proven snapshot from a peer instead of replaying
// every block (it then holds no blocks below the snapshot), rejoins, and
// agrees with the others on every block it holds and on the app_hash. The
// snapshot comes in 4 KiB chunks, so in several. An observer stopped as long
// catches up the same way.
#include <gtest/gtest.h>

#include <regex>

#include "cluster_test_util.hpp"

namespace replex::cluster {
namespace {

constexpr std::uint64_t kCheckpointInterval = 10;
constexpr std::uint64_t kIntervalsBehind = 5;
constexpr std::uint32_t kChunkBytes = 4096;

TEST(ClusterStateTransfer, NodeFarBehindTheStableCheckpointCatchesUpByStateTransfer) {
  auto setup = start_under_load(
      {.validators = 4, .observers = 1, .checkpoint_interval = kCheckpointInterval, .state_chunk_bytes = kChunkBytes},
      50);
  CLUSTER_ASSERT_OK(setup);
  Cluster& c = *setup->cluster;
  OrderLoad& orders = *setup->load;

  auto status = c.status(0);
  CLUSTER_ASSERT_OK(status);
  const std::size_t victim = (status->primary() + 1) % c.validator_count();  // a backup
  const std::size_t observer = c.validator_count();
  std::vector<std::size_t> others;
  for (std::size_t i = 0; i < c.validator_count(); ++i) {
    if (i != victim) others.push_back(i);
  }
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

}  // namespace
}  // namespace replex::cluster
