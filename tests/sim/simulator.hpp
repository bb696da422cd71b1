// The deterministic simulator: N replica hosts, each with the real exchange
// state machine and its own store, in one process, over a simulated network,
// clock and disk driven by one seed (docs/simulator.md).
//
// run_simulation() runs one plan to completion and reports what happened and
// the first invariant that failed, if any; the plan's replay command
// reproduces the run exactly. No threads, no wall clock.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "replex/core/status.hpp"
#include "sim/fault_kinds.hpp"
#include "sim/sim_options.hpp"

namespace replex::sim {

struct SimReport {
  SimPlan plan;
  Status status;          // ok, or the first invariant violated (liveness included)
  std::string byzantine;  // "0:equivocate" ..., empty when all are honest

  std::uint64_t min_height = 0;  // over honest replicas, at the end
  std::uint64_t max_height = 0;
  std::uint64_t sim_time_ms = 0;
  std::uint64_t steps = 0;               // events processed
  std::uint64_t consensus_messages = 0;  // point to point, as put on the network
  std::uint64_t txs_submitted = 0;
  std::uint64_t txs_committed = 0;
  std::uint64_t latency_p50_ms = 0;  // submission -> first honest commit
  std::uint64_t latency_p99_ms = 0;
  std::uint64_t invariant_checks = 0;

  // With --deposits: deposits made, depositors that saw their credit and
  // started trading, and relayed transactions honest replicas held
  // (TxVerdict::kHeld) because their state was behind the relay's.
  std::uint64_t deposits = 0;
  std::uint64_t depositors_trading = 0;
  std::uint64_t held = 0;

  // Liveness: when faults stopped, at which height, and how long until every
  // honest replica committed above it.
  std::uint64_t heal_at_ms = 0;
  std::uint64_t heal_height = 0;
  std::uint64_t recovered_after_ms = 0;

  // With the CPU model: busy time over cores x simulated time, per replica.
  double cpu_utilisation_mean = 0;
  double cpu_utilisation_max = 0;
  std::uint32_t cpu_busiest = 0;
  std::uint64_t cpu_max_wait_ms = 0;  // the longest an input waited for a core

  // With --rate. Orders are the clients' transactions; accepted ones entered
  // a mempool (the rest the exchange refused on admission).
  std::uint64_t load_offered = 0;
  std::uint64_t load_accepted = 0;
  std::uint64_t load_pending = 0;  // accepted, not committed when the run ended
  double load_committed_per_s = 0;  // commits after the warm-up second, per second of load
  std::uint64_t load_early_p50_ms = 0;  // orders submitted in the first half (after warm-up)
  std::uint64_t load_early_p99_ms = 0;
  std::uint64_t load_late_p50_ms = 0;   // orders submitted in the second half, pending ones included
  std::uint64_t load_late_p99_ms = 0;
  // Everything accepted committed, and latency did not grow over the run.
  bool load_sustained = false;

  FaultCounts counts;
  std::map<std::string, std::uint64_t> evidence;  // by kind, from honest replicas

  double messages_per_block() const;
  std::string summary() const;
};

SimReport run_simulation(const SimPlan& plan);

// While a run is in progress, an abort (a broken assertion anywhere) prints
// the run's replay command before the process dies.
void install_replay_on_abort();

}  // namespace replex::sim
