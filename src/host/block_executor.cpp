// BlockExecutor: execute + store committed blocks, install transferred
// state, keep checkpoint proofs beside their snapshots.
#include "replex/host/block_executor.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "replex/consensus/certificates.hpp"
#include "replex/core/hash.hpp"
#include "replex/host/stored_snapshot.hpp"
#include "replex/core/overloaded.hpp"

namespace replex::host {

namespace {

ExecutionResult failed(Status status) {
  ExecutionResult out;
  out.status = std::move(status);
  return out;
}

}  // namespace

BlockExecutor::BlockExecutor(abci::Application& app, storage::Store& store,
                             std::uint64_t checkpoint_interval, std::uint32_t snapshots_kept)
    : app_(app),
      store_(store),
      checkpoint_interval_(checkpoint_interval),
      snapshots_kept_(snapshots_kept) {
  REPLEX_ASSERT(checkpoint_interval_ > 0 && snapshots_kept_ > 0);
}

ExecutionResult BlockExecutor::run(const ExecutionTask& task) {
  return std::visit(Overloaded{
                        [this](const consensus::CommitBlock& t) { return execute(t); },
                        [this](const consensus::InstallState& t) { return install(t); },
                        [this](const consensus::CheckpointStable& t) { return attach_proof(t); },
                        [this](const consensus::StoreChunk& t) { return store_chunk(t); },
                    },
                    task);
}

ExecutionResult BlockExecutor::execute(const consensus::CommitBlock& commit) {
  const consensus::CertifiedBlock& certified = commit.committed;
  const consensus::Block& block = *certified.block;
  const consensus::Height h = certified.height();
  REPLEX_ASSERT_MSG(app_.last_height() + 1 == h, "CommitBlock at height " + std::to_string(h) +
                                                     ", the application is at " +
                                                     std::to_string(app_.last_height()));
  // Blocks overtook a chunked transfer (the core gave it up): its spool, up
  // to consensus.max_state_bytes, is never installed.
  if (spool_height_ != 0 && spool_height_ <= h) {
    spool_ = Bytes{};
    spool_height_ = 0;
  }
  abci::BlockOutcome outcome = app_.execute_block({h, block.header.time_ms}, block.txs);
  REPLEX_ASSERT(outcome.tx_codes.size() == block.txs.size());

  storage::BlockRecord record;
  record.height = h;
  record.block_hash = certified.block_hash;
  record.app_hash = outcome.app_hash;
  record.block = certified.block_bytes;
  record.certificate = certified.certificate_bytes;
  record.tx_hashes = block.tx_hashes;
  record.tx_codes = outcome.tx_codes;
  record.events = std::move(outcome.events);  // the API rebuilds its history from these
  const Status stored = store_.put_block(record);
  if (!stored.is_ok()) return failed(stored.with_context("execute: "));

  std::optional<Hash256> state_digest;
  if (h % checkpoint_interval_ == 0) {
    storage::SnapshotRecord snapshot;
    snapshot.height = h;
    snapshot.state = app_.snapshot();
    state_digest = sha256(snapshot.state);  // Application::state_digest, without encoding twice
    snapshot.proof =
        encode_snapshot_attachment({certified.block_bytes, certified.certificate_bytes, {}});
    const Status kept = store_.put_snapshot(snapshot, snapshots_kept_);
    if (!kept.is_ok()) return failed(kept.with_context("execute: "));
    taken_.push_back({h, *state_digest, std::move(snapshot.proof)});
    if (taken_.size() > snapshots_kept_) taken_.pop_front();
  }

  ExecutionResult out;
  out.input = consensus::BlockExecuted{h, certified.block_hash, outcome.app_hash, state_digest};
  CommittedBlock& committed = out.committed.emplace();
  committed.height = h;
  committed.block_hash = certified.block_hash;
  committed.time_ms = block.header.time_ms;
  committed.app_hash = outcome.app_hash;
  committed.tx_hashes = std::move(record.tx_hashes);
  committed.tx_codes = std::move(outcome.tx_codes);
  committed.events = std::move(record.events);
  committed.block = certified.block;
  committed.certificate = certified.certificate;
  return out;
}

ExecutionResult BlockExecutor::install(const consensus::InstallState& install) {
  const consensus::CertifiedBlock& anchor = install.anchor;
  const consensus::Height h = anchor.height();
  REPLEX_ASSERT(install.proof.checkpoint.height == h);
  // A spooled snapshot was verified chunk by chunk against the proof's digest.
  REPLEX_ASSERT_MSG(!install.spooled || spool_height_ == h,
                    "spooled InstallState at height " + std::to_string(h) + ", spool holds " +
                        std::to_string(spool_height_));
  const Bytes spooled = install.spooled ? std::exchange(spool_, Bytes{}) : Bytes{};
  if (install.spooled) spool_height_ = 0;
  const Bytes& state = install.spooled ? spooled : install.snapshot;
  const Status restored = app_.restore(state);
  if (!restored.is_ok()) {
    // The state is unchanged; the core asks again (elsewhere).
    ExecutionResult out;
    out.input = consensus::StateInstalled{h, anchor.block_hash, restored.with_context("restore: ")};
    return out;
  }
  // The snapshot's digest and block are proven by a quorum; a restored state
  // that disagrees with them cannot be trusted, nor undone: stop, and let a
  // restart rebuild from the store (which is still untouched).
  if (app_.last_height() != h || app_.app_hash() != install.proof.checkpoint.app_hash) {
    return failed(Status::corruption(
        "install: the snapshot proven at height " + std::to_string(h) + " restores height " +
        std::to_string(app_.last_height()) + " with app_hash " + app_.app_hash().hex() +
        ", the proof says " + install.proof.checkpoint.app_hash.hex()));
  }
  storage::SnapshotRecord snapshot;
  snapshot.height = h;
  snapshot.state = state;
  snapshot.proof = encode_snapshot_attachment(
      {anchor.block_bytes, anchor.certificate_bytes, install.proof_bytes});
  // Snapshot first: the store refuses to reset the chain to a height it
  // holds no snapshot for, and recovery finishes a reset cut short by a crash.
  std::erase_if(taken_, [h](const TakenSnapshot& t) { return t.height == h; });  // replaced
  Status stored = store_.put_snapshot(snapshot, snapshots_kept_);
  if (stored.is_ok()) stored = store_.reset_chain_to(h);
  if (!stored.is_ok()) return failed(stored.with_context("install: "));

  ExecutionResult out;
  out.input = consensus::StateInstalled{h, anchor.block_hash, Status::ok()};
  out.installed = InstalledState{h, anchor.block_hash, install.proof.checkpoint.app_hash};
  return out;
}

ExecutionResult BlockExecutor::store_chunk(const consensus::StoreChunk& chunk) {
  if (spool_height_ != chunk.height) {
    spool_height_ = chunk.height;
    spool_.assign(chunk.total_bytes, 0);
  }
  REPLEX_ASSERT_MSG(spool_.size() == chunk.total_bytes &&
                        chunk.offset + chunk.chunk.size() <= spool_.size(),
                    "chunk at " + std::to_string(chunk.offset) + " outside the spool");
  std::copy(chunk.chunk.begin(), chunk.chunk.end(),
            spool_.begin() + static_cast<std::ptrdiff_t>(chunk.offset));
  return {};
}

ExecutionResult BlockExecutor::attach_proof(const consensus::CheckpointStable& stable) {
  const consensus::Height h = stable.proof.checkpoint.height;
  // A snapshot whose digest is not the proven one diverged (the core reports
  // STATE_DIVERGENCE); it is never served with a proof that does not fit it.
  const auto taken = std::find_if(taken_.begin(), taken_.end(), [h](const TakenSnapshot& t) { return t.height == h; });
  Bytes proof;
  if (taken != taken_.end()) {
    if (taken->digest != stable.proof.checkpoint.state_digest) return {};
    proof = taken->proof;
  } else {
    auto held = store_.snapshot_at(h);
    if (!held) {
      // Not taken here (this node installed a later state, or crashed before
      // storing it): nothing to attach the proof to.
      if (held.status().code() == StatusCode::kNotFound) return {};
      return failed(held.status().with_context("attach proof: "));
    }
    if (sha256(held->state) != stable.proof.checkpoint.state_digest) return {};
    proof = std::move(held->proof);
  }
  auto attachment = decode_snapshot_attachment(proof);
  if (!attachment) {
    return failed(attachment.status().with_context("attach proof: snapshot at height " +
                                                   std::to_string(h) + ": "));
  }
  if (!attachment->checkpoint_proof.empty()) return {};
  attachment->checkpoint_proof = stable.proof_bytes;
  proof = encode_snapshot_attachment(*attachment);
  const Status stored = store_.put_snapshot_proof(h, proof);
  // Pruned since it was taken (a later snapshot came first): nothing to attach to.
  if (stored.code() == StatusCode::kNotFound) return {};
  if (!stored.is_ok()) return failed(stored.with_context("attach proof: "));
  if (taken != taken_.end()) taken->proof = std::move(proof);
  return {};
}

}  // namespace replex::host
