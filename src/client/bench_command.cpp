#include "replex/client/bench_command.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "replex/core/assert.hpp"
#include "replex/core/ed25519.hpp"
#include "replex/core/tx_envelope.hpp"
#include "cpu_meter.hpp"
#include "gateway_bench.hpp"
#include "replex/client/node_client.hpp"
#include "replex/client/order_flow.hpp"
#include "replex/client/gateway_load.hpp"
#include "replex/client/order_load.hpp"

namespace replex::client {
namespace {

using Clock = std::chrono::steady_clock;

// A run whose calls went out at this fraction of its offered rate or more
// was not held back by --max-in-flight (nor by signing): the cluster kept up.
constexpr double kKeptUpFraction = 0.97;

struct BenchOptions {
  std::vector<std::string> targets;
  std::string testnet_dir;
  std::vector<double> rates{1000};  // the signed-orders run takes the first
  double duration_s = 20;
  std::size_t max_in_flight = 2048;
  std::uint32_t commit_timeout_ms = 30'000;
  std::size_t batch = 1;
  std::size_t sign_threads = 1;
  double verify_seconds = 1;
  bool verify_only = false;
  // Above 0: a second run at this fraction of the first run's committed rate
  // (the sustained rate, when the first run's --rate saturates the cluster).
  double then_at = 0;
  // The gateway measurements (gateway_bench.hpp); any of them selects that mode.
  GatewayBenchOptions gateway;
};

// Ed25519 verifications per second on one core, of a real order envelope
// under the transaction domain: what every validator pays per order.
double measure_verify_rate(double seconds) {
  const KeyPair key = KeyPair::from_label("replex bench");
  const Bytes body(96, 0x5a);  // about the size of a limit order's body
  const Bytes envelope = seal_envelope(key, "replex-bench", body);
  std::size_t verified = 0;
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < until) {
    for (int i = 0; i < 64; ++i) {
      const bool ok = open_envelope(envelope, "replex-bench").is_ok();
      REPLEX_ASSERT(ok);
      ++verified;
    }
  }
  return static_cast<double>(verified) / std::chrono::duration<double>(Clock::now() - start).count();
}

double percentile_ms(const std::vector<std::chrono::nanoseconds>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return std::chrono::duration<double, std::milli>(sorted[std::min(rank, sorted.size() - 1)]).count();
}

// Each node's CPU per committed order, in microseconds and in Ed25519
// verifications (one is the least a validator can spend: it checks each order once).
void print_cpu_per_order(const CpuUse& cpu, double committed, double verify_rate) {
  if (cpu.pids.empty()) {
    std::printf("node CPU per order: no node pids (--node-pids, or pid files DIR/*/replex.pid as make run writes)\n");
    return;
  }
  std::printf("CPU: %s\n", cpu.describe().c_str());
  const double verify_us = 1e6 / verify_rate;
  const double n = std::max(1.0, committed);
  double sum_us = 0;
  std::size_t measured = 0;
  for (std::size_t i = 0; i < cpu.pids.size(); ++i) {
    if (!cpu.nodes[i]) continue;
    const double us = *cpu.nodes[i] * 1e6 / n;
    sum_us += us;
    ++measured;
    std::printf("node pid %d: %.0f us CPU per committed order = %.2f verifications\n", cpu.pids[i], us, us / verify_us);
  }
  if (measured > 0) {
    std::printf("per node and committed order: %.0f us = %.2f ed25519 verifications of %.1f us (one by one; batches of signatures cost less)\n",
                sum_us / static_cast<double>(measured), sum_us / static_cast<double>(measured) / verify_us, verify_us);
  }
  std::printf("bench client: %.0f us CPU per committed order\n", cpu.client * 1e6 / n);
}

// What one order-entry run measured.
struct RunFigures {
  double committed_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  bool kept_up = false;   // sent at the offered rate (kKeptUpFraction)
  bool complete = false;  // every order answered, none failed
};

// One run of signed crossing orders at `rate_per_s` for o.duration_s, its
// figures printed; nullopt (the reason on stderr) when it could not run or
// nothing committed.
std::optional<RunFigures> run_orders(const BenchOptions& o, double rate_per_s, const std::vector<int>& pids,
                                     double verify_rate) {
  auto status = NodeClient(o.targets.front()).status();
  if (!status) {
    std::cerr << "error: " << status.status().message() << "\n";
    return std::nullopt;
  }
  auto traders = load_testnet_traders(o.testnet_dir);
  if (!traders) {
    std::cerr << "error: --testnet: " << traders.status().message() << "\n";
    return std::nullopt;
  }
  // A random nonce range: runs against one chain never reuse a nonce.
  std::random_device random;
  const std::uint64_t nonce_base = (std::uint64_t{random()} << 32) ^ (std::uint64_t{random()} << 16);
  auto flow = CrossingOrderFlow::create(status->chain_id(), std::move(*traders), nonce_base);
  if (!flow) {
    std::cerr << "error: " << flow.status().message() << "\n";
    return std::nullopt;
  }

  const auto total = static_cast<std::uint64_t>(rate_per_s * o.duration_s);
  if (total == 0) {
    std::cerr << "error: " << rate_per_s << " orders/s for " << o.duration_s << " s is less than one order\n";
    return std::nullopt;
  }
  std::printf("sending %llu signed crossing orders at %.0f/s for %.0f s over %zu targets (at most %zu in flight, "
              "%zu per call, signed on %zu threads)\n",
              static_cast<unsigned long long>(total), rate_per_s, o.duration_s, o.targets.size(), o.max_in_flight,
              o.batch, o.sign_threads);
  OrderLoad load(o.targets, std::move(*flow),
                 LoadOptions{.max_in_flight = o.max_in_flight,
                             .batch = o.batch,
                             .sign_threads = o.sign_threads,
                             .rate_per_s = rate_per_s,
                             .total = total,
                             .commit_timeout = std::chrono::milliseconds(o.commit_timeout_ms)});
  const CpuMeter meter(pids);
  const auto start = Clock::now();
  load.start(status->height());
  const auto limit = std::chrono::duration<double>(o.duration_s) + std::chrono::milliseconds(o.commit_timeout_ms) +
                     std::chrono::seconds(10);
  const bool done = load.wait_done(std::chrono::duration_cast<std::chrono::milliseconds>(limit));
  const double send_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const CpuUse cpu = meter.stop();
  load.stop();

  const std::vector<Ack> acks = load.acks();
  std::vector<std::chrono::nanoseconds> latencies;
  latencies.reserve(acks.size());
  std::size_t applied = 0;
  for (const Ack& ack : acks) {
    latencies.push_back(ack.latency);
    applied += ack.result_code == 0 ? 1 : 0;
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf("sent %llu, committed %zu (applied %zu, rejected by the exchange %zu), failed %llu%s\n",
              static_cast<unsigned long long>(load.sent()), acks.size(), applied, acks.size() - applied,
              static_cast<unsigned long long>(load.failures()), done ? "" : " (gave up waiting)");
  if (load.failures() > 0) std::printf("failures: %s\n", load.failure_summary().c_str());
  const std::optional<double> send_rate = load.send_rate();
  if (send_rate) std::printf("orders went out at %.0f/s (offered %.0f/s)\n", *send_rate, rate_per_s);
  const RunFigures figures{.committed_per_s = static_cast<double>(acks.size()) / send_seconds,
                           .p50_ms = percentile_ms(latencies, 0.50),
                           .p99_ms = percentile_ms(latencies, 0.99),
                           .kept_up = send_rate.value_or(0) >= kKeptUpFraction * rate_per_s,
                           .complete = done && load.failures() == 0};
  std::printf("committed orders/s: %.0f (over %.1f s, first send to last answer)\n", figures.committed_per_s,
              send_seconds);
  std::printf("submit-to-commit latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n", figures.p50_ms,
              percentile_ms(latencies, 0.90), figures.p99_ms,
              latencies.empty() ? 0.0 : std::chrono::duration<double, std::milli>(latencies.back()).count());
  print_cpu_per_order(cpu, static_cast<double>(acks.size()), verify_rate);
  if (acks.empty()) {
    std::cerr << "error: no order committed\n";
    return std::nullopt;
  }
  return figures;
}

int run_bench(const BenchOptions& o) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const double verify_rate = measure_verify_rate(o.verify_seconds);
  std::printf("ed25519 verify: %.0f orders/s on one core; this machine has %u cores\n", verify_rate, cores);
  if (o.verify_only) return 0;

  if (o.targets.empty()) {
    std::cerr << "error: --targets: at least one gRPC host:port is needed\n";
    return 2;
  }
  if (o.batch > o.max_in_flight) {
    std::cerr << "error: --batch: " << o.batch << " orders per call, over --max-in-flight (" << o.max_in_flight
              << ")\n";
    return 2;
  }
  auto status = NodeClient(o.targets.front()).status();
  if (!status) {
    std::cerr << "error: " << status.status().message() << "\n";
    return 1;
  }
  const std::uint32_t validators = std::max<std::uint32_t>(1, status->validator_count());
  std::printf("ceiling with %u validators sharing these %u cores: %.0f orders/s (cores x verify rate / validators)\n",
              validators, cores, cores * verify_rate / validators);

  // The nodes' CPU per committed order: --node-pids, else the pid files `make run` writes.
  const std::vector<int> pids = o.gateway.node_pids.empty() ? testnet_node_pids(o.testnet_dir) : o.gateway.node_pids;
  const double offered = o.rates.front();
  const std::optional<RunFigures> first = run_orders(o, offered, pids, verify_rate);
  if (!first) return 1;
  if (o.then_at <= 0) return 0;

  // The sustained rate is what a saturated cluster commits; a first run that
  // kept up with its offer only bounds it from below.
  const double sustained = first->committed_per_s;
  if (first->kept_up) {
    std::printf("note: the first run's orders went out at the offered %.0f/s, so the cluster may sustain more "
                "than %.0f/s: offer a higher --rate to measure the sustained rate\n",
                offered, sustained);
  }
  if (!first->complete) {
    std::printf("warning: the first run had failed or unanswered orders, so %.0f/s understates what the cluster "
                "commits (raise the nodes' api.max_pending_submissions, or lower --max-in-flight)\n",
                sustained);
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.gateway.pause_s));
  const double rate = o.then_at * sustained;
  std::printf("\nsecond run at %.2f of the first run's %.0f committed orders/s: %.0f/s\n", o.then_at, sustained,
              rate);
  const std::optional<RunFigures> second = run_orders(o, rate, pids, verify_rate);
  if (!second) return 1;
  std::printf("at %.2f x %.0f orders/s (%.0f/s offered): committed %.0f/s, p50 %.1f ms, p99 %.1f ms\n", o.then_at,
              sustained, rate, second->committed_per_s, second->p50_ms, second->p99_ms);
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, int& code) {
  // CLI11 keeps pointers into the options: the callback owns them.
  auto options_ptr = std::make_shared<BenchOptions>();
  BenchOptions& options = *options_ptr;
  auto* cmd = app.add_subcommand("bench", "Signed crossing orders over gRPC into a running cluster: orders/s and latency; with "
                                           "--api, --book-queries or --ws-subscribers, the gateway's measurements");
  cmd->add_option("--targets,-t", options.targets, "gRPC host:port of the nodes to submit to (comma separated)")
      ->delimiter(',');
  cmd->add_option("--testnet", options.testnet_dir, "`replex testnet` folder holding the demo trader keys (accounts/)");
  cmd->add_option("--rate,-r", options.rates,
                  "Orders per second; with --api a comma-separated list, one run per rate and API, 0 for "
                  "saturation (as fast as --max-in-flight allows)")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--duration,-d", options.duration_s, "Seconds of sending")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--max-in-flight", options.max_in_flight, "Bound of unanswered submissions")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--batch", options.batch,
                  "Orders per call: 1 calls SubmitTransaction, more SubmitTransactions (at most the nodes' "
                  "api.max_submit_batch); with --api, orders per POST /api/v1/orders/batch for rest and "
                  "rest-signed")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--sign-threads", options.sign_threads, "Threads that sign each batch")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--commit-timeout-ms", options.commit_timeout_ms, "Wait for each commit at most this long")
      ->capture_default_str();
  cmd->add_option("--verify-seconds", options.verify_seconds, "How long to measure the Ed25519 verification rate")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--verify-rate", options.verify_only, "Only measure this machine's Ed25519 verification rate");
  auto* then_at = cmd->add_option("--then-at", options.then_at,
                                  "After --pause s, run again on the same cluster at this fraction of the first "
                                  "run's committed orders/s (with a --rate that saturates the cluster, 0.8 gives "
                                  "the latency at 80% of the sustained rate); signed-orders runs only")
                      ->check(CLI::Range(0.01, 1.0));

  // The gateway measurements (docs/PERFORMANCE.md, "Gateway").
  GatewayBenchOptions& g = options.gateway;
  auto* apis = cmd->add_option("--api", g.apis,
                  "Order entry into one node (the first --targets, and --rest) over these APIs, one after the other: "
                  "node (NodeService, signed here), grpc (ExchangeService, custodial), rest (custodial), rest-signed, "
                  "or all")
      ->delimiter(',');
  cmd->add_option("--rest", g.rest_target, "REST host:port of the same node (rest, rest-signed, and the fan-out's orders)");
  cmd->add_option("--client-threads", g.client_threads, "HTTP and WebSocket client threads")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--pause", g.pause_s, "Seconds between order-entry runs (and before --then-at's)")
      ->capture_default_str();
  cmd->add_option("--node-pids", g.node_pids, "PIDs of the node processes: CPU per order and per query")
      ->delimiter(',');
  auto* book_queries = cmd->add_option("--book-queries", g.book_clients,
                                       "Keep-alive clients querying the book for --duration s (closed loop)");
  cmd->add_option("--book-target", g.book_target, "REST host:port for the book queries (default: --rest)");
  cmd->add_option("--book-market", g.book_market, "Market of the book queries")->capture_default_str();
  cmd->add_option("--book-depth", g.book_depth, "Levels per side of each book query")->capture_default_str();
  auto* ws_subscribers =
      cmd->add_option("--ws-subscribers", g.ws_subscribers,
                      "WebSocket subscribers of book.<market> while resting orders change it for --duration s");
  // --then-at follows the signed-orders run; the gateway's runs have their own rates.
  then_at->excludes(apis)->excludes(book_queries)->excludes(ws_subscribers);
  cmd->add_option("--ws-target", g.ws_target, "REST host:port the subscribers connect to (default: --rest)");
  cmd->add_option("--ws-market", g.ws_market, "Market of the fan-out")->capture_default_str();
  cmd->add_option("--ws-drive-rate", g.ws_drive_rate, "Resting orders/s placed through --rest during the fan-out")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  cmd->callback([&code, options_ptr, cmd] {
    BenchOptions& o = *options_ptr;
    GatewayBenchOptions& gw = o.gateway;
    if (o.rates.empty()) o.rates = {1000};
    const bool gateway = !gw.apis.empty() || gw.book_clients > 0 || gw.ws_subscribers > 0;
    if (!gateway) {
      if (!o.verify_only && o.testnet_dir.empty()) {
        std::cerr << "error: --testnet: the folder with the demo trader keys is needed to sign orders\n";
        code = 2;
        return;
      }
      if (o.rates.front() <= 0) {
        std::cerr << "error: --rate: a positive rate (saturation runs need --api)\n";
        code = 2;
        return;
      }
      code = run_bench(o);
      return;
    }
    if (std::find(gw.apis.begin(), gw.apis.end(), "all") != gw.apis.end()) gw.apis = {"node", "grpc", "rest", "rest-signed"};
    for (const std::string& api : gw.apis) {
      if (!parse_entry_api(api)) {
        std::cerr << "error: --api: '" << api << "', expected node, grpc, rest, rest-signed or all\n";
        code = 2;
        return;
      }
      if ((api == "rest" || api == "rest-signed") && gw.rest_target.empty()) {
        std::cerr << "error: --api " << api << ": --rest (the node's REST host:port) is needed\n";
        code = 2;
        return;
      }
    }
    if (!gw.apis.empty() && o.targets.empty()) {
      std::cerr << "error: --api: --targets (the node's gRPC host:port) is needed\n";
      code = 2;
      return;
    }
    if ((!gw.apis.empty() || gw.ws_subscribers > 0) && o.testnet_dir.empty()) {
      std::cerr << "error: --testnet: the folder with the demo accounts is needed for order entry\n";
      code = 2;
      return;
    }
    if ((gw.book_clients > 0 && gw.rest_target.empty() && gw.book_target.empty()) ||
        (gw.ws_subscribers > 0 && gw.rest_target.empty())) {
      std::cerr << "error: --rest: the REST host:port is needed\n";
      code = 2;
      return;
    }
    gw.testnet_dir = o.testnet_dir;
    if (!o.targets.empty()) gw.grpc_target = o.targets.front();
    gw.rates = o.rates;
    gw.duration_s = o.duration_s;
    gw.commit_timeout_ms = o.commit_timeout_ms;
    // Each node holds at most api.max_pending_submissions (384) waiting calls.
    gw.max_in_flight = cmd->count("--max-in-flight") > 0 ? o.max_in_flight : 256;
    gw.batch = o.batch;
    gw.sign_threads = o.sign_threads;
    if (gw.batch > gw.max_in_flight) {
      std::cerr << "error: --batch: " << gw.batch << " orders per request, over --max-in-flight (" << gw.max_in_flight
                << ")\n";
      code = 2;
      return;
    }
    code = run_gateway_bench(gw);
  });
}

}  // namespace replex::client
