// Replica: one validator's PBFT state machine (docs/consensus.md).
//
// Pure: no sockets, threads, clocks, disks or randomness. The driver calls
// start() once, then handle() for every input, and performs the returned
// actions in order (inputs_and_actions.hpp). The Application is borrowed for check_tx /
// verify_tx only and must outlive the replica; execution is the driver's job.
// Not thread-safe: one thread drives a replica at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "replex/abci/application.hpp"
#include "replex/consensus/config.hpp"
#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/consensus/mempool.hpp"
#include "replex/consensus/validator_set.hpp"

namespace replex::consensus {

// What identifies the chain: every node derives it from the genesis file.
struct ChainInfo {
  std::string chain_id;
  Hash256 genesis_hash;               // the "block hash" of height 0
  std::uint64_t genesis_time_ms = 0;  // lower bound for the first block's time
};

// Everything a replica is rebuilt from on (re)start. A fresh node passes
// height 0 with the genesis hash and time and no WAL records.
struct RecoveredState {
  Height committed_height = 0;
  Hash256 committed_hash;                                  // block hash at committed_height
  std::uint64_t committed_time_ms = 0;                     // that block's header time
  std::optional<CommitCertificate> committed_certificate;  // required above height 0
  std::optional<CheckpointProof> stable_checkpoint;        // latest, if any
  std::vector<Bytes> wal_records;                          // Store::wal_read_all() order
};

class Replica {
 public:
  // Fails on an invalid config (naming the field), a key that is not in the
  // validator set, an inconsistent recovered state, or a WAL record that does
  // not decode or was not signed by this replica (kCorruption).
  static Result<Replica> create(const Config& config, const ChainInfo& chain,
                                ValidatorSet validators, KeyPair key, const abci::Application& app,
                                RecoveredState recovered);

  Replica(Replica&&) noexcept;
  Replica& operator=(Replica&&) noexcept;
  ~Replica();

  // Arms timers and re-sends this replica's own recorded messages of its
  // current view (after a restart). Call once, before handle().
  std::vector<Action> start(std::uint64_t now_ms);
  std::vector<Action> handle(Input input);

  // --- read-only status, for metrics and tests ----------------------------------
  ValidatorIndex index() const;
  View view() const;
  bool in_view_change() const;
  bool is_primary() const;
  Height committed_height() const;
  const Hash256& committed_hash() const;
  std::optional<Height> stable_checkpoint_height() const;
  // The checkpoint height at which a quorum's checkpoint showed this
  // replica's own state differs (STATE_DIVERGENCE), while it has not yet
  // installed a proven state in its place; nullopt otherwise. Diverged, the
  // replica does not vote, propose or commit (docs/consensus.md, "Divergence").
  std::optional<Height> diverged_at() const;
  const Mempool& mempool() const;
  const ValidatorSet& validators() const;
  const Config& config() const;

 private:
  class Impl;
  explicit Replica(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace replex::consensus
