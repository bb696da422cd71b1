#include "gateway_bench.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "cpu_meter.hpp"
#include "json_scan.hpp"
#include "replex/client/gateway_load.hpp"
#include "replex/client/http_pool.hpp"
#include "replex/client/node_client.hpp"
#include "replex/client/request_load.hpp"
#include "replex/client/ws_fanout.hpp"

namespace replex::client {
namespace {

using Clock = std::chrono::steady_clock;

std::string rate_label(double rate) {
  if (rate <= 0) return "saturation";
  std::ostringstream out;
  out << static_cast<long long>(rate);
  return out.str();
}

struct Row {
  std::string api;
  double rate = 0;
  LoadReport report;
  CpuUse cpu;
};

bool rate_limited(const LoadReport& r) {
  for (const auto& [key, entry] : r.failures) {
    if (key.find("RATE_LIMITED") != std::string::npos || key.find("429") != std::string::npos) return true;
  }
  return false;
}

void print_report_line(const std::string& label, const LoadReport& r, const char* unit) {
  std::printf("%s: sent %llu, ok %llu (not applied %llu), failed %llu, unanswered %llu over %.1f s\n", label.c_str(),
              static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.ok),
              static_cast<unsigned long long>(r.not_applied), static_cast<unsigned long long>(r.failed),
              static_cast<unsigned long long>(r.unanswered), r.seconds);
  std::printf("%s: %.0f %s/s; latency ms p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n", label.c_str(), r.ok_per_s(), unit,
              r.percentile_ms(0.50), r.percentile_ms(0.90), r.percentile_ms(0.99), r.max_ms());
  if (r.failed > 0) std::printf("%s: failures: %s\n", label.c_str(), r.failure_summary().c_str());
  if (rate_limited(r)) {
    std::printf("%s: the node's rate limits answered (api.max_ip_requests_per_s, api.max_key_requests_per_s): raise "
                "them to measure the gateway rather than its limits (docs/PERFORMANCE.md, \"Gateway\")\n",
                label.c_str());
  }
}

// Offered rates x APIs, in that order; a row each.
int order_entry(const GatewayBenchOptions& o, std::vector<Row>& rows) {
  auto status = NodeClient(o.grpc_target).status();
  if (!status) {
    std::cerr << "error: " << status.status().message() << "\n";
    return 1;
  }
  std::printf("node %s: chain %s, height %llu, %u validator(s)\n", o.grpc_target.c_str(), status->chain_id().c_str(),
              static_cast<unsigned long long>(status->height()), status->validator_count());
  EntryContext context;
  context.testnet_dir = o.testnet_dir;
  context.chain_id = status->chain_id();
  context.grpc_target = o.grpc_target;
  context.rest_target = o.rest_target;
  context.max_in_flight = o.max_in_flight;
  context.io_threads = o.client_threads;
  context.commit_timeout = std::chrono::milliseconds(o.commit_timeout_ms);
  context.sign_threads = o.sign_threads;
  for (const double rate : o.rates) {
    for (const std::string& name : o.apis) {
      const auto api = parse_entry_api(name);
      // Batches go over REST only (POST /api/v1/orders/batch).
      const bool batched = o.batch > 1 && (*api == EntryApi::kRest || *api == EntryApi::kRestSigned);
      context.batch = batched ? o.batch : 1;
      if (auto fresh = NodeClient(o.grpc_target).status()) context.start_height = fresh->height();
      auto source = make_order_entry(*api, context);
      if (!source) {
        std::cerr << "error: " << name << ": " << source.status().message() << "\n";
        return 1;
      }
      const std::string api_label = batched ? name + " batch " + std::to_string(o.batch) : name;
      const std::string label = "[" + api_label + " @ " + rate_label(rate) + "]";
      std::printf("%s crossing orders with wait-for-commit for %.0f s, at most %zu in flight, %zu per request\n",
                  label.c_str(), o.duration_s, o.max_in_flight, context.batch);
      std::fflush(stdout);
      const CpuMeter meter(o.node_pids);
      RequestLoadOptions load;
      load.max_in_flight = o.max_in_flight;
      load.per_request = (*source)->per_request();
      load.rate_per_s = rate;
      load.duration = std::chrono::milliseconds(static_cast<std::int64_t>(o.duration_s * 1000));
      load.drain_timeout = std::chrono::milliseconds(o.commit_timeout_ms) + std::chrono::seconds(10);
      Row row{api_label, rate, run_request_load(load, (*source)->starter()), {}};
      row.cpu = meter.stop();
      source->reset();
      print_report_line(label, row.report, "committed orders");
      std::printf("%s: CPU: %s\n", label.c_str(), row.cpu.describe().c_str());
      std::printf("%s: CPU per committed order: %s\n", label.c_str(),
                  row.cpu.per(static_cast<double>(row.report.ok)).c_str());
      rows.push_back(std::move(row));
      std::fflush(stdout);
      std::this_thread::sleep_for(std::chrono::duration<double>(o.pause_s));
    }
  }
  return 0;
}

void print_order_table(const std::vector<Row>& rows) {
  // CPU columns: the first --node-pids process (the node under load) per
  // order, and the cores other processes of the machine took meanwhile.
  std::printf("\n| api | offered orders/s | committed orders/s | p50 ms | p90 ms | p99 ms | max ms | failed | node CPU us/order | "
              "other processes, cores |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows) {
    char cpu[32] = "-";
    char others[32] = "-";
    if (!r.cpu.nodes.empty() && r.cpu.nodes[0]) {
      std::snprintf(cpu, sizeof cpu, "%.0f", r.cpu.node(0) * 1e6 / std::max(1.0, static_cast<double>(r.report.ok)));
    }
    if (const auto o = r.cpu.others_cores()) std::snprintf(others, sizeof others, "%.2f", *o);
    std::printf("| %s | %s | %.0f | %.1f | %.1f | %.1f | %.1f | %llu | %s | %s |\n", r.api.c_str(),
                rate_label(r.rate).c_str(), r.report.ok_per_s(), r.report.percentile_ms(0.50),
                r.report.percentile_ms(0.90), r.report.percentile_ms(0.99), r.report.max_ms(),
                static_cast<unsigned long long>(r.report.failed), cpu, others);
  }
  // REST against gRPC at each rate: custodial with custodial, signed with signed.
  const auto find = [&](const std::string& api, double rate) -> const Row* {
    for (const Row& r : rows) {
      if (r.api == api && r.rate == rate) return &r;
    }
    return nullptr;
  };
  std::vector<double> rates;
  for (const Row& r : rows) {
    if (std::find(rates.begin(), rates.end(), r.rate) == rates.end()) rates.push_back(r.rate);
  }
  for (const double rate : rates) {
    for (const auto& [rest, grpc] : {std::pair<std::string, std::string>{"rest", "grpc"}, {"rest-signed", "node"}}) {
      const Row* a = find(rest, rate);
      const Row* b = find(grpc, rate);
      if (a == nullptr || b == nullptr || b->report.ok_per_s() <= 0) continue;
      const double ratio = a->report.ok_per_s() / b->report.ok_per_s();
      std::printf("%s / %s at %s: %.2f%s\n", rest.c_str(), grpc.c_str(), rate_label(rate).c_str(), ratio,
                  rest == "rest" ? (ratio >= 0.70 ? " (target >= 0.70: met)" : " (target >= 0.70: missed)") : "");
    }
  }
}

// GET /api/v1/status's height, or nullopt.
std::optional<std::uint64_t> rest_height(const std::string& target) {
  HttpPool pool(target, 1, 1, std::chrono::seconds(5));
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<HttpReply> answer;
  HttpCall call;
  call.target = "/api/v1/status";
  pool.send(std::move(call), [&](HttpReply reply) {
    std::lock_guard lock(mutex);
    answer = std::move(reply);
    changed.notify_all();
  });
  std::unique_lock lock(mutex);
  changed.wait_for(lock, std::chrono::seconds(10), [&] { return answer.has_value(); });
  if (!answer || answer->status != 200) return std::nullopt;
  return scan_u64(answer->body, "height");
}

// Waits (up to two minutes) until `follower` has applied what `leader` has,
// within a few blocks: an observer that fell behind under load catches up in
// bursts, which would be measured as fan-out lag.
void wait_caught_up(const std::string& leader, const std::string& follower) {
  if (leader == follower) return;
  const auto deadline = Clock::now() + std::chrono::minutes(2);
  for (;;) {
    const auto lead = rest_height(leader);
    const auto follow = rest_height(follower);
    if (!lead || !follow) {
      std::printf("catch-up: cannot read the heights of %s and %s; not waiting\n", leader.c_str(), follower.c_str());
      return;
    }
    if (*follow + 3 >= *lead || Clock::now() >= deadline) {
      std::printf("catch-up: %s at height %llu, %s at %llu\n", leader.c_str(), static_cast<unsigned long long>(*lead),
                  follower.c_str(), static_cast<unsigned long long>(*follow));
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// Rests an order on every level of both sides of the queried market (through
// --rest, waiting for each commit), so the queries read a book with depth.
void fill_book(const GatewayBenchOptions& o) {
  EntryContext context;
  context.testnet_dir = o.testnet_dir;
  context.rest_target = o.rest_target;
  context.max_in_flight = 2 * kRestingLevelsPerSide;
  auto source = make_resting_orders(context, o.book_market, /*wait=*/true);
  if (!source) {
    std::printf("book: not filled: %s\n", source.status().message().c_str());
    return;
  }
  std::mutex mutex;
  std::condition_variable changed;
  std::uint64_t left = 2 * kRestingLevelsPerSide, ok = 0;
  for (std::uint64_t i = 0; i < 2 * kRestingLevelsPerSide; ++i) {
    (*source)->start(i, [&](RequestOutcome outcome) {
      std::lock_guard lock(mutex);
      --left;
      ok += outcome.ok ? 1 : 0;
      changed.notify_all();
    });
  }
  {
    std::unique_lock lock(mutex);
    changed.wait_for(lock, std::chrono::seconds(30), [&] { return left == 0; });
    std::printf("book %s: %llu of %llu resting orders committed through %s (%llu levels a side)\n",
                o.book_market.c_str(), static_cast<unsigned long long>(ok),
                static_cast<unsigned long long>(2 * kRestingLevelsPerSide), o.rest_target.c_str(),
                static_cast<unsigned long long>(kRestingLevelsPerSide));
  }
  source->reset();
  // The observer applies the last block a moment later.
  std::this_thread::sleep_for(std::chrono::seconds(1));
}

int book_queries(const GatewayBenchOptions& o) {
  const std::string target = o.book_target.empty() ? o.rest_target : o.book_target;
  if (!o.rest_target.empty() && !o.testnet_dir.empty()) fill_book(o);
  if (!o.rest_target.empty()) wait_caught_up(o.rest_target, target);
  const std::string label = "[book " + o.book_market + " depth " + std::to_string(o.book_depth) + " @ " + target + "]";
  std::printf("%s %zu keep-alive clients, closed loop, for %.0f s\n", label.c_str(), o.book_clients, o.duration_s);
  std::fflush(stdout);
  auto source = make_book_queries(target, o.book_market, o.book_depth, o.book_clients, o.client_threads);
  const CpuMeter meter(o.node_pids);
  RequestLoadOptions load;
  load.max_in_flight = o.book_clients;
  load.duration = std::chrono::milliseconds(static_cast<std::int64_t>(o.duration_s * 1000));
  load.drain_timeout = std::chrono::seconds(15);
  const LoadReport report = run_request_load(load, source->starter());
  source.reset();
  const CpuUse cpu = meter.stop();
  print_report_line(label, report, "queries");
  std::printf("%s: CPU: %s\n", label.c_str(), cpu.describe().c_str());
  std::printf("%s: CPU per query: %s\n", label.c_str(), cpu.per(static_cast<double>(report.ok)).c_str());
  return report.ok > 0 ? 0 : 1;
}

// Lifts the soft limit on open files to what `needed` sockets take, within the hard limit.
void raise_fd_limit(std::size_t needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    std::printf("file descriptors: getrlimit failed (%s)\n", std::strerror(errno));
    return;
  }
  const rlim_t want = static_cast<rlim_t>(needed);
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur >= want) {
    std::printf("file descriptors: soft limit %llu is enough\n", static_cast<unsigned long long>(limit.rlim_cur));
    return;
  }
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? want : std::min(limit.rlim_max, want);
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    std::printf("file descriptors: raising the soft limit from %llu to %llu was refused (%s)\n",
                static_cast<unsigned long long>(before), static_cast<unsigned long long>(limit.rlim_cur),
                std::strerror(errno));
    return;
  }
  std::printf("file descriptors: soft limit raised from %llu to %llu%s\n", static_cast<unsigned long long>(before),
              static_cast<unsigned long long>(limit.rlim_cur),
              limit.rlim_cur < want ? " (the hard limit; fewer than needed)" : "");
}

int ws_fanout(const GatewayBenchOptions& o) {
  const std::string target = o.ws_target.empty() ? o.rest_target : o.ws_target;
  const std::string label = "[ws book." + o.ws_market + " x" + std::to_string(o.ws_subscribers) + " @ " + target + "]";
  raise_fd_limit(o.ws_subscribers + 256);
  wait_caught_up(o.rest_target, target);
  FanoutOptions fan;
  fan.rest_target = target;
  fan.market = o.ws_market;
  fan.subscribers = o.ws_subscribers;
  fan.io_threads = o.client_threads;
  WsFanout fanout(fan);
  const auto opening = Clock::now();
  if (Status s = fanout.open(); !s) {
    std::cerr << "error: " << s.message() << "\n";
    return 1;
  }
  std::printf("%s opened in %.1f s\n", label.c_str(), std::chrono::duration<double>(Clock::now() - opening).count());
  std::fflush(stdout);

  EntryContext context;
  context.testnet_dir = o.testnet_dir;
  context.rest_target = o.rest_target;
  context.max_in_flight = 64;
  context.io_threads = 1;
  auto driver = make_resting_orders(context, o.ws_market, /*wait=*/false);
  if (!driver) {
    std::cerr << "error: " << driver.status().message() << "\n";
    return 1;
  }
  std::printf("%s driving resting orders on %s through %s at %.0f/s for %.0f s\n", label.c_str(), o.ws_market.c_str(),
              o.rest_target.c_str(), o.ws_drive_rate, o.duration_s);
  std::fflush(stdout);
  const CpuMeter meter(o.node_pids);
  fanout.begin_measure();
  RequestLoadOptions load;
  load.max_in_flight = 64;
  load.rate_per_s = o.ws_drive_rate;
  load.duration = std::chrono::milliseconds(static_cast<std::int64_t>(o.duration_s * 1000));
  load.drain_timeout = std::chrono::seconds(10);
  const LoadReport orders = run_request_load(load, (*driver)->starter());
  // Let the last blocks' diffs arrive.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const FanoutReport r = fanout.end_measure();
  const CpuUse cpu = meter.stop();
  driver->reset();
  print_report_line(label + " driver", orders, "admitted orders");

  std::printf("%s subscribed %zu of %zu", label.c_str(), r.subscribed, r.subscribers);
  for (const auto& [error, count] : r.open_failures) std::printf("; failed to open x%llu: %s", static_cast<unsigned long long>(count), error.c_str());
  std::printf("\n");
  std::printf("%s book diffs received: %llu in %.1f s = %.0f messages/s (all subscribers); %llu heights with a diff, "
              "%llu blocks on the reference connection\n",
              label.c_str(), static_cast<unsigned long long>(r.updates), r.seconds, r.updates_per_s(),
              static_cast<unsigned long long>(r.heights), static_cast<unsigned long long>(r.blocks));
  std::printf("%s sequence gaps: %llu; disconnects: %llu", label.c_str(), static_cast<unsigned long long>(r.gaps),
              static_cast<unsigned long long>(r.disconnects));
  for (const auto& [reason, count] : r.close_reasons) std::printf(" (\"%s\" x%llu)", reason.c_str(), static_cast<unsigned long long>(count));
  std::printf("\n");
  const auto line = [&](const char* name, const std::vector<double>& v, const char* meaning) {
    std::printf("%s %s ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f  (%s)\n", label.c_str(), name,
                sorted_percentile(v, 0.5), sorted_percentile(v, 0.9), sorted_percentile(v, 0.99),
                v.empty() ? 0.0 : v.back(), meaning);
  };
  line("lag", r.lag_ms, "diff arrival - arrival of the same height's \"blocks\" message on one extra connection");
  line("age", r.age_ms, "diff arrival, wall clock - the block's time_ms, the proposer's timestamp");
  line("spread", r.spread_ms, "per height: last subscriber's arrival - first subscriber's");
  line("block age", r.block_age_ms, "the \"blocks\" message's arrival, wall clock - the block's time_ms");
  std::printf("%s CPU: %s\n", label.c_str(), cpu.describe().c_str());
  return r.updates > 0 ? 0 : 1;
}

}  // namespace

int run_gateway_bench(const GatewayBenchOptions& o) {
  std::printf("this machine: %u cores\n", std::max(1u, std::thread::hardware_concurrency()));
  if (!o.apis.empty()) {
    std::vector<Row> rows;
    if (const int code = order_entry(o, rows); code != 0) return code;
    print_order_table(rows);
    std::fflush(stdout);
  }
  int code = 0;
  if (o.book_clients > 0) code = std::max(code, book_queries(o));
  std::fflush(stdout);
  if (o.ws_subscribers > 0) code = std::max(code, ws_fanout(o));
  std::fflush(stdout);
  return code;
}

}  // namespace replex::client
