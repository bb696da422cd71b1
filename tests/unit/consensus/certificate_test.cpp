// Certificates verified offline against the validator set: good, missing
// signature, duplicate signer, wrong view or hash, forged signature.
#include <gtest/gtest.h>

#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

class CertificateTest : public ::testing::Test {
 protected:
  CommitCertificate commit_cert(std::vector<ValidatorIndex> signers, const VoteBody& vote) const {
    CommitCertificate cert{vote.view, vote.height, vote.block_hash, {}};
    for (ValidatorIndex i : signers) {
      cert.signatures.push_back(
          {i, sign_consensus(validator_key(i), kChainId,
                             vote_signed_bytes(MessageType::kCommit, i, vote))});
    }
    return cert;
  }

  const ValidatorSet validators_ = make_validators(4);
  const VoteBody vote_{2, 7, sha256("block 7")};
};

TEST_F(CertificateTest, AQuorumOfCommitsVerifies) {
  const CommitCertificate cert = commit_cert({0, 1, 3}, vote_);
  EXPECT_TRUE(verify_commit_certificate(cert, validators_, kChainId).is_ok());
  // All n is fine too; encoding round-trips exactly.
  const CommitCertificate all = commit_cert({0, 1, 2, 3}, vote_);
  EXPECT_TRUE(verify_commit_certificate(all, validators_, kChainId).is_ok());
  auto decoded = decode_commit_certificate(encode_commit_certificate(all));
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(*decoded, all);
}

TEST_F(CertificateTest, AMissingSignatureIsRefused) {
  const Status s = verify_commit_certificate(commit_cert({0, 1}, vote_), validators_, kChainId);
  EXPECT_NE(s.message().find("2 signatures, needs 3"), std::string::npos) << s.to_string();
}

TEST_F(CertificateTest, ADuplicateSignerIsRefused) {
  CommitCertificate cert = commit_cert({0, 1, 1}, vote_);
  EXPECT_NE(
      verify_commit_certificate(cert, validators_, kChainId).message().find("strictly ascending"),
      std::string::npos);
  cert = commit_cert({1, 0, 2}, vote_);  // unordered
  EXPECT_FALSE(verify_commit_certificate(cert, validators_, kChainId).is_ok());
}

TEST_F(CertificateTest, AWrongViewHeightOrHashIsRefused) {
  CommitCertificate cert = commit_cert({0, 1, 2}, vote_);
  cert.view = 3;
  EXPECT_EQ(verify_commit_certificate(cert, validators_, kChainId).code(),
            StatusCode::kUnauthenticated);
  cert = commit_cert({0, 1, 2}, vote_);
  cert.block_hash = sha256("another block");
  EXPECT_EQ(verify_commit_certificate(cert, validators_, kChainId).code(),
            StatusCode::kUnauthenticated);
  cert = commit_cert({0, 1, 2}, vote_);
  cert.height = 8;
  EXPECT_EQ(verify_commit_certificate(cert, validators_, kChainId).code(),
            StatusCode::kUnauthenticated);
  // PREPARE signatures are not COMMIT signatures.
  cert = commit_cert({0, 1, 2}, vote_);
  cert.signatures[0].signature = sign_consensus(validator_key(0), kChainId,
                                                vote_signed_bytes(MessageType::kPrepare, 0, vote_));
  EXPECT_FALSE(verify_commit_certificate(cert, validators_, kChainId).is_ok());
  // Another chain's votes do not verify here.
  EXPECT_FALSE(
      verify_commit_certificate(commit_cert({0, 1, 2}, vote_), validators_, "other-chain").is_ok());
}

