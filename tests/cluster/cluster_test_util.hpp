// Assertions and waits shared by the cluster tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "cluster.hpp"

// Fails the test (and returns) when a Status or Result is not ok, printing why.
#define CLUSTER_ASSERT_OK(expr)                                                    \
  do {                                                                             \
    const ::replex::Status cluster_status_ = ::replex::cluster::status_of(expr);   \
    ASSERT_TRUE(cluster_status_.is_ok()) << #expr << ": " << cluster_status_.to_string(); \
  } while (0)

namespace replex::cluster {

inline Status status_of(const Status& s) { return s; }
template <typename T>
Status status_of(const Result<T>& r) {
  return r.status();
}

// Polls `done` until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = Cluster::kProgressTimeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

// The steady load the fault tests run under: a few blocks' worth of orders a
// second, each waited for long enough to outlast a view change.
inline LoadOptions steady_load() {
  return LoadOptions{.max_in_flight = 48, .rate_per_s = 150, .commit_timeout = std::chrono::milliseconds(10'000)};
}

// A started cluster with a steady_load() running that has had `warm_acks`
// orders acknowledged. Members are destroyed load first, then the cluster.
struct ClusterUnderLoad {
  std::unique_ptr<Cluster> cluster;
  std::unique_ptr<OrderLoad> load;
  // A backup to stop or cut off: the validator after the primary, as node 0
  // saw it once the warm-up orders were acknowledged.
  std::size_t backup = 0;
};

inline Result<ClusterUnderLoad> start_under_load(ClusterOptions options, std::size_t warm_acks) {
  ClusterUnderLoad out;
  REPLEX_ASSIGN_OR_RETURN(out.cluster, Cluster::create(options));
  REPLEX_RETURN_IF_ERROR(out.cluster->start_all());
  REPLEX_ASSIGN_OR_RETURN(out.load, out.cluster->make_load(steady_load()));
  out.load->start(0);
  OrderLoad& load = *out.load;
  if (!eventually([&] { return load.ack_count() >= warm_acks; })) {
    return Status::deadline_exceeded("only " + std::to_string(load.ack_count()) + " of " + std::to_string(warm_acks) +
                                     " warm-up orders acknowledged: " + load.failure_summary());
  }
  REPLEX_ASSIGN_OR_RETURN(v1::GetStatusResponse status, out.cluster->status(0));
  out.backup = (status.primary() + 1) % out.cluster->validator_count();
  return out;
}

// Acknowledgements answered by one node.
inline std::size_t acks_from(const std::vector<Ack>& acks, std::size_t node) {
  std::size_t n = 0;
  for (const Ack& ack : acks) n += ack.node == node ? 1 : 0;
  return n;
}

// Sends to `node` again and waits until it has acknowledged `more` orders:
// it takes part in the cluster again.
inline Status resume_submissions(OrderLoad& load, std::size_t node, std::size_t more) {
  const std::size_t before = acks_from(load.acks(), node);
  load.set_up(node, true);
  if (eventually([&] { return acks_from(load.acks(), node) >= before + more; })) return Status::ok();
  return Status::deadline_exceeded("node" + std::to_string(node) + " acknowledged " +
                                   std::to_string(acks_from(load.acks(), node) - before) + " of " +
                                   std::to_string(more) + " orders after it came back; " + load.failure_summary());
}

// Once every node has caught up with the highest height any has: they agree
// on every block and on every acknowledgement; that height.
inline Result<std::uint64_t> wait_caught_up_and_agree(Cluster& c, const std::vector<Ack>& acks) {
  REPLEX_ASSIGN_OR_RETURN(std::uint64_t height, c.wait_caught_up(c.all()));
  REPLEX_RETURN_IF_ERROR(c.check_agreement(c.all(), height, acks));
  return height;
}

}  // namespace replex::cluster
