// What the replica host stores beside a snapshot's state, in the store's
// SnapshotRecord::proof field: the committed block at the snapshot's height
// with its commit certificate, and the checkpoint proof once the checkpoint
// is stable. With the block beside it a snapshot alone restarts a node and
// anchors a state transfer answer, even after the chain was reset to it.
// Format: docs/wire-formats.md, "Replica: snapshot attachment".
#pragma once

#include <cstdint>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"

namespace replex::host {

inline constexpr std::uint8_t kSnapshotAttachmentVersion = 1;

struct SnapshotAttachment {
  Bytes block;             // canonical block bytes at the snapshot's height
  Bytes certificate;       // its commit certificate
  Bytes checkpoint_proof;  // encode_checkpoint_proof; empty until the checkpoint is stable

  friend bool operator==(const SnapshotAttachment&, const SnapshotAttachment&) = default;
};

Bytes encode_snapshot_attachment(const SnapshotAttachment& attachment);
// kCorruption naming the field: version, an empty block or certificate, trailing bytes.
Result<SnapshotAttachment> decode_snapshot_attachment(ByteView bytes);

}  // namespace replex::host
