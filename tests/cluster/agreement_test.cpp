// Four validators and an observer from `replex testnet`, as separate
// processes: thousands of signed crossing orders submitted over gRPC to every
// node (the observer relays to the validators) all commit; every node ends
// at the same height with the same block hashes and app_hashes, and every
// transaction a node acknowledged as committed is in the block it named.
#include <gtest/gtest.h>

#include "cluster_test_util.hpp"

namespace replex::cluster {
namespace {

constexpr std::uint64_t kOrders = 4000;

TEST(ClusterAgreement, ValidatorsAndObserverAgreeOnThousandsOfCrossingOrders) {
  auto cluster = Cluster::create({.validators = 4, .observers = 1});
  CLUSTER_ASSERT_OK(cluster);
  Cluster& c = **cluster;
  CLUSTER_ASSERT_OK(c.start_all());

  auto load = c.make_load({.max_in_flight = 200, .total = kOrders});
  CLUSTER_ASSERT_OK(load);
  (*load)->start(0);
  ASSERT_TRUE((*load)->wait_done(Cluster::kProgressTimeout * 2))
      << "sent " << (*load)->sent() << ", acknowledged " << (*load)->ack_count();
  (*load)->stop();
  const std::vector<Ack> acks = (*load)->acks();

  // A healthy cluster commits everything it is sent, through every node.
  EXPECT_EQ(acks.size(), kOrders) << (*load)->failure_summary();
  for (std::size_t node = 0; node < c.size(); ++node) {
    EXPECT_GT(acks_from(acks, node), kOrders / c.size() / 2) << "node" << node;
  }
  std::size_t applied = 0;
  for (const Ack& ack : acks) applied += ack.result_code == 0 ? 1 : 0;
  EXPECT_EQ(applied, acks.size()) << "every crossing order is funded and valid, so every one applies";

  auto height = wait_caught_up_and_agree(c, acks);
  CLUSTER_ASSERT_OK(height);
  EXPECT_GT(*height, 1u);

  // The tip: same height, block and app_hash as every node reports it.
  auto reference = c.client(0).block(*height);
  CLUSTER_ASSERT_OK(reference);
  for (const std::size_t node : c.all()) {
    auto block = c.client(node).block(*height);
    CLUSTER_ASSERT_OK(block);
    EXPECT_EQ(block->app_hash(), reference->app_hash()) << "node" << node;
  }
}

}  // namespace
}  // namespace replex::cluster
