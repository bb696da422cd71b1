// Consensus core overhead per committed block, with signatures, 4 validators:
//
//  - BM_ConsensusCoreCommit: four Replica cores wired by a zero-delay FIFO,
//    a minimal application (execution hashes the transactions), blocks of
//    `txs` 100-byte transactions cut as soon as the primary holds them. What
//    is measured is the cores: block building and validation, message
//    encoding, signing, persisting records (in memory), and verifying every
//    signature of every message on receipt (no worker pool).
//  - BM_SimulatedClusterCommit: the deterministic simulator with the network
//    delay at zero: four replica hosts with the real exchange state machine,
//    MemoryStores, signed client orders. Per committed block (all four
//    replicas), everything included.
#include <benchmark/benchmark.h>

#include <deque>
#include <map>

#include "replex/consensus/replica.hpp"
#include "replex/core/hash.hpp"
#include "replex/core/tx_envelope.hpp"
#include "sim/simulator.hpp"

namespace replex::consensus::bench {
namespace {

constexpr std::string_view kChain = "replex-bench-consensus";
constexpr std::size_t kValidators = 4;

// Accepts every transaction; execution chains the transaction hashes.
class HashingApp final : public abci::Application {
 public:
  abci::TxCheck verify_tx(ByteView) const override { return abci::TxCheck::accept(); }
  abci::TxCheck check_tx(ByteView, std::uint64_t) const override { return abci::TxCheck::accept(); }
  abci::BlockOutcome execute_block(const abci::BlockContext& ctx, std::span<const Bytes> txs) override {
    Sha256 h;
    h.update(app_hash_).update_u64(ctx.height);
    for (const Bytes& tx : txs) h.update(tx_hash(tx));
    app_hash_ = h.finish();
    height_ = ctx.height;
    return {app_hash_, std::vector<std::uint32_t>(txs.size(), 0), {}};
  }
  std::uint64_t last_height() const override { return height_; }
  Hash256 app_hash() const override { return app_hash_; }
  Bytes snapshot() const override { return Bytes(app_hash_.bytes.begin(), app_hash_.bytes.end()); }
  Hash256 state_digest() const override { return sha256(snapshot()); }
  Status restore(ByteView) override { return Status::ok(); }
  std::string_view reason_name(std::uint32_t) const override { return "OK"; }

 private:
  std::uint64_t height_ = 0;
  Hash256 app_hash_;
};

KeyPair validator_key(ValidatorIndex i) {
  return KeyPair::from_label("bench-validator-" + std::to_string(i));
}

// Four cores and a zero-delay FIFO between them.
class Cluster {
 public:
  explicit Cluster(std::uint32_t block_txs) {
    config_.max_block_txs = block_txs;
    std::vector<PublicKey> keys;
    for (ValidatorIndex i = 0; i < kValidators; ++i) keys.push_back(validator_key(i).public_key());
    const ValidatorSet validators = ValidatorSet::create(keys).value();
    const ChainInfo chain{std::string(kChain), sha256("bench genesis"), 1'700'000'000'000};
    for (ValidatorIndex i = 0; i < kValidators; ++i) {
      apps_.push_back(std::make_unique<HashingApp>());
      RecoveredState genesis{0, chain.genesis_hash, chain.genesis_time_ms, {}, {}, {}};
      replicas_.push_back(
          Replica::create(config_, chain, validators, validator_key(i), *apps_[i], genesis)
              .value());
      perform(i, replicas_[i].start(now_ms_));
    }
    drain();
  }

  // Submits one block's transactions to every mempool and runs until all
  // four replicas executed it.
  void commit_block(const std::vector<Bytes>& txs) {
    const Height target = replicas_[0].committed_height() + 1;
    ++now_ms_;
    for (ValidatorIndex i = 0; i < kValidators; ++i) inputs_.emplace_back(i, TransactionsReceived{txs, {}});
    drain();
    for (const Replica& r : replicas_) {
      REPLEX_ASSERT_MSG(r.committed_height() == target, "the block did not commit");
    }
  }

  std::uint64_t messages() const { return messages_; }
  std::uint64_t wal_bytes() const { return wal_bytes_; }

