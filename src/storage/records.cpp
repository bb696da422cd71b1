#include "records.hpp"

#include "frame.hpp"
#include "replex/core/codec.hpp"

namespace replex::storage {
namespace {

// Frames may hold up to 4 GiB; max_record_bytes is enforced on write.
constexpr std::uint32_t kMaxFieldBytes = 0xffff'ffffU;

// Opens the frame and hands its payload to `read`, which consumes all of it.
template <typename T, typename ReadFn>
Result<T> decode(std::string_view value, ReadFn read) {
  REPLEX_ASSIGN_OR_RETURN(ByteView payload, open_frame(value));
  ByteReader reader(payload, kMaxFieldBytes);
  T out = read(reader);
  REPLEX_RETURN_IF_ERROR(reader.finish());
  return out;
}

Status height_mismatch(std::string_view what, std::uint64_t stored, std::uint64_t key_height) {
  return Status::corruption(std::string(what) + " says height " + std::to_string(stored) +
                            " but is stored under height " + std::to_string(key_height));
}

}  // namespace

std::string encode_chain_meta(const ChainMeta& meta) {
  return std::move(FrameWriter(16).u64(meta.base_height).u64(meta.last_height)).finish();
}

Result<ChainMeta> decode_chain_meta(std::string_view value) {
  REPLEX_ASSIGN_OR_RETURN(ChainMeta meta, decode<ChainMeta>(value, [](ByteReader& r) {
                            ChainMeta m;
                            m.base_height = r.u64("chain.base_height");
                            m.last_height = r.u64("chain.last_height");
                            return m;
                          }));
  if (meta.base_height > meta.last_height) {
    return Status::corruption("chain base height " + std::to_string(meta.base_height) +
                              " is above its last height " + std::to_string(meta.last_height));
  }
  return meta;
}

std::string encode_block(const BlockRecord& record) {
  return std::move(FrameWriter(kBlockPayloadOverheadBytes + record.block.size())
                       .u64(record.height)
                       .hash(record.block_hash)
                       .hash(record.app_hash)
                       .bytes(record.block))
      .finish();
}

Result<StoredBlock> decode_block(std::string_view value, std::uint64_t height) {
  REPLEX_ASSIGN_OR_RETURN(StoredBlock block, decode<StoredBlock>(value, [](ByteReader& r) {
                            StoredBlock b;
                            b.height = r.u64("block.height");
                            b.block_hash = r.hash("block.block_hash");
                            b.app_hash = r.hash("block.app_hash");
                            b.block = r.bytes("block.block");
                            return b;
                          }));
  if (block.height != height) return height_mismatch("block", block.height, height);
  return block;
}

namespace {

// Records that are a height and one byte string (certificates, block events).
std::string encode_height_bytes(std::uint64_t height, ByteView bytes) {
  return std::move(FrameWriter(kCertificatePayloadOverheadBytes + bytes.size()).u64(height).bytes(bytes)).finish();
}

Result<Bytes> decode_height_bytes(std::string_view value, std::uint64_t height, const std::string& what) {
  std::uint64_t stored = 0;
  REPLEX_ASSIGN_OR_RETURN(Bytes bytes, decode<Bytes>(value, [&](ByteReader& r) {
                            stored = r.u64(what + ".height");
                            return r.bytes(what + ".bytes");
                          }));
  if (stored != height) return height_mismatch(what, stored, height);
  return bytes;
}

}  // namespace

std::string encode_certificate(std::uint64_t height, ByteView certificate) {
  return encode_height_bytes(height, certificate);
}

Result<Bytes> decode_certificate(std::string_view value, std::uint64_t height) {
  return decode_height_bytes(value, height, "certificate");
}

std::string encode_events(std::uint64_t height, ByteView events) { return encode_height_bytes(height, events); }

Result<Bytes> decode_events(std::string_view value, std::uint64_t height) {
  return decode_height_bytes(value, height, "events");
}

std::string encode_snapshot_proof(std::uint64_t height, ByteView proof) { return encode_height_bytes(height, proof); }

Result<Bytes> decode_snapshot_proof(std::string_view value, std::uint64_t height) {
  return decode_height_bytes(value, height, "snapshot proof");
}

std::string encode_height(std::uint64_t height) { return std::move(FrameWriter(8).u64(height)).finish(); }

Result<std::uint64_t> decode_height(std::string_view value) {
  return decode<std::uint64_t>(value, [](ByteReader& r) { return r.u64("height"); });
}

std::string encode_tx_location(const TxLocation& location) {
  return std::move(FrameWriter(16).u64(location.height).u32(location.index).u32(location.code)).finish();
}

Result<TxLocation> decode_tx_location(std::string_view value) {
  return decode<TxLocation>(value, [](ByteReader& r) {
    TxLocation loc;
    loc.height = r.u64("tx.height");
    loc.index = r.u32("tx.index");
    loc.code = r.u32("tx.code");
    return loc;
  });
}

std::string encode_snapshot_info(const SnapshotInfo& info) {
  return std::move(FrameWriter(24).u64(info.height).u64(info.state_bytes).u64(info.proof_bytes)).finish();
}

Result<SnapshotInfo> decode_snapshot_info(std::string_view value, std::uint64_t height) {
  REPLEX_ASSIGN_OR_RETURN(SnapshotInfo info, decode<SnapshotInfo>(value, [](ByteReader& r) {
                            SnapshotInfo i;
                            i.height = r.u64("snapshot_info.height");
                            i.state_bytes = r.u64("snapshot_info.state_bytes");
                            i.proof_bytes = r.u64("snapshot_info.proof_bytes");
                            return i;
                          }));
  if (info.height != height) return height_mismatch("snapshot index entry", info.height, height);
  return info;
}

std::string encode_snapshot(const SnapshotRecord& snapshot) {
  return std::move(FrameWriter(kSnapshotPayloadOverheadBytes + snapshot.state.size() + snapshot.proof.size())
                       .u64(snapshot.height)
                       .bytes(snapshot.state)
                       .bytes(snapshot.proof))
      .finish();
}

Result<SnapshotRecord> decode_snapshot(std::string_view value, std::uint64_t height) {
  REPLEX_ASSIGN_OR_RETURN(SnapshotRecord snapshot, decode<SnapshotRecord>(value, [](ByteReader& r) {
                            SnapshotRecord s;
                            s.height = r.u64("snapshot.height");
                            s.state = r.bytes("snapshot.state");
                            s.proof = r.bytes("snapshot.proof");
                            return s;
                          }));
  if (snapshot.height != height) return height_mismatch("snapshot", snapshot.height, height);
  return snapshot;
}

std::string encode_wal_entry(std::uint64_t height, std::uint64_t sequence, ByteView record) {
  return std::move(
             FrameWriter(kWalPayloadOverheadBytes + record.size()).u64(height).u64(sequence).bytes(record))
      .finish();
}

Result<WalEntry> decode_wal_entry(std::string_view value, std::uint64_t height, std::uint64_t sequence) {
  REPLEX_ASSIGN_OR_RETURN(WalEntry entry, decode<WalEntry>(value, [](ByteReader& r) {
                            WalEntry e;
                            e.height = r.u64("wal.height");
                            e.sequence = r.u64("wal.sequence");
                            e.record = r.bytes("wal.record");
                            return e;
                          }));
  if (entry.height != height || entry.sequence != sequence) {
    return Status::corruption("WAL record says height " + std::to_string(entry.height) + ", sequence " +
                              std::to_string(entry.sequence) + " but is stored under height " +
                              std::to_string(height) + ", sequence " + std::to_string(sequence));
  }
  return entry;
}

std::string encode_sequence(std::uint64_t sequence) {
  return std::move(FrameWriter(8).u64(sequence)).finish();
}

Result<std::uint64_t> decode_sequence(std::string_view value) {
  return decode<std::uint64_t>(value, [](ByteReader& r) { return r.u64("wal.sequence_floor"); });
}

std::string encode_opaque(ByteView value) { return std::move(FrameWriter(value.size()).raw(value)).finish(); }

Result<Bytes> decode_opaque(std::string_view value) {
  REPLEX_ASSIGN_OR_RETURN(ByteView payload, open_frame(value));
  return Bytes(payload.begin(), payload.end());
}

}  // namespace replex::storage
