#include "replex/host/stored_snapshot.hpp"

#include <string>

#include "replex/core/codec.hpp"

namespace replex::host {

Bytes encode_snapshot_attachment(const SnapshotAttachment& attachment) {
  ByteWriter w(1 + 12 + attachment.block.size() + attachment.certificate.size() +
               attachment.checkpoint_proof.size());
  w.u8(kSnapshotAttachmentVersion);
  w.bytes(attachment.block);
  w.bytes(attachment.certificate);
  w.bytes(attachment.checkpoint_proof);
  return w.take();
}

Result<SnapshotAttachment> decode_snapshot_attachment(ByteView bytes) {
  ByteReader r(bytes, 0xffffffffu);
  const std::uint8_t version = r.u8("snapshot_attachment.version");
  if (r.ok() && version != kSnapshotAttachmentVersion) {
    r.fail("snapshot_attachment.version", "unknown version " + std::to_string(version));
  }
  SnapshotAttachment out;
  out.block = r.bytes("snapshot_attachment.block");
  out.certificate = r.bytes("snapshot_attachment.certificate");
  out.checkpoint_proof = r.bytes("snapshot_attachment.checkpoint_proof");
  if (r.ok() && out.block.empty()) r.fail("snapshot_attachment.block", "empty");
  if (r.ok() && out.certificate.empty()) r.fail("snapshot_attachment.certificate", "empty");
  REPLEX_RETURN_IF_ERROR(r.finish());  // kCorruption naming the field and offset
  return out;
}

}  // namespace replex::host