 private:
  void perform(ValidatorIndex i, std::vector<Action> actions) {
    for (Action& action : actions) {
      if (auto* send = std::get_if<SendMessage>(&action)) {
        ++messages_;
        inputs_.emplace_back(send->to, MessageReceived{i, *send->bytes, false});
      } else if (auto* broadcast = std::get_if<BroadcastMessage>(&action)) {
        for (ValidatorIndex to = 0; to < kValidators; ++to) {
          if (to == i) continue;
          ++messages_;
          inputs_.emplace_back(to, MessageReceived{i, *broadcast->bytes, false});
        }
      } else if (auto* persist = std::get_if<PersistRecord>(&action)) {
        wal_bytes_ += persist->record.size();
      } else if (auto* commit = std::get_if<CommitBlock>(&action)) {
        const CertifiedBlock& b = commit->committed;
        const abci::BlockOutcome outcome =
            apps_[i]->execute_block({b.height(), b.block->header.time_ms}, b.block->txs);
        std::optional<Hash256> digest;
        if (b.height() % config_.checkpoint_interval == 0) digest = apps_[i]->state_digest();
        inputs_.emplace_back(i, BlockExecuted{b.height(), b.block_hash, outcome.app_hash, digest});
      }
    }
  }

  void drain() {
    while (!inputs_.empty()) {
      auto [to, event] = std::move(inputs_.front());
      inputs_.pop_front();
      perform(to, replicas_[to].handle({now_ms_, std::move(event)}));
    }
  }

  Config config_;
  std::vector<std::unique_ptr<HashingApp>> apps_;
  std::vector<Replica> replicas_;
  std::deque<std::pair<ValidatorIndex, Event>> inputs_;
  std::uint64_t now_ms_ = 1'700'000'001'000;
  std::uint64_t messages_ = 0;
  std::uint64_t wal_bytes_ = 0;
};

void BM_ConsensusCoreCommit(benchmark::State& state) {
  const auto block_txs = static_cast<std::uint32_t>(state.range(0));
  Cluster cluster(block_txs);
  std::uint64_t sequence = 0;
  std::uint64_t blocks = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Bytes> txs;
    for (std::uint32_t i = 0; i < block_txs; ++i) {
      Bytes tx(100, 0x5a);
      const std::uint64_t n = ++sequence;
      for (int b = 0; b < 8; ++b) tx[b] = static_cast<std::uint8_t>(n >> (8 * b));
      txs.push_back(std::move(tx));
    }
    state.ResumeTiming();
    cluster.commit_block(txs);
    ++blocks;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(blocks));
  state.counters["messages_per_block"] =
      static_cast<double>(cluster.messages()) / static_cast<double>(blocks);
  state.counters["wal_bytes_per_block"] =
      static_cast<double>(cluster.wal_bytes()) / static_cast<double>(blocks);
}
BENCHMARK(BM_ConsensusCoreCommit)
    ->ArgName("txs")
    ->Arg(1)
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kMicrosecond);

void BM_SimulatedClusterCommit(benchmark::State& state) {
  sim::SimOptions options;
  options.seed = 1;
  options.validators = kValidators;
  options.heights = static_cast<std::uint64_t>(state.range(0));
  options.faults = sim::FaultSet{};
  options.storage = sim::StorageKind::kMemory;
  options.execution = sim::ExecutionMode::kInline;
  options.latency_min_ms = 0;
  options.latency_max_ms = 0;
  std::uint64_t blocks = 0;
  std::uint64_t messages = 0;
  std::uint64_t txs = 0;
  for (auto _ : state) {
    const sim::SimReport report = sim::run_simulation(sim::resolve(options));
    if (!report.status.is_ok()) {
      state.SkipWithError(report.status.to_string().c_str());
      break;
    }
    blocks += report.max_height;
    messages += report.consensus_messages;
    txs += report.txs_committed;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(blocks));
  state.counters["messages_per_block"] =
      static_cast<double>(messages) / static_cast<double>(blocks);
  state.counters["txs_per_block"] = static_cast<double>(txs) / static_cast<double>(blocks);
}
BENCHMARK(BM_SimulatedClusterCommit)->ArgName("heights")->Arg(200)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace replex::consensus::bench

BENCHMARK_MAIN();
