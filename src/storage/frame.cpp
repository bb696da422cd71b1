#include "frame.hpp"

#include <zlib.h>

#include <cstdio>

#include "replex/core/big_endian.hpp"

namespace replex::storage {
namespace {

std::string hex32(std::uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

std::uint32_t crc32(ByteView data) {
  return static_cast<std::uint32_t>(::crc32_z(0L, data.data(), data.size()));
}

FrameWriter::FrameWriter(std::size_t payload_bytes_hint) {
  out_.reserve(kFrameHeaderBytes + payload_bytes_hint);
  out_.assign(kFrameHeaderBytes, '\0');
}

FrameWriter& FrameWriter::u32(std::uint32_t v) {
  char buf[4];
  store_be32(buf, v);
  out_.append(buf, sizeof buf);
  return *this;
}

FrameWriter& FrameWriter::u64(std::uint64_t v) {
  u32(static_cast<std::uint32_t>(v >> 32));
  return u32(static_cast<std::uint32_t>(v));
}

FrameWriter& FrameWriter::hash(const Hash256& h) { return raw(h.view()); }

FrameWriter& FrameWriter::raw(ByteView b) {
  out_.append(as_chars(b));
  return *this;
}

FrameWriter& FrameWriter::bytes(ByteView b) {
  REPLEX_ASSERT_MSG(b.size() <= kMaxFramePayloadBytes, "field longer than a u32 length prefix");
  u32(static_cast<std::uint32_t>(b.size()));
  return raw(b);
}

std::string FrameWriter::finish() && {
  const std::size_t payload = payload_size();
  REPLEX_ASSERT_MSG(payload <= kMaxFramePayloadBytes,
                    "frame payload of " + std::to_string(payload) + " bytes exceeds a u32 length");
  out_[0] = static_cast<char>(kFrameVersion);
  store_be32(&out_[1], static_cast<std::uint32_t>(payload));
  store_be32(&out_[5], crc32(as_bytes(out_).subspan(kFrameHeaderBytes)));
  return std::move(out_);
}

Result<ByteView> open_frame(std::string_view value) {
  if (value.size() < kFrameHeaderBytes) {
    return Status::corruption("truncated record: " + std::to_string(value.size()) +
                              " bytes, a frame header needs " + std::to_string(kFrameHeaderBytes));
  }
  const auto version = static_cast<std::uint8_t>(value[0]);
  if (version != kFrameVersion) {
    return Status::corruption("frame version " + std::to_string(version) + ", expected " +
                              std::to_string(kFrameVersion));
  }
  const std::uint32_t length = load_be32(&value[1]);
  const std::size_t present = value.size() - kFrameHeaderBytes;
  if (length != present) {
    return Status::corruption("frame length says " + std::to_string(length) + " payload bytes, " +
                              std::to_string(present) + " present (torn or truncated record)");
  }
  const ByteView payload = as_bytes(value).subspan(kFrameHeaderBytes);
  const std::uint32_t stored = load_be32(&value[5]);
  const std::uint32_t computed = crc32(payload);
  if (stored != computed) {
    return Status::corruption("CRC-32 mismatch: frame says " + hex32(stored) + ", payload has " +
                              hex32(computed));
  }
  return payload;
}

}  // namespace replex::storage
