// Block store workloads: committing blocks of 1000 x 200-byte transactions
// with a synced batch each, and reading blocks and transactions back.
// Prints numbers; asserts nothing. Real time is what a committing replica
// waits for, so synced workloads report it (UseRealTime).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "replex/storage/memory_store.hpp"
#include "replex/storage/rocks_store.hpp"

namespace replex::storage {
namespace {

constexpr std::size_t kTxsPerBlock = 1000;
constexpr std::size_t kTxBytes = 200;
constexpr std::uint64_t kReadBackBlocks = 256;  // ~51 MB of blocks, just under a 64 MiB cache

// A database directory under the system temp folder, removed afterwards.
class BenchDir {
 public:
  BenchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "replex-bench-storage-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~BenchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform-looking and distinct per (height, index, kind), like SHA-256
// output, but cheap: the benchmark times the store, not the hash.
Hash256 synthetic_hash(std::uint64_t height, std::uint64_t index, std::uint8_t kind) {
  std::uint64_t seed = (height << 24) ^ (index << 4) ^ kind;
  Hash256 h;
  for (std::size_t word = 0; word < Hash256::kSize / 8; ++word) {
    const std::uint64_t v = splitmix64(seed);
    for (std::size_t i = 0; i < 8; ++i) h.bytes[8 * word + i] = static_cast<std::uint8_t>(v >> (8 * i));
  }
  return h;
}

// The block template: header-sized prefix plus 1000 transactions of 200
// bytes; only the hashes change per height.
BlockRecord make_block(std::uint64_t height, const Bytes& body) {
  BlockRecord r;
  r.height = height;
  r.block_hash = synthetic_hash(height, 0, 1);
  r.app_hash = synthetic_hash(height, 0, 2);
  r.block = body;
  r.certificate.assign(3 * 96, 0xcc);  // 3 commit signatures with validator ids
  r.tx_hashes.reserve(kTxsPerBlock);
  r.tx_codes.assign(kTxsPerBlock, 0);
  for (std::size_t i = 0; i < kTxsPerBlock; ++i) r.tx_hashes.push_back(synthetic_hash(height, i, 3));
  return r;
}

Bytes block_body() {
  Bytes body(128 + kTxsPerBlock * kTxBytes);
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return body;
}

std::unique_ptr<Store> open_rocks(const BenchDir& dir, benchmark::State& state) {
  Result<std::unique_ptr<RocksStore>> store = RocksStore::open(dir.path() + "/db");
  if (!store.is_ok()) {
    state.SkipWithError(store.status().to_string().c_str());
    return nullptr;
  }
  return std::move(store).value();
}

void put_blocks(Store& store, benchmark::State& state) {
  const Bytes body = block_body();
  std::uint64_t height = store.last_height();
  for (auto _ : state) {
    state.PauseTiming();
    const BlockRecord block = make_block(++height, body);
    state.ResumeTiming();
    const Status s = store.put_block(block);
    if (!s.is_ok()) {
      state.SkipWithError(s.to_string().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kTxsPerBlock));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
  state.counters["blocks/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_RocksPutBlockSynced(benchmark::State& state) {
  BenchDir dir;
  std::unique_ptr<Store> store = open_rocks(dir, state);
  if (store) put_blocks(*store, state);
}
BENCHMARK(BM_RocksPutBlockSynced)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same work without a disk: the cost of framing, indexing and checks.
void BM_MemoryPutBlock(benchmark::State& state) {
  Result<std::unique_ptr<MemoryStore>> store = MemoryStore::open(std::make_shared<MemoryDisk>());
  if (!store.is_ok()) {
    state.SkipWithError(store.status().to_string().c_str());
    return;
  }
  put_blocks(**store, state);
}
BENCHMARK(BM_MemoryPutBlock)->Unit(benchmark::kMillisecond)->UseRealTime();

void fill(Store& store, benchmark::State& state) {
  const Bytes body = block_body();
  for (std::uint64_t h = 1; h <= kReadBackBlocks; ++h) {
    const Status s = store.put_block(make_block(h, body));
    if (!s.is_ok()) {
      state.SkipWithError(s.to_string().c_str());
      return;
    }
  }
}

void BM_RocksReadBlock(benchmark::State& state) {
  BenchDir dir;
  std::unique_ptr<Store> store = open_rocks(dir, state);
  if (!store) return;
  fill(*store, state);
  std::uint64_t next = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {
    const std::uint64_t height = 1 + (next++ * 97) % kReadBackBlocks;  // strided, every block in turn
    Result<StoredBlock> block = store->block_at(height);
    if (!block.is_ok()) {
      state.SkipWithError(block.status().to_string().c_str());
      break;
    }
    bytes += static_cast<std::int64_t>(block->block.size() + block->certificate.size());
    benchmark::DoNotOptimize(block);
  }
  state.SetBytesProcessed(bytes);
  state.counters["blocks/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RocksReadBlock)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_RocksFindTx(benchmark::State& state) {
  BenchDir dir;
  std::unique_ptr<Store> store = open_rocks(dir, state);
  if (!store) return;
  fill(*store, state);
  std::uint64_t next = 0;
  for (auto _ : state) {
    const std::uint64_t n = next++ * 7919;
    const Hash256 tx = synthetic_hash(1 + n % kReadBackBlocks, (n / kReadBackBlocks) % kTxsPerBlock, 3);
    Result<TxLocation> where = store->find_tx(tx);
    if (!where.is_ok()) {
      state.SkipWithError(where.status().to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(where);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RocksFindTx)->Unit(benchmark::kMicrosecond)->UseRealTime();

// A consensus vote persisted before it is sent: ~200 bytes, synced (arg 1)
// or left to the next synced write (arg 0).
void BM_RocksWalAppend(benchmark::State& state) {
  BenchDir dir;
  std::unique_ptr<Store> store = open_rocks(dir, state);
  if (!store) return;
  const bool sync = state.range(0) != 0;
  const Bytes vote(200, 0x42);
  std::uint64_t height = 0;
  for (auto _ : state) {
    Result<std::uint64_t> sequence = store->wal_append(++height / 8, vote, sync);
    if (!sequence.is_ok()) {
      state.SkipWithError(sequence.status().to_string().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RocksWalAppend)->ArgName("sync")->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond)->UseRealTime();

// A checkpoint's snapshot (state of KiB as the argument, keeping 3), put
// between blocks as the execution thread does.
void BM_RocksPutSnapshot(benchmark::State& state) {
  BenchDir dir;
  std::unique_ptr<Store> store = open_rocks(dir, state);
  if (!store) return;
  SnapshotRecord snapshot;
  snapshot.state.resize(static_cast<std::size_t>(state.range(0)) * 1024);
  for (std::size_t i = 0; i < snapshot.state.size(); ++i) snapshot.state[i] = static_cast<std::uint8_t>(i * 131 + 7);
  snapshot.proof.assign(2048, 0x5a);
  for (auto _ : state) {
    ++snapshot.height;
    const Status s = store->put_snapshot(snapshot, 3);
    if (!s.is_ok()) {
      state.SkipWithError(s.to_string().c_str());
      break;
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(snapshot.state.size()));
}
BENCHMARK(BM_RocksPutSnapshot)->ArgName("kib")->Arg(700)->Arg(8192)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace replex::storage

BENCHMARK_MAIN();
