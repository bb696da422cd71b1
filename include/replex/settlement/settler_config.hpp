// What an operator configures for settlement (DESIGN.md §10,
// docs/settlement.md): the EVM chains, their contracts and token mapping, the
// batch cadence, and the submitter's timeouts. Plain values; validate() names
// the first bad field ("chains[0].assets[USDT].decimals: ...").
//
// Determinism: the fields marked [consensus] must be equal on every
// validator, or their batches differ and no batch gathers a threshold of
// signatures (the signatures are then dropped as "root mismatch").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "replex/core/status.hpp"
#include "replex/settlement/eth_address.hpp"
#include "replex/settlement/json_rpc.hpp"

namespace replex::settlement {

// Token decimals above this are refused: u64 Replex units times
// 10^(kMaxTokenDecimals) must stay far inside uint256.
inline constexpr std::uint32_t kMaxTokenDecimals = 48;

// One Replex asset on one chain. [consensus]
struct TokenConfig {
  std::optional<EthAddress> token;  // the ERC-20; nullopt: native ether (address 0 in the contract)
  // Base units per whole token are 10^decimals; at least the asset's decimals
  // (token units = Replex units * 10^(decimals - asset decimals)).
  std::uint32_t decimals = 18;
};

struct ChainConfig {
  std::uint64_t chain_id = 0;          // EIP-155 id, > 0, distinct. [consensus]
  std::string rpc_url;                 // http(s)://host:port/path of an Ethereum JSON-RPC node
  EthAddress contract{};               // the Settlement contract, non-zero. [consensus]
  // A block counts as final this many blocks deep (1: as soon as mined):
  // deposits are attested and batches called settled only then.
  std::uint32_t confirmations = 1;
  // Deposit scanning starts here (the contract's deployment block) on a fresh node.
  std::uint64_t start_block = 0;
  // Replex asset symbol -> its token on this chain. With a genesis settlement
  // section, exactly the assets the genesis lists for this chain. [consensus]
  std::map<std::string, TokenConfig> assets;
};

struct SettlerConfig {
  // A batch closes at every height divisible by this. [consensus]
  std::uint32_t interval_blocks = 10;
  // ...or earlier, at the end of the first block after which some chain's
  // batch holds this many items (distinct (account, asset) pairs touched, an
  // upper bound of its deltas, plus its withdrawals), so that a batch's gas
  // stays bounded. One block is never split. [consensus]
  std::uint32_t max_batch_items = 2'000;

  // The designated submitter of a batch has this long, from the moment a
  // node holds a threshold of signatures for it and its predecessor is
  // settled, before the next validator in turn takes over.
  std::uint32_t submit_timeout_ms = 15'000;
  // Each chain worker's round: settlement state, receipts, deposits.
  std::uint32_t poll_interval_ms = 500;
  // A transaction still pending after this is replaced (same nonce) with
  // fees bumped by settlement::bumped_fees.
  std::uint32_t stuck_after_ms = 30'000;
  // Own signatures of unsettled batches are broadcast again this often, so
  // that a restarted or partitioned peer catches up.
  std::uint32_t resend_signatures_ms = 5'000;
  // submitBatch's gas limit: the estimate plus gas_margin_percent, capped
  // here; a batch whose estimate exceeds the cap is not sent (status error).
  std::uint64_t max_gas_per_batch = 15'000'000;
  std::uint32_t gas_margin_percent = 25;
  // Blocks per eth_getLogs call while scanning for deposits.
  std::uint32_t max_log_blocks = 1'000;
  // Input queues. A full block queue drops the events (they are read back
  // from the store's events column); a full message queue drops the message
  // (its sender broadcasts it again).
  std::uint32_t max_queued_blocks = 1'024;
  std::uint32_t max_queued_messages = 16'384;
  // Signatures are accepted for batches up to this far beyond a chain's
  // first unsettled batch (bounds what a faulty peer can make us hold).
  std::uint32_t max_future_batches = 256;
  // Settled batches kept per chain (their withdrawals' proofs); older ones
  // are erased from the store and withdrawal_claim() no longer knows them.
  std::uint32_t max_settled_batches_kept = 100'000;
  // Timeouts and retries of every JSON-RPC call (url is ignored: per chain).
  // A call blocks its chain's worker for up to rpc.max_call_ms, which also
  // bounds how long stop() may wait.
  JsonRpcConfig rpc;

  std::vector<ChainConfig> chains;  // at least one

  // Ranges and shapes only; what depends on the genesis is checked by
  // Settler::open.
  Status validate() const;
};

}  // namespace replex::settlement
