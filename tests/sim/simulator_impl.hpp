// Simulator: the private state of one run. Files: simulator.cpp (the event
// loop, network, clients), simulator_nodes.cpp (node lifecycle and the hosts'
// ports), simulator_faults.cpp (the fault schedule and the heal), report.cpp.
#pragma once

#include <array>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "replex/exchange/exchange_app.hpp"
#include "replex/host/host.hpp"
#include "replex/host/snapshot_server.hpp"
#include "replex/storage/memory_store.hpp"
#include "sim/byzantine.hpp"
#include "sim/cpu_model.hpp"
#include "sim/invariants.hpp"
#include "sim/network.hpp"
#include "sim/prng.hpp"
#include "sim/simulator.hpp"
#include "sim/workload.hpp"

namespace replex::sim {

using consensus::Height;
using consensus::ValidatorIndex;
using consensus::View;

// Limits of a run, in simulated time.
// Faults are injected until the cluster is 60% of the way to the target
// height, but for at least the minimum and at most the maximum window.
inline constexpr std::uint64_t kFaultWindowMinMs = 4'000;
inline constexpr std::uint64_t kFaultWindowMaxMs = 20'000;
inline constexpr std::uint64_t kFaultTickMs = 200;
inline constexpr std::uint64_t kLivenessBoundMs =
    60'000;  // heal -> every honest replica commits anew
inline constexpr std::uint64_t kCompletionBoundMs =
    180'000;  // heal -> every honest replica at the target
inline constexpr std::uint64_t kMaxSteps = 50'000'000;
inline constexpr std::int64_t kClockSkewMaxMs = 400;
inline constexpr std::uint64_t kStartTimeMs = 1'750'000'000'000;

// Validator i's consensus key (also its attester key with --deposits).
inline KeyPair sim_validator_key(ValidatorIndex i) { return KeyPair::from_label("sim-validator-" + std::to_string(i)); }
// With --rate: after the load stops, how long the run waits for the last
// accepted orders to commit; and the start of the window whose commits
// measure the committed rate (the first blocks are still filling the pipeline).
inline constexpr std::uint64_t kLoadDrainMs = 5'000;
inline constexpr std::uint64_t kLoadWarmupMs = 1'000;
// With the CPU model: how many distinct consensus messages the verification
// memo keeps (older ones are verified again if they come back).
inline constexpr std::size_t kVerifiedMessagesKept = 1 << 16;

namespace detail {

// What travels between simulated nodes, and the events of the loop.
enum class PacketKind : std::uint8_t {
  kConsensus,
  kTransaction,  // gossip of a client transaction
  kBlocksRequest,
  kStateRequest,
  kBlocksAnswer,
  kStateAnswer,
  kClientTransaction,  // a client's submission, queued for the node's CPU (CPU model only)
  kChunkRequest,       // one snapshot chunk of an offered state (as a node asks, chunked)
  kChunkAnswer,
};
struct Packet {
  PacketKind kind = PacketKind::kConsensus;
  ValidatorIndex from = 0;
  ValidatorIndex to = 0;
  std::uint64_t to_incarnation = 0;     // dropped if the receiver restarted meanwhile
  std::uint64_t reply_incarnation = 0;  // requests: the asker's incarnation
  consensus::MessageType type = consensus::MessageType::kPrepare;
  consensus::SharedBytes bytes;
  Height from_height = 0;  // requests: [from, to]; state requests: above `from`; chunks: the height
  Height to_height = 0;
  std::uint32_t chunk_bytes = 0;  // state requests: 0 asks for the whole state, else an offer
  std::uint32_t chunk_index = 0;  // chunk requests and answers
  std::uint64_t link_sequence = 0;  // per (from, to), to observe reordering
};

struct Deliver {
  Packet packet;
  bool charged = false;  // CPU model: arrived, and the node's core has done its work
};
struct TimerDue {
  ValidatorIndex node = 0;
  consensus::TimerKind kind = consensus::TimerKind::kView;
  std::uint64_t generation = 0;
};
struct ExecutionDue {
  ValidatorIndex node = 0;
  std::uint64_t incarnation = 0;
};
struct ClientSubmit {};
struct FaultTick {};
struct Restart {
  ValidatorIndex node = 0;
  std::uint64_t incarnation = 0;  // of the crashed process; stale if it restarted since
};
struct PartitionHeals {
  std::uint64_t episode = 0;
};
struct LivenessDeadline {};
using Event = std::variant<Deliver, TimerDue, ExecutionDue, ClientSubmit, FaultTick, Restart,
                           PartitionHeals, LivenessDeadline>;
// Events run in (time, scheduling order).
using EventKey = std::pair<std::uint64_t, std::uint64_t>;

}  // namespace detail

class Simulator {
 public:
  explicit Simulator(const SimPlan& plan);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  SimReport run();

