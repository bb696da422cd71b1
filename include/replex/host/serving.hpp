// Serving peers: committed blocks and state straight from the Store.
//
// A lagging validator or an observer asks a peer for committed blocks
// [from, to] or for its latest proven state; the peer answers from its store
// in the encodings below and the asker decodes them into the consensus
// inputs BlocksReceived / StateReceived (whose content the core verifies).
// Every function is thread-safe (the Store is) and bounded by ServeLimits.
// Format: docs/wire-formats.md, "Replica: serving answers".
#pragma once

#include <cstdint>

#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/host/options.hpp"
#include "replex/storage/store.hpp"

namespace replex::host {

inline constexpr std::uint8_t kBlocksAnswerVersion = 1;
inline constexpr std::uint8_t kStateAnswerVersion = 1;

// Blocks from `from` up to `to`, as many as the limits allow (at least one).
// kInvalidArgument for an empty range or height 0; kNotFound when the store
// does not hold block `from`.
Result<Bytes> serve_blocks(const storage::Store& store, consensus::Height from,
                           consensus::Height to, const ServeLimits& limits);

// The newest snapshot above `above_height` whose checkpoint is proven: the
// proof, the snapshot, the anchor block at its height and the blocks after
// it, as many as the limits allow. kNotFound when there is none.
Result<Bytes> serve_state(const storage::Store& store, consensus::Height above_height,
                          const ServeLimits& limits);

// A blocks answer carrying exactly `blocks` (what serve_blocks sends, and
// what a node pushes to its peers).
Bytes encode_blocks_answer(const std::vector<consensus::CertifiedBlockBytes>& blocks);

// Structure only (counts and sizes within the limits); `from` is left unset
// for the caller, who knows the peer.
Result<consensus::BlocksReceived> decode_blocks_answer(ByteView answer, const ServeLimits& limits);
Result<consensus::StateReceived> decode_state_answer(ByteView answer, const ServeLimits& limits);

}  // namespace replex::host
