// A partition through the test's FaultProxy (every validator-to-validator
// connection runs through it): one validator is cut off from all others
// under load — first the primary, which forces a view change, then a backup
// — and healed. The majority keeps committing, there is never a fork, and
// the isolated node converges to the same chain and takes part again.
#include <gtest/gtest.h>

#include "cluster_test_util.hpp"

namespace replex::cluster {
namespace {

constexpr std::uint64_t kBlocksWhileIsolated = 15;
constexpr std::size_t kAcksWhileIsolated = 100;

// Isolates `victim`, checks the others progress and the victim converges after the heal.
void isolate_and_heal(Cluster& c, OrderLoad& orders, std::size_t victim, bool expect_view_change) {
  const std::vector<std::size_t> others = c.all_except(victim);
  auto before = c.status(others[0]);
  CLUSTER_ASSERT_OK(before);

  c.isolate(victim);
  orders.set_up(victim, false);
  CLUSTER_ASSERT_OK(c.wait_partitioned(victim));
  auto isolated_at = c.max_height(others);
  CLUSTER_ASSERT_OK(isolated_at);
  const std::size_t acks_at_isolation = orders.ack_count();
  CLUSTER_ASSERT_OK(c.wait_for_height(others, *isolated_at + kBlocksWhileIsolated));
  ASSERT_TRUE(eventually([&] { return orders.ack_count() >= acks_at_isolation + kAcksWhileIsolated; }))
      << orders.failure_summary();
  if (expect_view_change) {
    auto after = c.status(others[0]);
    CLUSTER_ASSERT_OK(after);
    EXPECT_GT(after->view(), before->view()) << "the majority replaced the isolated primary";
  }
  // Cut off, the victim cannot have committed past what the others certified.
  auto victim_height = c.height(victim);
  CLUSTER_ASSERT_OK(victim_height);
  auto majority_height = c.max_height(others);
  CLUSTER_ASSERT_OK(majority_height);
  EXPECT_LE(*victim_height, *majority_height);

  c.heal(victim);
  CLUSTER_ASSERT_OK(c.wait_connected());
  auto healed_at = c.max_height(others);
  CLUSTER_ASSERT_OK(healed_at);
  CLUSTER_ASSERT_OK(c.wait_for_height({victim}, *healed_at));
  CLUSTER_ASSERT_OK(resume_submissions(orders, victim, 20));
}

TEST(ClusterPartition, IsolatedValidatorConvergesAfterTheHealWithoutAFork) {
  auto setup = start_under_load({.validators = 4, .proxied = true}, 100);
  CLUSTER_ASSERT_OK(setup);
  Cluster& c = *setup->cluster;
  OrderLoad& orders = *setup->load;

  auto status = c.status(0);
  CLUSTER_ASSERT_OK(status);
  const std::size_t primary = status->primary();
  {
    SCOPED_TRACE("isolating the primary");
    isolate_and_heal(c, orders, primary, true);
    if (::testing::Test::HasFatalFailure()) return;
  }
  auto next = c.status(0);
  CLUSTER_ASSERT_OK(next);
  {
    SCOPED_TRACE("isolating a backup");
    isolate_and_heal(c, orders, (next->primary() + 1) % c.size(), false);
    if (::testing::Test::HasFatalFailure()) return;
  }

  orders.stop();
  CLUSTER_ASSERT_OK(wait_caught_up_and_agree(c, orders.acks()));
}

}  // namespace
}  // namespace replex::cluster
