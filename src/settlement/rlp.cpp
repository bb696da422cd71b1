#include "replex/settlement/rlp.hpp"

#include <limits>

namespace replex::settlement::rlp {
namespace {

constexpr std::size_t kMaxShortLength = 55;

// The prefix for a payload of `length` bytes: one byte for up to 55 bytes,
// else (offset + 55 + size of the length) followed by the length, big-endian.
void append_prefix(Bytes& out, std::size_t length, std::uint8_t short_offset) {
  if (length <= kMaxShortLength) {
    out.push_back(static_cast<std::uint8_t>(short_offset + length));
    return;
  }
  const Bytes be = to_minimal_be_bytes(U256(length));
  out.push_back(static_cast<std::uint8_t>(short_offset + kMaxShortLength + be.size()));
  out.insert(out.end(), be.begin(), be.end());
}

struct Parser {
  ByteView data;
  std::size_t pos = 0;

  Status error(const std::string& what) const {
    return Status::invalid_argument("rlp: " + what + " at offset " + std::to_string(pos));
  }

  // Reads the big-endian length that follows a long-form prefix.
  Result<std::size_t> long_length(std::size_t length_of_length) {
    if (data.size() - pos < length_of_length) return error("truncated length");
    if (data[pos] == 0) return error("length with a leading zero");
    std::size_t length = 0;
    for (std::size_t i = 0; i < length_of_length; ++i) {
      if (length > (std::numeric_limits<std::size_t>::max() >> 8)) return error("length overflows");
      length = (length << 8) | data[pos + i];
    }
    pos += length_of_length;
    if (length <= kMaxShortLength) return error("long form for a short length");
    return length;
  }

  Result<Item> item(std::size_t depth) {
    if (pos >= data.size()) return error("truncated item");
    const std::uint8_t prefix = data[pos];
    if (prefix < 0x80) {
      ++pos;
      return Item::of_bytes(Bytes{prefix});
    }
    const bool is_list = prefix >= 0xc0;
    const std::uint8_t offset = is_list ? 0xc0 : 0x80;
    const std::size_t start = pos;
    ++pos;
    std::size_t length = prefix - offset;
    if (length > kMaxShortLength) {
      REPLEX_ASSIGN_OR_RETURN(length, long_length(length - kMaxShortLength));
    }
    if (data.size() - pos < length) return error("item longer than its input");
    if (!is_list) {
      if (length == 1 && data[pos] < 0x80) {
        pos = start;
        return error("single byte below 0x80 with a prefix");
      }
      Item out = Item::of_bytes(Bytes(data.begin() + static_cast<std::ptrdiff_t>(pos),
                                      data.begin() + static_cast<std::ptrdiff_t>(pos + length)));
      pos += length;
      return out;
    }
    if (depth >= kMaxDepth) return error("lists nested deeper than " + std::to_string(kMaxDepth));
    const std::size_t end = pos + length;
    std::vector<Item> elements;
    Parser inner{data.first(end), pos};
    while (inner.pos < end) {
      REPLEX_ASSIGN_OR_RETURN(Item element, inner.item(depth + 1));
      elements.push_back(std::move(element));
    }
    pos = end;
    return Item::of_list(std::move(elements));
  }
};

}  // namespace

Result<U256> Item::as_uint() const {
  if (is_list) return Status::invalid_argument("rlp: a list where an integer was expected");
  if (!bytes.empty() && bytes.front() == 0) {
    return Status::invalid_argument("rlp: integer with a leading zero byte");
  }
  return u256_from_be_bytes(bytes);
}

Result<std::uint64_t> Item::as_u64() const {
  REPLEX_ASSIGN_OR_RETURN(const U256 v, as_uint());
  if (v > std::numeric_limits<std::uint64_t>::max()) {
    return Status::invalid_argument("rlp: integer above 2^64 - 1");
  }
  return static_cast<std::uint64_t>(v);
}

Bytes encode_bytes(ByteView bytes) {
  Bytes out;
  if (bytes.size() == 1 && bytes[0] < 0x80) {
    out.push_back(bytes[0]);
    return out;
  }
  out.reserve(bytes.size() + 9);
  append_prefix(out, bytes.size(), 0x80);
  out.insert(out.end(), bytes.begin(), bytes.end());
  return out;
}

Bytes encode_uint(const U256& value) { return encode_bytes(to_minimal_be_bytes(value)); }

Bytes encode_list(std::span<const Bytes> encoded_items) {
  std::size_t length = 0;
  for (const Bytes& e : encoded_items) length += e.size();
  Bytes out;
  out.reserve(length + 9);
  append_prefix(out, length, 0xc0);
  for (const Bytes& e : encoded_items) out.insert(out.end(), e.begin(), e.end());
  return out;
}

Bytes encode(const Item& item) {
  if (!item.is_list) return encode_bytes(item.bytes);
  std::vector<Bytes> encoded;
  encoded.reserve(item.items.size());
  for (const Item& e : item.items) encoded.push_back(encode(e));
  return encode_list(encoded);
}

Result<Item> decode(ByteView encoded) {
  Parser parser{encoded, 0};
  REPLEX_ASSIGN_OR_RETURN(Item item, parser.item(0));
  if (parser.pos != encoded.size()) return parser.error("trailing bytes after the item");
  return item;
}

}  // namespace replex::settlement::rlp
