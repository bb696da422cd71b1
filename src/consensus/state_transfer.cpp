#include "replex/consensus/state_transfer.hpp"

#include <string>

#include "replex/core/assert.hpp"
#include "replex/core/hash.hpp"

namespace replex::consensus {

Result<Height> claimed_height(const CertifiedBlockBytes& bytes) {
  auto cert = decode_commit_certificate(bytes.certificate);
  if (!cert) return cert.status().with_context("commit certificate: ");
  return cert->height;
}

Result<CertifiedBlock> verify_certified_block(const CertifiedBlockBytes& bytes,
                                              const ChainContext& chain) {
  auto block = decode_block(bytes.block, chain.block_limits, chain.chain_id);
  if (!block) return block.status();
  auto cert = decode_commit_certificate(bytes.certificate);
  if (!cert) return cert.status().with_context("commit certificate: ");
  REPLEX_RETURN_IF_ERROR(verify_commit_certificate(*cert, chain.validators, chain.chain_id));
  const Hash256 hash = block_hash(block->header);
  if (cert->height != block->header.height || cert->block_hash != hash) {
    return Status::invalid_argument("commit certificate: certifies height " +
                                    std::to_string(cert->height) + " block " +
                                    cert->block_hash.hex() + ", not this block (height " +
                                    std::to_string(block->header.height) + ", " + hash.hex() + ")");
  }
  CertifiedBlock out;
  out.block = std::make_shared<const Block>(std::move(block).value());
  out.block_hash = hash;
  out.certificate = std::move(cert).value();
  out.block_bytes = bytes.block;
  out.certificate_bytes = bytes.certificate;
  REPLEX_ASSERT(out.certificate.height == out.block->header.height && out.certificate.block_hash == out.block_hash);
  return out;
}

Status verify_chain_link(Height parent_height, const Hash256& parent_hash,
                         const BlockHeader& next) {
  REPLEX_ASSERT(parent_height < UINT64_MAX);
  if (next.height != parent_height + 1) {
    return Status::invalid_argument("block.height: " + std::to_string(next.height) + ", expected " +
                                    std::to_string(parent_height + 1));
  }
  if (next.prev_block_hash != parent_hash) {
    return Status::invalid_argument("block.prev_block_hash: at height " +
                                    std::to_string(next.height) + " does not chain onto block " +
                                    parent_hash.hex());
  }
  return Status::ok();
}

Status verify_snapshot(ByteView snapshot, const CheckpointProof& proof) {
  const Hash256 digest = sha256(snapshot);
  if (digest != proof.checkpoint.state_digest) {
    return Status::invalid_argument("snapshot: SHA-256 " + digest.hex() +
                                    " is not the proven state_digest " +
                                    proof.checkpoint.state_digest.hex());
  }
  return Status::ok();
}

namespace {

// The anchor and the blocks after it, for a proof already verified.
Result<VerifiedState> verify_offer_blocks(CheckpointProof proof, ByteView proof_bytes,
                                          std::span<const CertifiedBlockBytes> blocks,
                                          const ChainContext& chain) {
  if (blocks.empty()) {
    return Status::invalid_argument("state transfer: the anchor block at height " +
                                    std::to_string(proof.checkpoint.height) + " is missing");
  }
  VerifiedState out;
  auto anchor = verify_certified_block(blocks[0], chain);
  if (!anchor) return anchor.status().with_context("state transfer anchor: ");
  if (anchor->height() != proof.checkpoint.height ||
      anchor->block_hash != proof.checkpoint.block_hash) {
    return Status::invalid_argument("state transfer anchor: block " + anchor->block_hash.hex() +
                                    " at height " + std::to_string(anchor->height()) +
                                    " is not the checkpointed block");
  }
  out.anchor = std::move(anchor).value();
  Height parent_height = out.anchor.height();
  Hash256 parent_hash = out.anchor.block_hash;
  for (std::size_t i = 1; i < blocks.size(); ++i) {
    auto next = verify_certified_block(blocks[i], chain);
    if (!next)
      return next.status().with_context("state transfer block " + std::to_string(i) + ": ");
    REPLEX_RETURN_IF_ERROR(verify_chain_link(parent_height, parent_hash, next->block->header)
                               .with_context("state transfer block " + std::to_string(i) + ": "));
    parent_height = next->height();
    parent_hash = next->block_hash;
    out.later_blocks.push_back(std::move(next).value());
  }
  out.proof = std::move(proof);
  out.proof_bytes = Bytes(proof_bytes.begin(), proof_bytes.end());
  // What the caller installs: the checkpointed block, then a gapless chain above it.
  REPLEX_ASSERT(out.anchor.height() == out.proof.checkpoint.height &&
                out.anchor.block_hash == out.proof.checkpoint.block_hash);
  REPLEX_ASSERT(out.later_blocks.size() + 1 == blocks.size());
  for (std::size_t i = 0; i < out.later_blocks.size(); ++i) {
    REPLEX_ASSERT(out.later_blocks[i].height() == out.anchor.height() + 1 + i);
  }
  return out;
}

}  // namespace

Result<VerifiedState> verify_state_transfer(ByteView proof_bytes, ByteView snapshot,
                                            std::span<const CertifiedBlockBytes> blocks,
                                            const ChainContext& chain) {
  auto proof = decode_checkpoint_proof(proof_bytes);
  if (!proof) return proof.status().with_context("checkpoint proof: ");
  REPLEX_RETURN_IF_ERROR(
      verify_checkpoint_proof(*proof, chain.validators, chain.chain_id, chain.checkpoint_interval));
  REPLEX_RETURN_IF_ERROR(verify_snapshot(snapshot, *proof));
  return verify_offer_blocks(std::move(proof).value(), proof_bytes, blocks, chain);
}

Result<VerifiedState> verify_state_offer(ByteView proof_bytes,
                                         std::span<const CertifiedBlockBytes> blocks,
                                         const ChainContext& chain) {
  auto proof = decode_checkpoint_proof(proof_bytes);
  if (!proof) return proof.status().with_context("checkpoint proof: ");
  REPLEX_RETURN_IF_ERROR(
      verify_checkpoint_proof(*proof, chain.validators, chain.chain_id, chain.checkpoint_interval));
  return verify_offer_blocks(std::move(proof).value(), proof_bytes, blocks, chain);
}

}  // namespace replex::consensus
