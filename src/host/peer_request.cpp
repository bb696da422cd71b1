#include "replex/host/peer_request.hpp"

#include <string>

#include "replex/core/codec.hpp"

namespace replex::host {

namespace {

bool has_chunk_fields(PeerRequestKind kind) {
  return kind == PeerRequestKind::kStateOffer || kind == PeerRequestKind::kChunk;
}

}  // namespace

Bytes encode_peer_request(const PeerRequest& request) {
  ByteWriter w(25);
  w.u8(static_cast<std::uint8_t>(request.kind));
  w.u64(request.from_height);
  w.u64(request.to_height);
  if (has_chunk_fields(request.kind)) {
    w.u32(request.chunk_bytes);
    w.u32(request.index);
  }
  return w.take();
}

Result<PeerRequest> decode_peer_request(ByteView payload) {
  ByteReader r(payload);
  PeerRequest request;
  const std::uint8_t kind = r.u8("request.kind");
  if (r.ok() && (kind < static_cast<std::uint8_t>(PeerRequestKind::kBlocks) ||
                 kind > static_cast<std::uint8_t>(PeerRequestKind::kChunk))) {
    return Status::invalid_argument("request.kind: " + std::to_string(kind) +
                                    " is not 1 (blocks), 2 (state), 3 (state offer) or 4 (chunk)");
  }
  request.kind = static_cast<PeerRequestKind>(kind);
  request.from_height = r.u64("request.from_height");
  request.to_height = r.u64("request.to_height");
  if (has_chunk_fields(request.kind)) {
    request.chunk_bytes = r.u32("request.chunk_bytes");
    request.index = r.u32("request.index");
  }
  if (Status s = r.finish(); !s) return Status::invalid_argument(s.message());
  return request;
}

}  // namespace replex::host
