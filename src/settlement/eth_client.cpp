#include "replex/settlement/eth_client.hpp"

#include <algorithm>
#include <limits>
#include <string_view>

#include "json_rpc_internal.hpp"

namespace replex::settlement {
namespace {

using nlohmann::json;

// eth_feeHistory limits of geth (and the spec's examples).
constexpr std::uint64_t kMaxFeeHistoryBlocks = 1024;
constexpr std::size_t kMaxRewardPercentiles = 100;
// eth_getLogs topic positions (LOG0..LOG4).
constexpr std::size_t kMaxTopicPositions = 4;

std::string hex0x(ByteView bytes) { return "0x" + to_hex(bytes); }
std::string quantity(std::uint64_t v) { return to_quantity_hex(U256(v)); }

// Reads the fields of one result, naming the method and the field's path in
// every refusal ("eth_getTransactionReceipt: malformed response: result.gasUsed: not a quantity").
class Reader {
 public:
  explicit Reader(std::string_view method) : method_(method) {}

  RpcError bad(std::string_view path, std::string_view what) const {
    return detail::malformed_response(method_, std::string(path) + ": " + std::string(what));
  }

  // A hex string with its "0x" prefix removed, or nullopt.
  static std::optional<std::string_view> hex_body(const json& v) {
    if (!v.is_string()) return std::nullopt;
    const std::string& s = v.get_ref<const std::string&>();
    if (s.size() < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return std::nullopt;
    return std::string_view(s).substr(2);
  }

  RpcResult<U256> u256(const json& v, std::string_view path) const {
    auto body = hex_body(v);
    if (!body || body->empty()) return bad(path, "not a quantity");
    auto parsed = parse_u256(v.get_ref<const std::string&>());
    if (!parsed.is_ok()) return bad(path, "not a quantity: " + parsed.status().message());
    return std::move(parsed).value();
  }

  RpcResult<std::uint64_t> u64(const json& v, std::string_view path) const {
    auto value = u256(v, path);
    if (!value.is_ok()) return value.error();
    if (*value > std::numeric_limits<std::uint64_t>::max()) return bad(path, "quantity above 2^64 - 1");
    return value->convert_to<std::uint64_t>();
  }

  RpcResult<Bytes> bytes(const json& v, std::string_view path) const {
    auto body = hex_body(v);
    if (!body || body->size() % 2 != 0) return bad(path, "not 0x-prefixed hex bytes");
    auto parsed = from_hex(*body);
    if (!parsed.is_ok()) return bad(path, "not 0x-prefixed hex bytes");
    return std::move(parsed).value();
  }

  RpcResult<Hash256> hash(const json& v, std::string_view path) const {
    auto b = bytes(v, path);
    if (!b.is_ok()) return b.error();
    if (b->size() != Hash256::kSize) return bad(path, "not 32 bytes");
    Hash256 out;
    std::copy(b->begin(), b->end(), out.bytes.begin());
    return out;
  }

  RpcResult<EthAddress> address(const json& v, std::string_view path) const {
    if (!v.is_string()) return bad(path, "not an address");
    auto parsed = parse_eth_address(v.get_ref<const std::string&>());
    if (!parsed.is_ok() || !hex_body(v)) return bad(path, "not an address");
    return *parsed;
  }

  // obj[key], or a refusal naming path.key when obj is no object or lacks it.
  RpcResult<const json*> field(const json& obj, std::string_view path, const char* key) const {
    if (!obj.is_object()) return bad(path, "not an object");
    auto it = obj.find(key);
    if (it == obj.end()) return bad(std::string(path) + "." + key, "missing");
    return &*it;
  }

 private:
  std::string_view method_;
};

// Declares `lhs` from an RpcResult, or returns its error from the enclosing function.
#define RPC_ASSIGN_OR_RETURN(lhs, expr) RPC_ASSIGN_OR_RETURN_IMPL_(REPLEX_CONCAT_(rpc_result_, __LINE__), lhs, expr)
#define RPC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.is_ok()) return tmp.error();            \
  lhs = std::move(tmp).value()

// The field `key` of `obj` read by `getter` (a Reader member), its path named.
#define RPC_FIELD(lhs, reader, getter, obj, path, key)                                                  \
  RPC_FIELD_IMPL_(REPLEX_CONCAT_(rpc_field_, __LINE__), REPLEX_CONCAT_(rpc_value_, __LINE__), lhs, reader, \
                  getter, obj, path, key)
#define RPC_FIELD_IMPL_(f, v, lhs, reader, getter, obj, path, key)     \
  auto f = (reader).field((obj), (path), (key));                        \
  if (!f.is_ok()) return f.error();                                     \
  auto v = (reader).getter(*f.value(), std::string(path) + "." + (key)); \
  if (!v.is_ok()) return v.error();                                     \
  lhs = std::move(v).value()

RpcResult<Log> read_log(const Reader& r, const json& v, const std::string& path) {
  Log log;
  RPC_FIELD(log.address, r, address, v, path, "address");
  RPC_ASSIGN_OR_RETURN(const json* topics, r.field(v, path, "topics"));
  if (!topics->is_array() || topics->size() > kMaxTopicPositions) {
    return r.bad(path + ".topics", "not an array of at most 4 topics");
  }
  for (std::size_t i = 0; i < topics->size(); ++i) {
    RPC_ASSIGN_OR_RETURN(Hash256 topic, r.hash((*topics)[i], path + ".topics[" + std::to_string(i) + "]"));
    log.topics.push_back(topic);
  }
  RPC_FIELD(log.data, r, bytes, v, path, "data");
  RPC_FIELD(log.block_number, r, u64, v, path, "blockNumber");
  RPC_FIELD(log.block_hash, r, hash, v, path, "blockHash");
  RPC_FIELD(log.transaction_hash, r, hash, v, path, "transactionHash");
  RPC_FIELD(log.log_index, r, u64, v, path, "logIndex");
  if (auto it = v.find("removed"); it != v.end()) {
    if (!it->is_boolean()) return r.bad(path + ".removed", "not a boolean");
    log.removed = it->get<bool>();
  }
  return log;
}

RpcResult<std::vector<Log>> read_logs(const Reader& r, const json& v, const std::string& path) {
  if (!v.is_array()) return r.bad(path, "not an array");
  std::vector<Log> logs;
  logs.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    RPC_ASSIGN_OR_RETURN(Log log, read_log(r, v[i], path + "[" + std::to_string(i) + "]"));
    logs.push_back(std::move(log));
  }
  return logs;
}

RpcResult<TransactionReceipt> read_receipt(const Reader& r, const json& v) {
  const std::string path = "result";
  TransactionReceipt receipt;
  RPC_FIELD(receipt.transaction_hash, r, hash, v, path, "transactionHash");
  RPC_ASSIGN_OR_RETURN(const json* status_field, r.field(v, path, "status"));
  RPC_ASSIGN_OR_RETURN(std::uint64_t status, r.u64(*status_field, "result.status"));
  if (status > 1) return r.bad("result.status", "neither 0x0 nor 0x1");
  receipt.status = static_cast<std::uint8_t>(status);
  RPC_FIELD(receipt.block_number, r, u64, v, path, "blockNumber");
  RPC_FIELD(receipt.block_hash, r, hash, v, path, "blockHash");
  RPC_FIELD(receipt.gas_used, r, u64, v, path, "gasUsed");
  RPC_FIELD(receipt.effective_gas_price, r, u256, v, path, "effectiveGasPrice");
  if (auto it = v.find("contractAddress"); it != v.end() && !it->is_null()) {
    RPC_ASSIGN_OR_RETURN(receipt.contract_address, r.address(*it, "result.contractAddress"));
  }
  RPC_ASSIGN_OR_RETURN(const json* logs, r.field(v, path, "logs"));
  RPC_ASSIGN_OR_RETURN(receipt.logs, read_logs(r, *logs, "result.logs"));
  return receipt;
}

json call_object(const CallRequest& call) {
  json obj = json::object();
  if (call.from) obj["from"] = to_checksum_hex(*call.from);
  if (call.to) obj["to"] = to_checksum_hex(*call.to);
  if (call.gas) obj["gas"] = quantity(*call.gas);
  if (call.value) obj["value"] = to_quantity_hex(*call.value);
  if (!call.data.empty()) obj["data"] = hex0x(call.data);
  return obj;
}

// One position of a log filter's topics: null (any), one topic, or any of several.
json topic_position(const std::vector<Hash256>& accepted) {
  if (accepted.empty()) return nullptr;
  if (accepted.size() == 1) return hex0x(accepted.front().view());
  json any = json::array();
  for (const Hash256& t : accepted) any.push_back(hex0x(t.view()));
  return any;
}

U256 median(std::vector<U256> values) {
  REPLEX_ASSERT(!values.empty());
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

std::string BlockTag::to_param() const {
  switch (kind_) {
    case Kind::kLatest: return "latest";
    case Kind::kPending: return "pending";
    case Kind::kSafe: return "safe";
    case Kind::kFinalized: return "finalized";
    case Kind::kEarliest: return "earliest";
    case Kind::kNumber: return quantity(number_);
  }
  REPLEX_ASSERT_MSG(false, "unknown BlockTag kind");
  return {};
}

Result<EthClient> EthClient::open(JsonRpcConfig config, FeeSuggestionConfig fees) {
  if (fees.fee_history_blocks == 0 || fees.fee_history_blocks > kMaxFeeHistoryBlocks) {
    return Status::invalid_argument("fee_history_blocks: must be 1.." + std::to_string(kMaxFeeHistoryBlocks));
  }
  if (!(fees.reward_percentile >= 0.0 && fees.reward_percentile <= 100.0)) {
    return Status::invalid_argument("reward_percentile: must be 0..100");
  }
  REPLEX_ASSIGN_OR_RETURN(JsonRpcClient rpc, JsonRpcClient::open(std::move(config)));
  return EthClient(std::move(rpc), fees);
}

RpcResult<std::uint64_t> EthClient::chain_id() {
  constexpr std::string_view kMethod = "eth_chainId";
  RPC_ASSIGN_OR_RETURN(json result, JsonRpcAccess::call(rpc_, kMethod, json::array()));
  return Reader(kMethod).u64(result, "result");
}

RpcResult<std::uint64_t> EthClient::block_number() {
  constexpr std::string_view kMethod = "eth_blockNumber";
  RPC_ASSIGN_OR_RETURN(json result, JsonRpcAccess::call(rpc_, kMethod, json::array()));
  return Reader(kMethod).u64(result, "result");
}

RpcResult<std::uint64_t> EthClient::transaction_count(const EthAddress& account, BlockTag tag) {
  constexpr std::string_view kMethod = "eth_getTransactionCount";
  RPC_ASSIGN_OR_RETURN(json result,
                       JsonRpcAccess::call(rpc_, kMethod, json::array({to_checksum_hex(account), tag.to_param()})));
  return Reader(kMethod).u64(result, "result");
}

RpcResult<U256> EthClient::get_balance(const EthAddress& account, BlockTag tag) {
  constexpr std::string_view kMethod = "eth_getBalance";
  RPC_ASSIGN_OR_RETURN(json result,
                       JsonRpcAccess::call(rpc_, kMethod, json::array({to_checksum_hex(account), tag.to_param()})));
  return Reader(kMethod).u256(result, "result");
}

RpcResult<std::uint64_t> EthClient::estimate_gas(const CallRequest& call) {
  constexpr std::string_view kMethod = "eth_estimateGas";
  RPC_ASSIGN_OR_RETURN(json result, JsonRpcAccess::call(rpc_, kMethod, json::array({call_object(call)})));
  return Reader(kMethod).u64(result, "result");
}

RpcResult<FeeHistory> EthClient::fee_history(std::uint64_t block_count, BlockTag newest,
                                             std::span<const double> reward_percentiles) {
  constexpr std::string_view kMethod = "eth_feeHistory";
  if (block_count == 0 || block_count > kMaxFeeHistoryBlocks) {
    return detail::invalid_request(kMethod, "block_count: must be 1.." + std::to_string(kMaxFeeHistoryBlocks));
  }
  if (reward_percentiles.size() > kMaxRewardPercentiles) {
    return detail::invalid_request(kMethod, "reward_percentiles: at most 100");
  }
  json percentiles = json::array();
  for (std::size_t i = 0; i < reward_percentiles.size(); ++i) {
    const double p = reward_percentiles[i];
    if (!(p >= 0.0 && p <= 100.0) || (i > 0 && p < reward_percentiles[i - 1])) {
      return detail::invalid_request(kMethod, "reward_percentiles: must ascend within 0..100");
    }
    percentiles.push_back(p);
  }
  RPC_ASSIGN_OR_RETURN(json result, JsonRpcAccess::call(rpc_, kMethod,
                                                        json::array({quantity(block_count), newest.to_param(),
                                                                     std::move(percentiles)})));
  const Reader r(kMethod);
  FeeHistory history;
  RPC_FIELD(history.oldest_block, r, u64, result, "result", "oldestBlock");
  RPC_ASSIGN_OR_RETURN(const json* base_fees, r.field(result, "result", "baseFeePerGas"));
  if (!base_fees->is_array() || base_fees->empty() || base_fees->size() > block_count + 1) {
    return r.bad("result.baseFeePerGas", "not an array of 1.." + std::to_string(block_count + 1) + " quantities");
  }
  for (std::size_t i = 0; i < base_fees->size(); ++i) {
    RPC_ASSIGN_OR_RETURN(U256 fee, r.u256((*base_fees)[i], "result.baseFeePerGas[" + std::to_string(i) + "]"));
    history.base_fee_per_gas.push_back(fee);
  }
  RPC_ASSIGN_OR_RETURN(const json* ratios, r.field(result, "result", "gasUsedRatio"));
  if (!ratios->is_array() || ratios->size() + 1 != base_fees->size()) {
    return r.bad("result.gasUsedRatio", "not one number per block");
  }
  for (const json& ratio : *ratios) {
    if (!ratio.is_number()) return r.bad("result.gasUsedRatio", "not one number per block");
    history.gas_used_ratio.push_back(ratio.get<double>());
  }
  if (!reward_percentiles.empty()) {
    RPC_ASSIGN_OR_RETURN(const json* rewards, r.field(result, "result", "reward"));
    if (!rewards->is_array() || rewards->size() != ratios->size()) {
      return r.bad("result.reward", "not one row per block");
    }
    for (std::size_t i = 0; i < rewards->size(); ++i) {
      const std::string row_path = "result.reward[" + std::to_string(i) + "]";
      const json& row = (*rewards)[i];
      if (!row.is_array() || row.size() != reward_percentiles.size()) {
        return r.bad(row_path, "not one quantity per percentile");
      }
      std::vector<U256> values;
      for (std::size_t j = 0; j < row.size(); ++j) {
        RPC_ASSIGN_OR_RETURN(U256 v, r.u256(row[j], row_path + "[" + std::to_string(j) + "]"));
        values.push_back(v);
      }
      history.reward.push_back(std::move(values));
    }
  }
  return history;
}

RpcResult<U256> EthClient::max_priority_fee_per_gas() {
  constexpr std::string_view kMethod = "eth_maxPriorityFeePerGas";
  RPC_ASSIGN_OR_RETURN(json result, JsonRpcAccess::call(rpc_, kMethod, json::array()));
  return Reader(kMethod).u256(result, "result");
}

RpcResult<FeeCaps> EthClient::suggest_fees() {
  const double percentile = fees_.reward_percentile;
  RPC_ASSIGN_OR_RETURN(FeeHistory history,
                       fee_history(fees_.fee_history_blocks, BlockTag::latest(), std::span<const double>(&percentile, 1)));
  // The last entry is the base fee of the block after `newest`: the next one.
  const U256 base_fee = history.base_fee_per_gas.back();
  U256 priority = 0;
  auto suggested = max_priority_fee_per_gas();
  if (suggested.is_ok()) {
    priority = *suggested;
  } else if (suggested.error().is_rpc_error()) {
    // The node does not offer it: the median of what recent blocks paid.
    std::vector<U256> paid;
    for (const auto& row : history.reward) paid.push_back(row.front());
    priority = paid.empty() ? U256(0) : median(std::move(paid));
  } else {
    return suggested.error();
  }
  // 2 * base + priority must not wrap (U256 arithmetic is modular).
  const U256 max = std::numeric_limits<U256>::max();
  if (base_fee > (max - priority) / 2) {
    return detail::malformed_response("eth_feeHistory", "base fee " + to_decimal(base_fee) + " is out of range");
  }
  FeeCaps caps;
  caps.max_priority_fee_per_gas = priority;
  caps.max_fee_per_gas = 2 * base_fee + priority;
  REPLEX_ASSERT(caps.max_priority_fee_per_gas <= caps.max_fee_per_gas);
  return caps;
}

RpcResult<Hash256> EthClient::send_raw_transaction(ByteView raw_signed) {
  constexpr std::string_view kMethod = "eth_sendRawTransaction";
  if (raw_signed.empty()) return detail::invalid_request(kMethod, "no transaction bytes");
  RPC_ASSIGN_OR_RETURN(json result, JsonRpcAccess::call(rpc_, kMethod, json::array({hex0x(raw_signed)})));
  return Reader(kMethod).hash(result, "result");
}

RpcResult<std::optional<TransactionReceipt>> EthClient::transaction_receipt(const Hash256& tx_hash) {
  constexpr std::string_view kMethod = "eth_getTransactionReceipt";
  RPC_ASSIGN_OR_RETURN(json result, JsonRpcAccess::call(rpc_, kMethod, json::array({hex0x(tx_hash.view())})));
  if (result.is_null()) return std::optional<TransactionReceipt>();
  RPC_ASSIGN_OR_RETURN(TransactionReceipt receipt, read_receipt(Reader(kMethod), result));
  if (receipt.transaction_hash != tx_hash) {
    return Reader(kMethod).bad("result.transactionHash", "not the hash asked for");
  }
  return std::optional<TransactionReceipt>(std::move(receipt));
}

RpcResult<std::vector<Log>> EthClient::get_logs(const LogFilter& filter) {
  constexpr std::string_view kMethod = "eth_getLogs";
  if (filter.topics.size() > kMaxTopicPositions) {
    return detail::invalid_request(kMethod, "topics: at most 4 positions");
  }
  if (filter.from_block.kind() == BlockTag::Kind::kPending || filter.to_block.kind() == BlockTag::Kind::kPending) {
    return detail::invalid_request(kMethod, "pending blocks have no logs to read");
  }
  if (filter.from_block.kind() == BlockTag::Kind::kNumber && filter.to_block.kind() == BlockTag::Kind::kNumber &&
      filter.from_block.block_number() > filter.to_block.block_number()) {
    return detail::invalid_request(kMethod, "from_block is above to_block");
  }
  json obj = json::object();
  obj["fromBlock"] = filter.from_block.to_param();
  obj["toBlock"] = filter.to_block.to_param();
  if (filter.addresses.size() == 1) {
    obj["address"] = to_checksum_hex(filter.addresses.front());
  } else if (!filter.addresses.empty()) {
    json addresses = json::array();
    for (const EthAddress& a : filter.addresses) addresses.push_back(to_checksum_hex(a));
    obj["address"] = std::move(addresses);
  }
  if (!filter.topics.empty()) {
    json topics = json::array();
    for (const auto& position : filter.topics) topics.push_back(topic_position(position));
    obj["topics"] = std::move(topics);
  }
  RPC_ASSIGN_OR_RETURN(json result, JsonRpcAccess::call(rpc_, kMethod, json::array({std::move(obj)})));
  return read_logs(Reader(kMethod), result, "result");
}

RpcResult<Bytes> EthClient::call(const CallRequest& call, BlockTag tag) {
  constexpr std::string_view kMethod = "eth_call";
  RPC_ASSIGN_OR_RETURN(json result,
                       JsonRpcAccess::call(rpc_, kMethod, json::array({call_object(call), tag.to_param()})));
  return Reader(kMethod).bytes(result, "result");
}

RpcResult<Bytes> EthClient::call(const EthAddress& to, ByteView data, BlockTag tag) {
  CallRequest request;
  request.to = to;
  request.data.assign(data.begin(), data.end());
  return call(request, tag);
}

}  // namespace replex::settlement
