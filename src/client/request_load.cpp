#include "replex/client/request_load.hpp"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "replex/core/assert.hpp"

namespace replex::client {
namespace {

using Clock = std::chrono::steady_clock;

// What the answers share with the sending thread; owned by every pending
// `done` too, so an answer after a timed-out drain finds it alive.
struct Shared {
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t in_flight = 0;       // guarded by mutex
  Clock::time_point last_answer;   // guarded by mutex
  LoadReport report;               // guarded by mutex
};

}  // namespace

double LoadReport::ok_per_s() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }

double LoadReport::percentile_ms(double p) const {
  REPLEX_ASSERT(p >= 0 && p <= 1);
  if (latencies.empty()) return 0;
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(latencies.size() - 1) + 0.5);
  return std::chrono::duration<double, std::milli>(latencies[std::min(rank, latencies.size() - 1)]).count();
}

double LoadReport::max_ms() const {
  return latencies.empty() ? 0 : std::chrono::duration<double, std::milli>(latencies.back()).count();
}

std::string LoadReport::failure_summary() const {
  std::ostringstream out;
  for (const auto& [key, entry] : failures) out << key << " x" << entry.first << " (first: " << entry.second << "); ";
  return out.str();
}

LoadReport run_request_load(const RequestLoadOptions& options, const StartRequest& start) {
  REPLEX_ASSERT(options.max_in_flight > 0);
  REPLEX_ASSERT(options.rate_per_s >= 0);
  REPLEX_ASSERT(options.per_request >= 1 && options.per_request <= options.max_in_flight);
  const std::size_t n = options.per_request;
  auto shared = std::make_shared<Shared>();
  // The period of a request: a batch of n orders goes n times less often.
  const auto period = options.rate_per_s > 0
                          ? std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(static_cast<double>(n) / options.rate_per_s))
                          : Clock::duration::zero();
  const auto first = Clock::now();
  const auto until = first + options.duration;
  auto next_send = first;
  std::uint64_t sequence = 0;
  std::uint64_t sent = 0;
  for (;;) {
    {
      std::unique_lock lock(shared->mutex);
      shared->changed.wait_until(lock, until, [&] { return shared->in_flight + n <= options.max_in_flight; });
      if (Clock::now() >= until) break;
      shared->in_flight += n;
    }
    if (period != Clock::duration::zero()) {
      // Behind schedule by more than a few periods (the window was full): do
      // not burst to catch up.
      next_send = std::max(next_send + period, Clock::now() - 10 * period);
      std::this_thread::sleep_until(next_send);
      if (Clock::now() >= until) {
        std::lock_guard lock(shared->mutex);
        shared->in_flight -= n;
        break;
      }
    }
    const auto started = Clock::now();
    sent += n;
    start(sequence++, [shared, started](RequestOutcome outcome) {
      const auto now = Clock::now();
      std::lock_guard lock(shared->mutex);
      LoadReport& r = shared->report;
      if (outcome.ok) {
        ++r.ok;
        if (!outcome.applied) ++r.not_applied;
        r.latencies.push_back(now - started);
      } else {
        ++r.failed;
        auto& entry = r.failures[outcome.failure];
        if (entry.first++ == 0) entry.second = outcome.message.substr(0, 200);
      }
      shared->last_answer = std::max(shared->last_answer, now);
      --shared->in_flight;
      shared->changed.notify_all();
    });
  }
  std::unique_lock lock(shared->mutex);
  shared->changed.wait_for(lock, options.drain_timeout, [&] { return shared->in_flight == 0; });
  LoadReport report = shared->report;
  report.sent = sent;
  report.unanswered = shared->in_flight;
  const auto last = std::max(shared->last_answer, first);
  report.seconds = std::chrono::duration<double>(last - first).count();
  std::sort(report.latencies.begin(), report.latencies.end());
  return report;
}

}  // namespace replex::client
