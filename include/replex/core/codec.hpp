// Canonical binary encoding for everything we hash, sign or store by value:
// events, snapshots, block headers, consensus and p2p messages, storage
// records. Fixed layout, big-endian integers, u32 length prefixes. Protobuf
// carries only transactions (tx.proto) and the gRPC API, because protobuf
// serialization is not guaranteed canonical across versions.
// Format: docs/wire-formats.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "replex/core/big_endian.hpp"
#include "replex/core/bytes.hpp"

namespace replex {

// Appends to an owned buffer. Never fails.
class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(std::size_t reserve) { out_.reserve(reserve); }

  void u8(std::uint8_t v) { out_.push_back(v); }
  void boolean(bool v) { out_.push_back(v ? 1 : 0); }
  void u32(std::uint32_t v) {
    std::uint8_t b[4];
    store_be32(b, v);
    out_.insert(out_.end(), b, b + 4);
  }
  void u64(std::uint64_t v) {
    std::uint8_t b[8];
    store_be64(b, v);
    out_.insert(out_.end(), b, b + 8);
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void raw(ByteView bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  void hash(const Hash256& h) { raw(h.view()); }
  // u32 length, then the bytes.
  void bytes(ByteView bytes);
  void str(std::string_view s) { bytes(as_bytes(s)); }

  const Bytes& data() const { return out_; }
  Bytes take() { return std::move(out_); }
  std::size_t size() const { return out_.size(); }

 private:
  Bytes out_;
};

// Reads from a borrowed buffer. Every read checks bounds; the first failure
// sticks, later reads return zero values, and status() names the field and
// offset of the first failure. Callers read everything, then check status().
class ByteReader {
 public:
  explicit ByteReader(ByteView in, std::uint32_t max_field_bytes = 64u << 20)
      : in_(in), max_field_bytes_(max_field_bytes) {}

  std::uint8_t u8(std::string_view field);
  bool boolean(std::string_view field);
  std::uint32_t u32(std::string_view field);
  std::uint64_t u64(std::string_view field);
  std::int64_t i64(std::string_view field) { return static_cast<std::int64_t>(u64(field)); }
  Hash256 hash(std::string_view field);
  Bytes bytes(std::string_view field);
  std::string str(std::string_view field);
  // A view into the input for `n` bytes.
  ByteView raw(std::size_t n, std::string_view field);

  std::size_t remaining() const { return in_.size() - pos_; }
  std::size_t offset() const { return pos_; }
  bool ok() const { return status_.is_ok(); }
  // Also fails if bytes remain unread, when `require_end` is set.
  Status finish(bool require_end = true);
  const Status& status() const { return status_; }
  // Records a semantic error found by the caller (e.g. an enum out of range).
  void fail(std::string_view field, std::string_view what);

 private:
  bool take(std::size_t n, std::string_view field);

  ByteView in_;
  std::size_t pos_ = 0;
  std::uint32_t max_field_bytes_;
  Status status_;
};

}  // namespace replex
