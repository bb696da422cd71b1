// WorkerPool: threads that verify signatures and serve peers off the
// consensus and network threads (consensus messages, transaction envelopes,
// block and state requests).
//
// Two lanes, so outsiders cannot starve consensus: consensus messages from
// validators go to their own lane, which workers always empty first and
// which has its own bound; everything else (transactions from clients and
// peers, peers' requests) shares the other lane, where each peer may hold at
// most max_pending_per_peer jobs. Each lane refuses work beyond max_pending
// jobs (queued or running), so a flood cannot grow memory without bound.
// try_post*() are thread-safe; stop() waits for the jobs already accepted and
// refuses new ones.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace replex::node {

class WorkerPool {
 public:
  using PeerKey = std::array<std::uint8_t, 32>;  // a peer's node id

  WorkerPool(std::uint32_t threads, std::uint32_t max_pending, std::uint32_t max_pending_per_peer);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // The validators' lane. False when stopped or max_pending of its jobs wait.
  bool try_post_validator(std::function<void()> job);
  // The shared lane; `peer` names the peer the work is for (nullopt: local
  // work, bounded elsewhere). False when stopped, the lane is full, or the
  // peer already holds max_pending_per_peer jobs.
  bool try_post(std::function<void()> job, const std::optional<PeerKey>& peer = std::nullopt);
  // The shared lane, all of `jobs` or none of them (the shares of one batch).
  bool try_post_all(std::vector<std::function<void()>> jobs, const std::optional<PeerKey>& peer = std::nullopt);
  void stop();

  std::uint32_t threads() const { return thread_count_; }
  // The most jobs of one peer try_post_all can ever accept at once.
  std::uint32_t max_jobs_at_once() const { return std::min(max_pending_, max_pending_per_peer_); }
  std::uint32_t pending() const;
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  struct Job {
    std::function<void()> run;
    std::optional<PeerKey> peer;
  };
  void work();

  const std::uint32_t thread_count_;
  const std::uint32_t max_pending_;
  const std::uint32_t max_pending_per_peer_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> validator_lane_;  // guarded by mutex_
  std::deque<Job> shared_lane_;     // guarded by mutex_
  std::uint32_t validator_pending_ = 0;  // queued or running; guarded by mutex_
  std::uint32_t shared_pending_ = 0;     // guarded by mutex_
  std::map<PeerKey, std::uint32_t> per_peer_;  // shared-lane jobs per peer; guarded by mutex_
  bool stopped_ = false;                       // guarded by mutex_
  std::atomic<std::uint64_t> refused_{0};
  std::vector<std::thread> threads_;
};

}  // namespace replex::node
