#include "worker_pool.hpp"

#include <pthread.h>

#include <exception>
#include <string>

#include "replex/core/assert.hpp"

namespace replex::node {

WorkerPool::WorkerPool(std::uint32_t threads, std::uint32_t max_pending, std::uint32_t max_pending_per_peer)
    : thread_count_(threads), max_pending_(max_pending), max_pending_per_peer_(max_pending_per_peer) {
  REPLEX_ASSERT(threads >= 1);
  REPLEX_ASSERT(max_pending >= 1 && max_pending_per_peer >= 1);
  for (std::uint32_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "replex-worker");
      work();
    });
  }
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::try_post_validator(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (!stopped_ && validator_pending_ < max_pending_) {
      ++validator_pending_;
      validator_lane_.push_back(Job{std::move(job), std::nullopt});
      wake_.notify_one();
      return true;
    }
  }
  refused_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

bool WorkerPool::try_post(std::function<void()> job, const std::optional<PeerKey>& peer) {
  std::vector<std::function<void()>> one;
  one.push_back(std::move(job));
  return try_post_all(std::move(one), peer);
}

bool WorkerPool::try_post_all(std::vector<std::function<void()>> jobs, const std::optional<PeerKey>& peer) {
  const auto count = static_cast<std::uint32_t>(jobs.size());
  {
    std::lock_guard lock(mutex_);
    const bool peer_has_room = !peer || per_peer_[*peer] + count <= max_pending_per_peer_;
    if (!stopped_ && shared_pending_ + count <= max_pending_ && peer_has_room) {
      shared_pending_ += count;
      if (peer) per_peer_[*peer] += count;
      for (auto& job : jobs) shared_lane_.push_back(Job{std::move(job), peer});
      if (count == 1) {
        wake_.notify_one();
      } else {
        wake_.notify_all();
      }
      return true;
    }
    if (peer && per_peer_[*peer] == 0) per_peer_.erase(*peer);  // operator[] made it
  }
  refused_.fetch_add(count, std::memory_order_relaxed);
  return false;
}

std::uint32_t WorkerPool::pending() const {
  std::lock_guard lock(mutex_);
  return validator_pending_ + shared_pending_;
}

void WorkerPool::work() {
  for (;;) {
    Job job;
    bool validator = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopped_ || !validator_lane_.empty() || !shared_lane_.empty(); });
      // Validators first: consensus must not wait behind outsiders' work.
      if (!validator_lane_.empty()) {
        job = std::move(validator_lane_.front());
        validator_lane_.pop_front();
        validator = true;
      } else if (!shared_lane_.empty()) {
        job = std::move(shared_lane_.front());
        shared_lane_.pop_front();
      } else {
        return;  // stopped and drained
      }
    }
    try {
      job.run();
    } catch (const std::exception& e) {
      REPLEX_ASSERT_MSG(false, std::string("worker job threw: ") + e.what());
    }
    std::lock_guard lock(mutex_);
    if (validator) {
      --validator_pending_;
    } else {
      --shared_pending_;
      if (job.peer) {
        auto it = per_peer_.find(*job.peer);
        REPLEX_ASSERT(it != per_peer_.end() && it->second > 0);
        if (--it->second == 0) per_peer_.erase(it);
      }
    }
  }
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_ && threads_.empty()) return;
    stopped_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace replex::node
