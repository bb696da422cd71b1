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
  auto setup = start_under_load({.validators = 4}, 100);
  CLUSTER_ASSERT_OK(setup);
  Cluster& c = *setup->cluster;
  OrderLoad& orders = *setup->load;

  auto before = c.status(0);
  CLUSTER_ASSERT_OK(before);
  const std::size_t primary = before->primary();
  const std::size_t victim = which == Victim::kPrimary ? primary : (primary + 1) % c.size();
  const std::vector<std::size_t> survivors = c.all_except(victim);

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
  CLUSTER_ASSERT_OK(resume_submissions(orders, victim, kAcksAfterRestart));
  CLUSTER_ASSERT_OK(c.wait_connected());

  orders.stop();
  CLUSTER_ASSERT_OK(wait_caught_up_and_agree(c, orders.acks()));
}

TEST(ClusterCrash, BackupKilledUnderLoadRestartsFromItsStoreAndAgrees) {
  kill_under_load_and_restart(Victim::kBackup);
}

TEST(ClusterCrash, PrimaryKilledUnderLoadViewChangesAndItRestartsAndAgrees) {
  kill_under_load_and_restart(Victim::kPrimary);
}

}  // namespace
}  // namespace replex::cluster
