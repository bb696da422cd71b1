#include "replex/consensus/certificates.hpp"

#include <string>

namespace replex::consensus {
namespace {

void write_signatures(ByteWriter& w, const std::vector<SignerSignature>& signatures) {
  w.u32(static_cast<std::uint32_t>(signatures.size()));
  for (const SignerSignature& s : signatures) {
    w.u32(s.validator);
    w.raw(s.signature.view());
  }
}

std::vector<SignerSignature> read_signatures(ByteReader& r, std::string_view field) {
  std::vector<SignerSignature> out;
  const std::uint32_t count = r.u32(field);
  if (!r.ok()) return out;
  if (count > ValidatorSet::kMaxValidators) {
    r.fail(field, std::to_string(count) + " signatures exceeds the validator limit " +
                      std::to_string(ValidatorSet::kMaxValidators));
    return out;
  }
  out.reserve(count);
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    SignerSignature s;
    s.validator = r.u32(field);
    ByteView sig = r.raw(Signature::kSize, field);
    if (!r.ok()) break;
    std::copy(sig.begin(), sig.end(), s.signature.bytes.begin());
    out.push_back(s);
  }
  return out;
}

// Signers in range and strictly ascending, count within [min_count, n].
Status check_signers(const std::vector<SignerSignature>& signatures, const ValidatorSet& validators,
                     std::size_t min_count, std::string_view what) {
  if (signatures.size() < min_count) {
    return Status::invalid_argument(std::string(what) + ": " + std::to_string(signatures.size()) +
                                    " signatures, needs " + std::to_string(min_count));
  }
  if (signatures.size() > validators.size()) {
    return Status::invalid_argument(std::string(what) + ": " + std::to_string(signatures.size()) +
                                    " signatures for " + std::to_string(validators.size()) +
                                    " validators");
  }
  for (std::size_t i = 0; i < signatures.size(); ++i) {
    if (!validators.contains(signatures[i].validator)) {
      return Status::invalid_argument(std::string(what) + ": signer " +
                                      std::to_string(signatures[i].validator) +
                                      " is not a validator");
    }
    if (i > 0 && signatures[i].validator <= signatures[i - 1].validator) {
      return Status::invalid_argument(
          std::string(what) + ": signers not strictly ascending (duplicate or unordered signer " +
          std::to_string(signatures[i].validator) + ")");
    }
  }
  return Status::ok();
}

Status verify_votes(MessageType type, const VoteBody& vote,
                    const std::vector<SignerSignature>& signatures, const ValidatorSet& validators,
                    std::string_view chain_id, std::string_view what) {
  for (const SignerSignature& s : signatures) {
    const Bytes signed_bytes = vote_signed_bytes(type, s.validator, vote);
    if (!verify_consensus(validators.key(s.validator), chain_id, signed_bytes, s.signature)) {
      return Status::unauthenticated(
          std::string(what) + ": " + std::string(message_type_name(type)) +
          " signature of validator " + std::to_string(s.validator) + " does not verify");
    }
  }
  return Status::ok();
}

}  // namespace

// --- encodings ------------------------------------------------------------------

void write_commit_certificate(ByteWriter& w, const CommitCertificate& cert) {
  w.u8(kCertificateVersion);
  write_vote_body(w, cert.vote());
  write_signatures(w, cert.signatures);
}

CommitCertificate read_commit_certificate(ByteReader& r) {
  CommitCertificate cert;
  const std::uint8_t version = r.u8("commit_certificate.version");
  if (r.ok() && version != kCertificateVersion) {
    r.fail("commit_certificate.version", "unsupported version " + std::to_string(version));
  }
  const VoteBody vote = read_vote_body(r);
  cert.view = vote.view;
  cert.height = vote.height;
  cert.block_hash = vote.block_hash;
  cert.signatures = read_signatures(r, "commit_certificate.signatures");
  return cert;
}

void write_prepared_certificate(ByteWriter& w, const PreparedCertificate& cert) {
  write_vote_body(w, cert.vote());
  w.raw(cert.pre_prepare_signature.view());
  write_signatures(w, cert.prepares);
}

PreparedCertificate read_prepared_certificate(ByteReader& r) {
  PreparedCertificate cert;
  const VoteBody vote = read_vote_body(r);
  cert.view = vote.view;
  cert.height = vote.height;
  cert.block_hash = vote.block_hash;
  ByteView sig = r.raw(Signature::kSize, "prepared_certificate.pre_prepare_signature");
  if (r.ok()) std::copy(sig.begin(), sig.end(), cert.pre_prepare_signature.bytes.begin());
  cert.prepares = read_signatures(r, "prepared_certificate.prepares");
  return cert;
}

void write_checkpoint_proof(ByteWriter& w, const CheckpointProof& proof) {
  w.u8(kCertificateVersion);
  write_checkpoint_body(w, proof.checkpoint);
  write_signatures(w, proof.signatures);
}

CheckpointProof read_checkpoint_proof(ByteReader& r) {
  CheckpointProof proof;
  const std::uint8_t version = r.u8("checkpoint_proof.version");
  if (r.ok() && version != kCertificateVersion) {
    r.fail("checkpoint_proof.version", "unsupported version " + std::to_string(version));
  }
  proof.checkpoint = read_checkpoint_body(r);
  proof.signatures = read_signatures(r, "checkpoint_proof.signatures");
  return proof;
}

