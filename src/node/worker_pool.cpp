#include "worker_pool.hpp"

#include <spdlog/spdlog.h>

#include "replex/core/assert.hpp"

namespace replex::node {

WorkerPool::WorkerPool(std::uint32_t threads, std::uint32_t max_pending)
    : threads_(threads), max_pending_(max_pending), pool_(threads) {
  REPLEX_ASSERT(threads >= 1);
  REPLEX_ASSERT(max_pending >= 1);
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::try_post(std::function<void()> job) {
  if (stopped_.load(std::memory_order_acquire)) return false;
  if (pending_.fetch_add(1, std::memory_order_acq_rel) >= max_pending_) {
    pending_.fetch_sub(1, std::memory_order_acq_rel);
    refused_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  boost::asio::post(pool_, [this, job = std::move(job)] {
    try {
      job();
    } catch (const std::exception& e) {
      REPLEX_ASSERT_MSG(false, std::string("worker job threw: ") + e.what());
    }
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  });
  return true;
}

void WorkerPool::stop() {
  stopped_.store(true, std::memory_order_release);
  pool_.join();
}

}  // namespace replex::node
