// ReplicaHost: open and recovery, persist before send, execution inline and
// deferred, observers (following blocks, catching up by state, whole or in
// chunks), state transfer through the host, failure handling.
#include "replex/host/host.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "replex/consensus/messages.hpp"
#include "replex/consensus/snapshot_chunks.hpp"
#include "replex/core/hash.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/host/serving.hpp"
#include "unit/host/chain_fixture.hpp"

namespace replex::host::testing {
namespace {

using consensus::MessageType;

constexpr std::uint64_t kNow = kGenesisTimeMs + 1000;

struct Sent {
  std::optional<consensus::ValidatorIndex> to;  // nullopt: broadcast
  MessageType type;
  Bytes bytes;
  std::size_t unsynced_at_send = 0;
};

// Records everything the host does to the outside world.
struct Recorder : Transport, Timers, Listener {
  const storage::MemoryDisk* disk = nullptr;
  std::vector<Sent> sent;
  std::vector<consensus::RequestBlocks> block_requests;
  std::vector<consensus::RequestState> state_requests;
  std::vector<consensus::RequestChunk> chunk_requests;
  std::map<consensus::TimerKind, std::uint64_t> timers;
  std::vector<CommittedBlock> committed;
  std::vector<InstalledState> installed;
  std::vector<consensus::TxStatusReport> tx_reports;
  std::vector<consensus::Evidence> evidence;

  void send(consensus::ValidatorIndex to, MessageType type,
            const consensus::SharedBytes& bytes) override {
    sent.push_back({to, type, *bytes, disk ? disk->unsynced_changes() : 0});
  }
  void broadcast(MessageType type, const consensus::SharedBytes& bytes) override {
    sent.push_back({std::nullopt, type, *bytes, disk ? disk->unsynced_changes() : 0});
  }
  void request_blocks(const consensus::RequestBlocks& r) override { block_requests.push_back(r); }
  void request_state(const consensus::RequestState& r) override { state_requests.push_back(r); }
  void request_chunk(const consensus::RequestChunk& r) override { chunk_requests.push_back(r); }
  void set(consensus::TimerKind kind, std::uint64_t deadline_ms) override {
    timers[kind] = deadline_ms;
  }
  void cancel(consensus::TimerKind kind) override { timers.erase(kind); }
  void on_block_committed(const CommittedBlock& b) override { committed.push_back(b); }
  void on_state_installed(const InstalledState& s) override { installed.push_back(s); }
  void on_tx_status(const consensus::TxStatusReport& r) override { tx_reports.push_back(r); }
  void on_evidence(const consensus::Evidence& e) override { evidence.push_back(e); }

  std::vector<Sent> of_type(MessageType type) const {
    std::vector<Sent> out;
    for (const Sent& s : sent) {
      if (s.type == type) out.push_back(s);
    }
    return out;
  }
};

// Collects posted tasks; the test runs them, as a node's execution thread would.
struct DeferredExecution : ExecutionQueue {
  std::deque<ExecutionTask> tasks;
  void post(ExecutionTask task) override { tasks.push_back(std::move(task)); }
};

struct Host : ::testing::Test {
  ChainFixture fixture;
  TestNode node;
  Recorder recorder;
  DeferredExecution deferred;
  std::unique_ptr<ReplicaHost> host;

  Host() { recorder.disk = node.disk.get(); }

  Status open(std::optional<consensus::ValidatorIndex> validator, bool defer = false,
              const HostOptions& options = host_options()) {
    host.reset();
    node.reopen();
    std::optional<KeyPair> key;
    if (validator) key = validator_key(*validator);
    auto opened =
        ReplicaHost::open(options, chain_info(), validator_set(), std::move(key), *node.app,
                          *node.store, {recorder, recorder, recorder, defer ? &deferred : nullptr});
    if (!opened) return opened.status();
    host = std::move(opened).value();
    return host->start(kNow);
  }

  Bytes vote(consensus::ValidatorIndex from, MessageType type, const Hash256& block_hash,
             consensus::Height height = 1) {
    return consensus::encode_message(consensus::sign_message(
        type, from, consensus::VoteBody{0, height, block_hash}, {}, validator_key(from), kChainId));
  }

