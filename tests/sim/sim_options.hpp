// SimOptions: one simulator run, as given on the command line, and the
// SimPlan it resolves to. One seed determines everything: options left out
// (faults, storage, execution mode) are derived from it, and the plan's
// replay command names them all, so a printed command replays the run
// exactly.
//
// Two options serve throughput runs rather than the seed suites: --cpu (the
// CPU model, cpu_model.hpp) and --rate (clients offering a fixed load of
// orders/s, spread over the validators, for --duration-s seconds).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replex/core/status.hpp"
#include "sim/cpu_model.hpp"
#include "sim/fault_kinds.hpp"

namespace replex::sim {

enum class StorageKind : std::uint8_t { kMemory, kRocks };
enum class ExecutionMode : std::uint8_t {
  kInline,    // the host executes committed blocks as it commits them
  kDeferred,  // through an ExecutionQueue, as the node's execution thread does
};

// The simulated validators' consensus.max_block_delay_ms.
inline constexpr std::uint64_t kSimMaxBlockDelayMs = 30;

struct SimOptions {
  std::uint64_t seed = 1;
  std::uint32_t validators = 4;
  std::uint64_t heights = 40;  // every honest replica must commit this many
  std::optional<FaultSet> faults;
  std::optional<StorageKind> storage;
  std::optional<ExecutionMode> execution;
  std::uint64_t latency_min_ms = 1;  // one-way network latency, before faults
  std::uint64_t latency_max_ms = 20;
  bool trace = false;  // print faults, view changes and commits as they happen
  // Unset: derived from the seed. Set to nullopt: off.
  std::optional<std::optional<CpuCosts>> cpu;
  std::uint64_t rate = 0;  // orders/s offered; 0: the suites' clients (one every 5-45 ms)
  std::uint64_t duration_s = 10;  // with a rate: how long the load is offered
  std::uint64_t idle_block_delay_ms = 0;  // consensus.idle_block_delay_ms (0: off)
  // Deposits from a simulated Ethereum: the validators attest them, and each
  // credited one's new account starts trading at once (workload.hpp).
  bool deposits = false;
};

// Parses replex-sim's arguments (without argv[0]); errors name the flag.
Result<SimOptions> parse_sim_args(const std::vector<std::string>& args);
std::string sim_usage();

struct SimPlan {
  std::uint64_t seed = 1;
  std::uint32_t validators = 4;
  std::uint64_t heights = 40;
  FaultSet faults;
  StorageKind storage = StorageKind::kMemory;
  ExecutionMode execution = ExecutionMode::kInline;
  std::uint64_t latency_min_ms = 1;
  std::uint64_t latency_max_ms = 20;
  bool trace = false;
  std::optional<CpuCosts> cpu;  // nullopt: no CPU time is charged
  std::uint64_t rate = 0;
  std::uint64_t duration_s = 10;
  std::uint64_t idle_block_delay_ms = 0;
  bool deposits = false;

  // "replex-sim --seed 7 --validators 4 --heights 40 --faults crash,dup ..."
  std::string replay_command() const;
};

// The faults a seed gets when none are given: a featured mix per seed
// residue (so any ten consecutive seeds cover every kind) plus an extra
// network fault drawn from the seed.
FaultSet faults_for_seed(std::uint64_t seed);
// Every 10th seed (on average) runs on RocksDB, every 3rd executes deferred.
StorageKind storage_for_seed(std::uint64_t seed);
ExecutionMode execution_for_seed(std::uint64_t seed);
// Every 4th seed runs with the CPU model at its calibrated defaults.
std::optional<CpuCosts> cpu_for_seed(std::uint64_t seed);

SimPlan resolve(const SimOptions& options);

// Reads back a replay command ("replex-sim --seed 7 ..."): the options it
// gives, as replex-sim would parse them.
Result<SimOptions> parse_replay_command(const std::string& command);

}  // namespace replex::sim
