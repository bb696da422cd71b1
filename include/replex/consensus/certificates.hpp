// Quorum certificates, verifiable offline by anyone holding the validator set.
//
// CommitCertificate: a quorum of COMMITs for (view, height, block_hash); it
// proves the block at `height` is final. PreparedCertificate: the primary's
// PRE-PREPARE plus quorum-1 PREPAREs from other validators in one view; it
// travels in VIEW-CHANGE. CheckpointProof: a quorum of matching CHECKPOINTs;
// it proves the state (app_hash, state_digest) after `height`.
// Every certificate lists signers in strictly ascending order (no duplicates)
// and is checked by re-encoding each signer's signed part. Encodings:
// docs/wire-formats.md, "Consensus".
#pragma once

#include <string_view>
#include <vector>

#include "replex/consensus/signing.hpp"
#include "replex/consensus/validator_set.hpp"
#include "replex/core/codec.hpp"

namespace replex::consensus {

inline constexpr std::uint8_t kCertificateVersion = 1;

struct CommitCertificate {
  View view = 0;
  Height height = 0;
  Hash256 block_hash;
  std::vector<SignerSignature> signatures;

  VoteBody vote() const { return {view, height, block_hash}; }
  friend bool operator==(const CommitCertificate&, const CommitCertificate&) = default;
};

struct PreparedCertificate {
  View view = 0;
  Height height = 0;
  Hash256 block_hash;
  Signature pre_prepare_signature;  // by the primary of `view`
  std::vector<SignerSignature> prepares;

  VoteBody vote() const { return {view, height, block_hash}; }
  friend bool operator==(const PreparedCertificate&, const PreparedCertificate&) = default;
};

struct CheckpointProof {
  CheckpointBody checkpoint;
  std::vector<SignerSignature> signatures;

  friend bool operator==(const CheckpointProof&, const CheckpointProof&) = default;
};

// --- encodings ------------------------------------------------------------------
Bytes encode_commit_certificate(const CommitCertificate& cert);
Result<CommitCertificate> decode_commit_certificate(ByteView bytes);
Bytes encode_checkpoint_proof(const CheckpointProof& proof);
Result<CheckpointProof> decode_checkpoint_proof(ByteView bytes);

// Building blocks for messages that nest certificates.
void write_commit_certificate(ByteWriter& w, const CommitCertificate& cert);
CommitCertificate read_commit_certificate(ByteReader& r);
void write_prepared_certificate(ByteWriter& w, const PreparedCertificate& cert);
PreparedCertificate read_prepared_certificate(ByteReader& r);
void write_checkpoint_proof(ByteWriter& w, const CheckpointProof& proof);
CheckpointProof read_checkpoint_proof(ByteReader& r);

// --- checks -----------------------------------------------------------------------
// Structure only: signer count within [threshold, n], signers in range and
// strictly ascending, height >= 1; a prepared certificate has no PREPARE from
// the primary of its view. No signature is checked.
Status check_commit_certificate_shape(const CommitCertificate& cert,
                                      const ValidatorSet& validators);
Status check_prepared_certificate_shape(const PreparedCertificate& cert,
                                        const ValidatorSet& validators);
Status check_checkpoint_proof_shape(const CheckpointProof& proof, const ValidatorSet& validators,
                                    std::uint64_t checkpoint_interval);

// Structure and every signature. Errors name the certificate and the signer.
Status verify_commit_certificate(const CommitCertificate& cert, const ValidatorSet& validators,
                                 std::string_view chain_id);
Status verify_prepared_certificate(const PreparedCertificate& cert, const ValidatorSet& validators,
                                   std::string_view chain_id);
Status verify_checkpoint_proof(const CheckpointProof& proof, const ValidatorSet& validators,
                               std::string_view chain_id, std::uint64_t checkpoint_interval);

// Signatures only (structure already checked), for verification on a worker.
Status verify_commit_certificate_signatures(const CommitCertificate& cert,
                                            const ValidatorSet& validators,
                                            std::string_view chain_id);
Status verify_prepared_certificate_signatures(const PreparedCertificate& cert,
                                              const ValidatorSet& validators,
                                              std::string_view chain_id);
Status verify_checkpoint_proof_signatures(const CheckpointProof& proof,
                                          const ValidatorSet& validators,
                                          std::string_view chain_id);

}  // namespace replex::consensus
