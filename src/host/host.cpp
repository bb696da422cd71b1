// ReplicaHost: open (recovery + core), the input loop, action execution.
#include "replex/host/host.hpp"

#include <string>

#include "replex/consensus/messages.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/host/serving.hpp"
#include "replex/core/overloaded.hpp"

namespace replex::host {


Result<std::unique_ptr<ReplicaHost>> ReplicaHost::open(const HostOptions& options,
                                                       const consensus::ChainInfo& chain,
                                                       consensus::ValidatorSet validators,
                                                       std::optional<KeyPair> key,
                                                       abci::Application& app,
                                                       storage::Store& store, Ports ports) {
  REPLEX_RETURN_IF_ERROR(options.validate());
  REPLEX_ASSIGN_OR_RETURN(Recovered recovered,
                          recover(app, store, {chain, validators, options.consensus}));
  consensus::RecoveredState state = std::move(recovered.state);
  recovered.state = {};
  if (key) {
    auto replica = consensus::Replica::create(options.consensus, chain, std::move(validators),
                                              std::move(*key), app, std::move(state));
    if (!replica) return replica.status().with_context("open: ");
    return std::unique_ptr<ReplicaHost>(new ReplicaHost(options, Core(std::move(replica).value()),
                                                        app, store, ports, std::move(recovered)));
  }
  auto observer = consensus::Observer::create(options.consensus, chain, std::move(validators),
                                              state.committed_height, state.committed_hash);
  if (!observer) return observer.status().with_context("open: ");
  return std::unique_ptr<ReplicaHost>(new ReplicaHost(options, Core(std::move(observer).value()),
                                                      app, store, ports, std::move(recovered)));
}

ReplicaHost::ReplicaHost(const HostOptions& options, Core core, abci::Application& app,
                         storage::Store& store, Ports ports, Recovered recovered)
    : options_(options),
      core_(std::move(core)),
      app_(app),
      store_(store),
      ports_(ports),
      executor_(app, store, options.consensus.checkpoint_interval, options.snapshots_kept),
      recovered_(std::move(recovered)) {}

ReplicaHost::~ReplicaHost() = default;

consensus::Height ReplicaHost::committed_height() const {
  return std::visit([](const auto& core) { return core.committed_height(); }, core_);
}

Status ReplicaHost::start(std::uint64_t now_ms) {
  REPLEX_ASSERT_MSG(!started_, "ReplicaHost::start() called twice");
  started_ = true;
  std::vector<consensus::Action> actions =
      std::visit([now_ms](auto& core) { return core.start(now_ms); }, core_);
  perform(actions);
  return drain(now_ms);
}

Status ReplicaHost::handle(consensus::Input input) {
  REPLEX_ASSERT_MSG(started_, "ReplicaHost::start() must be called before handle()");
  if (!failure_.is_ok()) return failure_;
  inputs_.push_back(std::move(input.event));
  return drain(input.now_ms);
}

Status ReplicaHost::submit_transaction(std::uint64_t now_ms, Bytes tx, bool relayed) {
  if (!failure_.is_ok()) return failure_;
  if (!is_validator()) {
    return Status::failed_precondition(
        "submit_transaction: an observer has no mempool; send it to a validator");
  }
  const abci::TxCheck verified = app_.verify_tx(tx);
  if (!verified.ok()) {
    ports_.listener.on_tx_status(consensus::TxStatusReport{
        tx_hash(tx), consensus::TxVerdict::kRejected, verified.code,
        std::string(app_.reason_name(verified.code)) + ": " + verified.message});
    return Status::ok();
  }
  consensus::TransactionsReceived received;
  received.txs.push_back(std::move(tx));
  received.relayed = relayed;
  return handle({now_ms, std::move(received)});
}

Status ReplicaHost::complete(std::uint64_t now_ms, ExecutionResult result) {
  REPLEX_ASSERT_MSG(pending_executions_ > 0, "ReplicaHost::complete() without a posted task");
  --pending_executions_;
  if (!failure_.is_ok()) return failure_;
  apply(std::move(result));
  return drain(now_ms);
}

Result<Bytes> ReplicaHost::serve_blocks(consensus::Height from, consensus::Height to) const {
  return host::serve_blocks(store_, from, to, options_.serve);
}

Result<Bytes> ReplicaHost::serve_state(consensus::Height above_height) const {
  return host::serve_state(store_, above_height, options_.serve);
}

Status ReplicaHost::drain(std::uint64_t now_ms) {
  while (failure_.is_ok() && !inputs_.empty()) {
    consensus::Input input{now_ms, std::move(inputs_.front())};
    inputs_.pop_front();
    std::vector<consensus::Action> actions =
        std::visit([&input](auto& core) { return core.handle(std::move(input)); }, core_);
    perform(actions);
  }
  return failure_;
}

void ReplicaHost::perform(std::vector<consensus::Action>& actions) {
  for (consensus::Action& action : actions) {
    if (!failure_.is_ok()) return;
    // Persist before anything else: the records appended so far become
    // durable (one sync for a run of them) before the next action.
    if (!std::holds_alternative<consensus::PersistRecord>(action)) sync_wal();
    if (!failure_.is_ok()) return;
    perform_one(action);
  }
  sync_wal();
}

void ReplicaHost::perform_one(consensus::Action& action) {
  std::visit(
      Overloaded{
          [&](consensus::SendMessage& a) { ports_.transport.send(a.to, a.type, a.bytes); },
          [&](consensus::BroadcastMessage& a) { ports_.transport.broadcast(a.type, a.bytes); },
          [&](consensus::PersistRecord& a) {
            auto appended = store_.wal_append(a.height, a.record, /*sync=*/false);
            if (!appended) return fail(appended.status().with_context("persist: "));
            wal_unsynced_ = true;
          },
          [&](consensus::CommitBlock& a) { dispatch(std::move(a)); },
          [&](consensus::SetTimer& a) { ports_.timers.set(a.kind, a.deadline_ms); },
          [&](consensus::CancelTimer& a) { ports_.timers.cancel(a.kind); },
          [&](consensus::RequestBlocks& a) { ports_.transport.request_blocks(a); },
          [&](consensus::RequestState& a) { ports_.transport.request_state(a); },
          [&](consensus::RequestChunk& a) { ports_.transport.request_chunk(a); },
          [&](consensus::StoreChunk& a) { dispatch(std::move(a)); },
          [&](consensus::InstallState& a) { dispatch(std::move(a)); },
          [&](consensus::TruncateWal& a) {
            const Status s = store_.wal_truncate_below(a.below_height);
            if (!s.is_ok()) fail(s.with_context("truncate wal: "));
          },
          [&](consensus::CheckpointStable& a) { dispatch(std::move(a)); },
          [&](consensus::ViewChanged& a) { ports_.listener.on_view_changed(a); },
          [&](consensus::EvidenceFound& a) { ports_.listener.on_evidence(a.evidence); },
          [&](consensus::TxStatusReport& a) { ports_.listener.on_tx_status(a); },
      },
      action);
}

void ReplicaHost::dispatch(ExecutionTask task) {
  if (ports_.execution != nullptr) {
    ++pending_executions_;
    ports_.execution->post(std::move(task));
    return;
  }
  apply(executor_.run(task));
}

void ReplicaHost::apply(ExecutionResult result) {
  if (!result.status.is_ok()) return fail(std::move(result.status));
  if (result.committed) ports_.listener.on_block_committed(*result.committed);
  if (result.installed) ports_.listener.on_state_installed(*result.installed);
  if (result.input) inputs_.push_back(std::move(*result.input));
}

void ReplicaHost::sync_wal() {
  if (!wal_unsynced_ || !failure_.is_ok()) return;
  wal_unsynced_ = false;
  const Status s = store_.sync();
  if (!s.is_ok()) fail(s.with_context("persist: sync: "));
}

void ReplicaHost::fail(Status status) {
  REPLEX_ASSERT(!status.is_ok());
  if (failure_.is_ok()) failure_ = std::move(status);
}

}  // namespace replex::host
