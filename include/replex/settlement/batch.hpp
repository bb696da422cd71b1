// Batch building: the deterministic half of settlement. Every node folds the
// same committed blocks' events into a BatchAccumulator and closes a batch at
// the same heights, so every honest validator builds byte-identical batches
// and signs the same EIP-712 digest. Pure functions of their arguments, no
// I/O, no clocks; plain values, thread-compatible. Format and rules:
// docs/settlement.md ("Batches").
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"
#include "replex/exchange/chain_rules.hpp"
#include "replex/exchange/events.hpp"
#include "replex/settlement/eip712.hpp"
#include "replex/settlement/settler_config.hpp"
#include "replex/settlement/uint256.hpp"
#include "replex/settlement/withdrawal_tree.hpp"

namespace replex::settlement {

// One asset's token on one chain, resolved against the genesis.
struct ChainToken {
  EthAddress address{};         // 0: ether
  std::uint32_t decimals = 0;   // the token's
  std::uint32_t scale_exp = 0;  // token decimals - asset decimals
};

// One configured chain as batch building sees it.
struct ChainLayout {
  std::uint64_t chain_id = 0;
  EthAddress contract{};
  Hash256 domain_separator;                    // EIP-712 domain of its contract
  std::map<exchange::AssetIndex, ChainToken> tokens;  // the assets it lists
  std::vector<bool> home;                      // per asset index: its deltas go to this chain
};

// Every chain, ascending by chain id. An asset's *home* chain is the lowest
// chain id listing it: that chain's batches carry the asset's deltas.
// Withdrawals go to their own chain (chain 0, from a genesis without
// settlement chains, to the lowest configured chain id).
struct SettlementLayout {
  std::uint32_t interval_blocks = 10;
  std::uint32_t max_batch_items = 2'000;
  std::vector<ChainLayout> chains;
  std::vector<std::uint32_t> asset_decimals;  // per asset index, from the genesis

  const ChainLayout* find(std::uint64_t chain_id) const;
  // Index into chains of a withdrawal's destination, or nullopt if that
  // chain is not configured here.
  std::optional<std::size_t> route(exchange::EvmChainId chain_id) const;
};

// Checks the config against the genesis (assets known, token decimals at
// least the asset's, a chain listing exactly the assets the genesis lists for
// it when the genesis has a settlement section, tokens distinct per chain)
// and resolves it. Chains are sorted by id.
Result<SettlementLayout> make_layout(const SettlerConfig& config, const exchange::ChainRules& rules);

// Replex units -> token base units: amount * 10^scale_exp. Exact.
U256 to_token_units(std::uint64_t amount, std::uint32_t scale_exp);
// Token base units -> Replex units, rounded down (the dust stays in the
// contract); nullopt when the result does not fit u64.
std::optional<std::uint64_t> to_replex_units(const U256& amount, std::uint32_t scale_exp);

// A trade's leaf in tradesRoot, in OpenZeppelin StandardMerkleTree's shape:
// keccak256(bytes.concat(keccak256(abi.encode(uint64 tradeId, uint32 market,
// uint64 makerOrderId, uint64 takerOrderId, bytes32 maker, bytes32 taker,
// uint64 price, uint64 quantity, uint64 makerFee, uint64 takerFee,
// uint8 aggressor)))), aggressor 1 buy / 2 sell.
Hash256 trade_leaf_hash(const exchange::event::Trade& trade);

// An account's total (available + locked) of an asset before the range that
// is being accumulated: the settler's persisted totals, else the genesis
// allocation, else 0.
using TotalLookup = std::function<std::uint64_t(const exchange::AccountId&, exchange::AssetIndex)>;

// A (account, asset) total at the start and the end of the range.
struct TotalChange {
  std::uint64_t before = 0;
  std::uint64_t after = 0;
};
using BalanceKey = std::pair<exchange::AccountId, exchange::AssetIndex>;

// The events of the blocks since the last batch boundary, folded into what
// the next batch of every chain needs. Fed one block at a time, in height order.
class BatchAccumulator {
 public:
  explicit BatchAccumulator(const SettlementLayout& layout);

  // Precondition: height == last_height() + 1 (or any height when empty()
  // and no block was added since construction or clear()).
  void add_block(std::uint64_t height, std::span<const exchange::Event> events, const TotalLookup& before);
  // Whether a batch closes after `height` (the last block added): height is a
  // multiple of interval_blocks, or some chain reached max_batch_items.
  bool closes_at(std::uint64_t height) const;

