// Simulator: the event loop, the network, the clients.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "replex/core/tx_envelope.hpp"
#include "replex/host/serving.hpp"
#include "replex/core/overloaded.hpp"
#include "sim/simulator_impl.hpp"

namespace replex::sim {

namespace {

// The replay command of the run in progress, for the abort handler.
char g_replay_command[1024] = {0};

void print_replay_and_abort(int signal_number) {
  static const char kPrefix[] = "\nreplex-sim: aborted; replay with:\n  ";
  if (g_replay_command[0] != 0) {
    (void)!::write(STDERR_FILENO, kPrefix, sizeof(kPrefix) - 1);
    (void)!::write(STDERR_FILENO, g_replay_command, std::strlen(g_replay_command));
    (void)!::write(STDERR_FILENO, "\n", 1);
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

consensus::Config sim_consensus_config(const SimPlan& plan) {
  consensus::Config c;
  c.max_block_txs = 16;
  c.max_block_delay_ms = kSimMaxBlockDelayMs;
  c.idle_block_delay_ms = plan.idle_block_delay_ms;
  c.max_inflight_heights = 4;
  // Timeouts scale with the network: several round trips before blaming a primary.
  c.view_timeout_ms = std::max<std::uint64_t>(800, 12 * plan.latency_max_ms);
  c.view_timeout_max_ms = 8 * c.view_timeout_ms;
  c.checkpoint_interval = 10;
  c.max_clock_skew_ms = 2000 + 4 * plan.latency_max_ms;
  c.max_mempool_txs = 4000;
  c.max_mempool_bytes = 16u << 20;
  c.max_fetch_blocks = 16;
  c.fetch_timeout_ms = std::max<std::uint64_t>(500, 8 * plan.latency_max_ms);
  // Snapshots of a few chunks: state transfer runs chunk by chunk, as on a
  // node, while blocks and every fault keep arriving.
  c.state_chunk_bytes = 1024;
  if (plan.rate > 0) {
    // Offered load: blocks and mempools as large as a node's defaults.
    const consensus::Config node_defaults;
    c.max_block_txs = node_defaults.max_block_txs;
    c.max_mempool_txs = node_defaults.max_mempool_txs;
    c.max_mempool_bytes = node_defaults.max_mempool_bytes;
  }
  return c;
}

std::vector<PublicKey> sim_validator_keys(std::uint32_t n) {
  std::vector<PublicKey> keys;
  for (ValidatorIndex i = 0; i < n; ++i) keys.push_back(sim_validator_key(i).public_key());
  return keys;
}

consensus::ValidatorSet sim_validators(std::uint32_t n) {
  return consensus::ValidatorSet::create(sim_validator_keys(n)).value();
}

}  // namespace

void install_replay_on_abort() { std::signal(SIGABRT, print_replay_and_abort); }

SimReport run_simulation(const SimPlan& plan) {
  const std::string command = plan.replay_command();
  std::snprintf(g_replay_command, sizeof(g_replay_command), "%s", command.c_str());
  SimReport report = Simulator(plan).run();
  g_replay_command[0] = 0;
  return report;
}

Simulator::Simulator(const SimPlan& plan)
    : plan_(plan),
      genesis_(exchange::canonical_genesis(
          Workload::genesis(plan.deposits ? sim_validator_keys(plan.validators) : std::vector<PublicKey>{}))),
      chain_{std::string(kSimChainId), exchange::genesis_hash(genesis_), kStartTimeMs - 1000},
      validators_(sim_validators(plan.validators)),
      root_rng_(plan.seed),
      fault_rng_(root_rng_.fork(3)),
      client_rng_(root_rng_.fork(4)),
      execution_rng_(root_rng_.fork(5)),
      deposit_rng_(root_rng_.fork(7)),
      network_(root_rng_.fork(1), plan.validators, plan.latency_min_ms, plan.latency_max_ms,
               /*bandwidth_bytes_per_ms=*/12'500),  // 100 Mbit/s
      nodes_(plan.validators),
      workload_(root_rng_.fork(2)),
      checker_(validators_, std::string(kSimChainId)),
      link_sent_(std::size_t{plan.validators} * plan.validators, 0),
      link_delivered_(std::size_t{plan.validators} * plan.validators, 0),
      link_last_arrival_(std::size_t{plan.validators} * plan.validators, 0) {
  host_options_.consensus = sim_consensus_config(plan);
  host_options_.snapshots_kept = 2;
  if (plan.rate > 0) network_.fix_link_latencies(root_rng_.fork(6));
  if (plan.deposits) {
    std::vector<KeyPair> attesters;
    for (ValidatorIndex i = 0; i < plan.validators; ++i) attesters.push_back(sim_validator_key(i));
    workload_.enable_deposits(std::move(attesters));
  }
}

Simulator::~Simulator() {
  for (Node& node : nodes_) {
    node.snapshots.reset();
    node.host.reset();
    node.app.reset();
    node.store.reset();
  }
  if (rocks_root_) {
    std::error_code ignored;
    std::filesystem::remove_all(*rocks_root_, ignored);
  }
}

SimReport Simulator::run() {
  setup_nodes();
  setup_faults();
  for (Node& node : nodes_) {
    if (status_.is_ok()) start_node(node);
  }
  if (plan_.rate > 0) {
    load_start_ = now_ + 1;
    load_end_ = load_start_ + plan_.duration_s * 1000;
  }
  schedule(now_ + 1, ClientSubmit{});
  if (plan_.faults.empty()) {
    heal();  // no fault window: liveness is measured from the start
  } else {
    schedule(now_ + kFaultTickMs, FaultTick{});
  }
  while (status_.is_ok() && !queue_.empty() && !finished()) {
    auto next = queue_.extract(queue_.begin());
    REPLEX_ASSERT(next.key().first >= now_);
    now_ = next.key().first;
    if (++steps_ > kMaxSteps) {
      fail(Status::internal("the run exceeded " + std::to_string(kMaxSteps) + " steps"));
      break;
    }
    dispatch(next.mapped());
    if (plan_.rate == 0 && healed_ && now_ > heal_at_ + kCompletionBoundMs && !finished()) {
      fail(Status::deadline_exceeded("LIVENESS: " + std::to_string(kCompletionBoundMs) +
                                     " ms after the heal, honest replicas are at heights " +
                                     std::to_string(min_honest_height()) + ".." +
                                     std::to_string(max_honest_height()) + ", the target is " +
                                     std::to_string(plan_.heights)));
    }
  }
  return report();
}

void Simulator::schedule(std::uint64_t at, Event event) {
  REPLEX_ASSERT(at >= now_);
  queue_.emplace(detail::EventKey{at, sequence_++}, std::move(event));
}

void Simulator::dispatch(Event& event) {
  std::visit(Overloaded{
                 [&](Deliver& e) { deliver(e.packet, e.charged); },
                 [&](TimerDue& e) {
                   Node& node = nodes_[e.node];
                   if (!node.up ||
                       node.timer_generation[static_cast<std::size_t>(e.kind)] != e.generation) {
                     return;
                   }
                   check(node, node.host->handle({local_now(node), consensus::TimerFired{e.kind}}),
                         "timer");
                 },
                 [&](ExecutionDue& e) {
                   Node& node = nodes_[e.node];
                   if (node.up && node.incarnation == e.incarnation) run_execution(node);
                 },
                 [&](ClientSubmit&) {
                   if (plan_.rate > 0) {
                     offer_load();
                   } else {
                     submit_client_transaction();
                   }
                 },
                 [&](FaultTick&) { fault_tick(); },
                 [&](Restart& e) {
                   Node& node = nodes_[e.node];
                   if (!node.up && node.incarnation == e.incarnation) start_node(node);
                 },
                 [&](PartitionHeals& e) {
                   if (e.episode == partition_episode_ && !healed_) {
                     network_.heal();
                     trace("partition healed");
                   }
                 },
                 [&](LivenessDeadline&) {
                   if (!progress_at_) {
                     fail(Status::deadline_exceeded(
                         "LIVENESS: " + std::to_string(kLivenessBoundMs) +
                         " ms after the heal at height " + std::to_string(heal_height_) +
                         ", honest replicas are at heights " + std::to_string(min_honest_height()) +
                         ".." + std::to_string(max_honest_height())));
                   }
                 },
             },
             event);
}

void Simulator::transmit(Packet packet, std::optional<std::uint64_t> depart_at) {
  const std::size_t link = std::size_t{packet.from} * nodes_.size() + packet.to;
  packet.link_sequence = ++link_sent_[link];
  const std::size_t size = packet.bytes ? packet.bytes->size() : 16;
  for (std::uint64_t delay : network_.transmit(packet.from, packet.to, size, counts_)) {
    std::uint64_t at = depart_at.value_or(now_) + delay;
    if (plan_.rate > 0) {
      // Load runs: each link has its own latency and delivers in order, as
      // the nodes' TCP connections do (the suites' links reorder freely).
      at = std::max(at, link_last_arrival_[link]);
      link_last_arrival_[link] = at;
    }
    schedule(at, Deliver{packet});
  }
}

void Simulator::deliver(Packet& p, bool charged) {
  Node& node = nodes_[p.to];
  if (!node.up || node.incarnation != p.to_incarnation) return;
  if (!charged) {
    if (!network_.connected(p.from, p.to)) {  // cut off while in flight
      ++counts_[Fault::kPartition];
      return;
    }
    std::uint64_t& delivered = link_delivered_[std::size_t{p.from} * nodes_.size() + p.to];
    if (p.link_sequence < delivered) {
      if (plan_.faults.has(Fault::kReorder)) ++counts_[Fault::kReorder];
    } else {
      delivered = p.link_sequence;
    }
    if (queue_for_cpu(node, p)) return;
  }
  handle_packet(node, p);
}

void Simulator::handle_packet(Node& node, Packet& p) {
  const std::uint64_t now = local_now(node);
  switch (p.kind) {
    case PacketKind::kConsensus: {
      const bool signatures_verified = plan_.cpu && verified(p.bytes).signatures_valid;
      check(node,
            node.host->handle(
                {now, consensus::MessageReceived{p.from, *p.bytes, signatures_verified}}),
            "message");
      return;
    }
    case PacketKind::kTransaction:
      if (plan_.cpu) {
        admit_transaction(node, *p.bytes, /*relayed=*/true);
      } else {
        check(node, node.host->submit_transaction(now, *p.bytes, /*relayed=*/true), "gossiped transaction");
      }
      return;
    case PacketKind::kClientTransaction:
      accept_client_transaction(node, Bytes(*p.bytes));
      return;
    case PacketKind::kBlocksRequest:
    case PacketKind::kStateRequest:
    case PacketKind::kChunkRequest: {
      std::optional<Bytes> served = serve(node, p);
      if (served && node.byzantine) served = node.byzantine->serve(std::move(*served));
      if (!served) return;  // nothing to give: the asker's fetch timer tries another peer
      Packet reply;
      reply.kind = p.kind == PacketKind::kBlocksRequest  ? PacketKind::kBlocksAnswer
                   : p.kind == PacketKind::kStateRequest ? PacketKind::kStateAnswer
                                                         : PacketKind::kChunkAnswer;
      reply.from = node.index;
      reply.to = p.from;
      reply.to_incarnation = p.reply_incarnation;
      reply.from_height = p.from_height;  // a chunk answer is checked against its request
      reply.chunk_index = p.chunk_index;
      reply.bytes = consensus::share(std::move(*served));
      if (reply.kind == PacketKind::kChunkAnswer && node.honest()) ++counts_.chunks_served;
      transmit(std::move(reply));
      return;
    }
    case PacketKind::kBlocksAnswer: {
      auto decoded = host::decode_blocks_answer(*p.bytes, host_options_.serve);
      if (!decoded) return;  // junk from a peer: the fetch timer asks again
      decoded->from = p.from;
      check(node, node.host->handle({now, std::move(decoded).value()}), "blocks answer");
      return;
    }
    case PacketKind::kStateAnswer: {
      auto decoded = host::decode_state_answer(*p.bytes, host_options_.serve);
      if (!decoded) return;
      decoded->from = p.from;
      check(node, node.host->handle({now, std::move(decoded).value()}), "state answer");
      return;
    }
    case PacketKind::kChunkAnswer: {
      // As a node's transport: an answer to another chunk than asked is junk.
      auto decoded = host::decode_chunk_answer(*p.bytes, host_options_.serve);
      if (!decoded || decoded->height != p.from_height || decoded->index != p.chunk_index) return;
      decoded->from = p.from;
      check(node, node.host->handle({now, std::move(decoded).value()}), "chunk answer");
      return;
    }
  }
}

std::optional<Bytes> Simulator::serve(Node& node, const Packet& p) {
  Result<Bytes> answer = Status::internal("not a request");
  switch (p.kind) {
    case PacketKind::kBlocksRequest:
      answer = node.host->serve_blocks(p.from_height, p.to_height);
      break;
    case PacketKind::kStateRequest:
      // With a chunk size, an offer (the snapshot follows in chunks), as a node serves it.
      answer = p.chunk_bytes > 0 ? node.snapshots->serve_offer(p.from_height, p.chunk_bytes)
                                 : node.host->serve_state(p.from_height);
      break;
    case PacketKind::kChunkRequest:
      answer = node.snapshots->serve_chunk(p.from_height, p.chunk_index, p.chunk_bytes);
      // A Byzantine offer may have lied about the snapshot's size: an honest
      // server refuses a chunk past the end, and the asker hears nothing.
      // Without a Byzantine validator the refusal is a bug, and fails the run.
      if (!answer && answer.status().code() == StatusCode::kInvalidArgument && plan_.faults.has_byzantine()) {
        return std::nullopt;
      }
      break;
    default:
      break;
  }
  if (!answer) {
    if (answer.status().code() != StatusCode::kNotFound) {
      fail(answer.status().with_context("replica " + std::to_string(node.index) + " serving: "));
    }
    return std::nullopt;
  }
  return std::move(answer).value();
}

void Simulator::submit_client_transaction() {
  schedule(now_ + client_rng_.range(5, 45), ClientSubmit{});
  if (plan_.deposits) deposit_tick();
  const exchange::ExchangeApp* view = nullptr;
  for (const Node& n : nodes_) {
    if (n.up && n.honest()) {
      view = n.app.get();
      break;
    }
  }
  Bytes tx = workload_.next(max_honest_height(), view);
  const std::size_t target = client_rng_.below(nodes_.size());
  submit_to(nodes_[target], std::move(tx));
  // The nonce-reuse fault: the same client sends another transaction with
  // that nonce to another node; pipelined blocks may then carry both.
  if (plan_.faults.has(Fault::kNonceReuse) && client_rng_.below(6) == 0) {
    Bytes twin = workload_.twin_of_last_placement(max_honest_height());
    if (twin.empty()) return;
    ++counts_[Fault::kNonceReuse];
    submit_to(nodes_[(target + 1 + client_rng_.below(nodes_.size() - 1)) % nodes_.size()], std::move(twin));
  }
}

void Simulator::deposit_tick() {
  // Each validator's settler sees a deposit on Ethereum at its own time, and
  // attests it through its own node.
  while (!attestations_due_.empty() && attestations_due_.begin()->first <= now_) {
    auto [attester, tx] = std::move(attestations_due_.begin()->second);
    attestations_due_.erase(attestations_due_.begin());
    submit_to(nodes_[attester], std::move(tx));
  }
  // A depositor learns of its credit from the replica that executed it first,
  // and sends its first order there at once: the others may not have
  // executed the credit yet when it reaches them.
  const Node* fastest = nullptr;
  for (const Node& n : nodes_) {
    if (n.up && n.honest() && (fastest == nullptr || n.app->last_height() > fastest->app->last_height())) fastest = &n;
  }
  if (fastest != nullptr) {
    if (auto order = workload_.first_order_of_credited(max_honest_height(), *fastest->app)) {
      submit_to(nodes_[fastest->index], std::move(*order));
    }
  }
  if (deposit_rng_.below(12) != 0) return;
  std::vector<Bytes> attestations = workload_.deposit(max_honest_height());
  for (ValidatorIndex i = 0; i < attestations.size(); ++i) {
    attestations_due_.emplace(now_ + deposit_rng_.below(150), std::make_pair(i, std::move(attestations[i])));
  }
}

void Simulator::submit_to(Node& node, Bytes tx) {
  if (!node.up) return;  // the client's node is down: the transaction is lost
  submitted_at_.try_emplace(tx_hash(tx), now_);
  ++txs_submitted_;
  if (plan_.cpu) {  // the node takes it when a core has verified it
    Packet p;
    p.kind = PacketKind::kClientTransaction;
    p.from = node.index;
    p.to = node.index;
    p.to_incarnation = node.incarnation;
    p.bytes = consensus::share(std::move(tx));
    queue_for_cpu(node, p);
    return;
  }
  accept_client_transaction(node, std::move(tx));
}

void Simulator::accept_client_transaction(Node& node, Bytes tx) {
  const Hash256 hash = tx_hash(tx);
  if (plan_.cpu) {
    admit_transaction(node, tx, /*relayed=*/false);
  } else {
    check(node, node.host->submit_transaction(local_now(node), tx), "client transaction");
  }
  if (!node.up || !node.host->replica()->mempool().contains(hash)) return;
  note_accepted(hash);
  if (node.byzantine && !node.byzantine->gossips_transactions()) return;
  gossip(node, std::move(tx));
}

void Simulator::gossip(Node& node, Bytes tx) {
  const consensus::SharedBytes shared = consensus::share(std::move(tx));
  for (const Node& peer : nodes_) {
    if (peer.index == node.index) continue;
    Packet p;
    p.kind = PacketKind::kTransaction;
    p.from = node.index;
    p.to = peer.index;
    p.to_incarnation = peer.incarnation;
    p.bytes = shared;
    transmit(std::move(p));
  }
}

bool Simulator::finished() const {
  if (plan_.rate > 0) return load_finished();
  if (!healed_ || !progress_at_) return false;
  for (const Node& n : nodes_) {
    if (n.honest() && (!n.up || n.executed < plan_.heights)) return false;
  }
  return true;
}

std::uint64_t Simulator::local_now(const Node& node) const {
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(now_) + node.clock_offset_ms);
}

Height Simulator::max_honest_height() const {
  Height h = 0;
  for (const Node& n : nodes_) {
    if (n.honest()) h = std::max(h, n.executed);
  }
  return h;
}

Height Simulator::min_honest_height() const {
  Height h = UINT64_MAX;
  for (const Node& n : nodes_) {
    if (n.honest()) h = std::min(h, n.executed);
  }
  return h == UINT64_MAX ? 0 : h;
}

void Simulator::fail(Status status) {
  REPLEX_ASSERT(!status.is_ok());
  if (status_.is_ok()) {
    status_ = std::move(status);
    trace("FAILED: " + status_.to_string());
    for (const Node& n : nodes_) {
      if (!n.up) {
        trace("  replica " + std::to_string(n.index) + ": down");
        continue;
      }
      const consensus::Replica* r = n.host->replica();
      trace("  replica " + std::to_string(n.index) + ": view " + std::to_string(r->view()) +
            (r->in_view_change() ? " (changing)" : "") + ", committed " +
            std::to_string(r->committed_height()) + ", executed " + std::to_string(n.executed) +
            ", mempool " + std::to_string(r->mempool().size()) + " (" +
            std::to_string(r->mempool().pending_count()) + " pending)");
    }
  }
}

void Simulator::trace(const std::string& line) const {
  if (!plan_.trace) return;
  std::printf("[%8.3f s] %s\n", static_cast<double>(now_ - kStartTimeMs) / 1000.0, line.c_str());
}

}  // namespace replex::sim
