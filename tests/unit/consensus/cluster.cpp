#include "unit/consensus/cluster.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "replex/consensus/snapshot_chunks.hpp"
#include "replex/consensus/wal.hpp"
#include "replex/core/hash.hpp"
#include "replex/core/overloaded.hpp"

namespace replex::consensus::testing {

Config test_config() {
  Config c;
  c.max_block_txs = 10;
  c.max_block_delay_ms = 50;
  c.max_inflight_heights = 4;
  c.view_timeout_ms = 1000;
  c.view_timeout_max_ms = 8000;
  c.checkpoint_interval = 5;
  c.max_clock_skew_ms = 2000;
  c.max_mempool_txs = 1000;
  c.max_mempool_bytes = 1 << 20;
  c.max_fetch_blocks = 16;
  c.fetch_timeout_ms = 500;
  return c;
}

Config without_retransmission() {
  Config c = test_config();
  c.retransmit_interval_ms = 0;
  return c;
}

ChainInfo test_chain() {
  return ChainInfo{std::string(kChainId), sha256("genesis of " + std::string(kChainId)),
                   1'600'000'000'000};
}

KeyPair validator_key(ValidatorIndex i) {
  return KeyPair::from_label("validator-" + std::to_string(i));
}

ValidatorSet make_validators(std::size_t n) {
  std::vector<PublicKey> keys;
  for (ValidatorIndex i = 0; i < n; ++i) keys.push_back(validator_key(i).public_key());
  return ValidatorSet::create(std::move(keys)).value();
}

bool Node::has_evidence(EvidenceKind kind) const { return count_evidence(kind) > 0; }

std::size_t Node::count_evidence(EvidenceKind kind) const {
  return static_cast<std::size_t>(std::count_if(evidence.begin(), evidence.end(),
                                                [&](const Evidence& e) { return e.kind == kind; }));
}

Cluster::Cluster(std::size_t n, Config config)
    : config_(config), validators_(make_validators(n)), nodes_(n) {
  for (ValidatorIndex i = 0; i < n; ++i) build_replica(i);
  for (ValidatorIndex i = 0; i < n; ++i) {
    perform(i, nodes_[i].replica->start(now_ms_));
  }
  deliver_all();
}

void Cluster::build_replica(ValidatorIndex i) {
  Node& node = nodes_[i];
  const ChainInfo chain = test_chain();
  RecoveredState recovered;
  if (node.store_height == 0) {
    recovered.committed_height = 0;
    recovered.committed_hash = chain.genesis_hash;
    recovered.committed_time_ms = chain.genesis_time_ms;
  } else {
    const CertifiedBlock& last = node.blocks.at(node.store_height);
    recovered.committed_height = node.store_height;
    recovered.committed_hash = last.block_hash;
    recovered.committed_time_ms = last.block->header.time_ms;
    recovered.committed_certificate = last.certificate;
  }
  recovered.stable_checkpoint = node.stable_proof;
  for (const auto& [height, record] : node.wal) recovered.wal_records.push_back(record);
  auto replica = Replica::create(config_, chain, validators_, validator_key(i), *node.app,
                                 std::move(recovered));
  ASSERT_TRUE(replica.is_ok()) << replica.status().to_string();
  node.replica.emplace(std::move(replica).value());
}

void Cluster::submit(ValidatorIndex i, std::string_view tx) {
  local_.emplace_back(i, TransactionsReceived{{to_bytes(tx)}, {}});
  deliver_all();
}

void Cluster::relay(ValidatorIndex i, std::string_view tx) {
  local_.emplace_back(i, TransactionsReceived{{to_bytes(tx)}, {}, /*relayed=*/true});
  deliver_all();
}

void Cluster::commit_block_1_unexecuted_at(ValidatorIndex i, std::string_view tx) {
  nodes_[i].execute_later = true;
  submit_all(tx);
  advance(100);
  ASSERT_EQ(replica(i).committed_height(), 1u);
  ASSERT_EQ(node(i).app->last_height(), 0u);  // committed, not executed
}

void Cluster::submit_all(std::string_view tx) {
  for (ValidatorIndex i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].crashed) local_.emplace_back(i, TransactionsReceived{{to_bytes(tx)}, {}});
  }
  deliver_all();
}

void Cluster::feed(ValidatorIndex i, Event event) {
  Node& node = nodes_[i];
  if (node.crashed) return;
  const std::uint64_t now =
      static_cast<std::uint64_t>(static_cast<std::int64_t>(now_ms_) + node.clock_offset_ms);
  perform(i, node.replica->handle(Input{now, std::move(event)}));
}

