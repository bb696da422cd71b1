#include "replex/settlement/eip1559.hpp"

#include <algorithm>
#include <vector>

#include "replex/settlement/keccak.hpp"
#include "replex/settlement/rlp.hpp"

namespace replex::settlement {
namespace {

// The nine fields every type-2 encoding starts with (the access list is empty).
std::vector<Bytes> unsigned_fields(const Eip1559Transaction& tx) {
  std::vector<Bytes> f;
  f.reserve(12);
  f.push_back(rlp::encode_uint(tx.chain_id));
  f.push_back(rlp::encode_uint(tx.nonce));
  f.push_back(rlp::encode_uint(tx.max_priority_fee_per_gas));
  f.push_back(rlp::encode_uint(tx.max_fee_per_gas));
  f.push_back(rlp::encode_uint(tx.gas_limit));
  f.push_back(tx.to ? rlp::encode_bytes(ByteView(tx.to->data(), tx.to->size())) : rlp::encode_bytes({}));
  f.push_back(rlp::encode_uint(tx.value));
  f.push_back(rlp::encode_bytes(tx.data));
  f.push_back(rlp::encode_list({}));
  return f;
}

Bytes typed(const std::vector<Bytes>& fields) {
  Bytes out{kEip1559TxType};
  const Bytes body = rlp::encode_list(fields);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Result<U256> field_uint(const rlp::Item& item, const char* name) {
  auto v = item.as_uint();
  if (!v.is_ok()) return v.status().with_context(std::string("eip1559 ") + name + ": ");
  return v;
}

Result<std::uint64_t> field_u64(const rlp::Item& item, const char* name) {
  auto v = item.as_u64();
  if (!v.is_ok()) return v.status().with_context(std::string("eip1559 ") + name + ": ");
  return v;
}

Result<Word> field_word(const rlp::Item& item, const char* name) {
  REPLEX_ASSIGN_OR_RETURN(const U256 v, field_uint(item, name));
  return to_word(v);
}

const U256 kU256Max = ~U256(0);

// max(ceil(old * (100 + bump) / 100), old + 1), saturating at 2^256 - 1.
U256 minimum_replacement(const U256& old) {
  constexpr unsigned kNumerator = 100 + kReplacementBumpPercent;
  if (old > (kU256Max - 99) / kNumerator) return kU256Max;
  const U256 bumped = (old * kNumerator + 99) / 100;
  return std::max(bumped, U256(old + 1));
}

}  // namespace

Status Eip1559Transaction::validate() const {
  if (max_priority_fee_per_gas > max_fee_per_gas) {
    return Status::invalid_argument("eip1559: max_priority_fee_per_gas " + to_decimal(max_priority_fee_per_gas) +
                                    " above max_fee_per_gas " + to_decimal(max_fee_per_gas));
  }
  return Status::ok();
}

Hash256 Eip1559Transaction::signing_hash() const { return keccak256(typed(unsigned_fields(*this))); }

Bytes Eip1559Transaction::sign(const EthKey& key) const {
  REPLEX_ASSERT_MSG(validate().is_ok(), validate().to_string());
  return encode_signed(key.sign_digest(signing_hash()));
}

Bytes Eip1559Transaction::encode_signed(const EthSignature& signature) const {
  REPLEX_ASSERT(signature.recovery_id <= 1);
  std::vector<Bytes> fields = unsigned_fields(*this);
  fields.push_back(rlp::encode_uint(signature.recovery_id));
  fields.push_back(rlp::encode_uint(u256_from_word(signature.r)));
  fields.push_back(rlp::encode_uint(u256_from_word(signature.s)));
  return typed(fields);
}

Hash256 transaction_hash(ByteView raw_signed) { return keccak256(raw_signed); }

Result<SignedEip1559Transaction> decode_signed_eip1559(ByteView raw_signed) {
  if (raw_signed.empty() || raw_signed[0] != kEip1559TxType) {
    return Status::invalid_argument("eip1559: not a type-2 transaction");
  }
  auto decoded = rlp::decode(raw_signed.subspan(1));
  if (!decoded.is_ok()) return decoded.status().with_context("eip1559: ");
  const rlp::Item& body = decoded.value();
  if (!body.is_list || body.items.size() != 12) {
    return Status::invalid_argument("eip1559: expected a list of 12 fields");
  }
  const auto& f = body.items;
  SignedEip1559Transaction out;
  Eip1559Transaction& tx = out.tx;
  REPLEX_ASSIGN_OR_RETURN(tx.chain_id, field_u64(f[0], "chain_id"));
  REPLEX_ASSIGN_OR_RETURN(tx.nonce, field_u64(f[1], "nonce"));
  REPLEX_ASSIGN_OR_RETURN(tx.max_priority_fee_per_gas, field_uint(f[2], "max_priority_fee_per_gas"));
  REPLEX_ASSIGN_OR_RETURN(tx.max_fee_per_gas, field_uint(f[3], "max_fee_per_gas"));
  REPLEX_ASSIGN_OR_RETURN(tx.gas_limit, field_u64(f[4], "gas_limit"));
  if (f[5].is_list || (!f[5].bytes.empty() && f[5].bytes.size() != 20)) {
    return Status::invalid_argument("eip1559 to: expected 20 bytes or empty");
  }
  if (!f[5].bytes.empty()) {
    EthAddress to{};
    std::copy(f[5].bytes.begin(), f[5].bytes.end(), to.begin());
    tx.to = to;
  }
  REPLEX_ASSIGN_OR_RETURN(tx.value, field_uint(f[6], "value"));
  if (f[7].is_list) return Status::invalid_argument("eip1559 data: a list where bytes were expected");
  tx.data = f[7].bytes;
  if (!f[8].is_list || !f[8].items.empty()) {
    return Status::invalid_argument("eip1559 access_list: only an empty list is supported");
  }
  REPLEX_ASSIGN_OR_RETURN(const std::uint64_t y_parity, field_u64(f[9], "y_parity"));
  if (y_parity > 1) return Status::invalid_argument("eip1559 y_parity: expected 0 or 1");
  out.signature.recovery_id = static_cast<std::uint8_t>(y_parity);
  REPLEX_ASSIGN_OR_RETURN(out.signature.r, field_word(f[10], "r"));
  REPLEX_ASSIGN_OR_RETURN(out.signature.s, field_word(f[11], "s"));
  auto sender = recover_address(tx.signing_hash(), out.signature);
  if (!sender.is_ok()) return sender.status().with_context("eip1559: ");
  out.sender = sender.value();
  out.hash = transaction_hash(raw_signed);
  return out;
}

FeeCaps bumped_fees(const FeeCaps& old, const FeeCaps& suggested) {
  FeeCaps out;
  out.max_fee_per_gas = std::max(minimum_replacement(old.max_fee_per_gas), suggested.max_fee_per_gas);
  out.max_priority_fee_per_gas =
      std::max(minimum_replacement(old.max_priority_fee_per_gas), suggested.max_priority_fee_per_gas);
  return out;
}

}  // namespace replex::settlement