TEST_F(CertificateTest, AForgedSignatureIsRefused) {
  CommitCertificate cert = commit_cert({0, 1, 2}, vote_);
  cert.signatures[1].signature.bytes[5] ^= 0x40;
  const Status s = verify_commit_certificate(cert, validators_, kChainId);
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_NE(s.message().find("validator 1"), std::string::npos) << s.to_string();
  // A signature by someone else under a validator's index.
  cert = commit_cert({0, 1, 2}, vote_);
  cert.signatures[2].signature =
      sign_consensus(validator_key(3), kChainId, vote_signed_bytes(MessageType::kCommit, 2, vote_));
  EXPECT_FALSE(verify_commit_certificate(cert, validators_, kChainId).is_ok());
}

TEST_F(CertificateTest, SignerOutOfRangeAndJunkBytesAreRefused) {
  CommitCertificate cert = commit_cert({0, 1, 2}, vote_);
  cert.signatures[2].validator = 9;
  EXPECT_NE(
      verify_commit_certificate(cert, validators_, kChainId).message().find("not a validator"),
      std::string::npos);
  Bytes bytes = encode_commit_certificate(commit_cert({0, 1, 2}, vote_));
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    EXPECT_FALSE(decode_commit_certificate(ByteView(bytes.data(), len)).is_ok()) << len;
  }
  bytes.push_back(0);
  EXPECT_FALSE(decode_commit_certificate(bytes).is_ok());
}

TEST_F(CertificateTest, PreparedCertificateNeedsThePrimaryAndQuorumMinusOnePrepares) {
  const VoteBody vote{1, 3, sha256("b")};  // primary of view 1 is validator 1
  PreparedCertificate cert{vote.view,
                           vote.height,
                           vote.block_hash,
                           sign_consensus(validator_key(1), kChainId,
                                          vote_signed_bytes(MessageType::kPrePrepare, 1, vote)),
                           {}};
  for (ValidatorIndex i : {0u, 2u}) {
    cert.prepares.push_back({i, sign_consensus(validator_key(i), kChainId,
                                               vote_signed_bytes(MessageType::kPrepare, i, vote))});
  }
  EXPECT_TRUE(verify_prepared_certificate(cert, validators_, kChainId).is_ok());
  PreparedCertificate from_primary = cert;
  from_primary.prepares[1] = {1, sign_consensus(validator_key(1), kChainId,
                                                vote_signed_bytes(MessageType::kPrepare, 1, vote))};
  std::sort(from_primary.prepares.begin(), from_primary.prepares.end(),
            [](const auto& a, const auto& b) { return a.validator < b.validator; });
  EXPECT_NE(
      verify_prepared_certificate(from_primary, validators_, kChainId).message().find("primary"),
      std::string::npos);
  PreparedCertificate forged_pre_prepare = cert;
  forged_pre_prepare.pre_prepare_signature.bytes[0] ^= 1;
  EXPECT_NE(verify_prepared_certificate(forged_pre_prepare, validators_, kChainId)
                .message()
                .find("PRE-PREPARE signature"),
            std::string::npos);
}

TEST_F(CertificateTest, CheckpointProofVerifies) {
  const CheckpointBody body{10, sha256("b"), sha256("app"), sha256("state")};
  CheckpointProof proof{body, {}};
  for (ValidatorIndex i : {0u, 2u, 3u}) {
    proof.signatures.push_back(
        {i, sign_consensus(validator_key(i), kChainId, checkpoint_signed_bytes(i, body))});
  }
  EXPECT_TRUE(verify_checkpoint_proof(proof, validators_, kChainId, 5).is_ok());
  EXPECT_NE(verify_checkpoint_proof(proof, validators_, kChainId, 4)
                .message()
                .find("checkpoint_interval"),
            std::string::npos);
  CheckpointProof lying = proof;
  lying.checkpoint.app_hash = sha256("other");
  EXPECT_FALSE(verify_checkpoint_proof(lying, validators_, kChainId, 5).is_ok());
  auto decoded = decode_checkpoint_proof(encode_checkpoint_proof(proof));
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(*decoded, proof);
}

}  // namespace
}  // namespace replex::consensus::testing
