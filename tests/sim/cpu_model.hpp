// CpuModel: what a simulated validator's work costs in CPU time, and the
// cores that do it (docs/simulator.md, "CPU model").
//
// Each validator has `cores` cores. A delivered consensus message, a
// transaction (gossiped or submitted) and a block answer occupy the
// earliest-free core for their cost; the node handles the input when that
// core is done, so deliveries queue behind a busy node and latency includes
// CPU queueing. Sending a message occupies a core for its signature and
// per-recipient framing before it leaves; executing a committed block
// occupies a core for its transactions. Costs are microseconds of one core,
// calibrated from the benchmarks (docs/PERFORMANCE.md). All arithmetic is
// integer: the model is as deterministic as the rest of the simulator.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replex/consensus/messages.hpp"
#include "replex/core/status.hpp"

namespace replex::sim {

struct CpuCosts {
  std::uint32_t cores = 2;          // per validator
  std::uint64_t verify_us = 50;     // one Ed25519 verification
  std::uint64_t sign_us = 20;       // one Ed25519 signature (a message sent)
  std::uint64_t message_us = 10;    // one consensus packet sent or received, besides signatures
  std::uint64_t kib_us = 2;         // and per KiB of it (the p2p frame's AEAD, hashing a block)
  std::uint64_t tx_us = 28;         // one transaction admitted, besides its verification
  std::uint64_t execute_tx_us = 6;  // executing and storing one committed transaction
  std::uint64_t block_us = 100;     // executing and storing one block, besides its transactions

  // "cores=2,verify=50,sign=20,message=10,kib=2,tx=28,execute-tx=6,block=100"
  std::string to_string() const;
  // "on" (the defaults), or key=value pairs overriding them.
  static Result<CpuCosts> parse(const std::string& text);

  friend bool operator==(const CpuCosts&, const CpuCosts&) = default;
};

// Signatures a receiver checks in a decoded consensus message: the sender's,
// and those of the certificates and VIEW-CHANGEs it carries.
std::uint64_t signatures_in(const consensus::Message& message);

// One node's cores, in microseconds of global simulated time.
class NodeCpu {
 public:
  explicit NodeCpu(std::uint32_t cores) : free_at_us_(cores, 0) {}

  // Work that can start at `ready_us` takes the earliest-free core (the
  // lowest-numbered on a tie) for `cost_us`; returns when it is done.
  std::uint64_t occupy(std::uint64_t ready_us, std::uint64_t cost_us);
  // A restarted process starts with idle cores (what was queued died with it).
  void reset(std::uint64_t now_us);

  std::uint64_t busy_us() const { return busy_us_; }
  // How long work that became ready now would wait for a core.
  std::uint64_t backlog_us(std::uint64_t now_us) const;
  std::uint64_t max_backlog_us() const { return max_backlog_us_; }

 private:
  std::vector<std::uint64_t> free_at_us_;
  std::uint64_t busy_us_ = 0;
  std::uint64_t max_backlog_us_ = 0;
};

}  // namespace replex::sim