void Cluster::inject(ValidatorIndex from, ValidatorIndex to, Bytes bytes) {
  feed(to, MessageReceived{from, std::move(bytes), false});
  deliver_all();
}

void Cluster::perform(ValidatorIndex i, std::vector<Action> actions) {
  Node& node = nodes_[i];
  for (Action& action : actions) {
    std::visit(Overloaded{
                   [&](SendMessage& a) {
                     send(Envelope{i, a.to, a.type, a.bytes});
                   },
                   [&](BroadcastMessage& a) {
                     for (ValidatorIndex to = 0; to < nodes_.size(); ++to) {
                       if (to != i) send(Envelope{i, to, a.type, a.bytes});
                     }
                   },
                   [&](PersistRecord& a) {
                     EXPECT_TRUE(decode_wal_record(a.record).is_ok());
                     node.wal.emplace_back(a.height, std::move(a.record));
                   },
                   [&](CommitBlock& a) {
                     node.commit_order.push_back(a.committed.height());
                     if (node.execute_later) {
                       node.waiting_execution.push_back(std::move(a.committed));
                     } else {
                       execute(i, a.committed);
                     }
                   },
                   [&](SetTimer& a) { node.timers[a.kind] = a.deadline_ms; },
                   [&](CancelTimer& a) { node.timers.erase(a.kind); },
                   [&](RequestBlocks& a) {
                     node.block_requests.push_back(a);
                     answer_blocks(i, a);
                   },
                   [&](RequestState& a) {
                     node.state_requests.push_back(a);
                     answer_state(i, a);
                   },
                   [&](RequestChunk& a) {
                     node.chunk_requests.push_back(a);
                     answer_chunk(i, a);
                   },
                   [&](StoreChunk& a) {
                     if (node.spool_height != a.height) {
                       node.spool_height = a.height;
                       node.spool.assign(a.total_bytes, 0);
                     }
                     ASSERT_LE(a.offset + a.chunk.size(), node.spool.size());
                     std::copy(a.chunk.begin(), a.chunk.end(), node.spool.begin() + static_cast<std::ptrdiff_t>(a.offset));
                   },
                   [&](InstallState& a) {
                     ++node.installs;
                     if (a.spooled) {
                       EXPECT_EQ(node.spool_height, a.anchor.height());
                       a.snapshot = std::move(node.spool);
                       node.spool = {};
                       node.spool_height = 0;
                     }
                     const Status restored = node.app->restore(a.snapshot);
                     EXPECT_TRUE(restored.is_ok()) << restored.to_string();
                     const Height h = a.anchor.height();
                     node.blocks.clear();
                     node.blocks.emplace(h, a.anchor);
                     node.store_height = h;
                     node.snapshots[h] = a.snapshot;
                     node.proofs[h] = a.proof_bytes;
                     node.stable_proof = a.proof;
                     local_.emplace_back(i, StateInstalled{h, a.anchor.block_hash, Status::ok()});
                   },
                   [&](TruncateWal& a) {
                     node.truncations.push_back(a);
                     std::erase_if(node.wal,
                                   [&](const auto& r) { return r.first < a.below_height; });
                   },
                   [&](CheckpointStable& a) {
                     node.proofs[a.proof.checkpoint.height] = a.proof_bytes;
                     node.stable_proof = a.proof;
                   },
                   [&](ViewChanged& a) { node.view_changes.push_back(a); },
                   [&](EvidenceFound& a) { node.evidence.push_back(std::move(a.evidence)); },
                   [&](TxStatusReport& a) { node.tx_reports.push_back(std::move(a)); },
               },
               action);
  }
}

void Cluster::send(Envelope e) {
  nodes_[e.from].sent.push_back(e);
  if (!tamper) {
    network_.push_back(std::move(e));
    return;
  }
  for (Envelope& out : tamper(e)) network_.push_back(std::move(out));
}

void Cluster::execute_waiting(ValidatorIndex i) {
  Node& node = nodes_[i];
  while (!node.waiting_execution.empty()) {
    execute(i, node.waiting_execution.front());
    node.waiting_execution.pop_front();
  }
}

