#include "sim/sim_options.hpp"

#include <array>
#include <charconv>

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
         "                  [--latency-ms MIN:MAX] [--trace]\n"
         "faults: drop dup delay reorder partition crash outage disk-error disk-corrupt skew\n"
         "        equivocate silent forge double-vote replay invalid-proposal lying-view-change\n"
         "Options left out are derived from the seed; the printed replay command names them.\n";
}

Result<SimOptions> parse_sim_args(const std::vector<std::string>& args) {
  SimOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--trace") {
      o.trace = true;
      continue;
    }
    if (i + 1 >= args.size()) return Status::invalid_argument(flag + ": needs a value");
    const std::string& value = args[++i];
    if (flag == "--seed") {
      REPLEX_ASSIGN_OR_RETURN(o.seed, parse_u64(flag, value));
    } else if (flag == "--validators") {
      REPLEX_ASSIGN_OR_RETURN(const std::uint64_t n, parse_u64(flag, value));
      if (n < 4 || n > 128) {
        return Status::invalid_argument("--validators: " + value + ", must be 4..128");
      }
      o.validators = static_cast<std::uint32_t>(n);
    } else if (flag == "--heights") {
      REPLEX_ASSIGN_OR_RETURN(o.heights, parse_u64(flag, value));
      if (o.heights < 1 || o.heights > 100'000) {
        return Status::invalid_argument("--heights: " + value + ", must be 1..100000");
      }
    } else if (flag == "--faults") {
      std::string error;
      auto set = FaultSet::parse(value, &error);
      if (!set) return Status::invalid_argument("--faults: " + error);
      o.faults = *set;
    } else if (flag == "--storage") {
      if (value == "memory") {
        o.storage = StorageKind::kMemory;
      } else if (value == "rocks") {
        o.storage = StorageKind::kRocks;
      } else {
        return Status::invalid_argument("--storage: '" + value + "', must be memory or rocks");
      }
    } else if (flag == "--execution") {
      if (value == "inline") {
        o.execution = ExecutionMode::kInline;
      } else if (value == "deferred") {
        o.execution = ExecutionMode::kDeferred;
      } else {
        return Status::invalid_argument("--execution: '" + value + "', must be inline or deferred");
      }
    } else if (flag == "--latency-ms") {
      const std::size_t colon = value.find(':');
      if (colon == std::string::npos) {
        return Status::invalid_argument("--latency-ms: '" + value + "', expected MIN:MAX");
      }
      REPLEX_ASSIGN_OR_RETURN(o.latency_min_ms, parse_u64(flag, value.substr(0, colon)));
      REPLEX_ASSIGN_OR_RETURN(o.latency_max_ms, parse_u64(flag, value.substr(colon + 1)));
      if (o.latency_min_ms > o.latency_max_ms || o.latency_max_ms > 10'000) {
        return Status::invalid_argument("--latency-ms: '" + value + "', need MIN <= MAX <= 10000");
      }
    } else {
      return Status::invalid_argument("unknown flag '" + flag + "'");
    }
  }
  return o;
}

FaultSet faults_for_seed(std::uint64_t seed) {
  using F = Fault;
  // Ten featured mixes: honest faults alone, each Byzantine behaviour, and
  // combinations of the two.
  static const std::array<std::vector<Fault>, 10> kMixes = {{
      {F::kDrop, F::kDuplicate, F::kDelay, F::kReorder, F::kClockSkew},
      {F::kPartition, F::kClockSkew, F::kDrop},
      {F::kCrash, F::kDuplicate, F::kReorder},
      {F::kOutage, F::kCrash, F::kDelay},
      {F::kEquivocate, F::kDrop},
      {F::kSilent, F::kCrash},
      {F::kForge, F::kReplay, F::kReorder},
      {F::kDoubleVote, F::kLyingViewChange, F::kPartition},
      {F::kInvalidProposal, F::kDuplicate, F::kClockSkew},
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
  return plan;
}

std::string SimPlan::replay_command() const {
  return "replex-sim --seed " + std::to_string(seed) + " --validators " +
         std::to_string(validators) + " --heights " + std::to_string(heights) + " --faults " +
         faults.to_string() + " --storage " +
         (storage == StorageKind::kRocks ? "rocks" : "memory") + " --execution " +
         (execution == ExecutionMode::kDeferred ? "deferred" : "inline") + " --latency-ms " +
         std::to_string(latency_min_ms) + ":" + std::to_string(latency_max_ms);
}

}  // namespace replex::sim
