// The gateway's read model (orders by id, client id and transaction, per-account
// histories, trades, candles) applying committed blocks: the work a node's
// read-model thread does beside consensus for every order. 1,000 funded
// accounts; blocks of 2,000 orders with client order ids at one price, sells
// and buys alternating, so each block has accepts, fills and trades.
// The blocks are executed once up front. Each iteration fills a fresh
// ReadModel to its default limit (100,000 orders) untimed, as a node's is
// after a while, then times the next 100,000 orders: each one evicts one.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "exchange_bench_genesis.hpp"
#include "replex/api/chain_view_builder.hpp"
#include "replex/api/read_model.hpp"
#include "replex/core/hash.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/exchange/exchange_app.hpp"
#include "replex/exchange/tx_builder.hpp"

namespace replex::api {
namespace {

using exchange::bench::kBenchChain;
using exchange::bench::kBenchMarket;
constexpr std::size_t kAccounts = 1000;
constexpr std::size_t kWarmBlocks = 50;  // 100,000 orders: max_orders_kept
constexpr std::size_t kBlocks = 50;
constexpr std::size_t kBlockTxs = 2000;

struct Workload {
  std::shared_ptr<const exchange::ChainRules> rules;
  std::vector<BlockDigest> warm;
  std::vector<BlockDigest> timed;
  std::size_t timed_orders = 0;
};

const Workload& workload() {
  static const Workload w = [] {
    Workload out;
    const exchange::Genesis genesis = exchange::bench::bench_genesis(kAccounts);
    out.rules = exchange::ChainRules::create(genesis).value();
    auto app = exchange::ExchangeApp::create(genesis).value();
    ChainViewBuilder views(*app, 20);
    const std::vector<KeyPair> keys = exchange::bench::trader_keys(kAccounts);
    std::vector<std::uint64_t> nonce(kAccounts, 0);
    const exchange::TxBuilder builder{std::string(kBenchChain)};
    for (std::size_t b = 0; b < kWarmBlocks + kBlocks; ++b) {
      const std::uint64_t height = app->last_height() + 1;
      const std::uint64_t time_ms = height * 1000;
      std::vector<Bytes> txs;
      for (std::size_t i = 0; i < kBlockTxs; ++i) {
        const std::size_t who = (b * kBlockTxs + i) % kAccounts;
        exchange::PlaceOrderArgs a;
        a.market = std::string(kBenchMarket);
        a.side = i % 2 == 0 ? exchange::Side::kSell : exchange::Side::kBuy;  // each buy trades with resting sells
        a.price = 100'000;
        a.quantity = 1 + i % 5;
        a.client_order_id = std::to_string(b * kBlockTxs + i);
        txs.push_back(builder.place_order(keys[who], {++nonce[who], height + 10}, a));
      }
      const abci::BlockOutcome outcome = app->execute_block({height, time_ms}, txs);
      BlockDigest digest;
      digest.summary = {height, sha256(std::to_string(height)), outcome.app_hash, time_ms,
                        static_cast<std::uint32_t>(txs.size()), 0};
      for (const Bytes& tx : txs) digest.tx_hashes.push_back(tx_hash(tx));
      digest.events = app->last_block_events();
      digest.view = views.after_block({height, digest.summary.block_hash, outcome.app_hash, time_ms, 1});
      if (b < kWarmBlocks) {
        out.warm.push_back(std::move(digest));
      } else {
        out.timed.push_back(std::move(digest));
        out.timed_orders += txs.size();
      }
    }
    return out;
  }();
  return w;
}

void BM_ReadModelApply(benchmark::State& state) {
  const Workload& w = workload();
  for (auto _ : state) {
    state.PauseTiming();
    ReadModel model(w.rules, config::ApiSection{});
    model.start();
    for (const BlockDigest& digest : w.warm) model.feed(digest);
    model.wait_idle();
    std::vector<BlockDigest> digests = w.timed;
    state.ResumeTiming();
    for (BlockDigest& digest : digests) model.feed(std::move(digest));
    model.wait_idle();
    state.PauseTiming();
    model.stop();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.timed_orders));
}
BENCHMARK(BM_ReadModelApply)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace replex::api

BENCHMARK_MAIN();
