// The request a node sends a peer on p2p::Channel::kStateTransfer: committed
// blocks [from_height, to_height], or the peer's latest proven state above
// from_height. Answers use the replica host's serving encodings
// (replica/serving.hpp). Layout (docs/node.md, "Peer requests"):
//   u8 kind (1 blocks, 2 state) | u64 from_height | u64 to_height (0 for state)
#pragma once

#include <cstdint>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"

namespace replex::node {

enum class PeerRequestKind : std::uint8_t { kBlocks = 1, kState = 2 };

struct PeerRequest {
  PeerRequestKind kind = PeerRequestKind::kBlocks;
  std::uint64_t from_height = 0;
  std::uint64_t to_height = 0;
  friend bool operator==(const PeerRequest&, const PeerRequest&) = default;
};

Bytes encode_peer_request(const PeerRequest& request);
// kInvalidArgument naming the field: a truncated payload, trailing bytes, an unknown kind.
Result<PeerRequest> decode_peer_request(ByteView payload);

}  // namespace replex::node
