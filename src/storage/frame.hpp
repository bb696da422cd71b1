// Record framing. Every value the store writes is
//   u8 version (1) | u32 payload length | u32 CRC-32 (zlib) of payload | payload
// with big-endian integers (docs/wire-formats.md). Opening a frame checks all
// three, so a torn, truncated or bit-flipped record is reported as
// kCorruption instead of being parsed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"

namespace replex::storage {

inline constexpr std::uint8_t kFrameVersion = 1;
inline constexpr std::size_t kFrameHeaderBytes = 9;
inline constexpr std::uint64_t kMaxFramePayloadBytes = 0xffff'ffffULL;

// zlib's CRC-32 (the ISO-HDLC polynomial, as in gzip and PNG).
std::uint32_t crc32(ByteView data);

// Builds one framed value: payload fields are appended big-endian and
// finish() fills in the header. Precondition: the payload stays within
// kMaxFramePayloadBytes (callers check max_record_bytes first).
class FrameWriter {
 public:
  explicit FrameWriter(std::size_t payload_bytes_hint = 0);

  FrameWriter& u32(std::uint32_t v);
  FrameWriter& u64(std::uint64_t v);
  FrameWriter& hash(const Hash256& h);
  FrameWriter& raw(ByteView b);
  // u32 length, then the bytes.
  FrameWriter& bytes(ByteView b);

  std::size_t payload_size() const { return out_.size() - kFrameHeaderBytes; }
  std::string finish() &&;

 private:
  std::string out_;
};

// The payload of a framed value (a view into `value`), or kCorruption naming
// the check that failed. The message carries no key; callers add it.
Result<ByteView> open_frame(std::string_view value);

}  // namespace replex::storage
