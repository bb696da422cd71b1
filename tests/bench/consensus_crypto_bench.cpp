// What one signature costs, for the simulator's CPU model (tests/sim/cpu_model.hpp,
// docs/PERFORMANCE.md, "Throughput over a WAN with CPU costs"):
//
//  - BM_Ed25519Sign / BM_Ed25519Verify: one 100-byte message, as a
//    consensus vote is signed and checked.
//  - BM_VerifyTransaction: ExchangeApp::verify_tx of the simulator's client
//    orders (decode, static checks, the Ed25519 signature): what a validator
//    spends on each gossiped or submitted transaction.
//  - BM_Ed25519VerifyBatch/N, BM_VerifyTransactions/N: the same checks for N
//    at a time (verify_batch, ExchangeApp::verify_txs), as a validator's
//    workers verify a batch of submissions; times are per signature.
//  - BM_FrameSeal / BM_Sha256: per 64 KiB, what the bytes of a large
//    message (a PRE-PREPARE's block) cost besides its signature: the p2p
//    frame's ChaCha20-Poly1305 on each side, and hashing the block.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include "replex/core/ed25519.hpp"
#include "replex/core/hash.hpp"
#include "replex/exchange/exchange_app.hpp"
#include "sim/workload.hpp"

namespace replex::bench {
namespace {

void BM_Ed25519Sign(benchmark::State& state) {
  const KeyPair key = KeyPair::from_label("bench-sign");
  const Bytes message(100, 0x5a);
  for (auto _ : state) benchmark::DoNotOptimize(key.sign("bench", "chain", message));
}
BENCHMARK(BM_Ed25519Sign)->Unit(benchmark::kMicrosecond);

void BM_Ed25519Verify(benchmark::State& state) {
  const KeyPair key = KeyPair::from_label("bench-verify");
  const Bytes message(100, 0x5a);
  const Signature sig = key.sign("bench", "chain", message);
  for (auto _ : state) {
    benchmark::DoNotOptimize(verify(key.public_key(), "bench", "chain", message, sig));
  }
}
BENCHMARK(BM_Ed25519Verify)->Unit(benchmark::kMicrosecond);

void BM_VerifyTransaction(benchmark::State& state) {
  auto app = exchange::ExchangeApp::create(exchange::canonical_genesis(sim::Workload::genesis()));
  sim::Workload workload(sim::Prng(1));
  std::vector<Bytes> txs;
  for (int i = 0; i < 512; ++i) txs.push_back(workload.next(1, nullptr));
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize((*app)->verify_tx(txs[i++ % txs.size()]));
  }
}
BENCHMARK(BM_VerifyTransaction)->Unit(benchmark::kMicrosecond);

// `keys` signers take turns, as clients' orders arrive (the verifier keeps decoded keys).
void BM_Ed25519VerifyBatch(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t kKeys = 100;
  std::vector<KeyPair> keys;
  for (std::size_t k = 0; k < kKeys; ++k) keys.push_back(KeyPair::from_label("bench-batch-" + std::to_string(k)));
  std::vector<Bytes> messages;
  std::vector<Signature> signatures;
  for (std::size_t i = 0; i < n; ++i) {
    messages.emplace_back(100, static_cast<std::uint8_t>(i));
    signatures.push_back(keys[i % kKeys].sign("bench", "chain", messages.back()));
  }
  std::vector<SignatureCheck> checks;
  for (std::size_t i = 0; i < n; ++i) checks.push_back({&keys[i % kKeys].public_key(), &signatures[i], messages[i]});
  for (auto _ : state) {
    verify_batch("bench", "chain", checks);
    benchmark::DoNotOptimize(checks.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_Ed25519VerifyBatch)->Arg(4)->Arg(16)->Arg(64)->Arg(128)->Unit(benchmark::kMicrosecond);

void BM_VerifyTransactions(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto app = exchange::ExchangeApp::create(exchange::canonical_genesis(sim::Workload::genesis()));
  sim::Workload workload(sim::Prng(1));
  std::vector<Bytes> txs;
  for (std::size_t i = 0; i < n; ++i) txs.push_back(workload.next(1, nullptr));
  const std::vector<ByteView> views(txs.begin(), txs.end());
  std::vector<abci::TxCheck> verdicts(n);
  for (auto _ : state) {
    (*app)->verify_txs(views, verdicts);
    benchmark::DoNotOptimize(verdicts.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_VerifyTransactions)->Arg(16)->Arg(64)->Unit(benchmark::kMicrosecond);

constexpr std::size_t kChunk = 64 * 1024;

void BM_FrameSeal(benchmark::State& state) {
  const Bytes plain(kChunk, 0x5a);
  Bytes sealed(kChunk + crypto_aead_chacha20poly1305_IETF_ABYTES);
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_IETF_KEYBYTES> key{};
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES> nonce{};
  for (auto _ : state) {
    unsigned long long written = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(sealed.data(), &written, plain.data(), plain.size(),
                                              nullptr, 0, nullptr, nonce.data(), key.data());
    benchmark::DoNotOptimize(sealed.data());
    ++nonce[0];
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kChunk));
}
BENCHMARK(BM_FrameSeal)->Unit(benchmark::kMicrosecond);

void BM_Sha256(benchmark::State& state) {
  const Bytes plain(kChunk, 0x5a);
  for (auto _ : state) benchmark::DoNotOptimize(sha256(plain));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kChunk));
}
BENCHMARK(BM_Sha256)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace replex::bench

BENCHMARK_MAIN();
