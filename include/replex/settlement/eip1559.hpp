// EIP-1559 (type 2) transactions with an empty access list: the signing hash,
// locally signed raw transactions for eth_sendRawTransaction, their decoder,
// and the fee rule for replacing a stuck transaction. Plain values; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"
#include "replex/settlement/eth_address.hpp"
#include "replex/settlement/secp256k1.hpp"
#include "replex/settlement/uint256.hpp"

namespace replex::settlement {

inline constexpr std::uint8_t kEip1559TxType = 0x02;

struct Eip1559Transaction {
  std::uint64_t chain_id = 0;
  std::uint64_t nonce = 0;
  U256 max_priority_fee_per_gas = 0;  // wei per gas
  U256 max_fee_per_gas = 0;           // wei per gas
  std::uint64_t gas_limit = 0;
  std::optional<EthAddress> to;       // empty: contract creation
  U256 value = 0;                     // wei
  Bytes data;

  // What nodes check before anything else: priority fee <= max fee.
  Status validate() const;
  // keccak256(0x02 || rlp([chain_id, nonce, max_priority_fee_per_gas,
  // max_fee_per_gas, gas_limit, to, value, data, access_list = []])).
  Hash256 signing_hash() const;
  // 0x02 || rlp([..., y_parity, r, s]): the bytes for eth_sendRawTransaction.
  // Precondition: validate() is ok.
  Bytes sign(const EthKey& key) const;
  Bytes encode_signed(const EthSignature& signature) const;

  friend bool operator==(const Eip1559Transaction&, const Eip1559Transaction&) = default;
};

// keccak256 of the raw signed bytes: the hash nodes and explorers show.
Hash256 transaction_hash(ByteView raw_signed);

struct SignedEip1559Transaction {
  Eip1559Transaction tx;
  EthSignature signature;
  EthAddress sender{};  // recovered from the signature
  Hash256 hash;         // transaction_hash(raw)
};

// Reads back a raw signed type-2 transaction. Refuses other types, a
// non-empty access list, fields out of range, non-canonical RLP, trailing
// bytes, and signatures recover_address refuses.
Result<SignedEip1559Transaction> decode_signed_eip1559(ByteView raw_signed);

struct FeeCaps {
  U256 max_fee_per_gas = 0;
  U256 max_priority_fee_per_gas = 0;
  friend bool operator==(const FeeCaps&, const FeeCaps&) = default;
};

// Public nodes (geth's txpool price bump) take a replacement with the same
// nonce only if both caps are strictly above the old ones and at least
// old * (100 + kReplacementBumpPercent) / 100.
inline constexpr unsigned kReplacementBumpPercent = 10;

// The caps for re-sending a stuck transaction: each field is the largest of
// ceil(old * 110 / 100), old + 1 and the suggested value. If old and
// suggested each have priority <= max fee, so has the result.
FeeCaps bumped_fees(const FeeCaps& old, const FeeCaps& suggested);

}  // namespace replex::settlement
