#include "replex/core/codec.hpp"

#include <algorithm>

namespace replex {

void ByteWriter::bytes(ByteView b) {
  REPLEX_ASSERT_MSG(b.size() <= UINT32_MAX, "field longer than a u32 length prefix");
  u32(static_cast<std::uint32_t>(b.size()));
  raw(b);
}

bool ByteReader::take(std::size_t n, std::string_view field) {
  if (!status_.is_ok()) return false;
  if (remaining() < n) {
    fail(field, "truncated: needs " + std::to_string(n) + " bytes, " + std::to_string(remaining()) +
                    " left");
    return false;
  }
  return true;
}

void ByteReader::fail(std::string_view field, std::string_view what) {
  if (!status_.is_ok()) return;
  status_ = Status::corruption(std::string(field) + " at offset " + std::to_string(pos_) + ": " +
                               std::string(what));
}

std::uint8_t ByteReader::u8(std::string_view field) {
  if (!take(1, field)) return 0;
  return in_[pos_++];
}

bool ByteReader::boolean(std::string_view field) {
  const std::uint8_t v = u8(field);
  if (v > 1) fail(field, "boolean is " + std::to_string(v) + ", not 0 or 1");
  return v == 1;
}

std::uint32_t ByteReader::u32(std::string_view field) {
  if (!take(4, field)) return 0;
  const std::uint32_t v = load_be32(in_.data() + pos_);
  pos_ += 4;
  return v;
}

std::uint64_t ByteReader::u64(std::string_view field) {
  if (!take(8, field)) return 0;
  const std::uint64_t v = load_be64(in_.data() + pos_);
  pos_ += 8;
  return v;
}

Hash256 ByteReader::hash(std::string_view field) {
  Hash256 h;
  if (!take(Hash256::kSize, field)) return h;
  std::copy_n(in_.begin() + static_cast<std::ptrdiff_t>(pos_), Hash256::kSize, h.bytes.begin());
  pos_ += Hash256::kSize;
  return h;
}

ByteView ByteReader::raw(std::size_t n, std::string_view field) {
  if (!take(n, field)) return {};
  ByteView v = in_.subspan(pos_, n);
  pos_ += n;
  return v;
}

Bytes ByteReader::bytes(std::string_view field) {
  const std::uint32_t n = u32(field);
  if (!ok()) return {};
  if (n > max_field_bytes_) {
    fail(field, "length " + std::to_string(n) + " exceeds limit " + std::to_string(max_field_bytes_));
    return {};
  }
  ByteView v = raw(n, field);
  return Bytes(v.begin(), v.end());
}

std::string ByteReader::str(std::string_view field) {
  Bytes b = bytes(field);
  return std::string(b.begin(), b.end());
}

Status ByteReader::finish(bool require_end) {
  if (status_.is_ok() && require_end && remaining() != 0) {
    status_ = Status::corruption(std::to_string(remaining()) + " trailing bytes at offset " +
                                 std::to_string(pos_));
  }
  return status_;
}

}  // namespace replex
