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

void NetworkModel::fix_link_latencies(Prng rng) {
  const std::size_t n = group_.size();
  link_latency_ms_.assign(n * n, 0);
  for (std::size_t a = 0; a < n; ++a) {
    for (std::size_t b = a + 1; b < n; ++b) {
      const std::uint64_t ms = rng.range(latency_min_ms_, latency_max_ms_);
      link_latency_ms_[a * n + b] = ms;
      link_latency_ms_[b * n + a] = ms;
    }
  }
}

std::uint64_t NetworkModel::latency(consensus::ValidatorIndex from, consensus::ValidatorIndex to,
                                    std::size_t bytes, FaultCounts& counts) {
  std::uint64_t ms = link_latency_ms_.empty()
                         ? rng_.range(latency_min_ms_, latency_max_ms_ * faults_.jitter_factor)
                         : link_latency_ms_[std::size_t{from} * group_.size() + to];
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
  std::vector<std::uint64_t> delays{latency(from, to, bytes, counts)};
  if (faults_.duplicate_ppm > 0 && rng_.chance_ppm(faults_.duplicate_ppm)) {
    delays.push_back(latency(from, to, bytes, counts));
    ++counts[Fault::kDuplicate];
  }
  return delays;
}

}  // namespace replex::sim