  std::uint64_t last_height() const { return last_height_; }
  bool empty() const { return last_height_ == 0; }
  const std::vector<Hash256>& trade_leaves() const { return trade_leaves_; }
  const std::map<BalanceKey, TotalChange>& balances() const { return balances_; }
  // Withdrawals routed to chains[i], in event order.
  const std::vector<exchange::PendingWithdrawal>& withdrawals(std::size_t chain_index) const {
    return withdrawals_[chain_index];
  }
  // Withdrawals no configured chain can pay (not in any batch; see docs).
  const std::vector<exchange::PendingWithdrawal>& unroutable() const { return unroutable_; }
  std::size_t items(std::size_t chain_index) const { return items_[chain_index]; }

  // Forgets the range (after its batches were built); keeps last_height().
  void clear();

 private:
  const SettlementLayout* layout_;
  std::uint64_t last_height_ = 0;
  std::vector<Hash256> trade_leaves_;
  std::map<BalanceKey, TotalChange> balances_;
  std::vector<std::vector<exchange::PendingWithdrawal>> withdrawals_;  // per chain
  std::vector<exchange::PendingWithdrawal> unroutable_;
  std::vector<std::size_t> items_;  // per chain
};

// Where a chain's batch sequence stands: the contract's lastBatchNumber + 1,
// lastBatchRoot and lastToHeight once everything built is settled.
struct ChainHead {
  std::uint64_t next_number = 1;
  Hash256 prev_root;                 // bytes32(0) before batch 1
  std::uint64_t last_to_height = 0;  // so the next batch starts at last_to_height + 1
  friend bool operator==(const ChainHead&, const ChainHead&) = default;
};

// One chain's batch: what is signed (header, whose struct hash is the root)
// and what goes with it (deltas to submitBatch, withdrawals to claim()).
struct Batch {
  std::uint64_t chain_id = 0;
  BatchHeader header;
  Hash256 root;  // batch_struct_hash(header): the contract's batch root
  std::vector<Delta> deltas;            // sorted by account, then asset index
  std::vector<Withdrawal> withdrawals;  // in event (= withdrawal id) order
  friend bool operator==(const Batch&, const Batch&) = default;
};

// Builds chain `chain_index`'s batch for the accumulated range, ending at
// `to_height` (>= head.last_to_height + 1). Deltas: after - before of every
// home-asset pair, in token units, zeros left out. Trades root: the
// StandardMerkleTree root of trade_leaves() (bytes32(0) if none).
Batch build_batch(const SettlementLayout& layout, std::size_t chain_index, const ChainHead& head,
                  std::uint64_t to_height, const BatchAccumulator& accumulator);
// The head after `batch`.
ChainHead next_head(const Batch& batch);

// keccak256(0x19 0x01 || domain || root): what validators sign for a batch.
Hash256 batch_digest(const ChainLayout& chain, const Hash256& root);

using Rsv65 = std::array<std::uint8_t, 65>;
// submitBatch(batch, deltas, signatures) calldata. Signatures as the contract
// wants them: sorted by signer ascending (the caller's duty).
Bytes submit_batch_calldata(const Batch& batch, std::span<const Rsv65> signatures);

// Signatures a batch needs: floor(2n/3) + 1, the smallest threshold the
// contract accepts (threshold * 3 > 2n), which is 2f+1 for n = 3f+1.
std::uint32_t signature_threshold(std::size_t validators);
// Who submits batch `number` after `elapsed_ms` since it became ready:
// validator (number + elapsed_ms / timeout_ms) % validators.
std::uint32_t designated_submitter(std::uint64_t number, std::size_t validators, std::uint64_t elapsed_ms,
                                   std::uint32_t timeout_ms);

// A validator's signature of one batch, as gossiped on the p2p channel
// "settlement". Canonical bytes (ByteWriter, docs/settlement.md):
//   u8 kind = 1 | u64 chain_id | u64 number | 32 root | u32 validator | 65 r||s||v
struct BatchSignatureMessage {
  static constexpr std::uint8_t kKind = 1;
  static constexpr std::size_t kEncodedSize = 1 + 8 + 8 + 32 + 4 + 65;

  std::uint64_t chain_id = 0;
  std::uint64_t number = 0;
  Hash256 root;
  std::uint32_t validator = 0;
  Rsv65 signature{};

  Bytes encode() const;
  // Refuses another kind or size, a zero chain id or number, and v other than 27/28.
  static Result<BatchSignatureMessage> decode(ByteView bytes);
  friend bool operator==(const BatchSignatureMessage&, const BatchSignatureMessage&) = default;
};

// Ok if `message.signature` over batch_digest(chain, message.root) recovers to
// `expected` (validators[message.validator]); kUnauthenticated otherwise.
Status verify_batch_signature(const ChainLayout& chain, const BatchSignatureMessage& message,
                              const EthAddress& expected);

// The Settlement contract's custom errors by name with their arguments
// ("WrongBatchNumber(expected 3, got 2)"); unknown data as hex.
std::string describe_contract_error(ByteView revert_data);

}  // namespace replex::settlement
