// Cluster: several Replicas wired in-process for unit tests.
//
// A tiny driver: it delivers each node's messages to the others through one
// FIFO network queue, keeps a WAL and a block store per node in memory,
// executes committed blocks on the node's TestApp, answers block and state
// requests from a peer's store, and fires timers on a manual clock. Tests
// drop, hold or inject messages and crash/restart nodes. Deterministic.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "replex/consensus/messages.hpp"
#include "replex/consensus/replica.hpp"
#include "replex/core/hash.hpp"
#include "unit/consensus/test_app.hpp"

namespace replex::consensus::testing {

inline constexpr std::string_view kChainId = "replex-consensus-test";

Config test_config();
// test_config() with retransmit_interval_ms 0: a lost vote costs a view change.
Config without_retransmission();
ChainInfo test_chain();
KeyPair validator_key(ValidatorIndex i);
ValidatorSet make_validators(std::size_t n);

// One message in flight.
struct Envelope {
  ValidatorIndex from = 0;
  ValidatorIndex to = 0;
  MessageType type = MessageType::kPrepare;
  SharedBytes bytes;
};

// What a node's driver keeps: its durable WAL and block store, and what the
// core reported.
struct Node {
  std::unique_ptr<TestApp> app = std::make_unique<TestApp>();
  std::optional<Replica> replica;
  bool crashed = false;
  std::int64_t clock_offset_ms = 0;

  std::vector<std::pair<Height, Bytes>> wal;  // (height, record), append order
  std::map<Height, CertifiedBlock> blocks;    // the block store
  Height store_height = 0;
  // With execute_later, committed blocks wait here until execute_waiting().
  bool execute_later = false;
  std::deque<CertifiedBlock> waiting_execution;
  std::map<Height, Bytes> snapshots;  // Application::snapshot() at checkpoint heights
  std::map<Height, Bytes> proofs;     // stable checkpoint proofs
  std::optional<CheckpointProof> stable_proof;
  std::map<TimerKind, std::uint64_t> timers;

  std::vector<Height> commit_order;
  std::vector<Evidence> evidence;
  std::vector<ViewChanged> view_changes;
  std::vector<TxStatusReport> tx_reports;
  std::vector<RequestBlocks> block_requests;
  std::vector<RequestState> state_requests;
  std::vector<RequestChunk> chunk_requests;
  std::map<ValidatorIndex, int> chunks_served_to;  // by serving peer
  std::map<std::pair<Height, std::uint32_t>, int> chunk_answers;  // (height, index) received
  Height spool_height = 0;
  Bytes spool;  // StoreChunk writes here
  std::vector<TruncateWal> truncations;
  std::size_t installs = 0;
  std::vector<Envelope> sent;  // every message it sent, in order

  bool has_evidence(EvidenceKind kind) const;
  std::size_t count_evidence(EvidenceKind kind) const;
};

class Cluster {
 public:
  explicit Cluster(std::size_t n, Config config = test_config());

  Replica& replica(ValidatorIndex i) { return *nodes_[i].replica; }
  Node& node(ValidatorIndex i) { return nodes_[i]; }
  std::size_t size() const { return nodes_.size(); }
  std::uint64_t now_ms() const { return now_ms_; }
  const ValidatorSet& validators() const { return validators_; }
  const Config& config() const { return config_; }

  // Hands a transaction to one node / to every live node (gossip).
  void submit(ValidatorIndex i, std::string_view tx);
  void submit_all(std::string_view tx);
  // Hands node i a transaction a peer gossiped (TransactionsReceived::relayed).
  void relay(ValidatorIndex i, std::string_view tx);
  // Commits block 1 holding `tx` everywhere while node i holds it back from
  // execution (Node::execute_later, left on): node i's state is at height 0.
  void commit_block_1_unexecuted_at(ValidatorIndex i, std::string_view tx);

  // Feeds an input to node i and performs its actions.
  void feed(ValidatorIndex i, Event event);
  // Delivers raw bytes as if `from` had sent them to `to`.
  void inject(ValidatorIndex from, ValidatorIndex to, Bytes bytes);

