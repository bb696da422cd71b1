// Outsiders flooding every validator with state requests while orders flow:
// the validators' consensus work has a lane of its own and each peer's
// requests are bounded (docs/node.md, "Threads"), so the flood costs no view
// change and commits continue. The run prints the flood's size and its effect
// (docs/PERFORMANCE.md, "An outside peer flooding"); REPLEX_CLUSTER_BINARY
// runs the same flood against another build for a before/after figure.
#include <gtest/gtest.h>

#include <cstdio>

#include "cluster_test_util.hpp"
#include "request_flood.hpp"

namespace replex::cluster {
namespace {

using namespace std::chrono_literals;

constexpr auto kFloodFor = 20s;
constexpr std::size_t kFloodersPerValidator = 2;

TEST(ClusterFlood, OutsidersFloodingStateRequestsCostNoViewChange) {
  ClusterOptions options;
  options.checkpoint_interval = 10;  // proven snapshots to serve, so each request reads the store
  auto started = start_under_load(options, 50);
  CLUSTER_ASSERT_OK(started);
  Cluster& c = *started->cluster;
  OrderLoad& orders = *started->load;

  std::vector<std::uint64_t> views_before;
  for (std::size_t i = 0; i < c.size(); ++i) {
    auto status = c.status(i);
    CLUSTER_ASSERT_OK(status);
    views_before.push_back(status->view());
  }
  auto height_before = c.max_height(c.all());
  CLUSTER_ASSERT_OK(height_before);
  const std::size_t acks_before = orders.ack_count();

  std::uint64_t sent = 0;
  std::uint64_t identities = 0;
  {
    std::vector<std::unique_ptr<RequestFlood>> floods;
    for (std::size_t i = 0; i < c.size(); ++i) {
      floods.push_back(std::make_unique<RequestFlood>(c.p2p_port(i), c.chain_id(), kFloodersPerValidator));
    }
    std::this_thread::sleep_for(kFloodFor);
    for (const auto& flood : floods) {
      sent += flood->sent();
      identities += flood->identities();
    }
  }
  const std::size_t acks_during = orders.ack_count() - acks_before;
  auto height_after = c.max_height(c.all());
  CLUSTER_ASSERT_OK(height_after);

  std::uint64_t view_changes = 0;
  for (std::size_t i = 0; i < c.size(); ++i) {
    auto status = c.status(i);
    CLUSTER_ASSERT_OK(status);
    view_changes = std::max(view_changes, status->view() - views_before[i]);
  }
  std::printf("flood: %llu state requests from %llu outside identities over %lld s; "
              "%zu orders committed meanwhile (%llu blocks); view changes: %llu\n",
              static_cast<unsigned long long>(sent), static_cast<unsigned long long>(identities),
              static_cast<long long>(kFloodFor.count()), acks_during,
              static_cast<unsigned long long>(*height_after - *height_before),
              static_cast<unsigned long long>(view_changes));
  EXPECT_GT(sent, 0u);
  EXPECT_GT(acks_during, 0u) << orders.failure_summary();
  EXPECT_EQ(view_changes, 0u) << "the flood cost view changes";

  orders.stop();
  CLUSTER_ASSERT_OK(wait_caught_up_and_agree(c, orders.acks()));
}

}  // namespace
}  // namespace replex::cluster
