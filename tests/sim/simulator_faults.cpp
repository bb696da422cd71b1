// Simulator, faults: who is Byzantine, clock skews, the fault window's
// schedule (partitions, crashes, disk errors, the long outage), the heal.
#include <algorithm>

#include "sim/simulator_impl.hpp"

namespace replex::sim {

void Simulator::setup_faults() {
  const FaultSet& faults = plan_.faults;
  LinkFaults link;
  if (faults.has(Fault::kDrop)) link.drop_ppm = fault_rng_.range(20'000, 80'000);
  if (faults.has(Fault::kDuplicate)) link.duplicate_ppm = fault_rng_.range(20'000, 80'000);
  if (faults.has(Fault::kDelay)) link.tail_ppm = fault_rng_.range(20'000, 60'000);
  if (faults.has(Fault::kReorder)) link.jitter_factor = 4;
  network_.set_faults(link);

  if (faults.has(Fault::kClockSkew)) {
    for (Node& node : nodes_) {
      node.clock_offset_ms =
          static_cast<std::int64_t>(fault_rng_.range(0, 2 * kClockSkewMaxMs)) - kClockSkewMaxMs;
      if (node.clock_offset_ms != 0) ++counts_[Fault::kClockSkew];
    }
  }
  assign_byzantine();
  if (faults.has(Fault::kOutage)) {
    const std::vector<ValidatorIndex> candidates = [&] {
      std::vector<ValidatorIndex> out;
      for (const Node& n : nodes_) {
        if (n.honest()) out.push_back(n.index);
      }
      return out;
    }();
    outage_node_ = fault_rng_.pick(candidates);
    outage_at_ = now_ + fault_rng_.range(200, 600);
  }
}

void Simulator::assign_byzantine() {
  std::vector<Fault> behaviours;
  for (std::size_t i = 0; i < kFaultKinds; ++i) {
    const auto f = static_cast<Fault>(i);
    if (is_byzantine(f) && plan_.faults.has(f)) behaviours.push_back(f);
  }
  if (behaviours.empty()) return;
  const std::size_t f = validators_.max_faulty();
  // A primary's lies need a primary: those behaviours go to validator 0,
  // the primary of view 0, and come first.
  const auto needs_primary = [](Fault b) {
    return b == Fault::kEquivocate || b == Fault::kInvalidProposal;
  };
  std::stable_partition(behaviours.begin(), behaviours.end(), needs_primary);
  std::size_t groups = std::min(f, behaviours.size());
  std::vector<std::vector<Fault>> assigned(groups);
  const bool silent_alone = groups >= 2 && std::find(behaviours.begin(), behaviours.end(),
                                                     Fault::kSilent) != behaviours.end();
  std::size_t next = 0;
  for (Fault b : behaviours) {
    if (silent_alone && b == Fault::kSilent) {
      assigned.back().push_back(b);
      continue;
    }
    const std::size_t slots = silent_alone ? groups - 1 : groups;
    assigned[next++ % slots].push_back(b);
  }
  std::vector<ValidatorIndex> free;
  for (ValidatorIndex i = 0; i < nodes_.size(); ++i) free.push_back(i);
  for (std::vector<Fault>& group : assigned) {
    ValidatorIndex index;
    if (std::any_of(group.begin(), group.end(), needs_primary) &&
        std::find(free.begin(), free.end(), ValidatorIndex{0}) != free.end()) {
      index = 0;
    } else {
      index = free[fault_rng_.below(free.size())];
    }
    std::erase(free, index);
    nodes_[index].byzantine = std::make_unique<ByzantineValidator>(
        index, sim_validator_key(index), validators_,
        host_options_.consensus, chain_, group, root_rng_.fork(100 + index));
  }
}

std::vector<ValidatorIndex> Simulator::honest_up_nodes() const {
  std::vector<ValidatorIndex> out;
  for (const Node& n : nodes_) {
    if (n.honest() && n.up) out.push_back(n.index);
  }
  return out;
}

void Simulator::fault_tick() {
  if (healed_) return;
  const bool window_over =
      now_ >= kStartTimeMs + kFaultWindowMaxMs ||
      (now_ >= kStartTimeMs + kFaultWindowMinMs && max_honest_height() * 10 >= plan_.heights * 6);
  if (window_over) return heal();
  schedule(now_ + kFaultTickMs, FaultTick{});
  const FaultSet& faults = plan_.faults;
  if (outage_node_ && now_ >= outage_at_ && !nodes_[*outage_node_].outage &&
      nodes_[*outage_node_].up && counts_[Fault::kOutage] == 0) {
    Node& node = nodes_[*outage_node_];
    node.outage = true;
    ++counts_[Fault::kOutage];
    crash(node, storage::CrashFault{});
  }
  if (faults.has(Fault::kPartition) && !network_.partitioned() && fault_rng_.chance_ppm(200'000)) {
    start_partition();
  }
  if (faults.has(Fault::kCrash) && fault_rng_.chance_ppm(200'000)) crash_random_node();
  if (faults.has(Fault::kDiskError) && fault_rng_.chance_ppm(150'000)) arm_disk_error();
}

void Simulator::start_partition() {
  const std::size_t n = nodes_.size();
  std::vector<std::uint32_t> group(n, 0);
  switch (fault_rng_.below(3)) {
    case 0:  // one node cut off
      group[fault_rng_.below(n)] = 1;
      break;
    case 1:  // a minority of f nodes
      for (std::size_t k = 0; k < validators_.max_faulty(); ++k) group[fault_rng_.below(n)] = 1;
      break;
    default:  // two random halves: no quorum anywhere until it heals
      for (std::size_t i = 0; i < n; ++i) group[i] = fault_rng_.coin() ? 1 : 0;
      break;
  }
  network_.partition(group);
  ++partition_episode_;
  schedule(now_ + fault_rng_.range(300, 3000), PartitionHeals{partition_episode_});
  std::string members;
  for (std::size_t i = 0; i < n; ++i) members += group[i] ? '1' : '0';
  trace("partition " + members);
}

void Simulator::crash_random_node() {
  // At most f honest nodes down at once (the outage node included), so that
  // the cluster keeps making progress while faults go on.
  std::size_t down = 0;
  for (const Node& n : nodes_) {
    if (n.honest() && !n.up) ++down;
  }
  if (down >= validators_.max_faulty()) return;
  std::vector<ValidatorIndex> candidates = honest_up_nodes();
  if (candidates.empty()) return;
  Node& node = nodes_[fault_rng_.pick(candidates)];
  storage::CrashFault fault;  // power loss: unsynced writes are lost
  // A damaged record makes the node refuse to start; it is wiped and
  // resyncs with an empty WAL, which only an honest majority makes safe:
  // at most f wipes, and never alongside Byzantine validators.
  if (plan_.faults.has(Fault::kDiskCorruption) && node.disk && !plan_.faults.has_byzantine() &&
      wipes_ < validators_.max_faulty() &&
      (counts_[Fault::kDiskCorruption] == 0 || fault_rng_.coin())) {
    fault.kind = fault_rng_.coin() ? storage::CrashFault::Kind::kTornRecord
                                   : storage::CrashFault::Kind::kFlippedBit;
    fault.seed = fault_rng_.next();
  }
  ++counts_[Fault::kCrash];
  crash(node, fault);
  schedule(now_ + fault_rng_.range(200, 2500), Restart{node.index, node.incarnation});
}

void Simulator::arm_disk_error() {
  std::vector<ValidatorIndex> candidates;
  for (ValidatorIndex i : honest_up_nodes()) {
    if (nodes_[i].disk && !nodes_[i].disk_fault_armed) candidates.push_back(i);
  }
  if (candidates.empty()) return;
  Node& node = nodes_[fault_rng_.pick(candidates)];
  node.disk_fault_armed = true;
  // The k-th write from now fails, and every write after it: a disk gone bad.
  std::uint64_t writes_left = fault_rng_.range(1, 30);
  node.disk->set_fault_policy([writes_left](const storage::IoRequest& r) mutable {
    if (r.kind != storage::IoKind::kWrite) return false;
    if (writes_left > 0) --writes_left;
    return writes_left == 0;
  });
  trace("replica " + std::to_string(node.index) + ": disk starts failing");
}

void Simulator::heal() {
  healed_ = true;
  heal_at_ = now_;
  heal_height_ = max_honest_height();
  network_.heal();
  network_.set_faults({});
  trace("faults stop at height " + std::to_string(heal_height_));
  for (Node& node : nodes_) {
    if (node.disk_fault_armed && node.disk) {
      node.disk->set_fault_policy({});
      node.disk_fault_armed = false;
    }
    if (!node.up && status_.is_ok()) start_node(node);
  }
  schedule(now_ + kLivenessBoundMs, LivenessDeadline{});
  note_progress();
}

}  // namespace replex::sim