 private:
  using PacketKind = detail::PacketKind;
  using Packet = detail::Packet;
  using Event = detail::Event;
  using Deliver = detail::Deliver;
  using TimerDue = detail::TimerDue;
  using ExecutionDue = detail::ExecutionDue;
  using ClientSubmit = detail::ClientSubmit;
  using FaultTick = detail::FaultTick;
  using Restart = detail::Restart;
  using PartitionHeals = detail::PartitionHeals;
  using LivenessDeadline = detail::LivenessDeadline;

  // --- nodes ------------------------------------------------------------------
  class Ports;
  struct Node {
    ValidatorIndex index = 0;
    std::unique_ptr<Ports> ports;
    std::unique_ptr<ByzantineValidator> byzantine;  // null: honest
    std::int64_t clock_offset_ms = 0;
    // The durable medium: outlives the process.
    std::shared_ptr<storage::MemoryDisk> disk;
    std::filesystem::path rocks_path;
    // The process, while up.
    bool up = false;
    std::uint64_t incarnation = 0;
    std::unique_ptr<storage::Store> store;
    std::unique_ptr<exchange::ExchangeApp> app;
    std::unique_ptr<host::ReplicaHost> host;
    std::unique_ptr<host::SnapshotServer> snapshots;  // serves offers and chunks, as a node's workers do
    std::array<std::uint64_t, consensus::kTimerKinds> timer_generation{};
    std::deque<host::ExecutionTask> executions;
    bool execution_scheduled = false;
    Height executed = 0;  // the newest height executed and stored (or installed)
    Height transferring = 0;  // the height of the last chunk asked for, until installed or committed
    bool disk_fault_armed = false;
    bool damaged = false;  // the last crash damaged a record: a refused start is expected
    bool outage = false;   // down until the heal
    std::optional<NodeCpu> cpu;  // with the CPU model

    bool honest() const { return byzantine == nullptr; }
  };

  // --- event loop (simulator.cpp) ------------------------------------------------
  void schedule(std::uint64_t at, Event event);
  void dispatch(Event& event);
  void deliver(Packet& packet, bool charged);
  void handle_packet(Node& node, Packet& packet);
  // Puts a packet on the network when it leaves the sender (`depart_at`, ms).
  void transmit(Packet packet, std::optional<std::uint64_t> depart_at = std::nullopt);
  void submit_client_transaction();
  // --deposits: attestations due, a credited depositor's first order, new deposits.
  void deposit_tick();
  void submit_to(Node& node, Bytes tx);
  void accept_client_transaction(Node& node, Bytes tx);
  void gossip(Node& node, Bytes tx);
  bool finished() const;
  std::uint64_t local_now(const Node& node) const;
  Height max_honest_height() const;
  Height min_honest_height() const;
  void fail(Status status);
  void trace(const std::string& line) const;
  SimReport report();

  // --- nodes (simulator_nodes.cpp) -----------------------------------------------
  void setup_nodes();
  void start_node(Node& node);
  // Kills the process; `fault` is applied to the disk (power loss) unless
  // the process just died on its own (kill -9 / an I/O error).
  void crash(Node& node, std::optional<storage::CrashFault> fault);
  void wipe(Node& node);
  Result<std::unique_ptr<storage::Store>> open_store(Node& node);
  // A host call's status: an injected disk error kills the node, anything else fails the run.
  void check(Node& node, const Status& status, std::string_view what);
  void on_send(Node& node, std::optional<ValidatorIndex> to, consensus::MessageType type,
               const consensus::SharedBytes& bytes);
  void trace_message(const Node& node, std::optional<ValidatorIndex> to,
                     consensus::MessageType type, const Bytes& bytes) const;
  // Sends `request` (kind, heights, chunk fields) to the first connected of `peers`.
  void on_request(Node& node, const std::vector<ValidatorIndex>& peers, Packet request);
  // What `node` answers a request with; nullopt: nothing to give (the
  // asker's fetch timer asks another peer).
  std::optional<Bytes> serve(Node& node, const Packet& request);
  void on_set_timer(Node& node, consensus::TimerKind kind, std::uint64_t deadline_ms);
  void on_cancel_timer(Node& node, consensus::TimerKind kind);
  void on_post(Node& node, host::ExecutionTask task);
  void run_execution(Node& node);
  void on_committed(Node& node, const host::CommittedBlock& block);
  void on_installed(Node& node, const host::InstalledState& state);
  void on_view_changed(Node& node, const consensus::ViewChanged& change);
  void on_evidence(Node& node, const consensus::Evidence& evidence);
  void note_progress();

