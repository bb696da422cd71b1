// Simulator, offered load (--rate): clients submit a fixed number of orders
// per second, round-robin over the validators, for --duration-s seconds;
// the run then waits up to kLoadDrainMs for what was accepted to commit.
// And the load's and the CPU model's part of the report.
#include <algorithm>

#include "sim/simulator_impl.hpp"

namespace replex::sim {

namespace {

std::uint64_t percentile_of(std::vector<std::uint64_t>& values, std::uint64_t p) {
  if (values.empty()) return 0;
  const std::size_t k = (values.size() - 1) * p / 100;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

}  // namespace

void Simulator::offer_load() {
  // Orders due by the end of this millisecond, evenly spaced over the second.
  const std::uint64_t elapsed = now_ - load_start_;
  const std::uint64_t due = (elapsed + 1) * plan_.rate / 1000 - elapsed * plan_.rate / 1000;
  const exchange::ExchangeApp* view = nullptr;
  for (const Node& n : nodes_) {
    if (n.up && n.honest()) {
      view = n.app.get();
      break;
    }
  }
  for (std::uint64_t i = 0; i < due; ++i) {
    Bytes tx = workload_.next(max_honest_height(), view);
    ++load_offered_;
    submit_to(nodes_[load_next_node_++ % nodes_.size()], std::move(tx));
  }
  if (plan_.cpu && (now_ == load_start_ + kLoadWarmupMs || now_ + 1 == load_end_)) {
    std::vector<std::uint64_t>& busy =
        now_ + 1 == load_end_ ? busy_at_load_end_us_ : busy_at_warmup_us_;
    busy.clear();
    for (const Node& n : nodes_) busy.push_back(n.cpu->busy_us());
  }
  if (now_ + 1 < load_end_) schedule(now_ + 1, ClientSubmit{});
}

void Simulator::note_accepted(const Hash256& tx) {
  if (plan_.rate == 0) return;
  ++load_accepted_;
  awaiting_commit_.insert(tx);
}

void Simulator::note_committed_tx(const Hash256& tx) {
  if (plan_.rate == 0) return;
  awaiting_commit_.erase(tx);
  if (now_ >= load_start_ + kLoadWarmupMs && now_ < load_end_) ++load_committed_after_warmup_;
}

void Simulator::on_tx_status(Node& node, const consensus::TxStatusReport& report) {
  if (node.honest() && report.verdict == consensus::TxVerdict::kHeld) ++held_verdicts_;
  if (report.verdict == consensus::TxVerdict::kReleased) {
    // Relayed once released, as a node does (it was not when held).
    if (!node.byzantine || node.byzantine->gossips_transactions()) gossip(node, report.tx);
    return;
  }
  // An accepted order that no longer passes check_tx is dropped from that
  // mempool and will not commit: the run does not wait for it.
  if (plan_.rate == 0 || !node.honest() || report.verdict != consensus::TxVerdict::kEvicted) return;
  load_evicted_ += awaiting_commit_.erase(report.tx_hash);
}

bool Simulator::load_finished() const {
  if (now_ < load_end_) return false;
  return awaiting_commit_.empty() || now_ >= load_end_ + kLoadDrainMs;
}

void Simulator::report_load(SimReport& r) const {
  if (plan_.rate == 0) return;
  r.load_offered = load_offered_;
  r.load_accepted = load_accepted_;
  r.load_pending = awaiting_commit_.size();
  const std::uint64_t measured_ms =
      plan_.duration_s * 1000 > kLoadWarmupMs ? plan_.duration_s * 1000 - kLoadWarmupMs : 1;
  r.load_committed_per_s =
      static_cast<double>(load_committed_after_warmup_) * 1000.0 / static_cast<double>(measured_ms);
  // Latency by when the order was submitted: the first half of the measured
  // window against the second. A load the cluster sustains has the same
  // latencies in both; one it does not has a queue that grows, and the
  // orders still waiting at the end count with their wait so far.
  const std::uint64_t from = load_start_ + kLoadWarmupMs;
  const std::uint64_t middle = from + (load_end_ - from) / 2;
  std::vector<std::uint64_t> early;
  std::vector<std::uint64_t> late;
  for (std::size_t i = 0; i < latencies_ms_.size(); ++i) {
    const std::uint64_t at = latency_submitted_ms_[i];
    if (at >= from && at < middle) early.push_back(latencies_ms_[i]);
    if (at >= middle && at < load_end_) late.push_back(latencies_ms_[i]);
  }
  for (const Hash256& tx : awaiting_commit_) {
    auto it = submitted_at_.find(tx);
    if (it != submitted_at_.end() && it->second >= middle) late.push_back(now_ - it->second);
  }
  r.load_early_p50_ms = percentile_of(early, 50);
  r.load_early_p99_ms = percentile_of(early, 99);
  r.load_late_p50_ms = percentile_of(late, 50);
  r.load_late_p99_ms = percentile_of(late, 99);
  // Sustained: everything accepted committed, at the rate it was accepted,
  // and the median latency did not grow from the first half to the second
  // (by more than 10% + 20 ms).
  const double accepted_per_s =
      static_cast<double>(load_accepted_) / static_cast<double>(plan_.duration_s);
  // With the CPU model, the busiest core's booked work must also fit in the
  // window: beyond it the queue grows, if too slowly for a short run to show.
  r.load_sustained = r.load_pending == 0 && !early.empty() && r.cpu_utilisation_max <= 1.0 &&
                     r.load_committed_per_s >= 0.95 * accepted_per_s &&
                     r.load_late_p50_ms <= r.load_early_p50_ms + r.load_early_p50_ms / 10 + 20;
}

void Simulator::report_cpu(SimReport& r) const {
  if (!plan_.cpu) return;
  // Over the load's measured window when there is one, else the whole run.
  const bool window = !busy_at_warmup_us_.empty() && !busy_at_load_end_us_.empty();
  const std::uint64_t span_ms =
      window ? load_end_ - 1 - (load_start_ + kLoadWarmupMs) : now_ - kStartTimeMs;
  const double capacity_us =
      static_cast<double>(span_ms) * 1000.0 * static_cast<double>(plan_.cpu->cores);
  double total = 0;
  for (const Node& n : nodes_) {
    const std::uint64_t busy = window ? busy_at_load_end_us_[n.index] - busy_at_warmup_us_[n.index]
                                      : n.cpu->busy_us();
    const double u = capacity_us > 0 ? static_cast<double>(busy) / capacity_us : 0;
    total += u;
    if (u > r.cpu_utilisation_max) {
      r.cpu_utilisation_max = u;
      r.cpu_busiest = n.index;
    }
    r.cpu_max_wait_ms = std::max(r.cpu_max_wait_ms, n.cpu->max_backlog_us() / 1000);
  }
  r.cpu_utilisation_mean = total / static_cast<double>(nodes_.size());
}

}  // namespace replex::sim