void Cluster::execute(ValidatorIndex i, const CertifiedBlock& block) {
  Node& node = nodes_[i];
  const Height h = block.height();
  EXPECT_EQ(h, node.store_height + 1) << "node " << i << " commit out of order";
  EXPECT_EQ(node.app->last_height() + 1, h);
  const abci::BlockOutcome outcome =
      node.app->execute_block({h, block.block->header.time_ms}, block.block->txs);
  node.blocks.emplace(h, block);
  node.store_height = h;
  std::optional<Hash256> digest;
  if (h % config_.checkpoint_interval == 0) {
    node.snapshots[h] = node.app->snapshot();
    digest = node.app->state_digest();
  }
  local_.emplace_back(i, BlockExecuted{h, block.block_hash, outcome.app_hash, digest});
}

std::optional<BlocksReceived> Cluster::blocks_answer(const RequestBlocks& request) const {
  if (!serve_blocks) return std::nullopt;
  for (ValidatorIndex peer : request.peers) {
    const Node& p = nodes_.at(peer);
    if (p.crashed || p.store_height < request.from_height) continue;
    BlocksReceived answer;
    answer.from = peer;
    for (Height h = request.from_height; h <= request.to_height && h <= p.store_height; ++h) {
      auto it = p.blocks.find(h);
      if (it == p.blocks.end()) continue;
      answer.blocks.push_back({it->second.block_bytes, it->second.certificate_bytes});
    }
    if (answer.blocks.empty()) continue;
    return answer;
  }
  return std::nullopt;
}

std::optional<StateReceived> Cluster::state_answer(const RequestState& request) const {
  for (ValidatorIndex peer : request.peers) {
    const Node& p = nodes_.at(peer);
    if (p.crashed || p.proofs.empty()) continue;
    const Height h = p.proofs.rbegin()->first;
    if (h <= request.above_height || !p.snapshots.contains(h) || !p.blocks.contains(h)) continue;
    StateReceived answer;
    answer.from = peer;
    answer.checkpoint_proof = p.proofs.at(h);
    answer.snapshot = p.snapshots.at(h);
    if (tamper_snapshots) answer.snapshot.back() ^= 0x01;
    if (chunked_state) {
      answer.snapshot_bytes = answer.snapshot.size();
      answer.snapshot.clear();
    }
    for (auto it = p.blocks.find(h); it != p.blocks.end(); ++it) {
      answer.blocks.push_back({it->second.block_bytes, it->second.certificate_bytes});
    }
    return answer;
  }
  return std::nullopt;
}

std::optional<ChunkReceived> Cluster::chunk_answer(const RequestChunk& request) {
  // The first reachable peer is asked; it may stay silent (the fetch timer
  // then asks the next one).
  for (ValidatorIndex peer : request.peers) {
    Node& p = nodes_.at(peer);
    if (p.crashed) continue;
    auto budget = chunk_budget.find(peer);
    if (budget != chunk_budget.end() && budget->second-- <= 0) return std::nullopt;
    auto snapshot_at = p.snapshots.find(request.height);
    if (snapshot_at == p.snapshots.end()) return std::nullopt;
    const Bytes& snapshot = snapshot_at->second;
    const SnapshotLayout layout{snapshot.size(), request.chunk_bytes};
    if (request.index >= layout.chunk_count()) return std::nullopt;
    ChunkReceived answer;
    answer.from = peer;
    answer.height = request.height;
    answer.index = request.index;
    answer.midstate_before = snapshot_midstates(snapshot, request.chunk_bytes)[request.index];
    const ByteView chunk = ByteView(snapshot).subspan(layout.chunk_offset(request.index),
                                                      layout.chunk_size(request.index));
    answer.chunk.assign(chunk.begin(), chunk.end());
    if (chunk_liar == peer && !answer.chunk.empty()) answer.chunk.front() ^= 0x01;
    return answer;
  }
  return std::nullopt;
}

void Cluster::answer_blocks(ValidatorIndex i, const RequestBlocks& request) {
  if (auto answer = blocks_answer(request)) local_.emplace_back(i, std::move(*answer));
}

void Cluster::answer_state(ValidatorIndex i, const RequestState& request) {
  if (auto answer = state_answer(request)) local_.emplace_back(i, std::move(*answer));
}

void Cluster::answer_chunk(ValidatorIndex i, const RequestChunk& request) {
  auto answer = chunk_answer(request);
  if (!answer) return;
  ++nodes_.at(*answer->from).chunks_served_to[i];
  ++nodes_.at(i).chunk_answers[{request.height, request.index}];
  local_.emplace_back(i, std::move(*answer));
}

