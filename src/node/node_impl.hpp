// Node::Impl: the wiring of one node (docs/node.md). Private to the module.
//
// Thread ownership (see include/replex/node/node.hpp for the overview):
//  - consensus_loop_ runs everything that touches host_: inputs, timers,
//    the Transport/Timers/Listener callbacks, pending_admissions_;
//  - execution_loop_ runs BlockExecutor tasks (ExecutionQueue) and publishes
//    the chain read view, commit notifications and pushes to observers;
//  - the Network thread only routes: it hands work to workers_ or posts to
//    consensus_loop_, never blocks;
//  - workers_ verify signatures and serve peers' block/state requests;
//  - the API's threads (src/api: gRPC's, REST's, the read model's) serve
//    read views, the store and the gateway's read model, and submit through
//    admission.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "event_loop.hpp"
#include "metrics.hpp"
#include "replex/api/chain_view_builder.hpp"
#include "replex/api/commit_waiters.hpp"
#include "replex/api/gateway.hpp"
#include "replex/api/read_views.hpp"
#include "replex/config/genesis_file.hpp"
#include "replex/config/node_config.hpp"
#include "replex/exchange/exchange_app.hpp"
#include "replex/node/node.hpp"
#include "replex/p2p/network.hpp"
#include "replex/settlement/settler.hpp"
#include "replex/host/host.hpp"
#include "replex/host/peer_request.hpp"
#include "replex/host/snapshot_server.hpp"
#include "replex/host/synchronized_application.hpp"
#include "replex/storage/rocks_store.hpp"
#include "settlement_metrics.hpp"
#include "tx_admission.hpp"
#include "unknown_signer_limiter.hpp"
#include "worker_pool.hpp"