  // --- CPU model (simulator_cpu.cpp) ---------------------------------------------
  struct VerifiedMessage {
    bool signatures_valid = false;
    std::uint64_t signatures = 1;
    std::vector<Hash256> block_txs;  // a PRE-PREPARE's transactions
  };
  // Charges a packet that just arrived to the node's cores and re-schedules
  // its delivery for when they are done; false without the CPU model.
  bool queue_for_cpu(Node& node, Packet& packet);
  std::uint64_t arrival_cost_us(const Node& node, const Packet& packet);
  // verify_message() once per distinct message (the verdict depends only on
  // its bytes), as the node's worker pool runs it before the core.
  const VerifiedMessage& verified(const consensus::SharedBytes& bytes);
  // verify_tx() once per distinct transaction, then the mempool.
  void admit_transaction(Node& node, const Bytes& tx, bool relayed);
  // Occupies a core for sending `packets` copies of one signed message of
  // `bytes`; returns when they leave (ms).
  std::uint64_t charge_send(Node& node, std::size_t packets, std::size_t bytes);
  void charge_execution(Node& node, std::size_t txs);
  std::uint64_t now_us() const { return now_ * 1000; }
  // The event time for CPU work done at `us`, rounded to the nearest ms.
  std::uint64_t event_ms(std::uint64_t us) const { return std::max(now_, (us + 500) / 1000); }

  // --- offered load (simulator_load.cpp) -------------------------------------------
  void offer_load();
  void note_accepted(const Hash256& tx);
  void note_committed_tx(const Hash256& tx);
  void on_tx_status(Node& node, const consensus::TxStatusReport& report);
  bool load_finished() const;
  void report_load(SimReport& r) const;
  void report_cpu(SimReport& r) const;

  // --- faults (simulator_faults.cpp) ---------------------------------------------
  void setup_faults();
  void assign_byzantine();
  void fault_tick();
  void start_partition();
  void crash_random_node();
  void arm_disk_error();
  void heal();
  std::vector<ValidatorIndex> honest_up_nodes() const;

  // --- configuration ---------------------------------------------------------------
  const SimPlan plan_;
  const exchange::Genesis genesis_;
  const consensus::ChainInfo chain_;
  const consensus::ValidatorSet validators_;
  host::HostOptions host_options_;
  std::optional<std::filesystem::path> rocks_root_;  // removed at the end of the run

  // --- randomness: one stream per concern ---------------------------------------------
  Prng root_rng_;
  Prng fault_rng_;
  Prng client_rng_;
  Prng execution_rng_;
  Prng deposit_rng_;

  // --- world state ---------------------------------------------------------------
  std::uint64_t now_ = kStartTimeMs;
  std::uint64_t sequence_ = 0;
  std::map<detail::EventKey, Event> queue_;
  NetworkModel network_;
  std::vector<Node> nodes_;
  Workload workload_;
  std::multimap<std::uint64_t, std::pair<ValidatorIndex, Bytes>> attestations_due_;  // by when submitted
  InvariantChecker checker_;
  Status status_;

  // --- fault schedule ---------------------------------------------------------------
  bool healed_ = false;
  std::uint64_t heal_at_ = 0;
  Height heal_height_ = 0;
  std::optional<std::uint64_t> progress_at_;
  std::optional<ValidatorIndex> outage_node_;
  std::uint64_t outage_at_ = 0;
  std::uint64_t partition_episode_ = 0;
  std::uint64_t wipes_ = 0;

