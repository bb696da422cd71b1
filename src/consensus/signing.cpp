#include "replex/consensus/signing.hpp"

namespace replex::consensus {

std::string_view message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kPrePrepare:
      return "PRE-PREPARE";
    case MessageType::kPrepare:
      return "PREPARE";
    case MessageType::kCommit:
      return "COMMIT";
    case MessageType::kCheckpoint:
      return "CHECKPOINT";
    case MessageType::kViewChange:
      return "VIEW-CHANGE";
    case MessageType::kNewView:
      return "NEW-VIEW";
  }
  return "UNKNOWN";
}

bool is_vote_type(MessageType type) {
  return type == MessageType::kPrePrepare || type == MessageType::kPrepare ||
         type == MessageType::kCommit;
}

void write_vote_body(ByteWriter& w, const VoteBody& vote) {
  w.u64(vote.view);
  w.u64(vote.height);
  w.hash(vote.block_hash);
}

VoteBody read_vote_body(ByteReader& r) {
  VoteBody vote;
  vote.view = r.u64("view");
  vote.height = r.u64("height");
  vote.block_hash = r.hash("block_hash");
  return vote;
}

void write_checkpoint_body(ByteWriter& w, const CheckpointBody& checkpoint) {
  w.u64(checkpoint.height);
  w.hash(checkpoint.block_hash);
  w.hash(checkpoint.app_hash);
  w.hash(checkpoint.state_digest);
}

CheckpointBody read_checkpoint_body(ByteReader& r) {
  CheckpointBody checkpoint;
  checkpoint.height = r.u64("checkpoint.height");
  checkpoint.block_hash = r.hash("checkpoint.block_hash");
  checkpoint.app_hash = r.hash("checkpoint.app_hash");
  checkpoint.state_digest = r.hash("checkpoint.state_digest");
  return checkpoint;
}

Bytes vote_signed_bytes(MessageType type, ValidatorIndex signer, const VoteBody& vote) {
  REPLEX_ASSERT(is_vote_type(type));
  ByteWriter w(1 + 4 + 8 + 8 + Hash256::kSize);
  w.u8(static_cast<std::uint8_t>(type));
  w.u32(signer);
  write_vote_body(w, vote);
  return w.take();
}

Bytes checkpoint_signed_bytes(ValidatorIndex signer, const CheckpointBody& checkpoint) {
  ByteWriter w(1 + 4 + 8 + 3 * Hash256::kSize);
  w.u8(static_cast<std::uint8_t>(MessageType::kCheckpoint));
  w.u32(signer);
  write_checkpoint_body(w, checkpoint);
  return w.take();
}

Signature sign_consensus(const KeyPair& key, std::string_view chain_id, ByteView signed_bytes) {
  return key.sign(domain::kConsensus, chain_id, signed_bytes);
}

bool verify_consensus(const PublicKey& key, std::string_view chain_id, ByteView signed_bytes,
                      const Signature& signature) {
  return verify(key, domain::kConsensus, chain_id, signed_bytes, signature);
}

}  // namespace replex::consensus
