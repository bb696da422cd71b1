// Serving peers: committed blocks and state straight from the Store.
//
// A lagging validator or an observer asks a peer (peer_request.hpp) for
// committed blocks [from, to], for its latest proven state, or for that
// state's offer and then its snapshot chunk by chunk (snapshot_server.hpp);
// the peer answers from its store in the encodings below and the asker
// decodes them into the consensus inputs BlocksReceived / StateReceived /
// ChunkReceived (whose content the core verifies). Every function is
// thread-safe (the Store is) and bounded by ServeLimits.
// Format: docs/wire-formats.md, "Replica".
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/host/options.hpp"
#include "replex/host/stored_snapshot.hpp"
#include "replex/storage/store.hpp"

namespace replex::host {

inline constexpr std::uint8_t kBlocksAnswerVersion = 1;
inline constexpr std::uint8_t kStateAnswerVersion = 1;  // the snapshot's bytes
inline constexpr std::uint8_t kStateOfferVersion = 2;   // the snapshot's size
inline constexpr std::uint8_t kChunkAnswerVersion = 1;

// Blocks from `from` up to `to`, as many as the limits allow (at least one).
// kInvalidArgument for an empty range or height 0; kNotFound when the store
// does not hold block `from`.
Result<Bytes> serve_blocks(const storage::Store& store, consensus::Height from,
                           consensus::Height to, const ServeLimits& limits);

// The newest stored snapshot above `above_height` whose checkpoint is proven.
struct ProvenSnapshot {
  consensus::Height height = 0;
  Bytes state;
  SnapshotAttachment attachment;  // checkpoint_proof is not empty
};
// kNotFound when there is none.
Result<ProvenSnapshot> find_proven_snapshot(const storage::Store& store,
                                            consensus::Height above_height);
// The stored snapshot at `height` if it is there and proven, nullopt if not.
Result<std::optional<ProvenSnapshot>> read_proven_snapshot(const storage::Store& store,
                                                           consensus::Height height);

// The state answer for `snapshot`: its proof, the snapshot itself (or, as an
// offer, only its size), the anchor block at its height and the blocks after
// it, as many as the limits allow.
Result<Bytes> answer_state(const storage::Store& store, const ProvenSnapshot& snapshot, bool offer,
                           const ServeLimits& limits);

// find_proven_snapshot, then answer_state with the snapshot's bytes;
// kResourceExhausted when the snapshot is above max_snapshot_bytes.
Result<Bytes> serve_state(const storage::Store& store, consensus::Height above_height,
                          const ServeLimits& limits);

// Encodings (serving_codec.cpp). A blocks answer carrying exactly `blocks`
// (what serve_blocks sends, and what a node pushes to its peers).
Bytes encode_blocks_answer(const std::vector<consensus::CertifiedBlockBytes>& blocks);
// With snapshot_bytes set, an offer (kStateOfferVersion) and `snapshot` unused.
Bytes encode_state_answer(const consensus::StateReceived& answer);
Bytes encode_chunk_answer(const consensus::ChunkReceived& chunk);

// Structure only (counts and sizes within the limits); `from` is left unset
// for the caller, who knows the peer. decode_state_answer reads both forms.
Result<consensus::BlocksReceived> decode_blocks_answer(ByteView answer, const ServeLimits& limits);
Result<consensus::StateReceived> decode_state_answer(ByteView answer, const ServeLimits& limits);
Result<consensus::ChunkReceived> decode_chunk_answer(ByteView answer, const ServeLimits& limits);

}  // namespace replex::host
