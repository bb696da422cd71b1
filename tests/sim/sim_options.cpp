#include "sim/sim_options.hpp"

#include <CLI/CLI.hpp>
#include <array>
#include <charconv>
#include <sstream>

#include "sim/prng.hpp"

namespace replex::sim {

namespace {

Result<std::uint64_t> parse_u64(const std::string& flag, const std::string& text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    return Status::invalid_argument(flag + ": '" + text + "' is not a non-negative integer");
  }
  return v;
}

}  // namespace

std::string sim_usage() {
  return "usage: replex-sim --seed S [--validators N] [--heights H] [--faults LIST|none]\n"
         "                  [--storage memory|rocks] [--execution inline|deferred]\n"
         "                  [--latency-ms MIN:MAX] [--cpu off|on|KEY=US,...]\n"
         "                  [--rate ORDERS_PER_S [--duration-s S]] [--idle-block-delay-ms MS] [--deposits]\n"
         "                  [--trace]\n"
         "faults: drop dup delay reorder partition crash outage disk-error disk-corrupt skew\n"
         "        equivocate silent forge double-vote replay invalid-proposal lying-view-change\n"
         "cpu: cores=N verify sign message kib tx execute-tx block (microseconds of one core);\n"
         "     on = " + CpuCosts{}.to_string() + "\n"
         "Options left out are derived from the seed; the printed replay command names them.\n";
}

Result<SimOptions> parse_sim_args(const std::vector<std::string>& args) {
  // CLI11 reads the flags, as the replex binary does; the values are checked
  // below so that every error names its flag and what it accepts.
  CLI::App app("replex-sim", "replex-sim");
  app.allow_windows_style_options(false);
  std::string seed, validators, heights, faults, storage, execution, latency, cpu, rate, duration, idle_delay;
  app.add_option("--seed", seed);
  app.add_option("--validators", validators);
  app.add_option("--heights", heights);
  app.add_option("--faults", faults);
  app.add_option("--storage", storage);
  app.add_option("--execution", execution);
  app.add_option("--latency-ms", latency);
  app.add_option("--cpu", cpu);
  app.add_option("--rate", rate);
  app.add_option("--duration-s", duration);
  app.add_option("--idle-block-delay-ms", idle_delay);
  SimOptions o;
  app.add_flag("--trace", o.trace);
  app.add_flag("--deposits", o.deposits);
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last first
    app.parse(reversed);
  } catch (const CLI::ArgumentMismatch& e) {
    const std::string what = e.what();
    return Status::invalid_argument(what.substr(0, what.find(':')) + ": needs a value");
  } catch (const CLI::ExtrasError&) {
    return Status::invalid_argument("unknown flag '" + app.remaining().front() + "'");
  } catch (const CLI::ParseError& e) {
    return Status::invalid_argument(e.what());
  }
  if (app.count("--seed")) {
    REPLEX_ASSIGN_OR_RETURN(o.seed, parse_u64("--seed", seed));
  }
  if (app.count("--validators")) {
    REPLEX_ASSIGN_OR_RETURN(const std::uint64_t n, parse_u64("--validators", validators));
    if (n < 4 || n > 128) return Status::invalid_argument("--validators: " + validators + ", must be 4..128");
    o.validators = static_cast<std::uint32_t>(n);
  }
  if (app.count("--heights")) {
    REPLEX_ASSIGN_OR_RETURN(o.heights, parse_u64("--heights", heights));
    if (o.heights < 1 || o.heights > 100'000) {
      return Status::invalid_argument("--heights: " + heights + ", must be 1..100000");
    }
  }
  if (app.count("--faults")) {
    std::string error;
    auto set = FaultSet::parse(faults, &error);
    if (!set) return Status::invalid_argument("--faults: " + error);
    o.faults = *set;
  }
  if (app.count("--storage")) {
    if (storage == "memory") {
      o.storage = StorageKind::kMemory;
    } else if (storage == "rocks") {
      o.storage = StorageKind::kRocks;
    } else {
      return Status::invalid_argument("--storage: '" + storage + "', must be memory or rocks");
    }
  }
  if (app.count("--execution")) {
    if (execution == "inline") {
      o.execution = ExecutionMode::kInline;
    } else if (execution == "deferred") {
      o.execution = ExecutionMode::kDeferred;
    } else {
      return Status::invalid_argument("--execution: '" + execution + "', must be inline or deferred");
    }
  }
  if (app.count("--latency-ms")) {
    const std::size_t colon = latency.find(':');
    if (colon == std::string::npos) {
      return Status::invalid_argument("--latency-ms: '" + latency + "', expected MIN:MAX");
    }
    REPLEX_ASSIGN_OR_RETURN(o.latency_min_ms, parse_u64("--latency-ms", latency.substr(0, colon)));
    REPLEX_ASSIGN_OR_RETURN(o.latency_max_ms, parse_u64("--latency-ms", latency.substr(colon + 1)));
    if (o.latency_min_ms > o.latency_max_ms || o.latency_max_ms > 10'000) {
      return Status::invalid_argument("--latency-ms: '" + latency + "', need MIN <= MAX <= 10000");
    }
  }
  if (app.count("--cpu")) {
    if (cpu == "off") {
      o.cpu = std::optional<CpuCosts>{};
    } else {
      REPLEX_ASSIGN_OR_RETURN(const CpuCosts costs, CpuCosts::parse(cpu));
      o.cpu = costs;
    }
  }
  if (app.count("--rate")) {
    REPLEX_ASSIGN_OR_RETURN(o.rate, parse_u64("--rate", rate));
    if (o.rate > 1'000'000) return Status::invalid_argument("--rate: " + rate + ", must be 0..1000000");
  }
  if (app.count("--duration-s")) {
    REPLEX_ASSIGN_OR_RETURN(o.duration_s, parse_u64("--duration-s", duration));
    if (o.duration_s < 1 || o.duration_s > 3600) {
      return Status::invalid_argument("--duration-s: " + duration + ", must be 1..3600");
    }
  }
  if (app.count("--idle-block-delay-ms")) {
    REPLEX_ASSIGN_OR_RETURN(o.idle_block_delay_ms, parse_u64("--idle-block-delay-ms", idle_delay));
    if (o.idle_block_delay_ms > kSimMaxBlockDelayMs) {
      return Status::invalid_argument("--idle-block-delay-ms: " + idle_delay + ", must be 0..30 (0: off; at most " +
                                      "the simulated max_block_delay_ms)");
    }
  }
  if (o.deposits && o.rate > 0) {
    return Status::invalid_argument("--deposits: not with --rate (deposits come with the suites' clients)");
  }
  return o;
}

