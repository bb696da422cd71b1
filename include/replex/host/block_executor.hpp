// BlockExecutor: the one place committed blocks are executed and stored.
//
// It applies the core's CommitBlock, InstallState and CheckpointStable
// actions to the Application and the Store and returns the input to feed
// back to the core (BlockExecuted, StateInstalled) with what the listener
// reports. The host runs it inline by default; a node that executes on its
// own thread (DESIGN.md: consensus never waits on execution) implements
// ExecutionQueue, runs the tasks there in order and hands each result back
// with ReplicaHost::complete. Borrows the application and the store.
// Not thread-safe: one thread runs it at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <variant>

#include "replex/abci/application.hpp"
#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/host/ports.hpp"
#include "replex/storage/store.hpp"

namespace replex::host {

using ExecutionTask = std::variant<consensus::CommitBlock, consensus::InstallState,
                                   consensus::CheckpointStable, consensus::StoreChunk>;

struct ExecutionResult {
  // Non-ok when the store failed (or installed state is inconsistent): the
  // node can no longer trust what it holds in memory and must stop; a restart
  // recovers from the store.
  Status status;
  // BlockExecuted or StateInstalled, for the core.
  std::optional<consensus::Event> input;
  std::optional<CommittedBlock> committed;  // for Listener::on_block_committed
  std::optional<InstalledState> installed;  // for Listener::on_state_installed
};

class BlockExecutor {
 public:
  // A snapshot is taken at every height that is a multiple of
  // `checkpoint_interval`; the store keeps the newest `snapshots_kept`.
  BlockExecutor(abci::Application& app, storage::Store& store,
                std::uint64_t checkpoint_interval, std::uint32_t snapshots_kept);

  ExecutionResult run(const ExecutionTask& task);

  // execute_block with the header's context, then one synced put_block
  // (block, certificate, tx hashes and codes, app_hash); at a checkpoint
  // height also the snapshot and its digest. Precondition: the block is the
  // application's next height.
  ExecutionResult execute(const consensus::CommitBlock& commit);
  // Application::restore; a refusal is reported to the core as a failed
  // StateInstalled with the state unchanged. Then the snapshot with its
  // proof and anchor block is stored and the chain reset to its height.
  ExecutionResult install(const consensus::InstallState& install);
  // Stores the proof beside the snapshot at the proof's height
  // (put_snapshot_proof: the state is not rewritten), if that snapshot is
  // held and its digest is the proven one. A snapshot this executor took is
  // checked against the digest it computed then, without reading its state.
  ExecutionResult attach_proof(const consensus::CheckpointStable& stable);
  // Keeps a verified chunk in the spool for its height (in memory, at most
  // consensus.max_state_bytes; another height's spool is dropped, and so is
  // a spool a committed block reaches). A spooled InstallState restores from it.
  ExecutionResult store_chunk(const consensus::StoreChunk& chunk);
  // Bytes held in the spool now (for tests).
  std::uint64_t spool_bytes() const { return spool_.size(); }

 private:
  abci::Application& app_;
  storage::Store& store_;
  std::uint64_t checkpoint_interval_;
  std::uint32_t snapshots_kept_;
  consensus::Height spool_height_ = 0;
  Bytes spool_;
  // The newest snapshots this executor took (at most snapshots_kept): their
  // digest and stored proof, for attach_proof.
  struct TakenSnapshot {
    consensus::Height height = 0;
    Hash256 digest;
    Bytes proof;
  };
  std::deque<TakenSnapshot> taken_;
};

// Implemented by a node that runs execution on its own thread.
class ExecutionQueue {
 public:
  virtual ~ExecutionQueue() = default;
  // Runs BlockExecutor::run(task) after every task posted before it, then
  // passes the result to ReplicaHost::complete on the host's thread.
  virtual void post(ExecutionTask task) = 0;
};

}  // namespace replex::host