  // Validator 0 (the primary of view 0) proposes one block of `txs`.
  Hash256 propose(const std::vector<Bytes>& txs) {
    for (const Bytes& tx : txs) EXPECT_TRUE(host->submit_transaction(kNow, tx).is_ok());
    EXPECT_TRUE(
        host->handle({kNow + 100, consensus::TimerFired{consensus::TimerKind::kBatch}}).is_ok());
    const auto proposals = recorder.of_type(MessageType::kPrePrepare);
    EXPECT_EQ(proposals.size(), 1u);
    if (proposals.empty()) return {};
    return consensus::decode_message(proposals[0].bytes, validator_set(),
                                     consensus::message_limits(host_options().consensus))
        ->vote()
        .block_hash;
  }

  void quorum_votes(const Hash256& hash) {
    for (consensus::ValidatorIndex v = 1; v <= 2; ++v) {
      ASSERT_TRUE(
          host->handle(
                  {kNow + 110, consensus::MessageReceived{v, vote(v, MessageType::kPrepare, hash)}})
              .is_ok());
    }
    for (consensus::ValidatorIndex v = 1; v <= 2; ++v) {
      ASSERT_TRUE(host->handle({kNow + 120,
                                consensus::MessageReceived{v, vote(v, MessageType::kCommit, hash)}})
                      .is_ok());
    }
  }
};

TEST_F(Host, ValidatorPersistsItsProposalBeforeSendingIt) {
  ASSERT_TRUE(open(0).is_ok());
  ASSERT_TRUE(host->is_validator());
  ASSERT_NE(host->replica(), nullptr);
  propose(fixture.orders(3));
  const auto proposals = recorder.of_type(MessageType::kPrePrepare);
  ASSERT_EQ(proposals.size(), 1u);
  EXPECT_EQ(proposals[0].unsynced_at_send, 0u) << "the WAL record must be durable before the send";
  auto wal = node.store->wal_read_all();
  ASSERT_TRUE(wal.is_ok());
  EXPECT_FALSE(wal->empty());
  EXPECT_EQ(recorder.tx_reports.size(), 3u);
  for (const auto& r : recorder.tx_reports) EXPECT_EQ(r.verdict, consensus::TxVerdict::kAccepted);
}

TEST_F(Host, RestartedValidatorResendsWhatItPersisted) {
  ASSERT_TRUE(open(0).is_ok());
  propose(fixture.orders(2));
  const Bytes proposal = recorder.of_type(MessageType::kPrePrepare).at(0).bytes;
  recorder.sent.clear();

  ASSERT_TRUE(open(0).is_ok());  // kill -9 and restart on the same disk
  const auto resent = recorder.of_type(MessageType::kPrePrepare);
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0].bytes, proposal);
}

TEST_F(Host, CommitsExecutesAndStoresAtAQuorum) {
  ASSERT_TRUE(open(0).is_ok());
  const Hash256 hash = propose(fixture.orders(4));
  quorum_votes(hash);
  ASSERT_EQ(recorder.committed.size(), 1u);
  const CommittedBlock& block = recorder.committed[0];
  EXPECT_EQ(block.height, 1u);
  EXPECT_EQ(block.block_hash, hash);
  EXPECT_EQ(block.tx_codes.size(), 4u);
  EXPECT_EQ(block.app_hash, node.app->app_hash());
  EXPECT_EQ(host->committed_height(), 1u);
  EXPECT_EQ(node.store->last_height(), 1u);
  EXPECT_EQ(node.store->block_at(1)->app_hash, block.app_hash);

  // A restart replays the stored block and resumes at height 1.
  const Hash256 app_hash = node.app->app_hash();
  ASSERT_TRUE(open(0).is_ok());
  EXPECT_EQ(host->committed_height(), 1u);
  EXPECT_EQ(host->recovery().replayed_blocks, 1u);
  EXPECT_EQ(node.app->app_hash(), app_hash);
}

