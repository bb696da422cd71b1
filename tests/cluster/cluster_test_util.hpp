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

// Acknowledgements answered by one node.
inline std::size_t acks_from(const std::vector<Ack>& acks, std::size_t node) {
  std::size_t n = 0;
  for (const Ack& ack : acks) n += ack.node == node ? 1 : 0;
  return n;
}

}  // namespace replex::cluster
