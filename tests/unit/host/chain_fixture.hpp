// ChainFixture: a 4-validator chain over the real exchange state machine,
// for the replica host's tests. It builds blocks of real signed orders,
// commit certificates and checkpoint proofs signed by the validators' keys,
// and runs them through a BlockExecutor into a store, as a node would.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "replex/consensus/certificates.hpp"
#include "replex/consensus/config.hpp"
#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/consensus/replica.hpp"
#include "replex/exchange/exchange_app.hpp"
#include "replex/exchange/tx_builder.hpp"
#include "replex/host/block_executor.hpp"
#include "replex/host/options.hpp"
#include "replex/storage/memory_store.hpp"

namespace replex::host::testing {

inline constexpr std::string_view kChainId = "replex-replica-test";
inline constexpr std::size_t kValidators = 4;
inline constexpr std::uint64_t kCheckpointInterval = 5;
inline constexpr std::uint64_t kGenesisTimeMs = 1'700'000'000'000;

exchange::Genesis test_genesis();
std::unique_ptr<exchange::ExchangeApp> genesis_app();
KeyPair validator_key(consensus::ValidatorIndex i);
consensus::ValidatorSet validator_set();
consensus::ChainInfo chain_info();
HostOptions host_options();

class ChainFixture {
 public:
  ChainFixture();

  // `count` signed orders that cross each other (so blocks have trades).
  std::vector<Bytes> orders(std::size_t count);
  // The next block on top of the chain built so far, with a commit
  // certificate signed by validators 0..2 (a quorum of 4).
  consensus::CertifiedBlock next_block(std::vector<Bytes> txs);
  // Builds and commits `count` blocks of `txs_each` orders through `executor`,
  // returning what it fed back to the core.
  std::vector<consensus::BlockExecuted> commit(BlockExecutor& executor, std::size_t count,
                                               std::size_t txs_each = 4);
  // A quorum's CHECKPOINT proof for the state after `executed`.
  consensus::CheckpointProof prove(const consensus::BlockExecuted& executed) const;

  consensus::Height height() const { return height_; }
  const Hash256& tip_hash() const { return tip_hash_; }
  const std::vector<consensus::CertifiedBlock>& blocks() const { return blocks_; }

 private:
  exchange::TxBuilder builder_;
  std::vector<KeyPair> traders_;
  std::uint64_t nonce_ = 0;
  consensus::Height height_ = 0;
  Hash256 tip_hash_;
  std::uint64_t tip_time_ms_ = kGenesisTimeMs;
  std::vector<consensus::CertifiedBlock> blocks_;
};

// A node's durable medium, store and application, for restarts in tests.
struct TestNode {
  std::shared_ptr<storage::MemoryDisk> disk = std::make_shared<storage::MemoryDisk>();
  std::unique_ptr<storage::MemoryStore> store;
  std::unique_ptr<exchange::ExchangeApp> app = genesis_app();

  TestNode();
  // Closes the store (a kill -9) and opens a fresh application and store on the disk.
  void reopen();
  BlockExecutor executor() { return BlockExecutor(*app, *store, kCheckpointInterval, 2); }
};

}  // namespace replex::host::testing