TEST_F(Host, DeferredExecutionFeedsTheResultBackInOrder) {
  ASSERT_TRUE(open(0, /*defer=*/true).is_ok());
  const Hash256 hash = propose(fixture.orders(2));
  quorum_votes(hash);
  ASSERT_EQ(deferred.tasks.size(), 1u);
  EXPECT_EQ(host->pending_executions(), 1u);
  EXPECT_TRUE(recorder.committed.empty());
  EXPECT_EQ(node.store->last_height(), 0u);
  EXPECT_EQ(host->committed_height(), 1u) << "consensus does not wait for execution";

  ExecutionResult result = host->executor().run(deferred.tasks.front());
  deferred.tasks.pop_front();
  ASSERT_TRUE(host->complete(kNow + 200, std::move(result)).is_ok());
  EXPECT_EQ(host->pending_executions(), 0u);
  ASSERT_EQ(recorder.committed.size(), 1u);
  EXPECT_EQ(node.store->last_height(), 1u);
}

TEST_F(Host, SubmitReportsAnInvalidTransactionWithoutAdmittingIt) {
  ASSERT_TRUE(open(0).is_ok());
  ASSERT_TRUE(host->submit_transaction(kNow, to_bytes("garbage")).is_ok());
  ASSERT_EQ(recorder.tx_reports.size(), 1u);
  EXPECT_EQ(recorder.tx_reports[0].verdict, consensus::TxVerdict::kRejected);
  EXPECT_NE(recorder.tx_reports[0].app_code, 0u);
  EXPECT_TRUE(host->replica()->mempool().empty());
}

TEST_F(Host, ObserverFollowsCertifiedBlocksFromAPeersAnswer) {
  TestNode peer;
  BlockExecutor peer_executor = peer.executor();
  (void)fixture.commit(peer_executor, 3);

  ASSERT_TRUE(open(std::nullopt).is_ok());
  EXPECT_FALSE(host->is_validator());
  ASSERT_NE(host->observer(), nullptr);
  ASSERT_FALSE(recorder.block_requests.empty());
  EXPECT_EQ(host->submit_transaction(kNow, fixture.orders(1)[0]).code(),
            StatusCode::kFailedPrecondition);

  const consensus::RequestBlocks request = recorder.block_requests.back();
  auto answer = decode_blocks_answer(
      *serve_blocks(*peer.store, request.from_height, request.to_height, host_options().serve),
      host_options().serve);
  ASSERT_TRUE(answer.is_ok());
  answer->from = 1;
  ASSERT_TRUE(host->handle({kNow, std::move(answer).value()}).is_ok());
  EXPECT_EQ(host->committed_height(), 3u);
  EXPECT_EQ(recorder.committed.size(), 3u);
  EXPECT_EQ(node.app->app_hash(), peer.app->app_hash());
}

// A peer at height 7 with a proven checkpoint at 5 whose store no longer
// serves blocks 1..5; the observer host learns of height 7 from a push.
struct ObserverHost : Host {
  TestNode peer;
  std::uint64_t now = kNow;

  void SetUp() override {
    BlockExecutor peer_executor = peer.executor();
    const auto executed = fixture.commit(peer_executor, kCheckpointInterval + 2);
    const consensus::CheckpointProof proof = fixture.prove(executed[4]);
    ASSERT_TRUE(peer_executor.attach_proof({proof, consensus::encode_checkpoint_proof(proof)})
                    .status.is_ok());
  }

  void push_tip() {
    auto pushed = decode_blocks_answer(*serve_blocks(*peer.store, 7, 7, host_options().serve),
                                       host_options().serve);
    ASSERT_TRUE(pushed.is_ok());
    pushed->from = 1;
    ASSERT_TRUE(host->handle({now, std::move(pushed).value()}).is_ok());
    run_deferred();
  }

