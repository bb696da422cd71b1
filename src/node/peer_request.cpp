#include "peer_request.hpp"

#include "replex/core/codec.hpp"

namespace replex::node {

Bytes encode_peer_request(const PeerRequest& request) {
  ByteWriter w(17);
  w.u8(static_cast<std::uint8_t>(request.kind));
  w.u64(request.from_height);
  w.u64(request.to_height);
  return w.take();
}

Result<PeerRequest> decode_peer_request(ByteView payload) {
  ByteReader r(payload);
  PeerRequest request;
  const std::uint8_t kind = r.u8("request.kind");
  request.from_height = r.u64("request.from_height");
  request.to_height = r.u64("request.to_height");
  if (Status s = r.finish(); !s) return Status::invalid_argument(s.message());
  if (kind != static_cast<std::uint8_t>(PeerRequestKind::kBlocks) &&
      kind != static_cast<std::uint8_t>(PeerRequestKind::kState)) {
    return Status::invalid_argument("request.kind: " + std::to_string(kind) + " is not 1 (blocks) or 2 (state)");
  }
  request.kind = static_cast<PeerRequestKind>(kind);
  return request;
}

}  // namespace replex::node
