#include "replex/consensus/wal.hpp"

#include <algorithm>
#include <string>

#include "replex/core/assert.hpp"
#include "replex/core/codec.hpp"
#include "replex/core/hash.hpp"

namespace replex::consensus {
namespace {

constexpr std::size_t kChecksumBytes = 8;

std::array<std::uint8_t, kChecksumBytes> checksum(ByteView framed) {
  const Hash256 digest = sha256(framed);
  std::array<std::uint8_t, kChecksumBytes> out;
  std::copy_n(digest.bytes.begin(), kChecksumBytes, out.begin());
  return out;
}

}  // namespace

Bytes encode_prepared_record(const PreparedCertificate& certificate, ByteView block) {
  // Only a block at a real height is recorded as prepared (a lone validator needs no prepares).
  REPLEX_ASSERT(certificate.height > 0 && !block.empty());
  ByteWriter w(256 + certificate.prepares.size() * 68 + block.size());
  write_prepared_certificate(w, certificate);
  w.bytes(block);
  return w.take();
}

Result<PreparedRecord> decode_prepared_record(ByteView payload) {
  ByteReader r(payload);
  PreparedRecord out;
  out.certificate = read_prepared_certificate(r);
  out.block = r.bytes("prepared record.block");
  REPLEX_RETURN_IF_ERROR(r.finish());
  return out;
}

Bytes encode_wal_record(WalRecordKind kind, ByteView message) {
  REPLEX_ASSERT(kind >= WalRecordKind::kOwnMessage && kind <= WalRecordKind::kPrepared);
  REPLEX_ASSERT(!message.empty());
  ByteWriter w(1 + 1 + 4 + message.size() + kChecksumBytes);
  w.u8(kWalRecordVersion);
  w.u8(static_cast<std::uint8_t>(kind));
  w.bytes(message);
  const auto sum = checksum(w.data());
  w.raw(ByteView(sum.data(), sum.size()));
  // The frame is exactly what decode_wal_record() takes apart.
  REPLEX_ASSERT(w.size() == 1 + 1 + 4 + message.size() + kChecksumBytes);
  return w.take();
}

Result<WalRecord> decode_wal_record(ByteView record) {
  if (record.size() < 1 + 1 + 4 + kChecksumBytes) {
    return Status::corruption("wal record: " + std::to_string(record.size()) +
                              " bytes is shorter than the frame");
  }
  const ByteView framed = record.first(record.size() - kChecksumBytes);
  const ByteView stored = record.last(kChecksumBytes);
  const auto expected = checksum(framed);
  if (!std::equal(stored.begin(), stored.end(), expected.begin())) {
    return Status::corruption("wal record: checksum mismatch (truncated or corrupt)");
  }
  ByteReader r(framed);
  const std::uint8_t version = r.u8("wal record.version");
  if (r.ok() && version != kWalRecordVersion) {
    r.fail("wal record.version", "unsupported version " + std::to_string(version));
  }
  const std::uint8_t kind = r.u8("wal record.kind");
  if (r.ok() && (kind < static_cast<std::uint8_t>(WalRecordKind::kOwnMessage) ||
                 kind > static_cast<std::uint8_t>(WalRecordKind::kPrepared))) {
    r.fail("wal record.kind", "unknown kind " + std::to_string(kind));
  }
  WalRecord out;
  out.kind = static_cast<WalRecordKind>(kind);
  out.message = r.bytes("wal record.message");
  REPLEX_RETURN_IF_ERROR(r.finish());
  REPLEX_ASSERT(out.kind >= WalRecordKind::kOwnMessage && out.kind <= WalRecordKind::kPrepared);
  return out;
}

}  // namespace replex::consensus
