// Batch building (include/replex/settlement/batch.hpp): the layout checked
// against the genesis, the accumulator, the batch and its signature message.
#include "replex/settlement/batch.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include "replex/core/codec.hpp"
#include "replex/core/overloaded.hpp"
#include "replex/settlement/abi.hpp"
#include "replex/settlement/keccak.hpp"
#include "replex/settlement/secp256k1.hpp"

namespace replex::settlement {

namespace {

using exchange::AssetIndex;

// 10^0 .. 10^kMaxTokenDecimals.
const std::vector<U256>& powers_of_ten() {
  static const std::vector<U256> table = [] {
    std::vector<U256> t;
    U256 p = 1;
    for (std::uint32_t i = 0; i <= kMaxTokenDecimals; ++i) {
      t.push_back(p);
      p *= 10;
    }
    return t;
  }();
  return table;
}

const U256& pow10(std::uint32_t exp) {
  REPLEX_ASSERT_MSG(exp <= kMaxTokenDecimals, "10^" + std::to_string(exp) + " above the token decimals limit");
  return powers_of_ten()[exp];
}

Status field_error(const std::string& field, const std::string& what) {
  return Status::invalid_argument(field + ": " + what);
}

}  // namespace

// ---- layout ---------------------------------------------------------------

const ChainLayout* SettlementLayout::find(std::uint64_t chain_id) const {
  for (const ChainLayout& c : chains) {
    if (c.chain_id == chain_id) return &c;
  }
  return nullptr;
}

std::optional<std::size_t> SettlementLayout::route(exchange::EvmChainId chain_id) const {
  if (chains.empty()) return std::nullopt;
  if (chain_id == 0) return 0;
  for (std::size_t i = 0; i < chains.size(); ++i) {
    if (chains[i].chain_id == chain_id) return i;
  }
  return std::nullopt;
}

Result<SettlementLayout> make_layout(const SettlerConfig& config, const exchange::ChainRules& rules) {
  REPLEX_RETURN_IF_ERROR(config.validate());
  std::vector<const ChainConfig*> sorted;
  for (const ChainConfig& c : config.chains) sorted.push_back(&c);
  std::sort(sorted.begin(), sorted.end(), [](const ChainConfig* a, const ChainConfig* b) { return a->chain_id < b->chain_id; });

  SettlementLayout layout;
  layout.interval_blocks = config.interval_blocks;
  layout.max_batch_items = config.max_batch_items;
  for (AssetIndex a = 0; a < rules.asset_count(); ++a) layout.asset_decimals.push_back(rules.asset(a).decimals);
  const bool genesis_lists_chains = rules.settlement().has_value() && !rules.settlement()->chains.empty();
  std::vector<bool> homed(rules.asset_count(), false);

  for (const ChainConfig* c : sorted) {
    const std::string at = "chains[" + std::to_string(c->chain_id) + "]";
    if (genesis_lists_chains && !rules.has_chain(c->chain_id)) {
      return field_error(at + ".chain_id", "not a settlement chain of the genesis");
    }
    ChainLayout chain;
    chain.chain_id = c->chain_id;
    chain.contract = c->contract;
    chain.domain_separator =
        domain_separator(kSettlementDomainName, kSettlementDomainVersion, c->chain_id, c->contract);
    chain.home.assign(rules.asset_count(), false);
    std::set<EthAddress> tokens;
    for (const auto& [symbol, token] : c->assets) {
      const std::string asset_at = at + ".assets[" + symbol + "]";
      const std::optional<AssetIndex> asset = rules.find_asset(symbol);
      if (!asset) return field_error(asset_at, "unknown asset");
      if (genesis_lists_chains && !rules.chain_lists_asset(c->chain_id, *asset)) {
        return field_error(asset_at, "the genesis does not list this asset on this chain");
      }
      const std::uint32_t asset_decimals = rules.asset(*asset).decimals;
      if (token.decimals < asset_decimals) {
        return field_error(asset_at + ".decimals",
                           std::to_string(token.decimals) + " is below the asset's " + std::to_string(asset_decimals));
      }
      const EthAddress address = token.token.value_or(kZeroAddress);
      if (!tokens.insert(address).second) {
        return field_error(asset_at + ".token", "another asset of this chain has the same token");
      }
      chain.tokens[*asset] = ChainToken{address, token.decimals, token.decimals - asset_decimals};
      if (!homed[*asset]) {
        homed[*asset] = true;
        chain.home[*asset] = true;
      }
    }
    if (genesis_lists_chains) {
      for (const exchange::GenesisSettlementChain& g : rules.settlement()->chains) {
        if (g.chain_id != c->chain_id) continue;
        for (const std::string& symbol : g.assets) {
          if (!c->assets.contains(symbol)) {
            return field_error(at + ".assets", "no token for '" + symbol + "', which the genesis lists on this chain");
          }
        }
      }
    }
    layout.chains.push_back(std::move(chain));
  }
  return layout;
}

// ---- units ----------------------------------------------------------------

U256 to_token_units(std::uint64_t amount, std::uint32_t scale_exp) { return U256(amount) * pow10(scale_exp); }

std::optional<std::uint64_t> to_replex_units(const U256& amount, std::uint32_t scale_exp) {
  const U256 units = amount / pow10(scale_exp);
  if (units > std::numeric_limits<std::uint64_t>::max()) return std::nullopt;
  return units.convert_to<std::uint64_t>();
}

// ---- trades ---------------------------------------------------------------

Hash256 trade_leaf_hash(const exchange::event::Trade& t) {
  Hash256 maker;
  Hash256 taker;
  std::copy(t.maker.bytes.begin(), t.maker.bytes.end(), maker.bytes.begin());
  std::copy(t.taker.bytes.begin(), t.taker.bytes.end(), taker.bytes.begin());
  const Bytes encoded = abi_encode({AbiValue::uint64(t.trade_id), AbiValue::uint64(t.market),
                                    AbiValue::uint64(t.maker_order_id), AbiValue::uint64(t.taker_order_id),
                                    AbiValue::bytes32(maker), AbiValue::bytes32(taker), AbiValue::uint64(t.price),
                                    AbiValue::uint64(t.quantity), AbiValue::uint64(t.maker_fee),
                                    AbiValue::uint64(t.taker_fee),
                                    AbiValue::uint64(static_cast<std::uint64_t>(t.aggressor))});
  return keccak256(keccak256(encoded).view());
}

// ---- accumulator ----------------------------------------------------------

BatchAccumulator::BatchAccumulator(const SettlementLayout& layout)
    : layout_(&layout), withdrawals_(layout.chains.size()), items_(layout.chains.size(), 0) {}

void BatchAccumulator::add_block(std::uint64_t height, std::span<const exchange::Event> events,
                                 const TotalLookup& before) {
  REPLEX_ASSERT_MSG(last_height_ == 0 || height == last_height_ + 1,
                    "block " + std::to_string(height) + " after " + std::to_string(last_height_));
  const std::size_t asset_count = layout_->asset_decimals.size();
  auto add_withdrawal = [&](const exchange::PendingWithdrawal& w) {
    const std::optional<std::size_t> c = layout_->route(w.chain_id);
    if (c && layout_->chains[*c].tokens.contains(w.asset)) {
      withdrawals_[*c].push_back(w);
      ++items_[*c];
    } else {
      unroutable_.push_back(w);
    }
  };
  for (const exchange::Event& e : events) {
    std::visit(Overloaded{
                   [&](const exchange::event::Trade& t) { trade_leaves_.push_back(trade_leaf_hash(t)); },
                   [&](const exchange::event::BalanceChanged& b) {
                     REPLEX_ASSERT_MSG(b.asset < asset_count, "BalanceChanged of asset " + std::to_string(b.asset));
                     // The exchange keeps every asset's supply within u64.
                     REPLEX_ASSERT_MSG(b.available <= std::numeric_limits<std::uint64_t>::max() - b.locked,
                                       "balance above 2^64 - 1");
                     const std::uint64_t total = b.available + b.locked;
                     const BalanceKey key{b.account, b.asset};
                     auto it = balances_.find(key);
                     if (it != balances_.end()) {
                       it->second.after = total;
                       return;
                     }
                     balances_.emplace(key, TotalChange{before(b.account, b.asset), total});
                     for (std::size_t c = 0; c < layout_->chains.size(); ++c) {
                       if (layout_->chains[c].home[b.asset]) ++items_[c];
                     }
                   },
                   [&](const exchange::event::WithdrawalRecorded& w) { add_withdrawal(w.withdrawal); },
                   [&](const exchange::event::WithdrawalRecordedOnChain& w) { add_withdrawal(w.withdrawal); },
                   [](const auto&) {},
               },
               e);
  }
  last_height_ = height;
}

bool BatchAccumulator::closes_at(std::uint64_t height) const {
  if (height % layout_->interval_blocks == 0) return true;
  return std::any_of(items_.begin(), items_.end(), [&](std::size_t n) { return n >= layout_->max_batch_items; });
}

void BatchAccumulator::clear() {
  trade_leaves_.clear();
  balances_.clear();
  for (auto& w : withdrawals_) w.clear();
  unroutable_.clear();
  std::fill(items_.begin(), items_.end(), 0);
}

// ---- batches --------------------------------------------------------------

Batch build_batch(const SettlementLayout& layout, std::size_t chain_index, const ChainHead& head,
                  std::uint64_t to_height, const BatchAccumulator& acc) {
  REPLEX_ASSERT(chain_index < layout.chains.size());
  REPLEX_ASSERT_MSG(to_height > head.last_to_height, "batch to height " + std::to_string(to_height) +
                                                         " not after " + std::to_string(head.last_to_height));
  const ChainLayout& chain = layout.chains[chain_index];
  Batch batch;
  batch.chain_id = chain.chain_id;
  batch.header.number = head.next_number;
  batch.header.from_height = head.last_to_height + 1;
  batch.header.to_height = to_height;
  batch.header.prev_root = head.prev_root;
  batch.header.trades_root = StandardMerkleTree(acc.trade_leaves()).root();

  for (const auto& [key, change] : acc.balances()) {
    if (!chain.home[key.second] || change.before == change.after) continue;
    const ChainToken& token = chain.tokens.at(key.second);
    Delta d;
    std::copy(key.first.bytes.begin(), key.first.bytes.end(), d.account.bytes.begin());
    d.token = token.address;
    d.amount = (I256(change.after) - I256(change.before)) * I256(pow10(token.scale_exp));
    batch.deltas.push_back(d);
  }
  batch.header.deltas_hash = deltas_hash(batch.deltas);

  for (const exchange::PendingWithdrawal& w : acc.withdrawals(chain_index)) {
    const ChainToken& token = chain.tokens.at(w.asset);
    batch.withdrawals.push_back(Withdrawal{w.id, w.eth_address, token.address, to_token_units(w.amount, token.scale_exp)});
  }
  batch.header.withdrawals_root = withdrawals_root(batch.withdrawals);
  batch.root = batch_struct_hash(batch.header);
  return batch;
}

ChainHead next_head(const Batch& batch) {
  return ChainHead{batch.header.number + 1, batch.root, batch.header.to_height};
}

Hash256 batch_digest(const ChainLayout& chain, const Hash256& root) {
  return typed_data_digest(chain.domain_separator, root);
}

Bytes submit_batch_calldata(const Batch& batch, std::span<const Rsv65> signatures) {
  std::vector<AbiValue> deltas;
  deltas.reserve(batch.deltas.size());
  for (const Delta& d : batch.deltas) deltas.push_back(to_abi(d));
  std::vector<AbiValue> sigs;
  sigs.reserve(signatures.size());
  for (const Rsv65& s : signatures) sigs.push_back(AbiValue::bytes(Bytes(s.begin(), s.end())));
  return encode_call(
      "submitBatch((uint64,uint64,uint64,bytes32,bytes32,bytes32,bytes32),(bytes32,address,int256)[],bytes[])",
      {to_abi(batch.header), AbiValue::array(std::move(deltas)), AbiValue::array(std::move(sigs))});
}

std::uint32_t signature_threshold(std::size_t validators) {
  REPLEX_ASSERT(validators > 0);
  return static_cast<std::uint32_t>(2 * validators / 3 + 1);
}

std::uint32_t designated_submitter(std::uint64_t number, std::size_t validators, std::uint64_t elapsed_ms,
                                   std::uint32_t timeout_ms) {
  REPLEX_ASSERT(validators > 0 && timeout_ms > 0);
  const std::uint64_t n = validators;
  return static_cast<std::uint32_t>((number % n + (elapsed_ms / timeout_ms) % n) % n);
}

// ---- signature message ----------------------------------------------------

static_assert(BatchSignatureMessage::kEncodedSize == 118, "docs/settlement.md lists the 118 bytes");

Bytes BatchSignatureMessage::encode() const {
  ByteWriter w(kEncodedSize);
  w.u8(kKind);
  w.u64(chain_id);
  w.u64(number);
  w.hash(root);
  w.u32(validator);
  w.raw(ByteView(signature.data(), signature.size()));
  REPLEX_ASSERT(w.size() == kEncodedSize);
  return w.take();
}

Result<BatchSignatureMessage> BatchSignatureMessage::decode(ByteView bytes) {
  if (bytes.size() != kEncodedSize) {
    return Status::invalid_argument("batch signature message: " + std::to_string(bytes.size()) + " bytes, expected " +
                                    std::to_string(kEncodedSize));
  }
  ByteReader r(bytes);
  BatchSignatureMessage m;
  const std::uint8_t kind = r.u8("kind");
  m.chain_id = r.u64("chain_id");
  m.number = r.u64("number");
  m.root = r.hash("root");
  m.validator = r.u32("validator");
  const ByteView sig = r.raw(m.signature.size(), "signature");
  REPLEX_RETURN_IF_ERROR(r.finish());
  std::copy(sig.begin(), sig.end(), m.signature.begin());
  if (kind != kKind) return Status::invalid_argument("batch signature message: kind " + std::to_string(kind));
  if (m.chain_id == 0) return Status::invalid_argument("batch signature message: chain_id 0");
  if (m.number == 0) return Status::invalid_argument("batch signature message: number 0");
  if (m.signature[64] != 27 && m.signature[64] != 28) {
    return Status::invalid_argument("batch signature message: v " + std::to_string(m.signature[64]) + ", expected 27 or 28");
  }
  return m;
}

Status verify_batch_signature(const ChainLayout& chain, const BatchSignatureMessage& m, const EthAddress& expected) {
  auto sig = EthSignature::from_rsv65(ByteView(m.signature.data(), m.signature.size()));
  if (!sig.is_ok()) return Status::unauthenticated("batch signature: " + sig.status().message());
  auto signer = recover_address(batch_digest(chain, m.root), *sig);
  if (!signer.is_ok()) return Status::unauthenticated("batch signature: " + signer.status().message());
  if (*signer != expected) {
    return Status::unauthenticated("batch signature: signed by " + to_checksum_hex(*signer) + ", validator " +
                                   std::to_string(m.validator) + " is " + to_checksum_hex(expected));
  }
  return Status::ok();
}

// ---- contract errors ------------------------------------------------------

namespace {

enum class ArgKind : std::uint8_t { kUint, kAddress, kString };
struct KnownError {
  std::string_view signature;  // canonical, for the selector
  std::string_view name;
  std::vector<std::pair<std::string_view, ArgKind>> args;
};

const std::vector<KnownError>& known_errors() {
  static const std::vector<KnownError> errors = {
      {"WrongBatchNumber(uint64,uint64)", "WrongBatchNumber", {{"expected", ArgKind::kUint}, {"got", ArgKind::kUint}}},
      {"WrongPrevRoot()", "WrongPrevRoot", {}},
      {"WrongHeightRange()", "WrongHeightRange", {}},
      {"WrongDeltasHash()", "WrongDeltasHash", {}},
      {"InvalidSignature()", "InvalidSignature", {}},
      {"NotValidator(address)", "NotValidator", {{"signer", ArgKind::kAddress}}},
      {"SignersNotAscending()", "SignersNotAscending", {}},
      {"NotEnoughSignatures(uint256,uint256)", "NotEnoughSignatures", {{"got", ArgKind::kUint}, {"need", ArgKind::kUint}}},
      {"EmptyValidatorSet()", "EmptyValidatorSet", {}},
      {"ZeroAddressValidator()", "ZeroAddressValidator", {}},
      {"ValidatorsNotAscending()", "ValidatorsNotAscending", {}},
      {"InvalidThreshold(uint256,uint256)", "InvalidThreshold", {{"threshold", ArgKind::kUint}, {"validatorCount", ArgKind::kUint}}},
      {"UnknownBatch(uint64)", "UnknownBatch", {{"batch", ArgKind::kUint}}},
      {"InvalidProof()", "InvalidProof", {}},
      {"AlreadyClaimed(uint64)", "AlreadyClaimed", {{"withdrawalId", ArgKind::kUint}}},
      {"EthTransferFailed()", "EthTransferFailed", {}},
      {"ZeroAmount()", "ZeroAmount", {}},
      {"ZeroReplexAccount()", "ZeroReplexAccount", {}},
      {"ZeroToken()", "ZeroToken", {}},
      {"ReentrancyGuardReentrantCall()", "ReentrancyGuardReentrantCall", {}},
      {"SafeERC20FailedOperation(address)", "SafeERC20FailedOperation", {{"token", ArgKind::kAddress}}},
      {"Error(string)", "Error", {{"message", ArgKind::kString}}},
      {"Panic(uint256)", "Panic", {{"code", ArgKind::kUint}}},
  };
  return errors;
}

}  // namespace

std::string describe_contract_error(ByteView data) {
  if (data.empty()) return "reverted without data";
  if (data.size() >= 4) {
    for (const KnownError& e : known_errors()) {
      const Selector selector = function_selector(e.signature);
      if (!std::equal(selector.begin(), selector.end(), data.begin())) continue;
      const AbiReader reader(data.subspan(4));
      std::string out(e.name);
      out += '(';
      bool ok = true;
      for (std::size_t i = 0; i < e.args.size() && ok; ++i) {
        if (i > 0) out += ", ";
        out += e.args[i].first;
        out += ' ';
        switch (e.args[i].second) {
          case ArgKind::kUint: {
            auto v = reader.uint256(i);
            ok = v.is_ok();
            if (ok) out += to_decimal(*v);
            break;
          }
          case ArgKind::kAddress: {
            auto v = reader.address(i);
            ok = v.is_ok();
            if (ok) out += to_checksum_hex(*v);
            break;
          }
          case ArgKind::kString: {
            auto v = reader.bytes(i);
            ok = v.is_ok();
            if (ok) out += "\"" + std::string(as_chars(*v)) + "\"";
            break;
          }
        }
      }
      if (ok) return out + ")";
      return std::string(e.name) + " with malformed arguments 0x" + to_hex(data);
    }
  }
  return "custom error 0x" + to_hex(data);
}

}  // namespace replex::settlement
