// run_request_load: one kind of asynchronous request (an order over some
// API, a book query) started at an offered rate, or closed loop (the next as
// soon as an answer frees a slot), with at most max_in_flight unanswered,
// for a fixed time; then waits for the answers. Every answer is recorded with
// its start-to-answer latency; failures are counted by a short key (HTTP
// status and error code, gRPC code, submit status), never fatal. A request
// may carry several orders (a batch, per_request): each order's answer is
// recorded on its own, with the latency from its request's start. For
// `replex bench` (docs/PERFORMANCE.md, "Gateway"). The calling thread starts
// the requests; answers may come on any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace replex::client {

struct RequestOutcome {
  // Order entry: committed (whatever the exchange made of it); queries: answered 200.
  bool ok = false;
  // Order entry: the exchange applied it (result OK); false: committed but refused.
  bool applied = true;
  // When !ok: the failure's key ("HTTP 429 RATE_LIMITED", "gRPC 14") and its message.
  std::string failure;
  std::string message;
};

using RequestDone = std::function<void(RequestOutcome)>;
// Starts request number `sequence` (0, 1, ...); `done` runs exactly
// per_request times (once per order it carries), on any thread.
using StartRequest = std::function<void(std::uint64_t sequence, RequestDone done)>;

struct RequestLoadOptions {
  // Orders (answers) in flight, counting each order of a batch.
  std::size_t max_in_flight = 256;
  // Answers per request: 1, or the orders of a batch.
  std::size_t per_request = 1;
  // Orders per second; 0: closed loop (as fast as max_in_flight allows).
  double rate_per_s = 0;
  std::chrono::milliseconds duration{10'000};
  // How long to wait for the requests in flight once sending stops.
  std::chrono::milliseconds drain_timeout{40'000};
};

struct LoadReport {
  std::uint64_t sent = 0;  // orders (a batch counts each)
  std::uint64_t ok = 0;
  std::uint64_t not_applied = 0;  // ok, but the exchange refused it
  std::uint64_t failed = 0;
  std::uint64_t unanswered = 0;  // still in flight when the drain timed out
  double seconds = 0;            // first start to last answer
  std::vector<std::chrono::nanoseconds> latencies;  // of the ok answers, sorted
  std::map<std::string, std::pair<std::uint64_t, std::string>> failures;  // key -> count, first message

  double ok_per_s() const;
  // 0 <= p <= 1; 0 without answers.
  double percentile_ms(double p) const;
  double max_ms() const;
  // "HTTP 429 RATE_LIMITED x12 (first: ...); ..."
  std::string failure_summary() const;
};

LoadReport run_request_load(const RequestLoadOptions& options, const StartRequest& start);

}  // namespace replex::client