FaultSet faults_for_seed(std::uint64_t seed) {
  using F = Fault;
  // Ten featured mixes: honest faults alone, each Byzantine behaviour, and
  // combinations of the two.
  static const std::array<std::vector<Fault>, 10> kMixes = {{
      {F::kDrop, F::kDuplicate, F::kDelay, F::kReorder, F::kClockSkew, F::kNonceReuse},
      {F::kPartition, F::kClockSkew, F::kDrop},
      {F::kCrash, F::kDuplicate, F::kReorder},
      {F::kOutage, F::kCrash, F::kDelay, F::kNonceReuse},
      {F::kEquivocate, F::kDrop},
      {F::kSilent, F::kCrash},
      {F::kForge, F::kReplay, F::kReorder, F::kPartition},
      {F::kDoubleVote, F::kLyingViewChange, F::kPartition},
      {F::kInvalidProposal, F::kDuplicate, F::kClockSkew, F::kNonceReuse},
      {F::kDiskError, F::kDiskCorruption, F::kCrash},
  }};
  FaultSet set;
  for (Fault f : kMixes[seed % kMixes.size()]) set.add(f);
  // One more network fault, drawn from the seed.
  Prng rng = Prng(seed).fork(0xfa17);
  static const std::vector<Fault> kExtras = {F::kDrop, F::kDuplicate, F::kDelay, F::kReorder,
                                             F::kPartition};
  if (rng.coin()) set.add(rng.pick(kExtras));
  return set;
}

StorageKind storage_for_seed(std::uint64_t seed) {
  // Residues 2 and 13 of 20 feature crash-restart and the long outage that
  // ends in state transfer: real files where it matters most.
  const std::uint64_t r = seed % 20;
  return r == 2 || r == 13 ? StorageKind::kRocks : StorageKind::kMemory;
}

ExecutionMode execution_for_seed(std::uint64_t seed) {
  return seed % 3 == 1 ? ExecutionMode::kDeferred : ExecutionMode::kInline;
}

std::optional<CpuCosts> cpu_for_seed(std::uint64_t seed) {
  if (seed % 4 != 3) return std::nullopt;
  return CpuCosts{};
}

SimPlan resolve(const SimOptions& o) {
  SimPlan plan;
  plan.seed = o.seed;
  plan.validators = o.validators;
  plan.heights = o.heights;
  plan.faults = o.faults.value_or(faults_for_seed(o.seed));
  plan.storage = o.storage.value_or(storage_for_seed(o.seed));
  plan.execution = o.execution.value_or(execution_for_seed(o.seed));
  plan.latency_min_ms = o.latency_min_ms;
  plan.latency_max_ms = o.latency_max_ms;
  plan.trace = o.trace;
  plan.cpu = o.cpu.value_or(cpu_for_seed(o.seed));
  plan.rate = o.rate;
  plan.duration_s = o.duration_s;
  plan.idle_block_delay_ms = o.idle_block_delay_ms;
  plan.deposits = o.deposits;
  return plan;
}

std::string SimPlan::replay_command() const {
  return "replex-sim --seed " + std::to_string(seed) + " --validators " +
         std::to_string(validators) + " --heights " + std::to_string(heights) + " --faults " +
         faults.to_string() + " --storage " +
         (storage == StorageKind::kRocks ? "rocks" : "memory") + " --execution " +
         (execution == ExecutionMode::kDeferred ? "deferred" : "inline") + " --latency-ms " +
         std::to_string(latency_min_ms) + ":" + std::to_string(latency_max_ms) + " --cpu " +
         (cpu ? cpu->to_string() : std::string("off")) +
         (rate > 0 ? " --rate " + std::to_string(rate) + " --duration-s " + std::to_string(duration_s)
                   : std::string()) +
         (idle_block_delay_ms > 0 ? " --idle-block-delay-ms " + std::to_string(idle_block_delay_ms) : std::string()) +
         (deposits ? " --deposits" : "");
}

Result<SimOptions> parse_replay_command(const std::string& command) {
  std::istringstream in(command);
  std::vector<std::string> args;
  for (std::string word; in >> word;) args.push_back(word);
  if (args.empty() || args.front() != "replex-sim") {
    return Status::invalid_argument("replay command: must start with replex-sim: " + command);
  }
  args.erase(args.begin());
  return parse_sim_args(args);
}

}  // namespace replex::sim