  // --- statistics -----------------------------------------------------------------
  std::uint64_t steps_ = 0;
  std::uint64_t consensus_messages_ = 0;
  std::uint64_t txs_submitted_ = 0;
  std::uint64_t held_verdicts_ = 0;  // TxVerdict::kHeld from honest replicas
  std::vector<std::uint64_t> latencies_ms_;
  std::map<Hash256, std::uint64_t> submitted_at_;  // awaiting their first honest commit
  std::vector<std::uint64_t> link_sent_;           // per (from, to)
  std::vector<std::uint64_t> link_delivered_;      // highest sequence delivered per (from, to)
  std::vector<std::uint64_t> link_last_arrival_;   // load runs: per (from, to), FIFO links
  View max_view_entered_ = 0;
  FaultCounts counts_;
  std::map<std::string, std::uint64_t> evidence_;
  std::vector<std::uint64_t> latency_submitted_ms_;  // beside latencies_ms_: when each was submitted

  // --- CPU model ------------------------------------------------------------------
  std::map<const Bytes*, VerifiedMessage> verified_messages_;
  std::deque<consensus::SharedBytes> verified_order_;  // keeps the memo's keys alive, oldest first
  std::map<Hash256, bool> verified_txs_;

  // --- offered load ----------------------------------------------------------------
  std::uint64_t load_start_ = 0;
  std::uint64_t load_end_ = 0;
  std::uint64_t load_next_node_ = 0;
  std::uint64_t load_offered_ = 0;
  std::uint64_t load_accepted_ = 0;
  std::uint64_t load_evicted_ = 0;
  std::uint64_t load_committed_after_warmup_ = 0;
  std::set<Hash256> awaiting_commit_;  // accepted by a mempool, not committed yet
  std::vector<std::uint64_t> busy_at_warmup_us_;  // CPU model: each node's busy time then
  std::vector<std::uint64_t> busy_at_load_end_us_;
};

// The host's ports for one node: everything goes back to the simulator,
// which turns it into scheduled events (never a call back into the host).
class Simulator::Ports final : public host::Transport,
                               public host::Timers,
                               public host::Listener,
                               public host::ExecutionQueue {
 public:
  Ports(Simulator& sim, ValidatorIndex index) : sim_(sim), index_(index) {}

  void send(ValidatorIndex to, consensus::MessageType type,
            const consensus::SharedBytes& bytes) override {
    sim_.on_send(node(), to, type, bytes);
  }
  void broadcast(consensus::MessageType type, const consensus::SharedBytes& bytes) override {
    sim_.on_send(node(), std::nullopt, type, bytes);
  }
  void request_blocks(const consensus::RequestBlocks& r) override {
    ask(r.peers, PacketKind::kBlocksRequest, r.from_height, r.to_height);
  }
  void request_state(const consensus::RequestState& r) override {
    ask(r.peers, PacketKind::kStateRequest, r.above_height, 0, r.chunk_bytes);
  }
  void request_chunk(const consensus::RequestChunk& r) override {
    node().transferring = r.height;
    ask(r.peers, PacketKind::kChunkRequest, r.height, 0, r.chunk_bytes, r.index);
  }
  void set(consensus::TimerKind kind, std::uint64_t deadline_ms) override {
    sim_.on_set_timer(node(), kind, deadline_ms);
  }
  void cancel(consensus::TimerKind kind) override { sim_.on_cancel_timer(node(), kind); }
  void on_block_committed(const host::CommittedBlock& block) override {
    sim_.on_committed(node(), block);
  }
  void on_state_installed(const host::InstalledState& state) override {
    sim_.on_installed(node(), state);
  }
  void on_view_changed(const consensus::ViewChanged& change) override {
    sim_.on_view_changed(node(), change);
  }
  void on_evidence(const consensus::Evidence& evidence) override {
    sim_.on_evidence(node(), evidence);
  }
  void on_tx_status(const consensus::TxStatusReport& report) override {
    sim_.on_tx_status(node(), report);
  }
  void post(host::ExecutionTask task) override { sim_.on_post(node(), std::move(task)); }

 private:
  Node& node() { return sim_.nodes_[index_]; }
  void ask(const std::vector<ValidatorIndex>& peers, PacketKind kind, Height from, Height to,
           std::uint32_t chunk_bytes = 0, std::uint32_t chunk_index = 0) {
    Packet p;
    p.kind = kind;
    p.from_height = from;
    p.to_height = to;
    p.chunk_bytes = chunk_bytes;
    p.chunk_index = chunk_index;
    sim_.on_request(node(), peers, std::move(p));
  }
  Simulator& sim_;
  ValidatorIndex index_;
};

}  // namespace replex::sim
