// Settler: the settlement runtime a node embeds (DESIGN.md §10,
// docs/settlement.md). It turns committed blocks into per-chain batches
// (batch.hpp), signs them with the validator's Ethereum key, gathers the
// other validators' signatures, submits each batch when its turn comes
// (EIP-1559, receipts, confirmations, fee bumping), and watches the
// contracts for deposits, which the node attests on the exchange.
//
// Threads: its own. One builder thread folds blocks and messages; one worker
// per chain does every JSON-RPC call. The inputs (on_block, on_message) only
// enqueue and never wait on Ethereum, so consensus and execution are never
// blocked; when a chain is slow or down its batches queue and settle in
// order when it returns. All public methods are thread-safe. The ports are
// called from the settler's threads, never under its locks; a port must not
// call stop() (it would join its own thread) and should not throw (an
// exception is caught and logged).
//
// Durability: everything that must survive a restart lives in the store's
// Column::kSettlement (keys in docs/settlement.md): a node reopened on the
// same store resumes exactly, never re-attests a deposit it attested and never
// sends a second transaction for a batch it has one pending for.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"
#include "replex/exchange/chain_rules.hpp"
#include "replex/exchange/events.hpp"
#include "replex/settlement/eth_address.hpp"
#include "replex/settlement/secp256k1.hpp"
#include "replex/settlement/settler_config.hpp"
#include "replex/settlement/uint256.hpp"
#include "replex/settlement/withdrawal_tree.hpp"
#include "replex/storage/store.hpp"

namespace replex::settlement {

// A deposit seen on a contract `confirmations` deep, converted to the
// exchange's terms: what the node puts in a DepositAttestation transaction.
struct DepositObserved {
  exchange::EvmChainId chain_id = 0;
  exchange::DepositId deposit_id = 0;
  exchange::AccountId account;
  std::string asset;             // Replex asset symbol
  std::uint64_t amount = 0;      // Replex units, rounded down from token units
  exchange::EthTxHash eth_tx_hash{};
  friend bool operator==(const DepositObserved&, const DepositObserved&) = default;
};

// Everything a user needs to call claim(batchNumber, withdrawal, proof) on
// `contract` of `chain_id`. Valid on chain once `settled`.
struct WithdrawalClaim {
  std::uint64_t chain_id = 0;
  EthAddress contract{};
  std::uint64_t batch_number = 0;
  bool settled = false;            // the batch is settled `confirmations` deep
  Withdrawal withdrawal;           // amount in token units, token 0 for ether
  std::vector<Hash256> proof;
};
// claim((uint64,(uint64,address,address,uint256),bytes32[])) calldata.
Bytes claim_calldata(const WithdrawalClaim& claim);

// Counters count since open(); heights and numbers are the persisted truth.
struct ChainSettlementStatus {
  std::uint64_t chain_id = 0;
  std::uint64_t next_batch_number = 1;       // the next batch this node will build
  std::uint64_t last_settled_batch = 0;      // settled `confirmations` deep
  std::uint64_t last_settled_from_height = 0;
  std::uint64_t last_settled_to_height = 0;
  std::uint64_t chain_last_batch = 0;        // lastBatchNumber at the chain's latest block
  std::uint64_t batches_built = 0;
  std::uint64_t batches_signed = 0;
  std::uint64_t batches_pending = 0;         // built, not yet settled (= the lag in batches)
  std::uint64_t lag_blocks = 0;              // processed height - last settled to_height
  std::uint32_t threshold = 0;               // signatures the contract needs
  std::uint32_t signatures_held = 0;         // valid, for the first unsettled batch
  std::uint64_t signatures_dropped = 0;      // invalid, foreign or of another root
  std::uint64_t transactions_sent = 0;       // submitBatch transactions, replacements included
  std::uint64_t fee_bumps = 0;               // replacements of a stuck transaction the node took
  std::optional<Hash256> pending_tx;         // this node's submission in flight
  std::uint64_t deposits_seen = 0;
  std::uint64_t deposits_attested = 0;
  std::uint64_t deposit_scan_block = 0;      // the next block to scan for deposits
  bool rpc_up = false;                       // the last JSON-RPC round succeeded
  std::string last_error;                    // empty when the last round went well
};

struct SettlementStatus {
  bool running = false;
  std::uint64_t processed_height = 0;        // last committed height folded into batches
  std::uint64_t withdrawals_unroutable = 0;  // withdrawals to a chain not configured here
  std::string last_error;                    // the builder's (e.g. a block's events missing)
  std::vector<ChainSettlementStatus> chains; // ascending chain id
};

class Settler {
 public:
  struct Ports {
    // Sends bytes to every other validator (p2p channel "settlement"). Any thread.
    std::function<void(Bytes message)> broadcast;
    // The node signs a DepositAttestation with its validator key and submits it.
    std::function<void(const DepositObserved&)> attest;
  };

  // `validators`: the validator set's Ethereum addresses by validator index
  // (the contract's set, in any order there). `self`: this node's index, with
  // `key` its Ethereum key (which signs batches and pays for submitting them);
  // nullopt on an observer, which builds and verifies but neither signs,
  // submits nor attests. Refuses a config invalid or inconsistent with the
  // genesis (see make_layout), and persisted state of another chain set.
  static Result<std::unique_ptr<Settler>> open(SettlerConfig config,
                                               std::shared_ptr<const exchange::ChainRules> rules,
                                               std::vector<EthAddress> validators,
                                               std::optional<std::uint32_t> self, std::optional<EthKey> key,
                                               storage::Store& store, Ports ports);
  ~Settler();  // stop()s
  Settler(const Settler&) = delete;
  Settler& operator=(const Settler&) = delete;

  // Starts the threads. The builder first catches up from the store's
  // events column up to its last height. Idempotent.
  void start();
  // Stops and joins the threads; waits for an in-flight JSON-RPC call (at most
  // rpc.max_call_ms). Inputs after stop() are ignored. Idempotent.
  void stop();

  // A committed block's events (execution thread, in height order; enqueue
  // only). Heights already folded are ignored; a gap, or events dropped on a
  // full queue, is filled from the store's events column.
  void on_block(std::uint64_t height, std::uint64_t time_ms, std::vector<exchange::Event> events);
  // A message from validator `from_validator` on the "settlement" channel
  // (network thread; enqueue only). Malformed or invalid ones are dropped.
  void on_message(std::uint32_t from_validator, Bytes message);

  SettlementStatus status() const;
  // The claim of a withdrawal once its batch is built; nullopt for an id not
  // in any batch kept (not yet batched, unroutable, or pruned).
  std::optional<WithdrawalClaim> withdrawal_claim(std::uint64_t withdrawal_id) const;

 private:
  struct Impl;  // src/settlement/settler_impl.hpp
  explicit Settler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace replex::settlement