namespace replex::node {

// Unix time in milliseconds: the consensus core's clock (header times).
std::uint64_t unix_now_ms();

class Node::Impl final : public host::Transport,
                         public host::Timers,
                         public host::Listener,
                         public host::ExecutionQueue {
 public:
  Impl(std::string home, config::NodeConfig config, config::GenesisFile genesis);
  ~Impl() override;

  Status open();
  Status start();
  void stop();

  // --- host::Transport (consensus thread) -----------------------------------
  void send(consensus::ValidatorIndex to, consensus::MessageType type,
            const consensus::SharedBytes& bytes) override;
  void broadcast(consensus::MessageType type, const consensus::SharedBytes& bytes) override;
  void request_blocks(const consensus::RequestBlocks& request) override;
  void request_state(const consensus::RequestState& request) override;
  void request_chunk(const consensus::RequestChunk& request) override;

  // --- host::Timers (consensus thread) ----------------------------------------
  void set(consensus::TimerKind kind, std::uint64_t deadline_ms) override;
  void cancel(consensus::TimerKind kind) override;

  // --- host::Listener (consensus thread) --------------------------------------
  void on_tx_status(const consensus::TxStatusReport& report) override;
  void on_view_changed(const consensus::ViewChanged& change) override;
  void on_evidence(const consensus::Evidence& evidence) override;

  // --- host::ExecutionQueue (consensus thread posts, execution thread runs) ----
  void post(host::ExecutionTask task) override;

  // State shared with Node's accessors.
  std::string home_;
  config::NodeConfig config_;
  config::GenesisFile genesis_;
  api::ReadViews views_;
  std::uint16_t p2p_port_ = 0;
  std::uint16_t grpc_port_ = 0;
  std::uint16_t rest_port_ = 0;
  std::string node_id_hex_;
  std::function<void(const Status&)> fatal_handler_;
  mutable std::mutex failure_mutex_;
  Status failure_;  // guarded by failure_mutex_

 private:
  // --- consensus thread ---------------------------------------------------------------
  // Feeds one input to the host and publishes the consensus view; a host failure is fatal.
  void feed(consensus::Event event);
  // The same without publishing (callers publish once after a batch).
  void handle(consensus::Event event);
  void admit(std::vector<VerifiedTx> batch, bool relayed);
  void publish_consensus_view();
  void fatal(const Status& status);
  // The first validator of `peers` (not this node) that p2p has connected.
  std::optional<consensus::ValidatorIndex> pick_peer(const std::vector<consensus::ValidatorIndex>& peers) const;
  void ask_peer(consensus::ValidatorIndex peer, host::PeerRequest request);
  // A peer's request answered from the store (a worker thread).
  Result<Bytes> serve(const host::PeerRequest& request);

  // --- execution thread -----------------------------------------------------------------
  // `posted`: when the task was posted (for a block, when it committed here).
  void after_execution(const host::ExecutionResult& result, std::chrono::steady_clock::time_point posted);
  // The chain view of the state recovery rebuilt (before any thread runs).
  void publish_recovered_view();
  // Publishes the read views after a block (kBlock) or after recovery or a
  // state install (kReset: every account is refreshed, see docs/node.md "Read views").
  enum class ViewRefresh : std::uint8_t { kBlock, kReset };
  // Returns the view; with `events`, also copies the block's exchange events
  // under the same lock (for the gateway's read model).
  std::shared_ptr<const api::ChainView> publish_chain_view(std::uint64_t height, const Hash256& block_hash,
                                                           const Hash256& app_hash, std::uint64_t time_ms,
                                                           ViewRefresh refresh, std::vector<exchange::Event>* events);
  void push_to_observers(std::uint64_t height);

  // --- network thread ---------------------------------------------------------------------
  void on_message(p2p::InboundMessage message);
  void on_gossip(const p2p::NodeId& from, p2p::Channel channel, std::vector<Bytes> payloads);
  void on_request(p2p::InboundRequest request);

  Status start_api();
  Status open_settlement(const std::shared_ptr<const exchange::ChainRules>& rules);
  // A settler thread: sign and submit a DepositAttestation for `deposit`.
  void attest(const settlement::DepositObserved& deposit);
  // The Prometheus text of /metrics (the gateway's threads).
  std::string render_metrics();
  // Checks the chain's messages fit p2p frames; sizes the serving limits to them.
  Status fit_to_frames();
  consensus::BlockLimits block_limits() const;

  // Owned resources, in construction order (destroyed in reverse).
  std::unique_ptr<storage::RocksStore> store_;
  std::unique_ptr<exchange::ExchangeApp> exchange_;
  std::unique_ptr<host::SynchronizedApplication> app_;
  std::optional<consensus::ValidatorSet> validators_;
  std::optional<consensus::ValidatorIndex> self_index_;
  std::shared_ptr<const KeyPair> node_key_;
  consensus::Config consensus_config_;
  host::HostOptions host_options_;
  std::unique_ptr<host::SnapshotServer> snapshot_server_;  // peers' chunked state transfers

  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<p2p::Network> network_;
  api::CommitWaiters waiters_;
  std::unique_ptr<TxAdmission> admission_;
  std::unique_ptr<api::Gateway> gateway_;
  std::unique_ptr<Metrics> metrics_;
  // Settlement (settlement_wiring.cpp): null when settlement.enabled is off.
  std::unique_ptr<settlement::Settler> settler_;
  std::unique_ptr<SettlementMetrics> settlement_metrics_;  // with settler_
  std::optional<KeyPair> attester_key_;  // the validator key, for deposit attestations
  std::atomic<std::uint64_t> attest_nonce_{0};

  EventLoop execution_loop_{"replex-exec"};
  std::uint64_t chunks_spooled_ = 0;  // execution thread: since the last install
  EventLoop consensus_loop_{"replex-consensus"};
  // Consensus thread only.
  std::unique_ptr<host::ReplicaHost> host_;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> timers_;
  std::map<Hash256, std::deque<AdmissionDone>> pending_admissions_;  // answered in order
  api::ConsensusView last_consensus_view_;
  // The STATE_DIVERGENCE that put the core in its diverged mode (height,
  // why); cleared once the core installed a proven state (Replica::diverged_at).
  std::optional<std::pair<std::uint64_t, std::string>> divergence_;
  // Execution thread only (and the controlling thread before it starts).
  std::unique_ptr<api::ChainViewBuilder> chain_views_;

  // Pushed-block batches posted to the consensus thread, not yet fed
  // (bounded by consensus.max_queued_block_pushes; network thread increments).
  std::atomic<std::uint32_t> queued_block_pushes_{0};
  // Consensus thread: the peer whose pushed blocks are being fed, so evidence
  // against them reaches p2p even when the peer is not a validator.
  std::optional<p2p::NodeId> pushed_by_;
  UnknownSignerLimiter unknown_signers_{config_.consensus.unknown_account_gossip_per_s,
                                        config_.consensus.unknown_account_gossip_burst};

  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<bool> failed_{false};
};

}  // namespace replex::node
