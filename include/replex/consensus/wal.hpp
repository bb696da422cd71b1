// Consensus write-ahead log records.
//
// The core persists a record of every message it signs before the message
// leaves, of every NEW-VIEW it installs, and of its prepared certificate
// before its COMMIT, so a restarted replica resumes in the right view, never
// signs two different messages for one (type, view, height), and still
// reports in VIEW-CHANGE every block it helped commit. A record is framed so truncation or
// corruption is detected on its own, independently of the store's framing:
//   u8 version | u8 kind | u32 length | message[length] | checksum[8]
// checksum = first 8 bytes of SHA-256 over everything before it.
// Format: docs/wire-formats.md, "Consensus WAL record".
#pragma once

#include <cstdint>

#include "replex/consensus/certificates.hpp"
#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"

namespace replex::consensus {

inline constexpr std::uint8_t kWalRecordVersion = 1;

enum class WalRecordKind : std::uint8_t {
  kOwnMessage = 1,       // a message this replica signed (wire bytes)
  kAcceptedNewView = 2,  // a NEW-VIEW this replica installed (wire bytes)
  kPrepared = 3,         // a prepared certificate and its block (encode_prepared_record)
};

struct WalRecord {
  WalRecordKind kind = WalRecordKind::kOwnMessage;
  Bytes message;  // wire bytes of a message, or a prepared record
};

// The payload of a kPrepared record.
struct PreparedRecord {
  PreparedCertificate certificate;
  Bytes block;  // canonical block bytes
};
Bytes encode_prepared_record(const PreparedCertificate& certificate, ByteView block);
Result<PreparedRecord> decode_prepared_record(ByteView payload);

Bytes encode_wal_record(WalRecordKind kind, ByteView message);
// kCorruption naming what failed: version, kind, length or checksum.
Result<WalRecord> decode_wal_record(ByteView record);

}  // namespace replex::consensus
