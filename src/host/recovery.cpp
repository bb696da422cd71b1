// Recovery: latest snapshot -> Application::restore, replay of the stored
// blocks after it with an app_hash check per block, WAL -> RecoveredState.
#include "replex/host/recovery.hpp"

#include <string>

#include "replex/consensus/state_transfer.hpp"
#include "replex/core/assert.hpp"
#include "replex/core/hash.hpp"
#include "replex/host/stored_snapshot.hpp"

namespace replex::host {

using consensus::Height;

namespace {

std::string at_height(Height h) { return "height " + std::to_string(h) + ": "; }

// The tip recovery resumes from: its hash, header time and certificate.
struct Tip {
  Height height = 0;
  Hash256 hash;
  std::uint64_t time_ms = 0;
  std::optional<consensus::CommitCertificate> certificate;
};

struct LoadedSnapshot {
  storage::SnapshotRecord record;
  consensus::CertifiedBlock anchor;
  std::optional<consensus::CheckpointProof> proof;
};

// Decodes and verifies a stored snapshot's attachment: the anchor block
// against its certificate and the validator set, the proof (if any) against
// the validator set and the snapshot's digest.
Result<LoadedSnapshot> load_snapshot(storage::SnapshotRecord record,
                                     const consensus::ChainContext& chain) {
  const std::string where = "snapshot at " + at_height(record.height);
  auto attachment = decode_snapshot_attachment(record.proof);
  if (!attachment) return Status::corruption(where + attachment.status().message());
  auto anchor = consensus::verify_certified_block(
      {std::move(attachment->block), std::move(attachment->certificate)}, chain);
  if (!anchor) return Status::corruption(where + "anchor block: " + anchor.status().message());
  if (anchor->height() != record.height) {
    return Status::corruption(where + "anchor block is at height " +
                              std::to_string(anchor->height()));
  }
  LoadedSnapshot out{std::move(record), std::move(anchor).value(), std::nullopt};
  if (!attachment->checkpoint_proof.empty()) {
    auto proof = consensus::decode_checkpoint_proof(attachment->checkpoint_proof);
    if (!proof) return Status::corruption(where + "checkpoint proof: " + proof.status().message());
    Status valid = consensus::verify_checkpoint_proof(*proof, chain.validators, chain.chain_id,
                                                      chain.checkpoint_interval);
    if (valid.is_ok()) valid = consensus::verify_snapshot(out.record.state, *proof);
    if (valid.is_ok() && (proof->checkpoint.height != out.record.height ||
                          proof->checkpoint.block_hash != out.anchor.block_hash)) {
      valid = Status::invalid_argument("proves another block");
    }
    if (!valid.is_ok()) return Status::corruption(where + "checkpoint proof: " + valid.message());
    out.proof = std::move(proof).value();
  }
  return out;
}

// The newest stored checkpoint proof at or below `height`: snapshots get
// their proof once the checkpoint is stable, so the latest may lack one.
Result<std::optional<consensus::CheckpointProof>> newest_proof(
    const storage::Store& store, Height height, const consensus::ChainContext& chain) {
  REPLEX_ASSIGN_OR_RETURN(std::vector<std::uint64_t> heights, store.snapshot_heights());
  for (auto it = heights.rbegin(); it != heights.rend(); ++it) {
    if (*it > height) continue;
    REPLEX_ASSIGN_OR_RETURN(storage::SnapshotRecord record, store.snapshot_at(*it));
    REPLEX_ASSIGN_OR_RETURN(LoadedSnapshot loaded, load_snapshot(std::move(record), chain));
    if (loaded.proof) return std::optional<consensus::CheckpointProof>(std::move(loaded.proof));
  }
  return std::optional<consensus::CheckpointProof>();
}

// One recovery, step by step: snapshot, replay, consensus state.
class Recovery {
 public:
  Recovery(abci::Application& app, storage::Store& store, const RecoveryContext& context)
      : app_(app),
        store_(store),
        chain_{context.validators,
               context.chain.chain_id,
               {context.config.max_block_txs, context.config.max_block_bytes,
                context.config.max_tx_bytes},
               context.config.checkpoint_interval},
        tip_{0, context.chain.genesis_hash, context.chain.genesis_time_ms, std::nullopt} {}

  Result<Recovered> run() {
    if (app_.last_height() != 0) {
      return Status::failed_precondition(
          "recover: the application must hold the genesis state, it is at height " +
          std::to_string(app_.last_height()));
    }
    REPLEX_RETURN_IF_ERROR(restore_latest_snapshot());
    REPLEX_ASSERT(app_.last_height() == tip_.height);
    REPLEX_RETURN_IF_ERROR(replay_stored_blocks());
    // The application holds exactly the state of the tip consensus resumes from.
    REPLEX_ASSERT(app_.last_height() == tip_.height);
    REPLEX_ASSERT(tip_.height == 0 || tip_.certificate.has_value() || out_.snapshot_height == tip_.height);
    REPLEX_RETURN_IF_ERROR(build_consensus_state());
    return std::move(out_);
  }

