// EIP-712 typed-data hashing and the structs the settlement contract signs
// and checks: Batch and ValidatorSetUpdate (their type strings below are the
// contract's, field order included), and the hash of a batch's net deltas.
// Pure functions of their arguments; thread-safe.
// Spec: https://eips.ethereum.org/EIPS/eip-712
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/settlement/abi.hpp"
#include "replex/settlement/eth_address.hpp"
#include "replex/settlement/uint256.hpp"

namespace replex::settlement {

// The contract's EIP-712 domain (OpenZeppelin EIP712("ReplexSettlement", "1"),
// contracts/README.md); chain id and contract address come from config.
inline constexpr std::string_view kSettlementDomainName = "ReplexSettlement";
inline constexpr std::string_view kSettlementDomainVersion = "1";
inline constexpr std::string_view kEip712DomainType =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
inline constexpr std::string_view kBatchType =
    "Batch(uint64 number,uint64 fromHeight,uint64 toHeight,bytes32 prevRoot,bytes32 tradesRoot,"
    "bytes32 deltasHash,bytes32 withdrawalsRoot)";
inline constexpr std::string_view kValidatorSetUpdateType =
    "ValidatorSetUpdate(uint64 setId,address[] validators,uint256 threshold)";

// keccak256(encodeType), e.g. keccak256("Mail(Person from,...)Person(...)").
Hash256 type_hash(std::string_view encoded_type);
// hashStruct = keccak256(typeHash || encodeData): `fields` are the members'
// encodings in type order, each one word: atomic values as themselves,
// string/bytes/arrays/structs already hashed by the caller (as bytes32).
// Precondition: every field is a one-word value.
Hash256 hash_struct(std::string_view encoded_type, std::span<const AbiValue> fields);
inline Hash256 hash_struct(std::string_view encoded_type, std::initializer_list<AbiValue> fields) {
  return hash_struct(encoded_type, std::span<const AbiValue>(fields.begin(), fields.size()));
}
// hashStruct(EIP712Domain{name, version, chainId, verifyingContract}).
Hash256 domain_separator(std::string_view name, std::string_view version, std::uint64_t chain_id,
                         const EthAddress& verifying_contract);
// keccak256(0x19 0x01 || domain_separator || struct_hash): what validators sign.
Hash256 typed_data_digest(const Hash256& domain_separator, const Hash256& struct_hash);

// The contract's `Batch` struct: one settlement batch as the validators sign it.
struct BatchHeader {
  std::uint64_t number = 0;
  std::uint64_t from_height = 0;
  std::uint64_t to_height = 0;
  Hash256 prev_root;
  Hash256 trades_root;
  Hash256 deltas_hash;
  Hash256 withdrawals_root;
  friend bool operator==(const BatchHeader&, const BatchHeader&) = default;
};
Hash256 batch_struct_hash(const BatchHeader& batch);
// The (uint64,uint64,uint64,bytes32,bytes32,bytes32,bytes32) tuple of submitBatch.
AbiValue to_abi(const BatchHeader& batch);

// The contract's `ValidatorSetUpdate`: the next set of signers and its threshold.
struct ValidatorSetUpdate {
  std::uint64_t set_id = 0;
  std::vector<EthAddress> validators;
  U256 threshold = 0;
};
// address[] is encoded as keccak256 of the concatenated 32-byte words.
Hash256 validator_set_update_struct_hash(const ValidatorSetUpdate& update);

// One net balance change of a batch: `struct Delta { bytes32 account;
// address token; int256 amount; }` (token 0 is ether).
struct Delta {
  Hash256 account;
  EthAddress token{};
  I256 amount = 0;  // precondition wherever encoded: fits_int256(amount)
  friend bool operator==(const Delta&, const Delta&) = default;
};
AbiValue to_abi(const Delta& delta);
// keccak256(abi.encode(Delta[])), in the order given.
Hash256 deltas_hash(std::span<const Delta> deltas);

}  // namespace replex::settlement