Bytes encode_commit_certificate(const CommitCertificate& cert) {
  ByteWriter w(1 + 48 + 4 + cert.signatures.size() * (4 + Signature::kSize));
  write_commit_certificate(w, cert);
  return w.take();
}

Result<CommitCertificate> decode_commit_certificate(ByteView bytes) {
  ByteReader r(bytes);
  CommitCertificate cert = read_commit_certificate(r);
  REPLEX_RETURN_IF_ERROR(r.finish());
  return cert;
}

Bytes encode_checkpoint_proof(const CheckpointProof& proof) {
  ByteWriter w(1 + 104 + 4 + proof.signatures.size() * (4 + Signature::kSize));
  write_checkpoint_proof(w, proof);
  return w.take();
}

Result<CheckpointProof> decode_checkpoint_proof(ByteView bytes) {
  ByteReader r(bytes);
  CheckpointProof proof = read_checkpoint_proof(r);
  REPLEX_RETURN_IF_ERROR(r.finish());
  return proof;
}

// --- checks -----------------------------------------------------------------------

Status check_commit_certificate_shape(const CommitCertificate& cert,
                                      const ValidatorSet& validators) {
  if (cert.height == 0)
    return Status::invalid_argument("commit certificate: height 0 (genesis) has none");
  return check_signers(cert.signatures, validators, validators.quorum(), "commit certificate");
}

Status check_prepared_certificate_shape(const PreparedCertificate& cert,
                                        const ValidatorSet& validators) {
  if (cert.height == 0) return Status::invalid_argument("prepared certificate: height 0");
  REPLEX_RETURN_IF_ERROR(
      check_signers(cert.prepares, validators, validators.quorum() - 1, "prepared certificate"));
  const ValidatorIndex primary = validators.primary_of(cert.view);
  for (const SignerSignature& s : cert.prepares) {
    if (s.validator == primary) {
      return Status::invalid_argument("prepared certificate: PREPARE from the primary " +
                                      std::to_string(primary) + " of view " +
                                      std::to_string(cert.view));
    }
  }
  return Status::ok();
}

Status check_checkpoint_proof_shape(const CheckpointProof& proof, const ValidatorSet& validators,
                                    std::uint64_t checkpoint_interval) {
  REPLEX_ASSERT(checkpoint_interval > 0);
  if (proof.checkpoint.height == 0 || proof.checkpoint.height % checkpoint_interval != 0) {
    return Status::invalid_argument("checkpoint proof: height " +
                                    std::to_string(proof.checkpoint.height) +
                                    " is not a positive multiple of checkpoint_interval " +
                                    std::to_string(checkpoint_interval));
  }
  return check_signers(proof.signatures, validators, validators.quorum(), "checkpoint proof");
}

Status verify_commit_certificate_signatures(const CommitCertificate& cert,
                                            const ValidatorSet& validators,
                                            std::string_view chain_id) {
  return verify_votes(MessageType::kCommit, cert.vote(), cert.signatures, validators, chain_id,
                      "commit certificate");
}

Status verify_prepared_certificate_signatures(const PreparedCertificate& cert,
                                              const ValidatorSet& validators,
                                              std::string_view chain_id) {
  const ValidatorIndex primary = validators.primary_of(cert.view);
  const Bytes pre_prepare = vote_signed_bytes(MessageType::kPrePrepare, primary, cert.vote());
  if (!verify_consensus(validators.key(primary), chain_id, pre_prepare,
                        cert.pre_prepare_signature)) {
    return Status::unauthenticated("prepared certificate: PRE-PREPARE signature of primary " +
                                   std::to_string(primary) + " does not verify");
  }
  return verify_votes(MessageType::kPrepare, cert.vote(), cert.prepares, validators, chain_id,
                      "prepared certificate");
}

Status verify_checkpoint_proof_signatures(const CheckpointProof& proof,
                                          const ValidatorSet& validators,
                                          std::string_view chain_id) {
  for (const SignerSignature& s : proof.signatures) {
    const Bytes signed_bytes = checkpoint_signed_bytes(s.validator, proof.checkpoint);
    if (!verify_consensus(validators.key(s.validator), chain_id, signed_bytes, s.signature)) {
      return Status::unauthenticated("checkpoint proof: CHECKPOINT signature of validator " +
                                     std::to_string(s.validator) + " does not verify");
    }
  }
  return Status::ok();
}

Status verify_commit_certificate(const CommitCertificate& cert, const ValidatorSet& validators,
                                 std::string_view chain_id) {
  REPLEX_RETURN_IF_ERROR(check_commit_certificate_shape(cert, validators));
  return verify_commit_certificate_signatures(cert, validators, chain_id);
}

Status verify_prepared_certificate(const PreparedCertificate& cert, const ValidatorSet& validators,
                                   std::string_view chain_id) {
  REPLEX_RETURN_IF_ERROR(check_prepared_certificate_shape(cert, validators));
  return verify_prepared_certificate_signatures(cert, validators, chain_id);
}

Status verify_checkpoint_proof(const CheckpointProof& proof, const ValidatorSet& validators,
                               std::string_view chain_id, std::uint64_t checkpoint_interval) {
  REPLEX_RETURN_IF_ERROR(check_checkpoint_proof_shape(proof, validators, checkpoint_interval));
  return verify_checkpoint_proof_signatures(proof, validators, chain_id);
}

}  // namespace replex::consensus
