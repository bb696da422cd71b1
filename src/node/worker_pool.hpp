// WorkerPool: threads that verify signatures off the consensus and network
// threads (consensus messages, transaction envelopes).
//
// try_post() is thread-safe and refuses work beyond max_pending jobs (queued
// or running), so a flood of peer messages cannot grow memory without bound.
// stop() waits for the jobs already accepted and refuses new ones.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "replex/p2p/asio.hpp"

namespace replex::node {

class WorkerPool {
 public:
  WorkerPool(std::uint32_t threads, std::uint32_t max_pending);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the pool is stopped or max_pending jobs are waiting.
  bool try_post(std::function<void()> job);
  void stop();

  std::uint32_t threads() const { return threads_; }
  std::uint32_t pending() const { return pending_.load(std::memory_order_relaxed); }
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  const std::uint32_t threads_;
  const std::uint32_t max_pending_;
  boost::asio::thread_pool pool_;
  std::atomic<std::uint32_t> pending_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace replex::node
