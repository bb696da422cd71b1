// Recursive Length Prefix (Ethereum Yellow Paper, appendix B): byte strings,
// unsigned integers as minimal big-endian strings, and lists. The decoder
// accepts only canonical encodings (the shortest form of every length, no
// leading zeros in lengths) of exactly one item, nested at most kMaxDepth.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"
#include "replex/settlement/uint256.hpp"

namespace replex::settlement::rlp {

// Lists nested deeper than this are refused (Ethereum transactions nest 3 deep).
inline constexpr std::size_t kMaxDepth = 16;

// A decoded item: a byte string, or a list of items. Plain value.
struct Item {
  bool is_list = false;
  Bytes bytes;              // the string, when !is_list
  std::vector<Item> items;  // the elements, when is_list

  static Item of_bytes(Bytes b) { return Item{false, std::move(b), {}}; }
  static Item of_list(std::vector<Item> elements) { return Item{true, {}, std::move(elements)}; }

  // A string read as an unsigned integer: at most 32 bytes, no leading zero
  // byte (zero is the empty string).
  Result<U256> as_uint() const;
  Result<std::uint64_t> as_u64() const;

  friend bool operator==(const Item&, const Item&) = default;
};

Bytes encode_bytes(ByteView bytes);
Bytes encode_uint(const U256& value);
// A list of items that are already encoded (concatenated under one prefix).
Bytes encode_list(std::span<const Bytes> encoded_items);
Bytes encode(const Item& item);

Result<Item> decode(ByteView encoded);

}  // namespace replex::settlement::rlp
