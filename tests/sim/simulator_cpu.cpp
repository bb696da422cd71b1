// Simulator, CPU model (cpu_model.hpp): what each input costs a node's
// cores, and verification done once per distinct message or transaction.
//
// With the model on, the simulator does what a node's worker pool does:
// signatures are checked before the core sees a message, which then gets
// it with signature_verified = true (a message that fails goes to the core
// unverified, so the core finds the fault and reports it as it would). The
// verdict depends only on the bytes, so each distinct message and
// transaction is verified for real once per run and its cost is charged to
// every node that receives it: a 100-validator cluster then simulates in
// reasonable time.
#include <algorithm>

#include "replex/consensus/block.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/host/serving.hpp"
#include "sim/simulator_impl.hpp"

namespace replex::sim {

bool Simulator::queue_for_cpu(Node& node, Packet& packet) {
  if (!node.cpu) return false;
  const std::uint64_t done_us = node.cpu->occupy(now_us(), arrival_cost_us(node, packet));
  schedule(event_ms(done_us), Deliver{std::move(packet), /*charged=*/true});
  return true;
}

std::uint64_t Simulator::arrival_cost_us(const Node& node, const Packet& p) {
  const CpuCosts& c = *plan_.cpu;
  const std::uint64_t quorum = validators_.quorum();
  switch (p.kind) {
    case PacketKind::kConsensus: {
      const VerifiedMessage& m = verified(p.bytes);
      // A proposal's transactions that this replica's mempool does not hold
      // are verified by the core before it accepts the block.
      std::uint64_t unseen = 0;
      const consensus::Mempool& mempool = node.host->replica()->mempool();
      for (const Hash256& tx : m.block_txs) unseen += !mempool.contains(tx);
      return c.message_us + c.kib_us * (p.bytes->size() / 1024) +
             c.verify_us * (m.signatures + unseen);
    }
    case PacketKind::kTransaction:
    case PacketKind::kClientTransaction:
      return c.tx_us + c.verify_us;
    case PacketKind::kBlocksRequest:
    case PacketKind::kStateRequest:
    case PacketKind::kChunkRequest:
      return c.message_us;
    case PacketKind::kChunkAnswer:
      // Hashed into the running midstate; no signature.
      return c.message_us + c.kib_us * (p.bytes->size() / 1024);
    case PacketKind::kBlocksAnswer: {
      // Each block's commit certificate: a quorum of signatures.
      auto decoded = host::decode_blocks_answer(*p.bytes, host_options_.serve);
      const std::uint64_t blocks = decoded ? decoded->blocks.size() : 0;
      return c.message_us + c.verify_us * quorum * blocks;
    }
    case PacketKind::kStateAnswer: {
      // The checkpoint proof and each block's certificate.
      auto decoded = host::decode_state_answer(*p.bytes, host_options_.serve);
      const std::uint64_t blocks = decoded ? decoded->blocks.size() : 0;
      return c.message_us + c.verify_us * quorum * (1 + blocks);
    }
  }
  return c.message_us;
}

const Simulator::VerifiedMessage& Simulator::verified(const consensus::SharedBytes& bytes) {
  auto it = verified_messages_.find(bytes.get());
  if (it != verified_messages_.end()) return it->second;
  VerifiedMessage v;
  const consensus::MessageLimits limits = consensus::message_limits(host_options_.consensus);
  auto m = consensus::decode_message(*bytes, validators_, limits);
  if (m) {
    v.signatures = signatures_in(*m);
    v.signatures_valid =
        consensus::verify_message_signatures(*m, validators_, kSimChainId).is_ok();
    if (m->type == consensus::MessageType::kPrePrepare && !m->blocks.empty()) {
      const consensus::Config& config = host_options_.consensus;
      auto block = consensus::decode_block(
          m->blocks.front(), {config.max_block_txs, config.max_block_bytes, config.max_tx_bytes},
          std::string(kSimChainId));
      if (block) {
        v.block_txs = std::move(block->tx_hashes);
      }
    }
  }
  if (verified_order_.size() == kVerifiedMessagesKept) {
    verified_messages_.erase(verified_order_.front().get());
    verified_order_.pop_front();
  }
  verified_order_.push_back(bytes);
  return verified_messages_.emplace(bytes.get(), std::move(v)).first->second;
}

void Simulator::admit_transaction(Node& node, const Bytes& tx, bool relayed) {
  const Hash256 hash = tx_hash(tx);
  auto it = verified_txs_.find(hash);
  if (it == verified_txs_.end()) {
    it = verified_txs_.emplace(hash, node.app->verify_tx(tx).ok()).first;
  }
  if (!it->second) return;  // refused before the mempool, as ReplicaHost::submit_transaction does
  check(node, node.host->handle({local_now(node), consensus::TransactionsReceived{{tx}, {hash}, relayed}}),
        "transaction");
}

std::uint64_t Simulator::charge_send(Node& node, std::size_t packets, std::size_t bytes) {
  const CpuCosts& c = *plan_.cpu;
  const std::uint64_t per_packet = c.message_us + c.kib_us * (bytes / 1024);
  return event_ms(node.cpu->occupy(now_us(), c.sign_us + per_packet * packets));
}

void Simulator::charge_execution(Node& node, std::size_t txs) {
  const CpuCosts& c = *plan_.cpu;
  node.cpu->occupy(now_us(), c.block_us + c.execute_tx_us * txs);
}

}  // namespace replex::sim
