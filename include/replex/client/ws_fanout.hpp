// WsFanout: many WebSocket subscribers of one market's book on one REST
// gateway (/api/v1/stream, channel book.<market>), plus one more connection
// subscribed to "blocks" as the reference clock of each height, for
// `replex bench --ws-subscribers` (docs/PERFORMANCE.md, "Gateway").
//
// Every subscriber checks its diffs' continuity (first_update_id = the
// previous last_update_id + 1, from the snapshot on) all the time; between
// begin_measure() and end_measure() it also records when each diff arrived.
// The report defines its lags:
//   lag   = a diff's arrival - the arrival of the "blocks" message of the same
//           height on the reference connection (both on this client's clock;
//           negative when the diff came first: the node publishes a block's
//           book diffs before its block message);
//   age   = a diff's arrival (wall clock) - the block's time_ms (the
//           proposer's timestamp): commit, execution and fan-out together;
//   spread = per height, the last subscriber's arrival - the first one's;
//   block age = the "blocks" message's arrival (wall clock) - its time_ms:
//           what age owes to commit and execution rather than to fan-out.
// Owns `io_threads` threads. Not thread-safe: one caller.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "replex/core/status.hpp"

namespace replex::client {

struct FanoutOptions {
  std::string rest_target;  // host:port of the REST gateway
  std::string market = "BTC-USDT";
  std::size_t subscribers = 1000;
  std::size_t io_threads = 1;
  // Connections being opened at once (connect, upgrade, subscribe, snapshot).
  std::size_t max_opening = 64;
  std::chrono::milliseconds open_timeout{60'000};
};

struct FanoutReport {
  std::size_t subscribers = 0;  // asked for
  std::size_t subscribed = 0;   // got their snapshot
  std::map<std::string, std::uint64_t> open_failures;  // error -> count
  double seconds = 0;            // measured
  std::uint64_t updates = 0;     // diffs received while measuring, all subscribers
  std::uint64_t heights = 0;     // distinct heights among them
  std::uint64_t blocks = 0;      // "blocks" messages while measuring
  std::uint64_t gaps = 0;        // continuity breaks, all subscribers, whole run
  std::uint64_t disconnects = 0; // subscribers the server closed (whole run)
  std::map<std::string, std::uint64_t> close_reasons;
  // Sorted, in milliseconds.
  std::vector<double> lag_ms, age_ms, spread_ms, block_age_ms;

  double updates_per_s() const { return seconds > 0 ? static_cast<double>(updates) / seconds : 0; }
};

// p in [0, 1] of a sorted vector; 0 when empty.
double sorted_percentile(const std::vector<double>& sorted, double p);

class WsFanout {
 public:
  explicit WsFanout(FanoutOptions options);
  ~WsFanout();  // closes every connection
  WsFanout(const WsFanout&) = delete;
  WsFanout& operator=(const WsFanout&) = delete;

  // Opens the reference connection and every subscriber; fails only when the
  // reference connection or every subscriber failed (see the report's open_failures).
  Status open();
  void begin_measure();
  FanoutReport end_measure();

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace replex::client
