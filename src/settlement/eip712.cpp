#include "replex/settlement/eip712.hpp"

#include <algorithm>

#include "replex/settlement/keccak.hpp"

namespace replex::settlement {

Hash256 type_hash(std::string_view encoded_type) { return keccak256(encoded_type); }

Hash256 hash_struct(std::string_view encoded_type, std::span<const AbiValue> fields) {
  for (const AbiValue& f : fields) {
    REPLEX_ASSERT_MSG(f.kind() == AbiValue::Kind::kWord, "EIP-712 fields are one word each; hash the others");
  }
  // Static one-word values: abi.encode is exactly their concatenation.
  return keccak256(type_hash(encoded_type).view(), abi_encode(fields));
}

Hash256 domain_separator(std::string_view name, std::string_view version, std::uint64_t chain_id,
                         const EthAddress& verifying_contract) {
  return hash_struct(kEip712DomainType, {AbiValue::bytes32(keccak256(name)), AbiValue::bytes32(keccak256(version)),
                                         AbiValue::uint64(chain_id), AbiValue::address(verifying_contract)});
}

Hash256 typed_data_digest(const Hash256& domain_separator, const Hash256& struct_hash) {
  std::array<std::uint8_t, 2 + 2 * Hash256::kSize> buf{};
  buf[0] = 0x19;
  buf[1] = 0x01;
  std::copy(domain_separator.bytes.begin(), domain_separator.bytes.end(), buf.begin() + 2);
  std::copy(struct_hash.bytes.begin(), struct_hash.bytes.end(), buf.begin() + 2 + Hash256::kSize);
  return keccak256(ByteView(buf.data(), buf.size()));
}

Hash256 batch_struct_hash(const BatchHeader& b) {
  return hash_struct(kBatchType, {AbiValue::uint64(b.number), AbiValue::uint64(b.from_height),
                                  AbiValue::uint64(b.to_height), AbiValue::bytes32(b.prev_root),
                                  AbiValue::bytes32(b.trades_root), AbiValue::bytes32(b.deltas_hash),
                                  AbiValue::bytes32(b.withdrawals_root)});
}

AbiValue to_abi(const BatchHeader& b) {
  return AbiValue::tuple({AbiValue::uint64(b.number), AbiValue::uint64(b.from_height), AbiValue::uint64(b.to_height),
                          AbiValue::bytes32(b.prev_root), AbiValue::bytes32(b.trades_root),
                          AbiValue::bytes32(b.deltas_hash), AbiValue::bytes32(b.withdrawals_root)});
}

Hash256 validator_set_update_struct_hash(const ValidatorSetUpdate& update) {
  // EIP-712 encodes an array as keccak256 of its elements' encodings
  // concatenated; for addresses, abi.encodePacked(address[]) pads each to 32 bytes.
  std::vector<AbiValue> words;
  words.reserve(update.validators.size());
  for (const EthAddress& a : update.validators) words.push_back(AbiValue::address(a));
  const Hash256 validators_hash = keccak256(abi_encode(words));
  return hash_struct(kValidatorSetUpdateType, {AbiValue::uint64(update.set_id), AbiValue::bytes32(validators_hash),
                                               AbiValue::uint256(update.threshold)});
}

AbiValue to_abi(const Delta& d) {
  return AbiValue::tuple({AbiValue::bytes32(d.account), AbiValue::address(d.token), AbiValue::int256(d.amount)});
}

Hash256 deltas_hash(std::span<const Delta> deltas) {
  std::vector<AbiValue> elements;
  elements.reserve(deltas.size());
  for (const Delta& d : deltas) elements.push_back(to_abi(d));
  return keccak256(abi_encode({AbiValue::array(std::move(elements))}));
}

}  // namespace replex::settlement