  // Delivers queued messages and local inputs until none is left.
  void deliver_all();
  // Moves the clock forward, firing due timers in deadline order.
  void advance(std::uint64_t ms);

  // Rewrites what a node sends (a Byzantine validator): returns the envelopes
  // to put on the network instead of `e`.
  std::function<std::vector<Envelope>(const Envelope& e)> tamper;

  // A network filter: return true to drop the envelope.
  std::function<bool(const Envelope&)> drop;
  // Messages the filter marked as held are kept here instead of delivered.
  std::function<bool(const Envelope&)> hold;
  std::deque<Envelope> held;
  void release_held();

  // Random network faults, drawn from `rng` (seeded: a run replays exactly).
  struct Faults {
    double drop = 0;       // probability a message is lost
    double duplicate = 0;  // probability a message is delivered twice
    bool reorder = false;  // deliver queued messages in random order
  };
  Faults faults;
  std::mt19937_64 rng{1};

  // Options of the harness driver.
  bool serve_blocks = true;       // peers answer RequestBlocks
  bool tamper_snapshots = false;  // peers corrupt the snapshot they serve
  // Chunked state transfer: peers offer state without its snapshot and serve
  // chunks; a liar corrupts its chunks; a peer with a budget answers that
  // many chunks, then stays connected but silent.
  bool chunked_state = false;
  std::optional<ValidatorIndex> chunk_liar;
  std::map<ValidatorIndex, int> chunk_budget;

  // What the harness's driver answers a request with, as the first listed
  // peer able to (with the options above); nothing when none answers. Also
  // for a core outside the cluster (an observer).
  std::optional<BlocksReceived> blocks_answer(const RequestBlocks& request) const;
  std::optional<StateReceived> state_answer(const RequestState& request) const;
  std::optional<ChunkReceived> chunk_answer(const RequestChunk& request);  // spends chunk_budget

  // Executes node i's committed blocks held back by Node::execute_later.
  void execute_waiting(ValidatorIndex i);

  void crash(ValidatorIndex i);
  // A paused node (a stopped process) keeps its state and timers but gets no
  // input, and its messages are lost; resume() lets them through again, its
  // overdue timers firing at the next advance(). Meanwhile submit() to it and
  // its queued local inputs are lost too: pause a quiet node, and do not
  // execute_waiting() it. Not for a crashed node (restart() it).
  void pause(ValidatorIndex i) { nodes_[i].crashed = true; }
  void resume(ValidatorIndex i) { nodes_[i].crashed = false; }
  // Rebuilds the replica from its WAL and block store (as a node restart would).
  void restart(ValidatorIndex i);

  // Every live node committed the same blocks up to its height.
  void expect_consistent() const;
  Height min_committed_height() const;

 private:
  void perform(ValidatorIndex i, std::vector<Action> actions);
  void send(Envelope e);
  void execute(ValidatorIndex i, const CertifiedBlock& block);
  void answer_blocks(ValidatorIndex i, const RequestBlocks& request);
  void answer_state(ValidatorIndex i, const RequestState& request);
  void answer_chunk(ValidatorIndex i, const RequestChunk& request);
  void build_replica(ValidatorIndex i);

  Config config_;
  ValidatorSet validators_;
  std::vector<Node> nodes_;
  std::uint64_t now_ms_ = 1'700'000'000'000;
  std::deque<Envelope> network_;
  std::deque<std::pair<ValidatorIndex, Event>> local_;
  std::map<ValidatorIndex, InstallState> installing_;
};

// Helpers to craft messages as a (possibly Byzantine) validator.
Bytes signed_message(ValidatorIndex sender, MessageType type, MessageBody body,
                     std::vector<Bytes> blocks = {});
Block test_block(Height height, const Hash256& prev, ValidatorIndex proposer, std::uint64_t time_ms,
                 std::vector<std::string> txs);
Bytes pre_prepare(ValidatorIndex primary, View view, const Block& block);

}  // namespace replex::consensus::testing
