// What a node asks a peer on p2p::Channel::kStateTransfer: committed blocks
// [from_height, to_height], the peer's latest proven state above from_height
// (whole, or offered for transfer in chunks), or one chunk of the snapshot
// at from_height. Answers use the serving encodings (serving.hpp).
// Layout (docs/wire-formats.md, "Replica: peer requests"), big-endian:
//   u8 kind | u64 from_height | u64 to_height
//   kinds 3 and 4 add: u32 chunk_bytes | u32 index
#pragma once

#include <cstdint>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"

namespace replex::host {

enum class PeerRequestKind : std::uint8_t {
  kBlocks = 1,      // [from_height, to_height]
  kState = 2,       // the newest proven state above from_height, snapshot included
  kStateOffer = 3,  // the same with the snapshot's size instead of its bytes
  kChunk = 4,       // chunk `index` (of chunk_bytes) of the snapshot at from_height
};

struct PeerRequest {
  PeerRequestKind kind = PeerRequestKind::kBlocks;
  std::uint64_t from_height = 0;
  std::uint64_t to_height = 0;     // kBlocks only; 0 otherwise
  std::uint32_t chunk_bytes = 0;   // kStateOffer and kChunk only
  std::uint32_t index = 0;         // kChunk only
  friend bool operator==(const PeerRequest&, const PeerRequest&) = default;
};

Bytes encode_peer_request(const PeerRequest& request);
// kInvalidArgument naming the field: a truncated payload, trailing bytes, an
// unknown kind. Values are the server's to judge (serving.hpp).
Result<PeerRequest> decode_peer_request(ByteView payload);

}  // namespace replex::host
