// What consensus signs: the canonical signed part of every message.
//
// A signed part starts with the message type and the signer's validator
// index, then the type's fields (ByteWriter encoding, docs/wire-formats.md).
// Signatures are Ed25519 under domain::kConsensus and the chain id, so a vote
// can never be replayed as a transaction, a handshake or another chain's vote.
// Certificates keep only (validator, signature) pairs and are checked by
// re-encoding the signed part from their fields.
#pragma once

#include <cstdint>
#include <string_view>

#include "replex/consensus/types.hpp"
#include "replex/core/codec.hpp"

namespace replex::consensus {

enum class MessageType : std::uint8_t {
  kPrePrepare = 1,
  kPrepare = 2,
  kCommit = 3,
  kCheckpoint = 4,
  kViewChange = 5,
  kNewView = 6,
};
inline constexpr std::uint8_t kMaxMessageType = 6;

// "PRE-PREPARE", "PREPARE", ...
std::string_view message_type_name(MessageType type);

// The fields of PRE-PREPARE, PREPARE and COMMIT. A PRE-PREPARE signs the block
// hash; the block travels beside the signed part and is checked against it.
struct VoteBody {
  View view = 0;
  Height height = 0;
  Hash256 block_hash;

  friend bool operator==(const VoteBody&, const VoteBody&) = default;
};

// The fields of CHECKPOINT: the state after executing `height`.
struct CheckpointBody {
  Height height = 0;
  Hash256 block_hash;
  Hash256 app_hash;
  Hash256 state_digest;  // SHA-256 of the canonical snapshot bytes

  friend bool operator==(const CheckpointBody&, const CheckpointBody&) = default;
};

bool is_vote_type(MessageType type);

// Signed part of a PRE-PREPARE / PREPARE / COMMIT.
Bytes vote_signed_bytes(MessageType type, ValidatorIndex signer, const VoteBody& vote);
// Signed part of a CHECKPOINT.
Bytes checkpoint_signed_bytes(ValidatorIndex signer, const CheckpointBody& checkpoint);

void write_vote_body(ByteWriter& w, const VoteBody& vote);
VoteBody read_vote_body(ByteReader& r);
void write_checkpoint_body(ByteWriter& w, const CheckpointBody& checkpoint);
CheckpointBody read_checkpoint_body(ByteReader& r);

Signature sign_consensus(const KeyPair& key, std::string_view chain_id, ByteView signed_bytes);
bool verify_consensus(const PublicKey& key, std::string_view chain_id, ByteView signed_bytes,
                      const Signature& signature);

}  // namespace replex::consensus
