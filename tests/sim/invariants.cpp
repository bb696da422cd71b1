#include "sim/invariants.hpp"

#include "replex/consensus/block.hpp"
#include "replex/consensus/certificates.hpp"
#include "replex/core/hash.hpp"

namespace replex::sim {

using consensus::Height;
using consensus::ValidatorIndex;

namespace {

std::string where(ValidatorIndex node, Height height) {
  return "replica " + std::to_string(node) + " at height " + std::to_string(height) + ": ";
}

}  // namespace

InvariantChecker::InvariantChecker(const consensus::ValidatorSet& validators, std::string chain_id)
    : validators_(validators), chain_id_(std::move(chain_id)) {}

Status InvariantChecker::on_commit(ValidatorIndex node, const host::CommittedBlock& block,
                                   const exchange::ExchangeApp& app) {
  const Height h = block.height;
  // The block is the one its header hashes to, and its certificate
  // certifies exactly it with a quorum of valid signatures.
  ++checks_;
  if (consensus::block_hash(block.block->header) != block.block_hash) {
    return Status::internal(where(node, h) + "committed block does not hash to its block_hash");
  }
  ++checks_;
  const consensus::CommitCertificate& cert = block.certificate;
  if (cert.height != h || cert.block_hash != block.block_hash) {
    return Status::internal(where(node, h) + "commit certificate certifies height " +
                            std::to_string(cert.height) + " block " + cert.block_hash.hex());
  }
  const Hash256 digest = sha256(consensus::encode_commit_certificate(cert));
  if (!verified_certificates_.contains(digest)) {
    const Status valid = consensus::verify_commit_certificate(cert, validators_, chain_id_);
    if (!valid.is_ok()) {
      return Status::internal(where(node, h) + "invalid commit certificate: " + valid.message());
    }
    verified_certificates_.insert(digest);
  }
  REPLEX_RETURN_IF_ERROR(agree(node, h, block.block_hash, block.app_hash));
  ++checks_;
  if (app.app_hash() != block.app_hash || app.last_height() != h) {
    return Status::internal(where(node, h) + "the application is at height " +
                            std::to_string(app.last_height()) +
                            " with another app_hash than reported");
  }
  return audit(node, h, app);
}

Status InvariantChecker::on_install(ValidatorIndex node, const host::InstalledState& state,
                                    const exchange::ExchangeApp& app) {
  REPLEX_RETURN_IF_ERROR(agree(node, state.height, state.block_hash, state.app_hash));
  ++checks_;
  if (app.app_hash() != state.app_hash) {
    return Status::internal(where(node, state.height) + "installed state's app_hash differs");
  }
  return audit(node, state.height, app);
}

Status InvariantChecker::agree(ValidatorIndex node, Height height, const Hash256& block_hash,
                               const Hash256& app_hash) {
  checks_ += 2;
  const auto [it, inserted] = canonical_.try_emplace(height, Canonical{block_hash, app_hash, node});
  const Canonical& c = it->second;
  if (inserted) return Status::ok();
  if (c.block_hash != block_hash) {
    return Status::internal("AGREEMENT: replicas " + std::to_string(c.first) + " and " +
                            std::to_string(node) + " committed different blocks at height " +
                            std::to_string(height) + ": " + c.block_hash.hex() + " vs " +
                            block_hash.hex());
  }
  if (c.app_hash != app_hash) {
    return Status::internal("APP_HASH: replicas " + std::to_string(c.first) + " and " +
                            std::to_string(node) + " hold different states after height " +
                            std::to_string(height) + ": " + c.app_hash.hex() + " vs " +
                            app_hash.hex());
  }
  return Status::ok();
}

Status InvariantChecker::audit(ValidatorIndex node, Height height,
                               const exchange::ExchangeApp& app) {
  ++checks_;
  const Status audit = app.check_invariants();
  if (!audit.is_ok()) {
    return Status::internal("CONSERVATION: " + where(node, height) + audit.message());
  }
  return Status::ok();
}

}  // namespace replex::sim
