// Payloads of every framed value (docs/wire-formats.md), big-endian. Each
// decoder opens the frame, reads the payload to its end and checks that the
// heights it carries match the key it was read under, so a record written
// under the wrong key is caught as well as a damaged one. Decoding errors are
// kCorruption without the key; callers add it with keys::describe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"
#include "replex/storage/store.hpp"

namespace replex::storage {

// The chain the blocks column family holds: blocks base_height + 1 ..
// last_height (none when equal). base_height is 0 until reset_chain_to.
struct ChainMeta {
  std::uint64_t base_height = 0;
  std::uint64_t last_height = 0;

  std::uint64_t first_height() const { return last_height > base_height ? base_height + 1 : 0; }
  friend bool operator==(const ChainMeta&, const ChainMeta&) = default;
};

// A snapshot's small index entry, listed without loading the snapshot.
struct SnapshotInfo {
  std::uint64_t height = 0;
  std::uint64_t state_bytes = 0;
  std::uint64_t proof_bytes = 0;
};

// Payload sizes, for checking max_record_bytes before encoding.
inline constexpr std::uint64_t kBlockPayloadOverheadBytes = 8 + 32 + 32 + 4;
inline constexpr std::uint64_t kCertificatePayloadOverheadBytes = 8 + 4;
inline constexpr std::uint64_t kSnapshotPayloadOverheadBytes = 8 + 4 + 4;
inline constexpr std::uint64_t kWalPayloadOverheadBytes = 8 + 8 + 4;

std::string encode_chain_meta(const ChainMeta& meta);
Result<ChainMeta> decode_chain_meta(std::string_view value);

// Everything of a block but its certificate and transaction hashes.
std::string encode_block(const BlockRecord& record);
Result<StoredBlock> decode_block(std::string_view value, std::uint64_t height);

std::string encode_certificate(std::uint64_t height, ByteView certificate);
Result<Bytes> decode_certificate(std::string_view value, std::uint64_t height);
// A block's events: the same layout as a certificate (height, bytes).
std::string encode_events(std::uint64_t height, ByteView events);
Result<Bytes> decode_events(std::string_view value, std::uint64_t height);

// The value of the block hash index.
std::string encode_height(std::uint64_t height);
Result<std::uint64_t> decode_height(std::string_view value);

std::string encode_tx_location(const TxLocation& location);
Result<TxLocation> decode_tx_location(std::string_view value);

std::string encode_snapshot_info(const SnapshotInfo& info);
Result<SnapshotInfo> decode_snapshot_info(std::string_view value, std::uint64_t height);

std::string encode_snapshot(const SnapshotRecord& snapshot);
Result<SnapshotRecord> decode_snapshot(std::string_view value, std::uint64_t height);

// A proof that replaced the one inside the snapshot record (put_snapshot_proof):
// the layout of a certificate (height, bytes).
std::string encode_snapshot_proof(std::uint64_t height, ByteView proof);
Result<Bytes> decode_snapshot_proof(std::string_view value, std::uint64_t height);

std::string encode_wal_entry(std::uint64_t height, std::uint64_t sequence, ByteView record);
Result<WalEntry> decode_wal_entry(std::string_view value, std::uint64_t height, std::uint64_t sequence);

// The WAL sequence floor: the highest sequence ever assigned.
std::string encode_sequence(std::uint64_t sequence);
Result<std::uint64_t> decode_sequence(std::string_view value);

// meta and settlement values: the caller's bytes, framed.
std::string encode_opaque(ByteView value);
Result<Bytes> decode_opaque(std::string_view value);

}  // namespace replex::storage
