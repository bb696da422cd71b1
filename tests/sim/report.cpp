// SimReport: percentiles and the printed summary.
#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "sim/simulator_impl.hpp"

namespace replex::sim {

namespace {

std::uint64_t percentile(std::vector<std::uint64_t> values, std::uint64_t p) {
  if (values.empty()) return 0;
  const std::size_t k = (values.size() - 1) * p / 100;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

std::string format(const char* fmt, auto... args) {
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer), fmt, args...);
  return buffer;
}

}  // namespace

SimReport Simulator::report() {
  SimReport r;
  r.plan = plan_;
  r.status = status_;
  for (const Node& n : nodes_) {
    if (!n.byzantine) continue;
    if (!r.byzantine.empty()) r.byzantine += ' ';
    r.byzantine += std::to_string(n.index) + ":";
    for (std::size_t i = 0; i < n.byzantine->behaviours().size(); ++i) {
      if (i > 0) r.byzantine += '+';
      r.byzantine += fault_name(n.byzantine->behaviours()[i]);
    }
  }
  r.min_height = min_honest_height();
  r.max_height = max_honest_height();
  r.sim_time_ms = now_ - kStartTimeMs;
  r.steps = steps_;
  r.consensus_messages = consensus_messages_;
  r.txs_submitted = txs_submitted_;
  r.txs_committed = latencies_ms_.size();
  r.deposits = workload_.deposits();
  r.depositors_trading = workload_.depositors_trading();
  r.held = held_verdicts_;
  r.latency_p50_ms = percentile(latencies_ms_, 50);
  r.latency_p99_ms = percentile(latencies_ms_, 99);
  r.invariant_checks = checker_.checks();
  r.heal_at_ms = healed_ ? heal_at_ - kStartTimeMs : 0;
  r.heal_height = heal_height_;
  r.recovered_after_ms = progress_at_ ? *progress_at_ - heal_at_ : 0;
  r.counts = counts_;
  for (const Node& n : nodes_) {
    if (n.byzantine) r.counts += n.byzantine->counts();
  }
  r.evidence = evidence_;
  report_cpu(r);
  report_load(r);
  return r;
}

double SimReport::messages_per_block() const {
  return max_height == 0
             ? 0.0
             : static_cast<double>(consensus_messages) / static_cast<double>(max_height);
}

std::string SimReport::summary() const {
  std::string s;
  s += format("seed %" PRIu64 ": %s\n", plan.seed, status.is_ok() ? "OK" : "FAILED");
  if (!status.is_ok()) s += "  failure: " + status.to_string() + "\n";
  s += "  replay: " + plan.replay_command() + "\n";
  s += format("  validators %u (f=%u), byzantine: %s\n", plan.validators, (plan.validators - 1) / 3,
              byzantine.empty() ? "none" : byzantine.c_str());
  s += format("  heights committed %" PRIu64 "..%" PRIu64 " (target %" PRIu64
              "), simulated time %.1f s, %" PRIu64 " steps\n",
              min_height, max_height, plan.heights, static_cast<double>(sim_time_ms) / 1000.0,
              steps);
  s += format("  view changes %" PRIu64 ", crash-restarts %" PRIu64 ", state transfers %" PRIu64
               " (%" PRIu64 " chunks served, %" PRIu64 " transfers reached by commits first), refused starts %" PRIu64 "\n",
              counts.view_changes, counts.crash_restarts, counts.state_transfers,
              counts.chunks_served, counts.transfers_overtaken, counts.refused_starts);
  s += format("  consensus messages %" PRIu64 " (%.1f per committed block)\n", consensus_messages,
              messages_per_block());
  s += format("  transactions: %" PRIu64 " submitted, %" PRIu64
              " committed; commit latency p50 %" PRIu64 " ms, p99 %" PRIu64 " ms\n",
              txs_submitted, txs_committed, latency_p50_ms, latency_p99_ms);
  if (plan.deposits) {
    s += format("  deposits %" PRIu64 ", depositors trading %" PRIu64 ", relayed transactions held %" PRIu64 "\n",
                deposits, depositors_trading, held);
  }
  if (plan.cpu) {
    s += format("  cpu: %s (microseconds); utilisation mean %.0f%%, max %.0f%% (replica %u); "
                "longest wait for a core %" PRIu64 " ms\n",
                plan.cpu->to_string().c_str(), 100 * cpu_utilisation_mean,
                100 * cpu_utilisation_max, cpu_busiest, cpu_max_wait_ms);
  }
  if (plan.rate > 0) {
    s += format("  load: %" PRIu64 " orders/s offered for %" PRIu64 " s: %" PRIu64
                " offered, %" PRIu64 " accepted, %" PRIu64
                " pending at the end; committed %.0f orders/s after the first second\n",
                plan.rate, plan.duration_s, load_offered, load_accepted, load_pending,
                load_committed_per_s);
    s += format("  load latency by submission: first half p50 %" PRIu64 " ms, p99 %" PRIu64
                " ms; second half p50 %" PRIu64 " ms, p99 %" PRIu64 " ms; sustained: %s\n",
                load_early_p50_ms, load_early_p99_ms, load_late_p50_ms, load_late_p99_ms,
                load_sustained ? "yes" : "no");
  }
  std::string injected;
  for (std::size_t i = 0; i < kFaultKinds; ++i) {
    if (counts.injected[i] == 0) continue;
    injected += format(" %s=%" PRIu64, std::string(fault_name(static_cast<Fault>(i))).c_str(),
                       counts.injected[i]);
  }
  s += "  faults injected:" + (injected.empty() ? std::string(" none") : injected) + "\n";
  std::string reported;
  for (const auto& [kind, count] : evidence)
    reported += format(" %s=%" PRIu64, kind.c_str(), count);
  s += "  evidence from honest replicas:" + (reported.empty() ? std::string(" none") : reported) +
       "\n";
  s += format("  invariants checked %" PRIu64
              " times (agreement, app_hash, commit certificates, conservation); liveness: faults "
              "stopped at %.1f s, height %" PRIu64
              ", every honest replica committed above it %" PRIu64 " ms later\n",
              invariant_checks, static_cast<double>(heal_at_ms) / 1000.0, heal_height,
              recovered_after_ms);
  return s;
}

}  // namespace replex::sim
