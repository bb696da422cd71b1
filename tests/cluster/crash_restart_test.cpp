// kill -9 under load: first a backup, then (separately) the primary. The
// three survivors keep committing (after a view change when the primary
// died); the killed node restarts from its RocksDB, catches up, takes
// submissions again, and every node agrees on every block and on every
// acknowledged transaction.
#include <gtest/gtest.h>

#include "cluster_test_util.hpp"

namespace replex::cluster {
namespace {

constexpr std::uint64_t kBlocksWhileDown = 20;
constexpr std::size_t kAcksWhileDown = 150;
constexpr std::size_t kAcksAfterRestart = 20;

enum class Victim { kBackup, kPrimary };

void kill_under_load_and_restart(Victim which) {
  auto cluster = Cluster::create({.validators = 4});
  CLUSTER_ASSERT_OK(cluster);
  Cluster& c = **cluster;
  CLUSTER_ASSERT_OK(c.start_all());
  auto load = c.make_load({.max_in_flight = 48, .rate_per_s = 150, .commit_timeout = 10'000ms});
  CLUSTER_ASSERT_OK(load);
  OrderLoad& orders = **load;
  orders.start(0);
  ASSERT_TRUE(eventually([&] { return orders.ack_count() >= 100; })) << orders.failure_summary();

  auto before = c.status(0);
  CLUSTER_ASSERT_OK(before);
  const std::size_t primary = before->primary();
  const std::size_t victim = which == Victim::kPrimary ? primary : (primary + 1) % c.size();
  std::vector<std::size_t> survivors;
  for (const std::size_t node : c.all()) {
    if (node != victim) survivors.push_back(node);
  }

  c.kill(victim);
  orders.set_up(victim, false);
  auto killed_at = c.max_height(survivors);
  CLUSTER_ASSERT_OK(killed_at);
  const std::size_t acks_at_kill = orders.ack_count();

  // The survivors (a quorum of 3) keep committing without it.
  CLUSTER_ASSERT_OK(c.wait_for_height(survivors, *killed_at + kBlocksWhileDown));
  ASSERT_TRUE(eventually([&] { return orders.ack_count() >= acks_at_kill + kAcksWhileDown; }))
      << "acknowledged " << orders.ack_count() - acks_at_kill << " after the kill; " << orders.failure_summary();
  if (which == Victim::kPrimary) {
    auto after = c.status(survivors[0]);
    CLUSTER_ASSERT_OK(after);
    EXPECT_GT(after->view(), before->view()) << "the survivors replaced the dead primary";
    EXPECT_NE(after->primary(), primary);
  }

  // Restarted from its RocksDB, it catches up and serves submissions again.
  CLUSTER_ASSERT_OK(c.start(victim));
  auto survivors_at_restart = c.max_height(survivors);
  CLUSTER_ASSERT_OK(survivors_at_restart);
  CLUSTER_ASSERT_OK(c.wait_for_height({victim}, *survivors_at_restart));
  const std::size_t victim_acks = acks_from(orders.acks(), victim);
  orders.set_up(victim, true);
  ASSERT_TRUE(eventually([&] { return acks_from(orders.acks(), victim) >= victim_acks + kAcksAfterRestart; }))
      << "the restarted node acknowledged " << acks_from(orders.acks(), victim) - victim_acks << "; "
      << orders.failure_summary();
  CLUSTER_ASSERT_OK(c.wait_connected());

  orders.stop();
  auto height = c.wait_caught_up(c.all());
  CLUSTER_ASSERT_OK(height);
  CLUSTER_ASSERT_OK(c.check_agreement(c.all(), *height, orders.acks()));
}

TEST(ClusterCrash, BackupKilledUnderLoadRestartsFromItsStoreAndAgrees) {
  kill_under_load_and_restart(Victim::kBackup);
}

TEST(ClusterCrash, PrimaryKilledUnderLoadViewChangesAndItRestartsAndAgrees) {
  kill_under_load_and_restart(Victim::kPrimary);
}

}  // namespace
}  // namespace replex::cluster