void Cluster::deliver_all() {
  for (std::size_t steps = 0;; ++steps) {
    ASSERT_LT(steps, 2'000'000u) << "the cluster does not quiesce";
    if (!local_.empty()) {
      auto [i, event] = std::move(local_.front());
      local_.pop_front();
      feed(i, std::move(event));
      continue;
    }
    if (network_.empty()) return;
    std::size_t pick = 0;
    if (faults.reorder)
      pick = std::uniform_int_distribution<std::size_t>(0, network_.size() - 1)(rng);
    Envelope e = std::move(network_[pick]);
    network_.erase(network_.begin() + static_cast<std::ptrdiff_t>(pick));
    if (nodes_[e.from].crashed || nodes_[e.to].crashed) continue;
    if (drop && drop(e)) continue;
    std::uniform_real_distribution<double> chance(0, 1);
    if (faults.drop > 0 && chance(rng) < faults.drop) continue;
    if (faults.duplicate > 0 && chance(rng) < faults.duplicate) network_.push_back(e);
    if (hold && hold(e)) {
      held.push_back(std::move(e));
      continue;
    }
    feed(e.to, MessageReceived{e.from, *e.bytes, false});
  }
}

void Cluster::release_held() {
  auto released = std::move(held);
  held.clear();
  for (Envelope& e : released) network_.push_back(std::move(e));
  const auto saved = hold;
  hold = nullptr;
  deliver_all();
  hold = saved;
}

void Cluster::advance(std::uint64_t ms) {
  const std::uint64_t target = now_ms_ + ms;
  deliver_all();
  for (;;) {
    std::optional<std::pair<std::uint64_t, std::pair<ValidatorIndex, TimerKind>>> next;
    for (ValidatorIndex i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].crashed) continue;
      for (const auto& [kind, deadline] : nodes_[i].timers) {
        const std::int64_t local = static_cast<std::int64_t>(deadline) - nodes_[i].clock_offset_ms;
        const std::uint64_t global = static_cast<std::uint64_t>(std::max<std::int64_t>(local, 0));
        if (!next || global < next->first) next = {global, {i, kind}};
      }
    }
    if (!next || next->first > target) break;
    now_ms_ = std::max(now_ms_, next->first);
    const auto [i, kind] = next->second;
    nodes_[i].timers.erase(kind);
    feed(i, TimerFired{kind});
    deliver_all();
  }
  now_ms_ = target;
  deliver_all();
}

void Cluster::crash(ValidatorIndex i) {
  nodes_[i].crashed = true;
  nodes_[i].timers.clear();
}

void Cluster::restart(ValidatorIndex i) {
  Node& node = nodes_[i];
  node.crashed = false;
  node.timers.clear();
  node.replica.reset();
  build_replica(i);
  perform(i, node.replica->start(now_ms_));
  deliver_all();
}

void Cluster::expect_consistent() const {
  for (ValidatorIndex a = 0; a < nodes_.size(); ++a) {
    for (ValidatorIndex b = a + 1; b < nodes_.size(); ++b) {
      for (const auto& [h, block] : nodes_[a].blocks) {
        auto other = nodes_[b].blocks.find(h);
        if (other == nodes_[b].blocks.end()) continue;
        EXPECT_EQ(block.block_hash, other->second.block_hash)
            << "nodes " << a << " and " << b << " committed different blocks at height " << h;
      }
    }
  }
}

Height Cluster::min_committed_height() const {
  Height h = UINT64_MAX;
  for (const Node& n : nodes_) {
    if (!n.crashed) h = std::min(h, n.replica->committed_height());
  }
  return h;
}

Bytes signed_message(ValidatorIndex sender, MessageType type, MessageBody body,
                     std::vector<Bytes> blocks) {
  return encode_message(sign_message(type, sender, std::move(body), std::move(blocks),
                                     validator_key(sender), kChainId));
}

Block test_block(Height height, const Hash256& prev, ValidatorIndex proposer, std::uint64_t time_ms,
                 std::vector<std::string> txs) {
  std::vector<Bytes> raw;
  for (const std::string& tx : txs) raw.push_back(to_bytes(tx));
  return make_block(kChainId, height, time_ms, prev, proposer, std::move(raw));
}

Bytes pre_prepare(ValidatorIndex primary, View view, const Block& block) {
  return signed_message(primary, MessageType::kPrePrepare,
                        VoteBody{view, block.header.height, block_hash(block.header)},
                        {encode_block(block)});
}

}  // namespace replex::consensus::testing