  // Block requests go unanswered (the peer lacks the blocks): the fetch
  // timer fires until the observer asks for state.
  void time_out_until_state_is_asked() {
    for (int i = 0; i < 8 && recorder.state_requests.empty(); ++i) {
      ASSERT_TRUE(recorder.timers.contains(consensus::TimerKind::kFetch));
      now = recorder.timers.at(consensus::TimerKind::kFetch);
      ASSERT_TRUE(host->handle({now, consensus::TimerFired{consensus::TimerKind::kFetch}}).is_ok());
      run_deferred();
    }
    ASSERT_FALSE(recorder.state_requests.empty());
  }

  consensus::StateReceived state_answer() {
    const consensus::RequestState& request = recorder.state_requests.back();
    EXPECT_FALSE(request.target.has_value());
    auto state = decode_state_answer(
        *serve_state(*peer.store, request.above_height, host_options().serve), host_options().serve);
    EXPECT_TRUE(state.is_ok());
    state->from = 1;
    return std::move(state).value();
  }

  // Runs what the host posted to its execution queue, as a node's execution thread would.
  void run_deferred() {
    while (!deferred.tasks.empty()) {
      ExecutionResult result = host->executor().run(deferred.tasks.front());
      deferred.tasks.pop_front();
      ASSERT_TRUE(host->complete(now, std::move(result)).is_ok());
    }
  }

  void expect_caught_up() {
    ASSERT_EQ(recorder.installed.size(), 1u);
    EXPECT_EQ(recorder.installed[0].height, 5u);
    EXPECT_EQ(recorder.committed.size(), 2u) << "the blocks after the anchor follow";
    EXPECT_EQ(host->committed_height(), 7u);
    EXPECT_EQ(host->observer()->committed_hash(), fixture.tip_hash());
    EXPECT_EQ(node.app->app_hash(), peer.app->app_hash());
    EXPECT_EQ(node.store->first_height(), 6u);
  }
};

TEST_F(ObserverHost, ObserverCatchesUpByStateThroughTheHost) {
  ASSERT_TRUE(open(std::nullopt).is_ok());
  push_tip();
  time_out_until_state_is_asked();
  ASSERT_TRUE(host->handle({now, state_answer()}).is_ok());
  expect_caught_up();

  // The installed state survives a restart; the observer resumes above it.
  ASSERT_TRUE(open(std::nullopt).is_ok());
  EXPECT_EQ(host->committed_height(), 7u);
  EXPECT_EQ(host->observer()->committed_hash(), fixture.tip_hash());
  EXPECT_EQ(host->recovery().snapshot_height, 5u);
  EXPECT_EQ(node.app->app_hash(), peer.app->app_hash());
  ASSERT_FALSE(recorder.block_requests.empty());
  EXPECT_EQ(recorder.block_requests.back().from_height, 8u);
}

TEST_F(ObserverHost, ObserverInstallsAStateOfferedInChunksWithDeferredExecution) {
  HostOptions options = host_options();
  options.consensus.state_chunk_bytes = 1024;
  ASSERT_TRUE(open(std::nullopt, /*defer=*/true, options).is_ok());
  push_tip();
  time_out_until_state_is_asked();
  EXPECT_EQ(recorder.state_requests.back().chunk_bytes, 1024u);
  // The peer offers the state and serves it in chunks.
  consensus::StateReceived offer = state_answer();
  const Bytes snapshot = std::move(offer.snapshot);
  offer.snapshot = {};
  offer.snapshot_bytes = snapshot.size();
  const consensus::SnapshotLayout layout{snapshot.size(), 1024};
  ASSERT_GE(layout.chunk_count(), 2u);
  const std::vector<Hash256> midstates = consensus::snapshot_midstates(snapshot, 1024);
  ASSERT_TRUE(host->handle({now, std::move(offer)}).is_ok());
  run_deferred();
  for (std::size_t answered = 0; answered < recorder.chunk_requests.size(); ++answered) {
    const consensus::RequestChunk request = recorder.chunk_requests[answered];
    EXPECT_EQ(request.height, 5u);
    consensus::ChunkReceived chunk{1, request.height, request.index, midstates[request.index], {}};
    const ByteView bytes = ByteView(snapshot).subspan(layout.chunk_offset(request.index),
                                                      layout.chunk_size(request.index));
    chunk.chunk.assign(bytes.begin(), bytes.end());
    ASSERT_TRUE(host->handle({now, std::move(chunk)}).is_ok());
    run_deferred();
  }
  EXPECT_EQ(recorder.chunk_requests.size(), layout.chunk_count());
  expect_caught_up();
}

