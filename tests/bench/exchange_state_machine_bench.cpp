// The whole state machine: execute_block on pre-built, pre-signed
// transactions (signatures are not checked in execute_block; verify_tx does
// that before a block is accepted). 1,000 funded accounts, a book of 20,000
// resting orders, then blocks of 5,000 transactions: ~60% limit orders near
// the touch, ~25% cancels, ~15% marketable IOC orders. Reports tx/s, the
// cost split (decode, events encoding, events hash), and heap bytes per
// resting order.
#include <benchmark/benchmark.h>

#include <random>

#include "exchange_bench_genesis.hpp"
#include "exchange_bench_util.hpp"
#include "replex/core/hash.hpp"
#include "replex/exchange/exchange_app.hpp"
#include "replex/exchange/transaction.hpp"
#include "replex/exchange/tx_builder.hpp"

namespace replex::exchange::bench {
namespace {

constexpr std::size_t kAccounts = 1000;
constexpr std::size_t kSetupBlocks = 20;
constexpr std::size_t kSetupBlockTxs = 1000;
// Untimed blocks of the timed mix after the setup: the first 5,000-transaction
// block after 1,000-transaction ones grows the app's event buffers (~1,800 page
// faults, ~6x a later block's time per transaction), a cost a node pays once.
constexpr std::size_t kWarmupBlocks = 1;
constexpr std::size_t kBlocks = 20;
constexpr std::size_t kBlockTxs = 5000;
constexpr std::uint64_t kMid = 100'000;

struct Workload {
  std::vector<std::vector<Bytes>> setup;
  std::vector<std::vector<Bytes>> warmup;
  std::vector<std::vector<Bytes>> blocks;
  std::size_t resting_after_setup = 0;
};

std::unique_ptr<ExchangeApp> new_app() {
  auto app = ExchangeApp::create(bench_genesis(kAccounts));
  return std::move(app).value();
}

// Builds the blocks against a scratch replica, so cancels name orders that
// are open when their block starts, and every replay is identical.
const Workload& workload() {
  static const Workload w = [] {
    Workload out;
    auto scratch = new_app();
    const std::vector<KeyPair> keys = trader_keys(kAccounts);
    const TxBuilder builder{std::string(kBenchChain)};
    std::mt19937_64 rng(7);
    auto pick = [&rng](std::uint64_t lo, std::uint64_t hi) { return lo + rng() % (hi - lo + 1); };
    std::vector<std::uint64_t> nonce(kAccounts, 0);
    std::vector<std::pair<std::size_t, OrderId>> live;  // (account, order)
    const MarketIndex market = *scratch->rules().find_market(kBenchMarket);

    auto build_block = [&](std::size_t n, bool setup) {
      std::vector<Bytes> txs;
      const std::uint64_t height = scratch->last_height() + 1;
      const auto depth = scratch->depth(market, 1);
      const std::uint64_t best_bid = depth.bids.empty() ? kMid - 1 : depth.bids[0].price;
      const std::uint64_t best_ask = depth.asks.empty() ? kMid + 1 : depth.asks[0].price;
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t who = pick(0, kAccounts - 1);
        const TxHeader h{++nonce[who], height + 1};  // short window: nonces are pruned soon
        const std::uint64_t dice = setup ? 0 : pick(0, 99);
        PlaceOrderArgs a;
        a.market = std::string(kBenchMarket);
        a.side = pick(0, 1) == 0 ? Side::kBuy : Side::kSell;
        if (dice < 60) {
          const std::uint64_t offset = setup ? pick(0, 500) : pick(0, 5);
          a.price = a.side == Side::kBuy ? best_bid - offset : best_ask + offset;
          a.quantity = pick(1, 10);
          txs.push_back(builder.place_order(keys[who], h, a));
        } else if (dice < 85 && !live.empty()) {
          const std::size_t k = pick(0, live.size() - 1);
          const auto [owner, id] = live[k];
          live[k] = live.back();
          live.pop_back();
          const TxHeader oh{++nonce[owner], height + 1};
          txs.push_back(builder.cancel_order(keys[owner], oh, kBenchMarket, id));
        } else {
          a.time_in_force = TimeInForce::kIoc;
          a.price = a.side == Side::kBuy ? best_ask + pick(0, 2) : best_bid - pick(0, 2);
          a.quantity = pick(5, 20);
          txs.push_back(builder.place_order(keys[who], h, a));
        }
      }
      scratch->execute_block({height, 0}, txs);
      for (const auto& e : scratch->last_block_events()) {
        if (const auto* acc = std::get_if<event::OrderAccepted>(&e); acc && acc->time_in_force == TimeInForce::kGtc) {
          for (std::size_t i = 0; i < kAccounts; ++i) {
            if (keys[i].public_key() == acc->account) {
              live.emplace_back(i, acc->order_id);
              break;
            }
          }
        }
      }
      return txs;
    };
    for (std::size_t b = 0; b < kSetupBlocks; ++b) out.setup.push_back(build_block(kSetupBlockTxs, true));
    out.resting_after_setup = scratch->depth(market, SIZE_MAX).bids.size();
    for (std::size_t b = 0; b < kWarmupBlocks; ++b) out.warmup.push_back(build_block(kBlockTxs, false));
    for (std::size_t b = 0; b < kBlocks; ++b) out.blocks.push_back(build_block(kBlockTxs, false));
    return out;
  }();
  return w;
}

// The app after the setup and warm-up blocks; `warmup` (if given) gets the
// warm-up blocks' time per transaction.
std::unique_ptr<ExchangeApp> prepared_app(LatencySamples* warmup = nullptr) {
  auto app = new_app();
  for (const auto& block : workload().setup) app->execute_block({app->last_height() + 1, 0}, block);
  for (const auto& block : workload().warmup) {
    const std::uint64_t t0 = CycleClock::now();
    app->execute_block({app->last_height() + 1, 0}, block);
    if (warmup != nullptr) warmup->add((CycleClock::now() - t0) / block.size());
  }
  return app;
}

struct ReplayStats {
  std::size_t event_bytes = 0;
  std::size_t trades = 0;
  std::size_t rejected = 0;
};

// The timed part of BM_ExecuteBlocks, kept out of line so an instruction
// count can be scoped to it: valgrind --tool=callgrind
// --toggle-collect='*replay_blocks*' bench_exchange_state_machine
// --benchmark_filter=BM_ExecuteBlocks (docs/PERFORMANCE.md).
[[gnu::noinline]] ReplayStats replay_blocks(ExchangeApp& app, const std::vector<std::vector<Bytes>>& blocks,
                                            LatencySamples& per_block) {
  ReplayStats stats;
  for (const auto& block : blocks) {
    const std::uint64_t t0 = CycleClock::now();
    const auto outcome = app.execute_block({app.last_height() + 1, 0}, block);
    per_block.add((CycleClock::now() - t0) / block.size());
    stats.event_bytes += outcome.events.size();
    for (const std::uint32_t c : outcome.tx_codes) stats.rejected += c != 0;
    for (const auto& e : app.last_block_events()) stats.trades += std::holds_alternative<event::Trade>(e);
  }
  return stats;
}

void BM_ExecuteBlocks(benchmark::State& state) {
  const Workload& w = workload();
  std::size_t txs = 0;
  for (const auto& b : w.blocks) txs += b.size();
  ReplayStats stats;
  LatencySamples per_block;
  LatencySamples warmup;
  for (auto _ : state) {
    state.PauseTiming();
    auto app = prepared_app(&warmup);
    state.ResumeTiming();
    stats = replay_blocks(*app, w.blocks, per_block);
    state.PauseTiming();
    app.reset();
    state.ResumeTiming();
  }
  state.counters["tx_per_s"] =
      benchmark::Counter(static_cast<double>(txs) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["block_ns_per_tx_p50"] = per_block.percentile_ns(50);
  state.counters["block_ns_per_tx_max"] = per_block.percentile_ns(100);
  state.counters["warmup_ns_per_tx"] = warmup.percentile_ns(50);
  state.counters["event_bytes_per_tx"] = static_cast<double>(stats.event_bytes) / static_cast<double>(txs);
  state.counters["trades_per_tx"] = static_cast<double>(stats.trades) / static_cast<double>(txs);
  state.counters["rejected_share"] = static_cast<double>(stats.rejected) / static_cast<double>(txs);
}
BENCHMARK(BM_ExecuteBlocks)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// The part of execute_block spent decoding envelopes and bodies.
void BM_DecodeTransactions(benchmark::State& state) {
  const Workload& w = workload();
  auto app = new_app();
  std::size_t n = 0;
  for (auto _ : state) {
    for (const auto& block : w.blocks) {
      for (const Bytes& tx : block) {
        Transaction decoded;
        benchmark::DoNotOptimize(decode_transaction(app->rules(), tx, false, decoded));
        ++n;
      }
    }
  }
  state.counters["tx_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeTransactions)->Unit(benchmark::kMillisecond)->UseRealTime();

// SHA-256 (core: Crypto++, with SHA-NI instructions when the CPU has them)
// over event bytes: the app_hash's share.
void BM_HashEvents(benchmark::State& state) {
  const Bytes data(1 << 20, 0x5a);
  for (auto _ : state) benchmark::DoNotOptimize(sha256(data));
  state.SetBytesProcessed(static_cast<std::int64_t>(data.size()) * state.iterations());
}
BENCHMARK(BM_HashEvents)->Unit(benchmark::kMillisecond);

// The canonical encoding's share: encode_events over the typed events of the
// workload's blocks (replayed once, untimed).
void BM_EncodeEvents(benchmark::State& state) {
  const Workload& w = workload();
  auto app = prepared_app();
  std::vector<std::vector<Event>> blocks;
  std::size_t txs = 0;
  for (const auto& block : w.blocks) {
    app->execute_block({app->last_height() + 1, 0}, block);
    blocks.push_back(app->last_block_events());
    txs += block.size();
  }
  for (auto _ : state) {
    for (const auto& events : blocks) benchmark::DoNotOptimize(encode_events(events));
  }
  state.counters["tx_per_s"] = benchmark::Counter(static_cast<double>(txs) * static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EncodeEvents)->Unit(benchmark::kMillisecond)->UseRealTime();

// Heap bytes per resting order for the whole state machine: the mallinfo2
// delta of placing 100,000 non-crossing GTC orders (100 per account), after
// the nonce window has emptied and an empty block dropped the events.
void BM_StateMemoryPerOrder(benchmark::State& state) {
  constexpr std::size_t kOrdersPerAccount = 100;
  std::vector<std::vector<Bytes>> blocks;
  {
    const TxBuilder builder{std::string(kBenchChain)};
    std::mt19937_64 rng(3);
    for (std::size_t round = 0; round < kOrdersPerAccount; ++round) {
      std::vector<Bytes> txs;
      for (std::size_t i = 0; i < kAccounts; ++i) {
        const KeyPair key = KeyPair::from_label("trader-" + std::to_string(i));
        PlaceOrderArgs a;
        a.market = std::string(kBenchMarket);
        a.side = rng() % 2 == 0 ? Side::kBuy : Side::kSell;
        a.price = a.side == Side::kBuy ? kMid - 1 - rng() % 500 : kMid + 1 + rng() % 500;
        a.quantity = 1 + rng() % 10;
        txs.push_back(builder.place_order(key, {round + 1, round + 2}, a));
      }
      blocks.push_back(std::move(txs));
    }
  }
  double per_order = 0;
  std::size_t orders = 0;
  for (auto _ : state) {
    auto app = new_app();
    const std::size_t before = heap_in_use();
    for (const auto& block : blocks) app->execute_block({app->last_height() + 1, 0}, block);
    for (int i = 0; i < 3; ++i) app->execute_block({app->last_height() + 1, 0}, {});
    const std::size_t after = heap_in_use();
    orders = 0;
    for (std::size_t i = 0; i < kAccounts; ++i) {
      orders += app->open_orders(KeyPair::from_label("trader-" + std::to_string(i)).public_key()).size();
    }
    per_order = static_cast<double>(after - before) / static_cast<double>(orders);
  }
  state.counters["bytes_per_order"] = per_order;
  state.counters["orders"] = static_cast<double>(orders);
}
BENCHMARK(BM_StateMemoryPerOrder)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace replex::exchange::bench

BENCHMARK_MAIN();
