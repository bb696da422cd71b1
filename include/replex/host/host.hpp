// ReplicaHost: runs one node's consensus core against its Application,
// Store, transport and timers (docs/host.md).
//
// open() rebuilds the node from its store (recovery.hpp) and creates the
// core: a Replica with a validator key, an Observer without. handle() feeds
// an input to the core and performs the actions it returns, in order:
// WAL records are durable before any later action, committed blocks are
// executed and stored by the BlockExecutor (inline, or on the node's
// execution thread through an ExecutionQueue), results are fed back, and
// reports go to the Listener. Owns the core and the executor; borrows the
// application, store and ports, which must outlive it. No threads, sockets
// or clocks: time comes in with each call. Not thread-safe: one thread
// drives it; the serving functions may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "replex/consensus/observer.hpp"
#include "replex/consensus/replica.hpp"
#include "replex/host/block_executor.hpp"
#include "replex/host/options.hpp"
#include "replex/host/ports.hpp"
#include "replex/host/recovery.hpp"
#include "replex/storage/store.hpp"

namespace replex::host {

class ReplicaHost {
 public:
  struct Ports {
    Transport& transport;
    Timers& timers;
    Listener& listener;
    // Null: the host executes committed blocks inline.
    ExecutionQueue* execution = nullptr;
  };

  // Recovers from the store (`app` must hold the genesis state) and creates
  // the core. Fails on invalid options, stored data that fails its checks
  // (kCorruption naming the height), or a WAL the core refuses.
  static Result<std::unique_ptr<ReplicaHost>> open(const HostOptions& options,
                                                   const consensus::ChainInfo& chain,
                                                   consensus::ValidatorSet validators,
                                                   std::optional<KeyPair> key,
                                                   abci::Application& app,
                                                   storage::Store& store, Ports ports);
  ~ReplicaHost();
  ReplicaHost(const ReplicaHost&) = delete;
  ReplicaHost& operator=(const ReplicaHost&) = delete;

  // Once, before anything else: arms timers, re-sends the replica's own
  // messages of its current view, asks peers for what it lacks.
  Status start(std::uint64_t now_ms);
  // Feeds one input and performs everything that follows from it. A non-ok
  // status means the store failed: the host stops (every later call returns
  // the same status) and the node must restart, recovering from the store.
  Status handle(consensus::Input input);
  // Application::verify_tx, then the mempool (TransactionsReceived; `relayed`:
  // a peer gossiped it). The verdict goes to Listener::on_tx_status either
  // way. kFailedPrecondition on an observer, which has no mempool.
  Status submit_transaction(std::uint64_t now_ms, Bytes tx, bool relayed = false);
  // The result of a task posted to the ExecutionQueue, in posting order.
  Status complete(std::uint64_t now_ms, ExecutionResult result);

  // Answers to peers from this node's store (serving.hpp); thread-safe.
  Result<Bytes> serve_blocks(consensus::Height from, consensus::Height to) const;
  Result<Bytes> serve_state(consensus::Height above_height) const;

  // For the node's execution thread (with an ExecutionQueue).
  BlockExecutor& executor() { return executor_; }

  bool is_validator() const { return std::holds_alternative<consensus::Replica>(core_); }
  // Null for an observer.
  const consensus::Replica* replica() const { return std::get_if<consensus::Replica>(&core_); }
  // Null for a validator.
  const consensus::Observer* observer() const { return std::get_if<consensus::Observer>(&core_); }
  consensus::Height committed_height() const;
  const Recovered& recovery() const { return recovered_; }
  // Ok while the host runs; the failure that stopped it otherwise.
  const Status& failure() const { return failure_; }
  // Tasks posted to the ExecutionQueue whose results have not come back.
  std::size_t pending_executions() const { return pending_executions_; }

 private:
  using Core = std::variant<consensus::Replica, consensus::Observer>;
  ReplicaHost(const HostOptions& options, Core core, abci::Application& app,
              storage::Store& store, Ports ports, Recovered recovered);

  // Feeds queued inputs to the core until none is left.
  Status drain(std::uint64_t now_ms);
  void perform(std::vector<consensus::Action>& actions);
  void perform_one(consensus::Action& action);
  void dispatch(ExecutionTask task);
  void apply(ExecutionResult result);
  // Makes appended WAL records durable (persist before any later action).
  void sync_wal();
  void fail(Status status);

  HostOptions options_;
  Core core_;
  abci::Application& app_;
  storage::Store& store_;
  Ports ports_;
  BlockExecutor executor_;
  Recovered recovered_;
  std::deque<consensus::Event> inputs_;  // fed back by the host itself
  bool started_ = false;
  bool wal_unsynced_ = false;
  std::size_t pending_executions_ = 0;
  Status failure_;
};

}  // namespace replex::host