TEST_F(Host, LaggingValidatorInstallsStateThroughTheHost) {
  TestNode peer;
  BlockExecutor peer_executor = peer.executor();
  const auto executed = fixture.commit(peer_executor, kCheckpointInterval + 2);
  const consensus::CheckpointProof proof = fixture.prove(executed[4]);
  ASSERT_TRUE(peer_executor.attach_proof({proof, consensus::encode_checkpoint_proof(proof)})
                  .status.is_ok());

  ASSERT_TRUE(open(3).is_ok());
  auto state =
      decode_state_answer(*serve_state(*peer.store, 0, host_options().serve), host_options().serve);
  ASSERT_TRUE(state.is_ok());
  state->from = 1;
  ASSERT_TRUE(host->handle({kNow, std::move(state).value()}).is_ok());
  ASSERT_EQ(recorder.installed.size(), 1u);
  EXPECT_EQ(recorder.installed[0].height, 5u);
  EXPECT_EQ(recorder.committed.size(), 2u) << "the blocks after the anchor follow";
  EXPECT_EQ(host->committed_height(), 7u);
  EXPECT_EQ(node.app->app_hash(), peer.app->app_hash());
  EXPECT_EQ(node.store->first_height(), 6u);

  // The installed state survives a restart.
  ASSERT_TRUE(open(3).is_ok());
  EXPECT_EQ(host->committed_height(), 7u);
  EXPECT_EQ(host->recovery().snapshot_height, 5u);
  EXPECT_EQ(node.app->app_hash(), peer.app->app_hash());
}

TEST_F(Host, StoreFailureStopsTheHostForGood) {
  ASSERT_TRUE(open(0).is_ok());
  node.disk->set_fault_policy(storage::fail_from(storage::IoKind::kWrite, 1));
  for (const Bytes& tx : fixture.orders(2)) ASSERT_TRUE(host->submit_transaction(kNow, tx).is_ok());
  const Status failed =
      host->handle({kNow + 100, consensus::TimerFired{consensus::TimerKind::kBatch}});
  EXPECT_EQ(failed.code(), StatusCode::kIoError) << failed.to_string();
  EXPECT_TRUE(recorder.of_type(MessageType::kPrePrepare).empty())
      << "nothing is sent once persisting it failed";
  EXPECT_EQ(host->failure(), failed);
  EXPECT_EQ(host->handle({kNow + 200, consensus::TimerFired{consensus::TimerKind::kView}}), failed);
}

TEST_F(Host, RefusesToOpenOnAStoreThatFailsItsChecks) {
  BlockExecutor executor = node.executor();
  (void)fixture.commit(executor, 1);
  const consensus::CertifiedBlock block = fixture.next_block(fixture.orders(1));
  ASSERT_TRUE(node.store
                  ->put_block({2,
                               block.block_hash,
                               sha256("divergent"),
                               block.block_bytes,
                               block.certificate_bytes,
                               {},
                               {}})
                  .is_ok());
  const Status opened = open(1);
  EXPECT_EQ(opened.code(), StatusCode::kCorruption);
  EXPECT_NE(opened.message().find("height 2"), std::string::npos) << opened.message();
}

TEST_F(Host, RefusesAKeyOutsideTheValidatorSet) {
  auto opened = ReplicaHost::open(host_options(), chain_info(), validator_set(),
                                  KeyPair::from_label("stranger"), *node.app, *node.store,
                                  {recorder, recorder, recorder, nullptr});
  ASSERT_FALSE(opened.is_ok());
  EXPECT_NE(opened.status().message().find("validator set"), std::string::npos)
      << opened.status().message();
}

}  // namespace
}  // namespace replex::host::testing
