// Verification of committed blocks and state from untrusted peers.
//
// Free functions, usable by the core, the driver (before it installs
// anything), observers, the store's readers and tests. Everything is checked
// against the validator set alone: a block against its commit certificate and
// its parent, a snapshot against a checkpoint proof (quorum of CHECKPOINTs).
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "replex/consensus/block.hpp"
#include "replex/consensus/certificates.hpp"
#include "replex/consensus/validator_set.hpp"

namespace replex::consensus {

// A committed block and its commit certificate as received or stored.
struct CertifiedBlockBytes {
  Bytes block;
  Bytes certificate;
};

// A decoded block whose certificate verified and certifies exactly it.
struct CertifiedBlock {
  std::shared_ptr<const Block> block;
  Hash256 block_hash;
  CommitCertificate certificate;
  Bytes block_bytes;
  Bytes certificate_bytes;

  Height height() const { return block->header.height; }
};

// What verification needs to know about the chain.
struct ChainContext {
  const ValidatorSet& validators;
  std::string_view chain_id;
  BlockLimits block_limits;
  std::uint64_t checkpoint_interval = 0;
};

// The height `bytes`' certificate claims, decoded without checking a
// signature: blocks at heights already held are discarded before paying for
// verification. Nothing else may rely on it (verify_certified_block does).
Result<Height> claimed_height(const CertifiedBlockBytes& bytes);

// Decodes the block and the certificate, verifies the certificate and that it
// certifies this block (same height and hash).
Result<CertifiedBlock> verify_certified_block(const CertifiedBlockBytes& bytes,
                                              const ChainContext& chain);

// `next` is the block right after (parent_height, parent_hash).
Status verify_chain_link(Height parent_height, const Hash256& parent_hash, const BlockHeader& next);

// SHA-256(snapshot) is the state digest the proof vouches for.
Status verify_snapshot(ByteView snapshot, const CheckpointProof& proof);

// A verified state transfer: the proof, the anchor block at the proof's height
// (its hash is the proof's block_hash) and later blocks chained onto it.
struct VerifiedState {
  CheckpointProof proof;
  Bytes proof_bytes;
  CertifiedBlock anchor;
  std::vector<CertifiedBlock> later_blocks;
};

// Verifies a state transfer answer: proof against the validator set, snapshot
// digest against the proof, blocks[0] as the anchor block, and every later
// block against its certificate and its parent. `snapshot` is not copied.
Result<VerifiedState> verify_state_transfer(ByteView proof_bytes, ByteView snapshot,
                                            std::span<const CertifiedBlockBytes> blocks,
                                            const ChainContext& chain);

// The same without the snapshot, which comes in chunks verified one by one
// against the proof's state_digest (snapshot_chunks.hpp).
Result<VerifiedState> verify_state_offer(ByteView proof_bytes,
                                         std::span<const CertifiedBlockBytes> blocks,
                                         const ChainContext& chain);

}  // namespace replex::consensus