 private:
  // The latest snapshot, if any, replaces the genesis state.
  Status restore_latest_snapshot() {
    auto latest = store_.latest_snapshot();
    if (!latest) {
      if (latest.status().code() == StatusCode::kNotFound) return Status::ok();
      return latest.status().with_context("recover: ");
    }
    REPLEX_ASSIGN_OR_RETURN(LoadedSnapshot snapshot,
                            load_snapshot(std::move(latest).value(), chain_));
    const Height h = snapshot.record.height;
    const std::string where = "snapshot at " + at_height(h);
    // Above the stored chain: a state install stores the snapshot, then
    // resets the chain to it, and a crash came in between. Only a proven
    // snapshot is ever installed.
    const bool interrupted_install = h > store_.last_height();
    if (interrupted_install && !snapshot.proof) {
      return Status::corruption(where + "above the stored chain (tip " +
                                std::to_string(store_.last_height()) +
                                ") without a checkpoint proof");
    }
    const Status restored = app_.restore(snapshot.record.state);
    if (!restored.is_ok()) return Status::corruption(where + restored.message());
    if (app_.last_height() != h) {
      return Status::corruption(where + "restores height " + std::to_string(app_.last_height()));
    }
    if (interrupted_install) {
      REPLEX_RETURN_IF_ERROR(store_.reset_chain_to(h).with_context("recover: "));
      out_.completed_install = true;
    } else if (store_.first_height() != 0 && h >= store_.first_height()) {
      // The block at the snapshot height is still stored: it must agree.
      REPLEX_ASSIGN_OR_RETURN(storage::StoredBlock stored, store_.block_at(h));
      if (stored.block_hash != snapshot.anchor.block_hash || stored.app_hash != app_.app_hash()) {
        return Status::corruption(where + "disagrees with the stored block (block or app_hash)");
      }
    }
    out_.snapshot_height = h;
    latest_proof_ = std::move(snapshot.proof);
    tip_ = {h, snapshot.anchor.block_hash, snapshot.anchor.block->header.time_ms,
            snapshot.anchor.certificate};
    return Status::ok();
  }

  // Every stored block after the tip, executed and checked against what was stored.
  Status replay_stored_blocks() {
    const Height last = store_.last_height();
    const Height first = store_.first_height();
    if (last > tip_.height && (first == 0 || first > tip_.height + 1)) {
      return Status::corruption("recover: blocks " + std::to_string(tip_.height + 1) + ".." +
                                std::to_string(last) + " are needed, the store holds them from " +
                                std::to_string(first));
    }
    for (Height h = tip_.height + 1; h <= last; ++h) {
      auto stored = store_.block_at(h);
      if (!stored) return stored.status().with_context("recover: ");
      auto block = consensus::decode_block(stored->block, chain_.block_limits, chain_.chain_id);
      if (!block) {
        return Status::corruption("recover: block at " + at_height(h) + block.status().message());
      }
      const Hash256 hash = consensus::block_hash(block->header);
      if (hash != stored->block_hash) {
        return Status::corruption("recover: block at " + at_height(h) + "hashes to " + hash.hex() +
                                  ", stored as " + stored->block_hash.hex());
      }
      const Status link = consensus::verify_chain_link(tip_.height, tip_.hash, block->header);
      if (!link.is_ok()) return Status::corruption("recover: " + link.message());
      const abci::BlockOutcome outcome =
          app_.execute_block({h, block->header.time_ms}, block->txs);
      if (outcome.app_hash != stored->app_hash) {
        return Status::corruption("recover: " + at_height(h) + "recomputed app_hash " +
                                  outcome.app_hash.hex() + " differs from the stored " +
                                  stored->app_hash.hex());
      }
      REPLEX_ASSERT(app_.last_height() == h);
      ++out_.replayed_blocks;
      out_.replayed_txs += block->txs.size();
      tip_ = {h, hash, block->header.time_ms, std::nullopt};
      if (h == last) {
        auto cert = consensus::decode_commit_certificate(stored->certificate);
        if (!cert) {
          return Status::corruption("recover: certificate at " + at_height(h) +
                                    cert.status().message());
        }
        tip_.certificate = std::move(cert).value();
      }
    }
    return Status::ok();
  }

  // The tip, the newest proven checkpoint, the WAL.
  Status build_consensus_state() {
    consensus::RecoveredState& state = out_.state;
    REPLEX_ASSERT(out_.snapshot_height <= tip_.height);
    state.committed_height = tip_.height;
    state.committed_hash = tip_.hash;
    state.committed_time_ms = tip_.time_ms;
    state.committed_certificate = std::move(tip_.certificate);
    if (latest_proof_) {
      state.stable_checkpoint = std::move(latest_proof_);
    } else if (out_.snapshot_height > 0) {
      REPLEX_ASSIGN_OR_RETURN(state.stable_checkpoint,
                              newest_proof(store_, out_.snapshot_height - 1, chain_));
    }
    REPLEX_ASSIGN_OR_RETURN(std::vector<storage::WalEntry> wal, store_.wal_read_all());
    state.wal_records.reserve(wal.size());
    for (storage::WalEntry& entry : wal) state.wal_records.push_back(std::move(entry.record));
    REPLEX_ASSERT(!state.stable_checkpoint || state.stable_checkpoint->checkpoint.height <= tip_.height);
    return Status::ok();
  }

  abci::Application& app_;
  storage::Store& store_;
  const consensus::ChainContext chain_;  // borrows the context's validator set
  Tip tip_;
  std::optional<consensus::CheckpointProof> latest_proof_;
  Recovered out_;
};

}  // namespace

Result<Recovered> recover(abci::Application& app, storage::Store& store,
                          const RecoveryContext& context) {
  return Recovery(app, store, context).run();
}

}  // namespace replex::host
