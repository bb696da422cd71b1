// Recovery: replay of stored blocks from RocksDB into a fresh exchange state
// machine, as a node does at start-up (host::recover). Setup writes
// kBlocks blocks of 1,000 real signed exchange transactions (the simulator's
// client mix: crossing limit orders, IOC/FOK, post-only, market, stops,
// icebergs, cancels, amends) with commit certificates through the
// BlockExecutor into a RocksStore, as a node commits them. Each iteration
// recovers a fresh ExchangeApp from that store: block reads, block decoding
// (tx_root over every transaction), execution, and the app_hash check per
// block. Reports replayed transactions per second.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "replex/consensus/signing.hpp"
#include "replex/core/hash.hpp"
#include "replex/host/block_executor.hpp"
#include "replex/host/recovery.hpp"
#include "replex/storage/rocks_store.hpp"
#include "sim/workload.hpp"

namespace replex::host::bench {
namespace {

constexpr std::size_t kBlocks = 64;
constexpr std::size_t kBlockTxs = 1000;
constexpr std::size_t kValidators = 4;
constexpr std::uint64_t kStartMs = 1'750'000'000'000;

KeyPair validator_key(consensus::ValidatorIndex i) {
  return KeyPair::from_label("bench-validator-" + std::to_string(i));
}

std::unique_ptr<exchange::ExchangeApp> genesis_app() {
  return std::move(exchange::ExchangeApp::create(sim::Workload::genesis())).value();
}

// A RocksDB folder holding the chain, removed at exit.
struct StoredChain {
  std::filesystem::path dir;
  consensus::ValidatorSet validators;
  consensus::ChainInfo chain;
  consensus::Config config;
  std::uint64_t txs = 0;
  Hash256 app_hash;

  ~StoredChain() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

consensus::CertifiedBlock certify(consensus::Block block) {
  consensus::CertifiedBlock out;
  out.block_hash = consensus::block_hash(block.header);
  out.certificate = {0, block.header.height, out.block_hash, {}};
  for (consensus::ValidatorIndex i = 0; i < 3; ++i) {
    const Bytes part =
        consensus::vote_signed_bytes(consensus::MessageType::kCommit, i, out.certificate.vote());
    out.certificate.signatures.push_back(
        {i, consensus::sign_consensus(validator_key(i), sim::kSimChainId, part)});
  }
  out.block_bytes = consensus::encode_block(block);
  out.certificate_bytes = consensus::encode_commit_certificate(out.certificate);
  out.block = std::make_shared<const consensus::Block>(std::move(block));
  return out;
}

const StoredChain& stored_chain() {
  static const std::unique_ptr<StoredChain> chain = [] {
    auto c = std::make_unique<StoredChain>(StoredChain{
        std::filesystem::temp_directory_path() /
            ("replex-bench-replay-" + std::to_string(::getpid())),
        [] {
          std::vector<PublicKey> keys;
          for (consensus::ValidatorIndex i = 0; i < kValidators; ++i) {
            keys.push_back(validator_key(i).public_key());
          }
          return consensus::ValidatorSet::create(keys).value();
        }(),
        {std::string(sim::kSimChainId), exchange::genesis_hash(sim::Workload::genesis()), kStartMs},
        {},
        0,
        {}});
    c->config.checkpoint_interval = 1'000'000;  // no snapshot: replay from genesis
    auto store = storage::RocksStore::open(c->dir.string()).value();
    auto app = genesis_app();
    BlockExecutor executor(*app, *store, c->config.checkpoint_interval, 2);
    sim::Workload workload(sim::Prng(7));
    Hash256 prev = c->chain.genesis_hash;
    for (std::size_t h = 1; h <= kBlocks; ++h) {
      std::vector<Bytes> txs;
      while (txs.size() < kBlockTxs) {
        Bytes tx = workload.next(h - 1, app.get());
        // A block only ever holds transactions that passed verify_tx.
        if (app->verify_tx(tx).ok()) txs.push_back(std::move(tx));
      }
      c->txs += txs.size();
      const consensus::CertifiedBlock block = certify(
          consensus::make_block(sim::kSimChainId, h, kStartMs + 100 * h, prev, 0, std::move(txs)));
      prev = block.block_hash;
      const ExecutionResult result = executor.execute({block});
      REPLEX_ASSERT_MSG(result.status.is_ok(), result.status.to_string());
    }
    c->app_hash = app->app_hash();
    return c;
  }();
  return *chain;
}

void BM_ReplayFromRocks(benchmark::State& state) {
  const StoredChain& chain = stored_chain();
  auto store = storage::RocksStore::open(chain.dir.string());
  if (!store.is_ok()) {
    state.SkipWithError(store.status().to_string().c_str());
    return;
  }
  std::uint64_t txs = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto app = genesis_app();
    state.ResumeTiming();
    auto recovered = recover(*app, **store, {chain.chain, chain.validators, chain.config});
    if (!recovered.is_ok()) {
      state.SkipWithError(recovered.status().to_string().c_str());
      break;
    }
    if (app->app_hash() != chain.app_hash) {
      state.SkipWithError("replay reached another app_hash than execution");
      break;
    }
    txs += recovered->replayed_txs;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(txs));
  state.counters["blocks"] = static_cast<double>(kBlocks);
  state.counters["txs_per_block"] = static_cast<double>(kBlockTxs);
}
BENCHMARK(BM_ReplayFromRocks)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace replex::host::bench

BENCHMARK_MAIN();
