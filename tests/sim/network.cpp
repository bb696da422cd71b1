#include "sim/network.hpp"

#include <algorithm>

namespace replex::sim {

NetworkModel::NetworkModel(Prng rng, std::size_t nodes, std::uint64_t latency_min_ms,
                           std::uint64_t latency_max_ms, std::uint64_t bandwidth_bytes_per_ms)
    : rng_(rng),
      latency_min_ms_(latency_min_ms),
      latency_max_ms_(latency_max_ms),
      bandwidth_bytes_per_ms_(bandwidth_bytes_per_ms),
      group_(nodes, 0) {
  REPLEX_ASSERT(latency_min_ms_ <= latency_max_ms_ && bandwidth_bytes_per_ms_ > 0);
}

void NetworkModel::partition(std::vector<std::uint32_t> group_of_node) {
  REPLEX_ASSERT(group_of_node.size() == group_.size());
  group_ = std::move(group_of_node);
}

bool NetworkModel::partitioned() const {
  return std::any_of(group_.begin(), group_.end(), [&](std::uint32_t g) { return g != group_[0]; });
}

std::uint64_t NetworkModel::latency(std::size_t bytes, FaultCounts& counts) {
  std::uint64_t ms = rng_.range(latency_min_ms_, latency_max_ms_ * faults_.jitter_factor);
  if (faults_.tail_ppm > 0 && rng_.chance_ppm(faults_.tail_ppm)) {
    ms = std::max<std::uint64_t>(ms, 1) * rng_.range(5, 20);
    ++counts[Fault::kDelay];
  }
  return ms + bytes / bandwidth_bytes_per_ms_;
}

std::vector<std::uint64_t> NetworkModel::transmit(consensus::ValidatorIndex from,
                                                  consensus::ValidatorIndex to, std::size_t bytes,
                                                  FaultCounts& counts) {
  if (!connected(from, to)) {
    ++counts[Fault::kPartition];
    return {};
  }
  if (faults_.drop_ppm > 0 && rng_.chance_ppm(faults_.drop_ppm)) {
    ++counts[Fault::kDrop];
    return {};
  }
  std::vector<std::uint64_t> delays{latency(bytes, counts)};
  if (faults_.duplicate_ppm > 0 && rng_.chance_ppm(faults_.duplicate_ppm)) {
    delays.push_back(latency(bytes, counts));
    ++counts[Fault::kDuplicate];
  }
  return delays;
}

}  // namespace replex::sim
