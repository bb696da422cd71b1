// A validator stopped while the others move several checkpoint intervals
// ahead (checkpoint_interval 10 in this genesis) catches up by state
// transfer: it installs a proven snapshot from a peer instead of replaying
// every block (it then holds no blocks below the snapshot), rejoins, and
// agrees with the others on every block it holds and on the app_hash.
#include <gtest/gtest.h>

#include "cluster_test_util.hpp"

namespace replex::cluster {
namespace {

constexpr std::uint64_t kCheckpointInterval = 10;
constexpr std::uint64_t kIntervalsBehind = 5;

TEST(ClusterStateTransfer, NodeFarBehindTheStableCheckpointCatchesUpByStateTransfer) {
  auto cluster = Cluster::create({.validators = 4, .checkpoint_interval = kCheckpointInterval});
  CLUSTER_ASSERT_OK(cluster);
  Cluster& c = **cluster;
  CLUSTER_ASSERT_OK(c.start_all());
  auto load = c.make_load({.max_in_flight = 48, .rate_per_s = 150, .commit_timeout = 10'000ms});
  CLUSTER_ASSERT_OK(load);
  OrderLoad& orders = **load;
  orders.start(0);
  ASSERT_TRUE(eventually([&] { return orders.ack_count() >= 50; })) << orders.failure_summary();

  auto status = c.status(0);
  CLUSTER_ASSERT_OK(status);
  const std::size_t victim = (status->primary() + 1) % c.size();  // a backup
  std::vector<std::size_t> others;
  for (const std::size_t node : c.all()) {
    if (node != victim) others.push_back(node);
  }
  orders.set_up(victim, false);
  CLUSTER_ASSERT_OK(c.stop(victim));
  auto stopped_at = c.height(others[0]);
  CLUSTER_ASSERT_OK(stopped_at);
  CLUSTER_ASSERT_OK(c.wait_for_height(others, *stopped_at + kIntervalsBehind * kCheckpointInterval));

  CLUSTER_ASSERT_OK(c.start(victim));
  auto target = c.max_height(others);
  CLUSTER_ASSERT_OK(target);
  CLUSTER_ASSERT_OK(c.wait_for_height({victim}, *target));
  ASSERT_TRUE(eventually([&] { return c.log_contains(victim, "installed state at height"); }, 10s))
      << "node" << victim << " caught up without a state transfer";
  auto caught_up = c.status(victim);
  CLUSTER_ASSERT_OK(caught_up);
  EXPECT_GT(caught_up->first_height(), *stopped_at)
      << "after installing a snapshot the node holds blocks from the snapshot on, not the ones it missed";

  // It takes part again: submissions through it commit.
  const std::size_t victim_acks = acks_from(orders.acks(), victim);
  orders.set_up(victim, true);
  ASSERT_TRUE(eventually([&] { return acks_from(orders.acks(), victim) >= victim_acks + 20; }))
      << orders.failure_summary();

  orders.stop();
  auto height = c.wait_caught_up(c.all());
  CLUSTER_ASSERT_OK(height);
  CLUSTER_ASSERT_OK(c.check_agreement(c.all(), *height, orders.acks()));
}

}  // namespace
}  // namespace replex::cluster
