// Simulator, nodes: their lifecycle (start, crash, wipe) and the ports
// through which each node's host reaches the simulated world.
#include <algorithm>
#include <cstdlib>

#include "replex/storage/rocks_store.hpp"
#include "sim/simulator_impl.hpp"

namespace replex::sim {

void Simulator::setup_nodes() {
  if (plan_.storage == StorageKind::kRocks) {
    std::string pattern = (std::filesystem::temp_directory_path() / "replex-sim-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      fail(Status::io_error("mkdtemp(" + pattern + ") failed"));
      return;
    }
    rocks_root_ = pattern;
  }
  for (ValidatorIndex i = 0; i < nodes_.size(); ++i) {
    Node& node = nodes_[i];
    node.index = i;
    node.ports = std::make_unique<Ports>(*this, i);
    if (plan_.cpu) node.cpu.emplace(plan_.cpu->cores);
    if (rocks_root_) {
      node.rocks_path = *rocks_root_ / ("node-" + std::to_string(i));
    } else {
      node.disk = std::make_shared<storage::MemoryDisk>();
    }
  }
}

Result<std::unique_ptr<storage::Store>> Simulator::open_store(Node& node) {
  if (node.disk) {
    node.disk->set_fault_policy({});  // a failing disk is replaced with the process
    auto store = storage::MemoryStore::open(node.disk);
    if (!store) return store.status();
    return std::unique_ptr<storage::Store>(std::move(store).value());
  }
  storage::RocksStoreOptions options;
  options.block_cache_bytes = std::size_t{4} << 20;
  options.write_buffer_bytes = std::size_t{1} << 20;
  options.db_write_buffer_bytes = std::size_t{4} << 20;
  options.max_background_jobs = 1;
  auto store = storage::RocksStore::open(node.rocks_path.string(), options);
  if (!store) return store.status();
  return std::unique_ptr<storage::Store>(std::move(store).value());
}

void Simulator::start_node(Node& node) {
  REPLEX_ASSERT(!node.up);
  const bool restart = node.incarnation > 0;
  const std::string who = "replica " + std::to_string(node.index) + ": ";
  // A node whose disk was damaged must refuse to start (if the damage hit
  // anything it reads); the operator then wipes it and it resyncs.
  for (int attempt = 0;; ++attempt) {
    auto store = open_store(node);
    Status opened = store.status();
    if (store) {
      node.store = std::move(store).value();
      auto app = exchange::ExchangeApp::create(genesis_);
      REPLEX_ASSERT_MSG(app.is_ok(), app.status().to_string());
      node.app = std::move(app).value();
      auto host = host::ReplicaHost::open(
          host_options_, chain_, validators_,
          sim_validator_key(node.index), *node.app,
          *node.store,
          {*node.ports, *node.ports, *node.ports,
           plan_.execution == ExecutionMode::kDeferred ? node.ports.get() : nullptr});
      opened = host.status();
      if (host) node.host = std::move(host).value();
    }
    if (opened.is_ok()) break;
    node.app.reset();
    node.store.reset();
    if (node.damaged && opened.code() == StatusCode::kCorruption && attempt == 0) {
      trace(who + "refused to start (" + opened.message() + "); wiped");
      ++counts_.refused_starts;
      wipe(node);
      continue;
    }
    fail(opened.with_context(who + (restart ? "restart: " : "start: ")));
    return;
  }
  node.snapshots = std::make_unique<host::SnapshotServer>(*node.store, host_options_.serve);
  node.damaged = false;
  node.disk_fault_armed = false;
  node.outage = false;
  node.up = true;
  node.executed = node.host->committed_height();
  if (restart) {
    ++counts_.crash_restarts;
    trace(who + "restarted at height " + std::to_string(node.executed));
  }
  check(node, node.host->start(local_now(node)), "start");
}

void Simulator::crash(Node& node, std::optional<storage::CrashFault> fault) {
  REPLEX_ASSERT(node.up);
  node.transferring = 0;
  node.snapshots.reset();
  node.host.reset();
  node.app.reset();
  node.store.reset();
  node.executions.clear();
  node.execution_scheduled = false;
  if (node.cpu) node.cpu->reset(now_us());
  node.up = false;
  ++node.incarnation;  // messages in flight to the dead process are lost
  if (fault && node.disk) {
    const std::optional<std::string> damage = node.disk->crash(*fault);
    if (damage) {
      node.damaged = true;
      ++counts_[Fault::kDiskCorruption];
      trace("replica " + std::to_string(node.index) + ": power loss damaged " + *damage);
    }
  }
  trace("replica " + std::to_string(node.index) + ": crashed at height " +
        std::to_string(node.executed));
}

void Simulator::wipe(Node& node) {
  ++wipes_;
  if (node.disk) {
    node.disk = std::make_shared<storage::MemoryDisk>();
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(node.rocks_path, ignored);
  }
  node.executed = 0;
}

void Simulator::check(Node& node, const Status& status, std::string_view what) {
  if (status.is_ok()) return;
  if (node.disk_fault_armed && status.code() == StatusCode::kIoError) {
    // The disk failed under the host: the process stops, and is restarted.
    ++counts_[Fault::kDiskError];
    trace("replica " + std::to_string(node.index) + ": stopped on " + status.to_string());
    crash(node, std::nullopt);
    schedule(now_ + fault_rng_.range(100, 1000), Restart{node.index, node.incarnation});
    return;
  }
  fail(status.with_context("replica " + std::to_string(node.index) + " " + std::string(what) +
                           ": "));
}

void Simulator::on_send(Node& node, std::optional<ValidatorIndex> to, consensus::MessageType type,
                        const consensus::SharedBytes& bytes) {
  if (plan_.trace) trace_message(node, to, type, *bytes);
  std::vector<Outgoing> out;
  if (node.byzantine) {
    out = node.byzantine->rewrite(to, type, bytes);
  } else if (to) {
    out.push_back({*to, type, bytes});
  } else {
    for (ValidatorIndex i = 0; i < nodes_.size(); ++i) {
      if (i != node.index) out.push_back({i, type, bytes});
    }
  }
  // One signature, then each copy framed and sealed for its link.
  const std::optional<std::uint64_t> depart_at =
      node.cpu ? std::optional<std::uint64_t>(charge_send(node, out.size(), bytes->size())) : std::nullopt;
  for (Outgoing& o : out) {
    ++consensus_messages_;
    Packet p;
    p.kind = PacketKind::kConsensus;
    p.from = node.index;
    p.to = o.to;
    p.to_incarnation = nodes_[o.to].incarnation;
    p.type = o.type;
    p.bytes = std::move(o.bytes);
    transmit(std::move(p), depart_at);
  }
}

void Simulator::trace_message(const Node& node, std::optional<ValidatorIndex> to,
                              consensus::MessageType type, const Bytes& bytes) const {
  if (type != consensus::MessageType::kPrePrepare && type != consensus::MessageType::kNewView &&
      type != consensus::MessageType::kViewChange) {
    return;
  }
  auto m = consensus::decode_message(bytes, validators_,
                                     consensus::message_limits(host_options_.consensus));
  if (!m) return;
  std::string line = "replica " + std::to_string(node.index) + " sends " +
                     std::string(consensus::message_type_name(type)) +
                     (to ? " to " + std::to_string(*to) : std::string());
  const auto short_hash = [](const Hash256& h) { return h.hex().substr(0, 8); };
  if (type == consensus::MessageType::kPrePrepare) {
    auto block = consensus::decode_block(m->blocks.at(0), {100000, 1u << 30, 1u << 20},
                                         std::string(kSimChainId));
    line += " view " + std::to_string(m->vote().view) + " height " +
            std::to_string(m->vote().height) + " " + short_hash(m->vote().block_hash);
    if (block) {
      line += " prev " + short_hash(block->header.prev_block_hash) + ", " +
              std::to_string(block->txs.size()) + " txs";
    }
  } else if (type == consensus::MessageType::kViewChange) {
    const consensus::ViewChangeBody& vc = m->view_change();
    line += " for view " + std::to_string(vc.new_view) + ": committed " +
            std::to_string(vc.committed_height) + ", prepared";
    for (const auto& p : vc.prepared) {
      line += " " + std::to_string(p.height) + "@" + std::to_string(p.view) + ":" +
              short_hash(p.block_hash);
    }
  } else {
    const consensus::NewViewBody& nv = m->new_view();
    line += " view " + std::to_string(nv.view) + " from";
    for (const auto& vc : nv.view_changes) {
      line +=
          " " + std::to_string(vc.sender) + "(" + std::to_string(vc.body.committed_height) + ")";
    }
    line += ", re-proposes";
    for (const auto& p : nv.proposals) {
      line += " " + std::to_string(p.height) + ":" + short_hash(p.block_hash);
    }
  }
  trace(line);
}

void Simulator::on_request(Node& node, const std::vector<ValidatorIndex>& peers, Packet request) {
  if (peers.empty()) return;
  // The node's p2p layer knows which peers it is connected to: ask the
  // first of them in the core's order.
  ValidatorIndex target = peers.front();
  for (ValidatorIndex p : peers) {
    if (nodes_[p].up && network_.connected(node.index, p)) {
      target = p;
      break;
    }
  }
  if (plan_.trace) {
    std::string line =
        "replica " + std::to_string(node.index) + " asks " + std::to_string(target) + " for ";
    switch (request.kind) {
      case PacketKind::kBlocksRequest:
        line += "blocks " + std::to_string(request.from_height) + ".." + std::to_string(request.to_height);
        break;
      case PacketKind::kChunkRequest:
        line += "chunk " + std::to_string(request.chunk_index) + " of the state at " +
                std::to_string(request.from_height);
        break;
      default:
        line += "state above " + std::to_string(request.from_height);
        break;
    }
    line += ", peers in order:";
    for (ValidatorIndex p : peers) {
      line += ' ';
      line += std::to_string(p);
    }
    trace(line);
  }
  request.from = node.index;
  request.to = target;
  request.to_incarnation = nodes_[target].incarnation;
  request.reply_incarnation = node.incarnation;
  transmit(std::move(request));
}

void Simulator::on_set_timer(Node& node, consensus::TimerKind kind, std::uint64_t deadline_ms) {
  const std::uint64_t generation = ++node.timer_generation[static_cast<std::size_t>(kind)];
  const std::int64_t global = static_cast<std::int64_t>(deadline_ms) - node.clock_offset_ms;
  const std::uint64_t at = std::max<std::uint64_t>(now_, static_cast<std::uint64_t>(global));
  schedule(at, TimerDue{node.index, kind, generation});
}

void Simulator::on_cancel_timer(Node& node, consensus::TimerKind kind) {
  ++node.timer_generation[static_cast<std::size_t>(kind)];
}

void Simulator::on_post(Node& node, host::ExecutionTask task) {
  node.executions.push_back(std::move(task));
  if (!node.execution_scheduled) {
    node.execution_scheduled = true;
    schedule(now_ + execution_rng_.range(1, 4), ExecutionDue{node.index, node.incarnation});
  }
}

void Simulator::run_execution(Node& node) {
  node.execution_scheduled = false;
  if (node.executions.empty()) return;
  host::ExecutionTask task = std::move(node.executions.front());
  node.executions.pop_front();
  host::ExecutionResult result = node.host->executor().run(task);
  check(node, node.host->complete(local_now(node), std::move(result)), "execution");
  if (node.up && !node.executions.empty() && !node.execution_scheduled) {
    node.execution_scheduled = true;
    schedule(now_ + execution_rng_.range(1, 4), ExecutionDue{node.index, node.incarnation});
  }
}

void Simulator::on_committed(Node& node, const host::CommittedBlock& block) {
  node.executed = block.height;
  trace("replica " + std::to_string(node.index) + ": committed " + std::to_string(block.height) +
        " (" + std::to_string(block.tx_hashes.size()) + " txs, view " +
        std::to_string(block.certificate.view) + ")");
  if (node.cpu) charge_execution(node, block.tx_hashes.size());
  // Counted on every replica: a Byzantine one runs the same core.
  if (node.transferring != 0 && block.height >= node.transferring) {
    ++counts_.transfers_overtaken;
    trace("replica " + std::to_string(node.index) + ": commits reached the transfer of the state at " +
          std::to_string(node.transferring) + " first");
    node.transferring = 0;
  }
  if (!node.honest()) return;
  const Status ok = checker_.on_commit(node.index, block, *node.app);
  if (!ok.is_ok()) return fail(ok);
  for (const Hash256& tx : block.tx_hashes) {
    auto it = submitted_at_.find(tx);
    if (it == submitted_at_.end()) continue;
    latencies_ms_.push_back(now_ - it->second);
    latency_submitted_ms_.push_back(it->second);
    submitted_at_.erase(it);
    note_committed_tx(tx);
  }
  note_progress();
}

void Simulator::on_installed(Node& node, const host::InstalledState& state) {
  node.executed = state.height;
  node.transferring = 0;
  if (!node.honest()) return;
  ++counts_.state_transfers;
  trace("replica " + std::to_string(node.index) + ": installed state at height " +
        std::to_string(state.height));
  const Status ok = checker_.on_install(node.index, state, *node.app);
  if (!ok.is_ok()) return fail(ok);
  note_progress();
}

void Simulator::on_view_changed(Node& node, const consensus::ViewChanged& change) {
  if (change.phase == consensus::ViewPhase::kViewChangeStarted) {
    trace("replica " + std::to_string(node.index) + ": view change " + std::to_string(change.from) +
          " -> " + std::to_string(change.to));
  }
  if (!node.honest() || change.phase != consensus::ViewPhase::kViewEntered) return;
  if (change.to > max_view_entered_) {
    max_view_entered_ = change.to;
    ++counts_.view_changes;
    trace("replica " + std::to_string(node.index) + ": entered view " + std::to_string(change.to));
  }
}

void Simulator::on_evidence(Node& node, const consensus::Evidence& evidence) {
  if (!node.honest()) return;
  trace("replica " + std::to_string(node.index) + ": evidence " +
        std::string(consensus::evidence_kind_name(evidence.kind)) + " against " +
        (evidence.validator ? std::to_string(*evidence.validator) : std::string("-")) + ": " +
        evidence.detail);
  ++counts_.evidence;
  ++evidence_[std::string(consensus::evidence_kind_name(evidence.kind))];
  // Whether a proposal's transactions are valid must not depend on how far a
  // replica has executed: an honest backup never refuses an honest primary's
  // transactions. (A parent it does not hold yet, after a partition, is another matter.)
  const auto mentions = [&](std::string_view what) { return evidence.detail.find(what) != std::string::npos; };
  const bool honest_proposal_refused =
      evidence.kind == consensus::EvidenceKind::kInvalidProposal && evidence.validator &&
      nodes_[*evidence.validator].honest() &&
      (mentions("check_tx:") || mentions("a block below") || mentions("replay key"));
  if (honest_proposal_refused || evidence.kind == consensus::EvidenceKind::kSafetyViolation ||
      evidence.kind == consensus::EvidenceKind::kStateDivergence) {
    fail(Status::internal("replica " + std::to_string(node.index) + " reported " +
                          std::string(consensus::evidence_kind_name(evidence.kind)) + ": " +
                          evidence.detail));
  }
}

void Simulator::note_progress() {
  if (!healed_ || progress_at_) return;
  for (const Node& n : nodes_) {
    if (n.honest() && n.executed <= heal_height_) return;
  }
  progress_at_ = now_;
  trace("every honest replica committed above height " + std::to_string(heal_height_));
}

}  // namespace replex::sim
