// The Solidity ABI, as far as the settlement contract needs it: a small value
// tree (AbiValue) encoded as abi.encode does, function calldata (selector +
// arguments), event topics, and a reader of 32-byte words from return data
// and event logs that refuses what does not fit the asked type.
// Spec: https://docs.soliditylang.org/en/latest/abi-spec.html
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"
#include "replex/settlement/eth_address.hpp"
#include "replex/settlement/uint256.hpp"

namespace replex::settlement {

// One ABI value. Static kinds are one word (uintN/intN/address/bytes32/bool)
// or a tuple of static values; bytes/string, T[] and tuples holding a
// dynamic value are dynamic. The elements of an array share one type (the
// caller's duty: only their encodings are concatenated). Plain value.
class AbiValue {
 public:
  enum class Kind : std::uint8_t { kWord, kBytes, kTuple, kArray };

  static AbiValue uint256(const U256& v);
  static AbiValue uint64(std::uint64_t v) { return uint256(U256(v)); }
  // Precondition: fits_int256(v).
  static AbiValue int256(const I256& v);
  static AbiValue address(const EthAddress& a);
  static AbiValue bytes32(const Hash256& h);
  static AbiValue boolean(bool b);
  static AbiValue bytes(Bytes b);
  // A Solidity `string` encodes exactly like `bytes` of its UTF-8.
  static AbiValue string(std::string_view s) { return bytes(to_bytes(s)); }
  static AbiValue tuple(std::vector<AbiValue> members);
  static AbiValue array(std::vector<AbiValue> elements);  // dynamic T[]

  Kind kind() const { return kind_; }
  bool is_dynamic() const;

 private:
  AbiValue() = default;
  friend struct AbiEncoder;
  Kind kind_ = Kind::kWord;
  Word word_{};
  Bytes bytes_;
  std::vector<AbiValue> items_;
};

// abi.encode(values...): the values as the members of one tuple.
Bytes abi_encode(std::span<const AbiValue> values);
inline Bytes abi_encode(std::initializer_list<AbiValue> values) {
  return abi_encode(std::span<const AbiValue>(values.begin(), values.size()));
}

using Selector = std::array<std::uint8_t, 4>;
// keccak256(signature)[0..4]; the signature is canonical: "f(uint64,(address,uint256)[])".
Selector function_selector(std::string_view signature);
// selector || abi_encode(args): the data of a contract call.
Bytes encode_call(std::string_view signature, std::span<const AbiValue> args);
inline Bytes encode_call(std::string_view signature, std::initializer_list<AbiValue> args) {
  return encode_call(signature, std::span<const AbiValue>(args.begin(), args.size()));
}
// topics[0] of a non-anonymous event: keccak256("Deposit(address,uint256,bytes32,uint64)").
Hash256 event_topic(std::string_view signature);

// Reads head words of ABI-encoded data (return data, a log's data, or one
// topic: AbiReader(topic.view())). Word i is bytes [32i, 32i + 32). Each
// getter refuses a missing word and a value that does not fit its type
// (dirty high bytes of an address, a bool other than 0/1, ...). Non-owning.
class AbiReader {
 public:
  explicit AbiReader(ByteView data) : data_(data) {}

  std::size_t word_count() const { return data_.size() / 32; }
  Result<Word> word(std::size_t index) const;
  Result<U256> uint256(std::size_t index) const;
  Result<std::uint64_t> uint64(std::size_t index) const;
  Result<I256> int256(std::size_t index) const;
  Result<EthAddress> address(std::size_t index) const;
  Result<Hash256> bytes32(std::size_t index) const;
  Result<bool> boolean(std::size_t index) const;
  // A dynamic `bytes`/`string` whose offset is head word `index`.
  Result<Bytes> bytes(std::size_t index) const;

 private:
  ByteView data_;
};

}  // namespace replex::settlement
