// NetworkModel: latency, loss, duplication and partitions of the simulated
// network. It decides the fate of each packet when it is sent: dropped, or
// delivered after one delay (two when duplicated). Deterministic given its
// Prng. Faults apply only while enabled (the fault window).
#pragma once

#include <cstdint>
#include <vector>

#include "replex/consensus/types.hpp"
#include "sim/fault_kinds.hpp"
#include "sim/prng.hpp"

namespace replex::sim {

struct LinkFaults {
  std::uint64_t drop_ppm = 0;       // loss, per million packets
  std::uint64_t duplicate_ppm = 0;  // duplication, per million packets
  std::uint64_t tail_ppm = 0;       // packets whose latency is multiplied by 5..20
  std::uint64_t jitter_factor = 1;  // latency drawn up to this many times the maximum
};

class NetworkModel {
 public:
  // `bandwidth_bytes_per_ms` adds a transfer time proportional to size.
  NetworkModel(Prng rng, std::size_t nodes, std::uint64_t latency_min_ms,
               std::uint64_t latency_max_ms, std::uint64_t bandwidth_bytes_per_ms);

  // Each link (both directions) keeps one latency drawn from the range,
  // as WAN links between fixed sites do, instead of a draw per packet.
  void fix_link_latencies(Prng rng);

  void set_faults(const LinkFaults& faults) { faults_ = faults; }
  const LinkFaults& faults() const { return faults_; }

  // Splits the nodes into groups; only nodes of one group reach each other.
  void partition(std::vector<std::uint32_t> group_of_node);
  void heal() { group_.assign(group_.size(), 0); }
  bool partitioned() const;
  bool connected(consensus::ValidatorIndex a, consensus::ValidatorIndex b) const {
    return group_[a] == group_[b];
  }

  // Delivery delays for one packet sent now: empty when it is lost.
  // Counts drops, duplicates and tail delays into `counts`.
  std::vector<std::uint64_t> transmit(consensus::ValidatorIndex from, consensus::ValidatorIndex to,
                                      std::size_t bytes, FaultCounts& counts);

 private:
  std::uint64_t latency(consensus::ValidatorIndex from, consensus::ValidatorIndex to,
                        std::size_t bytes, FaultCounts& counts);

  Prng rng_;
  std::uint64_t latency_min_ms_;
  std::uint64_t latency_max_ms_;
  std::uint64_t bandwidth_bytes_per_ms_;
  LinkFaults faults_;
  std::vector<std::uint32_t> group_;
  std::vector<std::uint64_t> link_latency_ms_;  // per (from, to) when fixed; else empty
};

}  // namespace replex::sim
