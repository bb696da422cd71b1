#include "replex/settlement/abi.hpp"

#include <algorithm>
#include <limits>

#include "replex/settlement/keccak.hpp"

namespace replex::settlement {

// Encodes the tree as abi.encode does: a tuple's static members inline in its
// head, dynamic ones as an offset (from the start of the tuple) to their tail.
struct AbiEncoder {
  static std::size_t head_size(const AbiValue& v) {
    if (v.is_dynamic()) return 32;
    if (v.kind_ == AbiValue::Kind::kWord) return 32;
    std::size_t size = 0;  // a static tuple
    for (const AbiValue& m : v.items_) size += head_size(m);
    return size;
  }

  static void append_word(Bytes& out, const Word& w) { out.insert(out.end(), w.begin(), w.end()); }

  static void append_tuple(Bytes& out, std::span<const AbiValue> members) {
    std::size_t heads = 0;
    for (const AbiValue& m : members) heads += head_size(m);
    Bytes tails;
    for (const AbiValue& m : members) {
      if (m.is_dynamic()) {
        append_word(out, to_word(U256(heads + tails.size())));
        append(tails, m);
      } else {
        append(out, m);
      }
    }
    out.insert(out.end(), tails.begin(), tails.end());
  }

  static void append(Bytes& out, const AbiValue& v) {
    switch (v.kind_) {
      case AbiValue::Kind::kWord:
        append_word(out, v.word_);
        return;
      case AbiValue::Kind::kBytes: {
        append_word(out, to_word(U256(v.bytes_.size())));
        out.insert(out.end(), v.bytes_.begin(), v.bytes_.end());
        out.resize(out.size() + (32 - v.bytes_.size() % 32) % 32, 0);
        return;
      }
      case AbiValue::Kind::kTuple:
        append_tuple(out, v.items_);
        return;
      case AbiValue::Kind::kArray:
        append_word(out, to_word(U256(v.items_.size())));
        append_tuple(out, v.items_);
        return;
    }
    REPLEX_ASSERT_MSG(false, "unknown AbiValue kind");
  }
};

AbiValue AbiValue::uint256(const U256& v) {
  AbiValue out;
  out.word_ = to_word(v);
  return out;
}

AbiValue AbiValue::int256(const I256& v) {
  AbiValue out;
  out.word_ = int256_to_word(v);  // asserts the range
  return out;
}

AbiValue AbiValue::address(const EthAddress& a) {
  AbiValue out;
  std::copy(a.begin(), a.end(), out.word_.end() - static_cast<std::ptrdiff_t>(a.size()));
  return out;
}

AbiValue AbiValue::bytes32(const Hash256& h) {
  AbiValue out;
  out.word_ = h.bytes;
  return out;
}

AbiValue AbiValue::boolean(bool b) {
  AbiValue out;
  out.word_[31] = b ? 1 : 0;
  return out;
}

AbiValue AbiValue::bytes(Bytes b) {
  AbiValue out;
  out.kind_ = Kind::kBytes;
  out.bytes_ = std::move(b);
  return out;
}

AbiValue AbiValue::tuple(std::vector<AbiValue> members) {
  AbiValue out;
  out.kind_ = Kind::kTuple;
  out.items_ = std::move(members);
  return out;
}

AbiValue AbiValue::array(std::vector<AbiValue> elements) {
  for (const AbiValue& e : elements) {
    REPLEX_ASSERT_MSG(e.kind_ == elements.front().kind_ && e.is_dynamic() == elements.front().is_dynamic(),
                      "AbiValue::array: elements of different types");
  }
  AbiValue out;
  out.kind_ = Kind::kArray;
  out.items_ = std::move(elements);
  return out;
}

bool AbiValue::is_dynamic() const {
  switch (kind_) {
    case Kind::kWord:
      return false;
    case Kind::kBytes:
    case Kind::kArray:
      return true;
    case Kind::kTuple:
      return std::any_of(items_.begin(), items_.end(), [](const AbiValue& m) { return m.is_dynamic(); });
  }
  return false;
}

Bytes abi_encode(std::span<const AbiValue> values) {
  Bytes out;
  AbiEncoder::append_tuple(out, values);
  return out;
}

Selector function_selector(std::string_view signature) {
  const Hash256 h = keccak256(signature);
  return {h.bytes[0], h.bytes[1], h.bytes[2], h.bytes[3]};
}

Bytes encode_call(std::string_view signature, std::span<const AbiValue> args) {
  const Selector selector = function_selector(signature);
  Bytes out(selector.begin(), selector.end());
  AbiEncoder::append_tuple(out, args);
  return out;
}

Hash256 event_topic(std::string_view signature) { return keccak256(signature); }

// ---- reading ----

namespace {

bool high_bytes_zero(const Word& w, std::size_t count) {
  return std::all_of(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(count),
                     [](std::uint8_t b) { return b == 0; });
}

Status bad(std::size_t index, const std::string& what) {
  return Status::invalid_argument("abi word " + std::to_string(index) + ": " + what);
}

}  // namespace

Result<Word> AbiReader::word(std::size_t index) const {
  if (index >= word_count()) {
    return bad(index, "missing (data has " + std::to_string(data_.size()) + " bytes)");
  }
  Word w{};
  const auto begin = data_.begin() + static_cast<std::ptrdiff_t>(index * 32);
  std::copy(begin, begin + 32, w.begin());
  return w;
}

Result<U256> AbiReader::uint256(std::size_t index) const {
  REPLEX_ASSIGN_OR_RETURN(const Word w, word(index));
  return u256_from_word(w);
}

Result<std::uint64_t> AbiReader::uint64(std::size_t index) const {
  REPLEX_ASSIGN_OR_RETURN(const Word w, word(index));
  if (!high_bytes_zero(w, 24)) return bad(index, "not a uint64");
  return static_cast<std::uint64_t>(u256_from_word(w));
}

Result<I256> AbiReader::int256(std::size_t index) const {
  REPLEX_ASSIGN_OR_RETURN(const Word w, word(index));
  return int256_from_word(w);
}

Result<EthAddress> AbiReader::address(std::size_t index) const {
  REPLEX_ASSIGN_OR_RETURN(const Word w, word(index));
  if (!high_bytes_zero(w, 12)) return bad(index, "not an address (high 12 bytes not zero)");
  EthAddress a{};
  std::copy(w.begin() + 12, w.end(), a.begin());
  return a;
}

Result<Hash256> AbiReader::bytes32(std::size_t index) const {
  REPLEX_ASSIGN_OR_RETURN(const Word w, word(index));
  Hash256 h;
  h.bytes = w;
  return h;
}

Result<bool> AbiReader::boolean(std::size_t index) const {
  REPLEX_ASSIGN_OR_RETURN(const Word w, word(index));
  if (!high_bytes_zero(w, 31) || w[31] > 1) return bad(index, "not a bool");
  return w[31] == 1;
}

Result<Bytes> AbiReader::bytes(std::size_t index) const {
  REPLEX_ASSIGN_OR_RETURN(const U256 offset, uint256(index));
  if (offset % 32 != 0 || offset + 32 > data_.size()) return bad(index, "bytes offset out of range");
  const auto at = static_cast<std::size_t>(offset);
  REPLEX_ASSIGN_OR_RETURN(const U256 length, uint256(at / 32));
  if (length > data_.size() - at - 32) return bad(index, "bytes length out of range");
  const auto begin = data_.begin() + static_cast<std::ptrdiff_t>(at + 32);
  return Bytes(begin, begin + static_cast<std::ptrdiff_t>(length));
}

}  // namespace replex::settlement
