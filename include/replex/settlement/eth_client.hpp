// The Ethereum JSON-RPC methods settlement uses, typed: chain id, block
// number, nonces, gas and fee estimation, raw transaction submission,
// receipts, logs, eth_call and balances. Every quantity is checked on the way
// in ("0x"-prefixed hex, in range); a field of the wrong shape is a kMalformed
// error naming the method and the field ("result.logs[0].topics[1]: ...").
// Spec: https://ethereum.github.io/execution-apis/api-documentation/
//
// Thread-safety: as JsonRpcClient, one thread at a time; every method blocks
// that thread for up to max_call_ms (twice that for suggest_fees).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"
#include "replex/settlement/eip1559.hpp"
#include "replex/settlement/eth_address.hpp"
#include "replex/settlement/json_rpc.hpp"
#include "replex/settlement/uint256.hpp"

namespace replex::settlement {

// A block parameter: a named tag or a number. Plain value.
class BlockTag {
 public:
  enum class Kind : std::uint8_t { kLatest, kPending, kSafe, kFinalized, kEarliest, kNumber };

  static BlockTag latest() { return BlockTag(Kind::kLatest, 0); }
  static BlockTag pending() { return BlockTag(Kind::kPending, 0); }
  static BlockTag safe() { return BlockTag(Kind::kSafe, 0); }
  static BlockTag finalized() { return BlockTag(Kind::kFinalized, 0); }
  static BlockTag earliest() { return BlockTag(Kind::kEarliest, 0); }
  static BlockTag number(std::uint64_t n) { return BlockTag(Kind::kNumber, n); }

  Kind kind() const { return kind_; }
  std::uint64_t block_number() const { return number_; }  // for kNumber
  // "latest", "pending", ..., or the number as a quantity ("0x1a").
  std::string to_param() const;

  friend bool operator==(const BlockTag&, const BlockTag&) = default;

 private:
  BlockTag(Kind kind, std::uint64_t n) : kind_(kind), number_(n) {}
  Kind kind_;
  std::uint64_t number_;
};

// The transaction object of eth_call and eth_estimateGas; absent fields are
// left to the node.
struct CallRequest {
  std::optional<EthAddress> from;
  std::optional<EthAddress> to;  // empty: contract creation
  std::optional<std::uint64_t> gas;
  std::optional<U256> value;     // wei
  Bytes data;
};

// eth_feeHistory: base_fee_per_gas has one entry per block plus the next
// block's; reward[i] holds the asked percentiles of block i's priority fees.
struct FeeHistory {
  std::uint64_t oldest_block = 0;
  std::vector<U256> base_fee_per_gas;
  std::vector<double> gas_used_ratio;
  std::vector<std::vector<U256>> reward;
};

struct Log {
  EthAddress address{};
  std::vector<Hash256> topics;
  Bytes data;
  std::uint64_t block_number = 0;
  Hash256 block_hash;
  Hash256 transaction_hash;
  std::uint64_t log_index = 0;
  bool removed = false;  // true when a reorg took it out of the chain
  friend bool operator==(const Log&, const Log&) = default;
};

struct TransactionReceipt {
  Hash256 transaction_hash;
  std::uint8_t status = 0;  // 1 success, 0 reverted (EIP-658)
  std::uint64_t block_number = 0;
  Hash256 block_hash;
  std::uint64_t gas_used = 0;
  U256 effective_gas_price = 0;  // wei per gas
  std::optional<EthAddress> contract_address;
  std::vector<Log> logs;

  bool succeeded() const { return status == 1; }
};

// eth_getLogs. Empty addresses: any contract. topics[i] lists the values
// accepted at position i, empty meaning any; at most 4 positions. Blocks are
// numbers or latest/safe/finalized/earliest (pending logs have no block and
// are refused). Nodes cap the range and the answer (so does
// max_response_bytes): ask for bounded block ranges.
struct LogFilter {
  std::vector<EthAddress> addresses;
  std::vector<std::vector<Hash256>> topics;
  BlockTag from_block = BlockTag::latest();
  BlockTag to_block = BlockTag::latest();
};

// How suggest_fees picks the priority fee when eth_maxPriorityFeePerGas is
// not offered (a JSON-RPC error other than a transport failure): the median
// of the reward_percentile of the last fee_history_blocks blocks.
struct FeeSuggestionConfig {
  std::uint32_t fee_history_blocks = 10;
  double reward_percentile = 50.0;
};

class EthClient {
 public:
  // Validates the config (JsonRpcConfig::validate); no I/O.
  static Result<EthClient> open(JsonRpcConfig config, FeeSuggestionConfig fees = {});

  RpcResult<std::uint64_t> chain_id();
  RpcResult<std::uint64_t> block_number();
  // The account's nonce: mined transactions (latest) or also those in the
  // node's pool (pending).
  RpcResult<std::uint64_t> transaction_count(const EthAddress& account, BlockTag tag);
  RpcResult<U256> get_balance(const EthAddress& account, BlockTag tag = BlockTag::latest());
  RpcResult<std::uint64_t> estimate_gas(const CallRequest& call);
  // Up to 1024 blocks; percentiles ascending in [0, 100], at most 100 of them.
  RpcResult<FeeHistory> fee_history(std::uint64_t block_count, BlockTag newest,
                                    std::span<const double> reward_percentiles);
  RpcResult<U256> max_priority_fee_per_gas();
  // Caps for the next block: max_fee = 2 * next base fee + priority, which
  // stays includable through six full blocks of base-fee growth; priority
  // from eth_maxPriorityFeePerGas or, failing that, from the fee history.
  RpcResult<FeeCaps> suggest_fees();
  // The transaction's hash as the node reports it (keccak256 of raw).
  RpcResult<Hash256> send_raw_transaction(ByteView raw_signed);
  // Empty while the transaction is pending or unknown.
  RpcResult<std::optional<TransactionReceipt>> transaction_receipt(const Hash256& tx_hash);
  RpcResult<std::vector<Log>> get_logs(const LogFilter& filter);
  // eth_call: the return data, or kExecutionReverted with its revert data.
  RpcResult<Bytes> call(const CallRequest& call, BlockTag tag = BlockTag::latest());
  RpcResult<Bytes> call(const EthAddress& to, ByteView data, BlockTag tag = BlockTag::latest());

  JsonRpcClient& rpc() { return rpc_; }

 private:
  EthClient(JsonRpcClient rpc, FeeSuggestionConfig fees) : rpc_(std::move(rpc)), fees_(fees) {}
  JsonRpcClient rpc_;
  FeeSuggestionConfig fees_;
};

}  // namespace replex::settlement
