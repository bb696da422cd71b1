// The consensus core's inputs and actions.
//
// The core has no sockets, threads, clocks, disks or randomness: a driver
// feeds it Inputs (each stamped with the driver's clock, the only way time
// moves) and performs the Actions it returns, in order. Ordering contract: a
// PersistRecord must be durable before any later action of the same list is
// performed (persist before send). Plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "replex/consensus/certificates.hpp"
#include "replex/consensus/signing.hpp"
#include "replex/consensus/state_transfer.hpp"

namespace replex::consensus {

enum class TimerKind : std::uint8_t {
  kBatch = 0,  // the primary's block-cut deadline (max_block_delay_ms)
  kView = 1,   // view-change timeout
  kFetch = 2,  // retry of request-blocks / request-state
  kRetransmit = 3,  // re-send of this replica's current-round messages (retransmit_interval_ms)
};
inline constexpr std::size_t kTimerKinds = 4;
std::string_view timer_kind_name(TimerKind kind);

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

// A consensus message from validator `sender` (the authenticated peer it came
// from). `signature_verified` may be set only after verify_message() accepted
// these exact bytes; otherwise the core verifies.
struct MessageReceived {
  ValidatorIndex sender = 0;
  Bytes bytes;
  bool signature_verified = false;
};

// Transactions for the mempool, in arrival order; the driver has already run
// Application::verify_tx on each. Each is answered by a TxStatusReport. No
// block is cut while they are admitted: a batch a client sent together is
// not split by a deadline that passed while it queued (only a block's
// max_block_txs, max_block_bytes or per-sender limit can still split it).
struct TransactionsReceived {
  std::vector<Bytes> txs;
  // tx_hash of each of txs when the driver already has them (the node's
  // workers hash on admission); empty: the core hashes them. Trusted as
  // given: they key the mempool and, on a primary, go into the tx_root it
  // signs (a wrong one makes every backup refuse the block).
  std::vector<Hash256> tx_hashes;
  // A peer relayed them (gossip): it admitted them on its own state, which
  // may be ahead of this replica's. A refusal a later state may lift
  // (TxCheck::Scope::kUntilLaterState) then holds the transaction (kHeld)
  // instead of refusing it, until this replica executed the blocks it knew of.
  bool relayed = false;
};

// A timer the core set has expired (stale expiries are ignored).
struct TimerFired {
  TimerKind kind = TimerKind::kView;
};

// The driver executed the committed block at `height`. `state_digest` is
// required when height % checkpoint_interval == 0.
struct BlockExecuted {
  Height height = 0;
  Hash256 block_hash;
  Hash256 app_hash;
  std::optional<Hash256> state_digest;
};

// Committed blocks with certificates, answering a RequestBlocks or pushed by
// a peer. `from` names the validator that sent them, if it is one.
struct BlocksReceived {
  std::optional<ValidatorIndex> from;
  std::vector<CertifiedBlockBytes> blocks;
};

// The answer to a RequestState: checkpoint proof, snapshot bytes, then the
// anchor block at the proof's height and later blocks (up to
// max_fetch_blocks of them are used), with certificates.
// With `snapshot_bytes` set the snapshot comes in chunks (snapshot_chunks.hpp)
// of the requested chunk_bytes, and `snapshot` is empty.
struct StateReceived {
  std::optional<ValidatorIndex> from;
  Bytes checkpoint_proof;
  Bytes snapshot;
  std::vector<CertifiedBlockBytes> blocks;
  std::optional<std::uint64_t> snapshot_bytes;
};

// The answer to a RequestChunk: chunk `index` of the snapshot at `height`,
// with the SHA-256 midstate before it.
struct ChunkReceived {
  std::optional<ValidatorIndex> from;
  Height height = 0;
  std::uint32_t index = 0;
  Hash256 midstate_before;
  Bytes chunk;
};

// The driver performed an InstallState (Application::restore and the store's
// reset); a non-ok status means it did not, and the state is unchanged.
struct StateInstalled {
  Height height = 0;
  Hash256 block_hash;
  Status status;
};

using Event = std::variant<MessageReceived, TransactionsReceived, TimerFired, BlockExecuted,
                           BlocksReceived, StateReceived, ChunkReceived, StateInstalled>;

struct Input {
  std::uint64_t now_ms = 0;  // the driver's clock (unix ms)
  Event event;
};

// ---------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------

struct SendMessage {
  ValidatorIndex to = 0;
  MessageType type = MessageType::kPrepare;
  SharedBytes bytes;
};

// To every other validator.
struct BroadcastMessage {
  MessageType type = MessageType::kPrepare;
  SharedBytes bytes;
};

// Append `record` (wal.hpp) to the WAL under `height`; durable before any
// later action of the same list is performed.
struct PersistRecord {
  Height height = 0;
  Bytes record;
};

// The block at the next height is final: execute it (Application::execute_block),
// store it with its certificate, then report BlockExecuted. Emitted exactly
// once per height, in height order.
struct CommitBlock {
  CertifiedBlock committed;
};

struct SetTimer {
  TimerKind kind = TimerKind::kView;
  std::uint64_t deadline_ms = 0;  // absolute, on the driver's clock
};

struct CancelTimer {
  TimerKind kind = TimerKind::kView;
};

// Fetch committed blocks [from_height, to_height] with certificates and pass
// them back as BlocksReceived. `peers` lists validators in the order to try:
// those known to have the blocks first; an unanswered request is retried
// (fetch timer) with another peer first. A partial answer is fine.
struct RequestBlocks {
  Height from_height = 0;
  Height to_height = 0;
  std::vector<ValidatorIndex> peers;
};

// Fetch a peer's latest stable checkpoint above `above_height` (proof,
// snapshot, anchor block and later blocks) and pass it back as StateReceived.
// `target`, when known, is a proof the answer should reach; `peers` is in
// the order to try (its signers first).
// A peer may answer with the snapshot cut in `chunk_bytes` chunks instead.
struct RequestState {
  Height above_height = 0;
  std::optional<CheckpointProof> target;
  std::vector<ValidatorIndex> peers;
  std::uint32_t chunk_bytes = 0;
};

// Fetch chunk `index` (of `chunk_bytes`) of the snapshot at `height` and pass
// it back as ChunkReceived; `peers` in the order to try. An unanswered
// request is retried (fetch timer) with the next peer first.
struct RequestChunk {
  Height height = 0;
  std::uint32_t index = 0;
  std::uint32_t chunk_bytes = 0;
  std::vector<ValidatorIndex> peers;
};

// A verified chunk of the snapshot at `height`: keep it at `offset` of the
// spool for that height, `total_bytes` long (another height's spool is
// discarded). The InstallState that follows the last chunk installs it.
struct StoreChunk {
  Height height = 0;
  std::uint64_t total_bytes = 0;
  std::uint64_t offset = 0;
  Bytes chunk;
};

// Verified state to install: Application::restore(snapshot), store the
// snapshot with its proof and reset the chain to the anchor, then report
// StateInstalled. Blocks after the anchor follow as CommitBlock actions.
// With `spooled` the snapshot is the spool StoreChunk filled, and `snapshot`
// is empty.
struct InstallState {
  CheckpointProof proof;
  Bytes proof_bytes;
  Bytes snapshot;
  CertifiedBlock anchor;
  bool spooled = false;
};

// WAL records below `below_height` are no longer needed.
struct TruncateWal {
  Height below_height = 0;
};

// A quorum of matching CHECKPOINTs: the driver stores the proof beside the
// snapshot at that height (the replica's own execution may not be there yet).
struct CheckpointStable {
  CheckpointProof proof;
  Bytes proof_bytes;
};

enum class ViewPhase : std::uint8_t {
  kViewChangeStarted,  // sent VIEW-CHANGE(to), stopped participating in `from`
  kViewEntered,        // installed NEW-VIEW(to)
};

struct ViewChanged {
  View from = 0;
  View to = 0;
  ViewPhase phase = ViewPhase::kViewChangeStarted;
};

enum class EvidenceKind : std::uint8_t {
  kMalformedMessage,  // does not decode or breaks a structural rule
  kBadSignature,      // a signature (outer or nested) does not verify
  kSenderMismatch,    // signer is not the peer that delivered it
  kWrongProposer,     // PRE-PREPARE / NEW-VIEW from a validator that is not primary
  kEquivocation,      // two PRE-PREPAREs for one (view, height) from the primary
  kDoubleVote,  // two different votes from one validator for one (view, height) / checkpoint / view
  kInvalidProposal,        // a PRE-PREPARE whose block fails proposal validation
  kOldView,                // a message for a view the replica has left (replay or late)
  kInvalidViewChange,      // a VIEW-CHANGE whose content does not verify (lying)
  kInvalidNewView,         // a NEW-VIEW whose re-proposals differ from the selection
  kInvalidCertifiedBlock,  // a committed block or certificate from a peer that does not verify
  kInvalidStateTransfer,   // a state transfer answer that does not verify
  kStateDivergence,        // a checkpoint quorum disagrees with this replica's own state
  kRefusedToSign,          // this replica refused to sign a message conflicting with its WAL
  kSafetyViolation,        // proofs of two different committed blocks at one height
  kCensorship,  // suspicion, not proof: blocks with room left out a valid transaction held for long
};
std::string_view evidence_kind_name(EvidenceKind kind);

struct Evidence {
  EvidenceKind kind = EvidenceKind::kMalformedMessage;
  std::optional<ValidatorIndex> validator;  // who is accused (self for kRefusedToSign)
  View view = 0;
  Height height = 0;
  std::string detail;
  // Signed messages that prove the misbehaviour, when it is provable
  // (equivocation, double votes): the first and the conflicting one.
  std::vector<SharedBytes> messages;
};

struct EvidenceFound {
  Evidence evidence;
};

enum class TxVerdict : std::uint8_t {
  kAccepted,     // in the mempool
  kDuplicate,    // already in the mempool
  kMempoolFull,  // MEMPOOL_FULL: max_mempool_txs or max_mempool_bytes reached; retry later
  kTooLarge,     // empty or above max_tx_bytes
  kRejected,     // Application::check_tx refused it (app_code, message)
  kEvicted,      // dropped from the mempool: no longer passes check_tx (app_code)
  // Relayed, and refused on this replica's older state by a refusal a later
  // state may lift (app_code): in the mempool but not proposed. kReleased
  // once check_tx passes; kEvicted on a lasting refusal, or once the blocks
  // it knew of executed (a new view caps those at its base and re-proposals).
  // Not relayed further until released.
  kHeld,
  // A held transaction passes check_tx now: an ordinary entry. Not an
  // admission's answer; `tx` carries it for the driver to relay.
  kReleased,
};
std::string_view tx_verdict_name(TxVerdict verdict);

// The mempool's answer to one of TransactionsReceived, or a later eviction.
struct TxStatusReport {
  Hash256 tx_hash;
  TxVerdict verdict = TxVerdict::kAccepted;
  std::uint32_t app_code = 0;
  std::string message;
  Bytes tx{};  // kReleased only
};

using Action = std::variant<SendMessage, BroadcastMessage, PersistRecord, CommitBlock, SetTimer,
                            CancelTimer, RequestBlocks, RequestState, RequestChunk, StoreChunk,
                            InstallState, TruncateWal,
                            CheckpointStable, ViewChanged, EvidenceFound, TxStatusReport>;

}  // namespace replex::consensus
