// Replica::Impl: the state of one PBFT replica and the transitions between
// its states. Private to the consensus module.
//
// Event handlers only record what arrived (a proposal, a vote, a view change);
// advance() then derives everything that follows (prepare in order, commit,
// release committed blocks in order, propose, timers, catch-up) until nothing
// changes. The window is a handful of heights, so re-deriving is cheap and
// leaves no transition to be forgotten by an individual handler.
//
// Files: replica.cpp (creation, recovery from the WAL, dispatch),
// replica_normal.cpp (pre-prepare, votes, prepare in order, commit),
// replica_proposal.cpp (cutting and validating blocks), replica_view_change.cpp,
// replica_checkpoint.cpp (checkpoints, catch-up, state transfer),
// replica_output.cpp (signing, persisting, timers, reports).
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "replex/consensus/messages.hpp"
#include "replex/consensus/new_view_selection.hpp"
#include "replex/consensus/replica.hpp"
#include "replex/consensus/snapshot_chunks.hpp"
#include "replex/consensus/state_transfer.hpp"
#include "replex/consensus/wal.hpp"
#include "chunk_transfer.hpp"
#include "signing_registry.hpp"

namespace replex::consensus {

namespace detail {

// A PRE-PREPARE this replica holds for one height in its current view.
struct Proposal {
  View view = 0;
  Hash256 block_hash;
  Signature signature;  // the primary's PRE-PREPARE signature
  std::shared_ptr<const Block> block;
  SharedBytes wire;  // the message as received (evidence); null for NEW-VIEW re-proposals
  std::uint64_t received_ms = 0;
  // Application::replay_key of block->txs, computed once (nullopt: none).
  std::vector<std::optional<abci::ReplayKey>> replay_keys;
  // A waiting proposal is judged once this replica executed this height.
  Height judge_once_executed = 0;
};

// What blocks use up beyond a replica's executed state: transaction hashes
// and replay keys (see Replica::Impl::used_below).
struct UsedUp {
  std::set<Hash256> hashes;
  std::set<abci::ReplayKey> keys;
  void add(const std::vector<Hash256>& h, const std::vector<std::optional<abci::ReplayKey>>& k);
};

// What a committed block left unused of the block limits, including the
// senders whose max_block_txs_per_sender share it used up.
struct BlockRoom {
  std::uint64_t txs = 0;
  std::uint64_t bytes = 0;
  std::set<abci::ReplayKey::Sender> full_senders;
  bool fits(std::size_t tx_size, const std::optional<abci::ReplayKey>& key) const {
    return txs > 0 && bytes >= encoded_tx_bytes(tx_size) && !(key && full_senders.contains(key->sender()));
  }
};

struct Vote {
  Hash256 block_hash;
  Signature signature;
};

// PREPAREs and COMMITs of one view at one height; the first vote of each
// validator counts, a different second one is a double vote.
struct ViewVotes {
  std::map<ValidatorIndex, Vote> prepares;
  std::map<ValidatorIndex, Vote> commits;
  std::map<Hash256, std::size_t> prepare_counts;
  std::map<Hash256, std::size_t> commit_counts;
};

// Everything known about one height above the committed height.
struct Slot {
  std::optional<Proposal> accepted;  // validated PRE-PREPARE of the current view
  std::optional<Proposal> waiting;  // fresh PRE-PREPARE of the current view, not judged yet (no parent, or too old a state)
  std::optional<PreparedCertificate> prepared;  // the highest view this replica holds
  std::shared_ptr<const Block> prepared_block;
  std::map<View, ViewVotes> votes;
  std::optional<CommitCertificate> commit_certificate;
};

// A VIEW-CHANGE that passed validation, with its blocks.
struct ReceivedViewChange {
  SignedViewChange signed_view_change;
  std::vector<std::shared_ptr<const Block>> blocks;  // one per prepared certificate
  SharedBytes wire;
};

// A PRE-PREPARE for a view this replica has not entered yet.
struct BufferedPrePrepare {
  Message message;
  SharedBytes wire;
  std::uint64_t received_ms = 0;
};

struct CheckpointVote {
  CheckpointBody body;
  Signature signature;
};

// The parent a block at some height must chain onto.
struct Parent {
  Hash256 hash;
  std::uint64_t time_ms = 0;
};

struct OutstandingFetch {
  bool state = false;  // RequestState rather than RequestBlocks
  Height to_height = 0;
  Height committed_at_request = 0;
};

}  // namespace detail

class Replica::Impl {
 public:
  Impl(const Config& config, const ChainInfo& chain, ValidatorSet validators, KeyPair key,
       ValidatorIndex index, const abci::Application& app, const RecoveredState& recovered);

  Status recover(const std::vector<Bytes>& wal_records);
  std::vector<Action> start(std::uint64_t now_ms);
  // Broadcasts again what this replica signed in its current view (and, with
  // checkpoints, its open CHECKPOINTs).
  void resend_own_messages(bool checkpoints);
  std::vector<Action> handle(Input input);

  // --- status -------------------------------------------------------------------
  ValidatorIndex index() const { return me_; }
  View view() const { return view_; }
  bool in_view_change() const { return in_view_change_; }
  bool is_primary() const { return validators_.primary_of(view_) == me_; }
  Height committed_height() const { return committed_height_; }
  const Hash256& committed_hash() const { return committed_hash_; }
  std::optional<Height> stable_checkpoint_height() const {
    if (!stable_) return std::nullopt;
    return stable_->checkpoint.height;
  }
  std::optional<Height> diverged_at() const { return diverged_at_; }
  const Mempool& mempool() const { return mempool_; }
  const ValidatorSet& validators() const { return validators_; }
  const Config& config() const { return config_; }

 private:
  using Slot = detail::Slot;
  using Proposal = detail::Proposal;

  // --- dispatch (replica.cpp) -------------------------------------------------------
  void on_message(MessageReceived& input);
  void on_transactions(TransactionsReceived& input);
  void admit_transaction(Bytes tx, const Hash256& hash, bool relayed);
  void on_timer(const TimerFired& input);
  void replay_own_record(const Message& message, const SharedBytes& wire);

  // Whether this replica signed a message for the same (type, view, height).
  enum class OwnSignature : std::uint8_t { kNone, kSame, kConflict };
  struct SignedOwn {
    SharedBytes wire;
    Signature signature;
  };

  // --- normal case (replica_normal.cpp) ------------------------------------------------
  void on_pre_prepare(const Message& m, const SharedBytes& wire, std::uint64_t received_ms);
  void on_vote(const Message& m, const SharedBytes& wire);
  // Derives everything that follows from the current state, until stable.
  void advance();
  bool release_waiting_proposals();
  bool send_prepares();
  bool send_commits();
  bool complete_commit_certificates();
  bool commit_ready_blocks();
  void commit_block(std::shared_ptr<const Block> block, const Hash256& hash,
                    const CommitCertificate& cert);
  std::optional<detail::Parent> parent_of(Height height) const;
  // The parent of `height` is committed, or prepared with hash `prev`.
  bool parent_prepared(Height height, const Hash256& prev) const;
  std::shared_ptr<const Block> block_in_slot(const Slot& slot, const Hash256& hash) const;
  // Heights this replica holds proposals and votes for: above the committed
  // height within the watermark window, or within the window above the
  // current view's NEW-VIEW base while catching up to it.
  bool in_window(Height height) const;
  void accept_proposal(Height height, Proposal proposal);
  // Forgets the slots at or below `height` (committed), releasing the
  // in-flight marks of proposals that were not the committed blocks.
  void drop_slots_through(Height height);
  void record_own_vote(MessageType type, const VoteBody& vote, const Signature& signature);
  std::vector<std::optional<abci::ReplayKey>> replay_keys_of(const Block& block) const;
  // What the blocks between the executed state and `height` (committed but
  // not executed, then accepted in slots) use up. check_tx plus this set
  // gives every replica one verdict on a proposal at `height`, however far
  // its execution got.
  detail::UsedUp used_below(Height height) const;

  // --- proposals (replica_proposal.cpp) -------------------------------------------------
  bool propose();
  // No block of this primary is in flight above the committed height (or the view's base).
  bool pipeline_idle() const;
  // How long the oldest pending transaction waits before a partial block is cut.
  std::uint64_t block_delay_ms() const;
  Height next_proposal_height() const;
  bool block_cut_due() const;
  // OK, invalid (kInvalidArgument: why), or kUnavailable: a refusal a later
  // state may lift, on a state older than the one right below the block.
  Status validate_fresh_proposal(Height height, const Proposal& proposal,
                                 const detail::Parent& parent) const;
  void refuse_proposal(Height height, const Proposal& proposal, const Status& reason);
  // Evicts pending entries check_tx refuses now, but held ones whose height
  // has not executed; releases held ones it passes (TxVerdict::kReleased).
  // `holds_final`: every held entry is judged on this state (no block it
  // waited for is known any more).
  void recheck_mempool(Height next_height, bool holds_final = false);
  // The highest height of a block this replica knows may commit: accepted
  // in this view or, in a view change, prepared (a NEW-VIEW re-proposes it).
  Height known_height() const;

  // --- censorship (replica_censorship.cpp) ------------------------------------------------
  // After `height` executed (its room, if it committed here): counts blocks
  // that left out the oldest pending transaction; a view change at the bound.
  // Whether a proposal of this view that waits for its state holds `tx`.
  bool held_by_waiting_proposal(const Hash256& tx) const;
  void watch_for_censorship(Height height, const std::optional<detail::BlockRoom>& room);

  // --- view change (replica_view_change.cpp) -----------------------------------------------
  void on_view_change(const Message& m, const SharedBytes& wire);
  void on_new_view(const Message& m, const SharedBytes& wire);
  Status validate_view_change_blocks(const Message& m,
                                     std::vector<std::shared_ptr<const Block>>& blocks) const;
  void start_view_change(View target);
  // A quorum of VIEW-CHANGEs (own included) for the view being changed to or later.
  bool view_change_quorum() const;
  void join_higher_view_if_needed();
  void send_new_view_if_ready();
  // `own` is set for this replica's own NEW-VIEW (already persisted as signed);
  // `persist_record` writes an accepted NEW-VIEW to the WAL.
  void install_new_view(const NewViewBody& nv, const SharedBytes& wire,
                        const NewViewSelection& selection,
                        const std::map<Hash256, std::shared_ptr<const Block>>& blocks,
                        bool persist_record, bool own);
  Result<NewViewSelection> check_new_view(
      const Message& m, std::map<Hash256, std::shared_ptr<const Block>>& blocks) const;
  void leave_old_views();

  // --- checkpoints, catch-up, state transfer (replica_checkpoint.cpp) ----------------------
  void on_checkpoint(const Message& m, const SharedBytes& wire);
  void on_block_executed(const BlockExecuted& input);
  void on_blocks_received(const BlocksReceived& input);
  void on_state_received(StateReceived& input);
  void on_state_installed(const StateInstalled& input);
  void on_state_offered(StateReceived& input);
  void on_chunk_received(const ChunkReceived& input);
  void request_next_chunk();
  void add_checkpoint_vote(ValidatorIndex from, const CheckpointBody& body, const Signature& sig);
  // This replica's own checkpoint differs from the quorum's proven one:
  // reports STATE_DIVERGENCE (self) and enters the diverged mode.
  void note_divergence(const CheckpointBody& own, const CheckpointBody& proven);
  // Makes the newest proven checkpoint at or below the committed height stable.
  bool settle_checkpoints();
  void maybe_truncate_wal();
  void note_height_seen(ValidatorIndex from, Height height);
  // The (f+1)-th highest height seen from other validators, if above `horizon`.
  std::optional<Height> height_ahead_of(Height horizon) const;
  void refresh_catch_up_target();
  void note_catch_up_target(Height height, std::vector<ValidatorIndex> peers);
  void update_catch_up();
  // `rotation`: requests of the same kind made since the last commit.
  std::vector<ValidatorIndex> peers_for_request(const std::vector<ValidatorIndex>& likely,
                                                std::uint32_t rotation) const;

  // --- output (replica_output.cpp) ---------------------------------------------------------
  OwnSignature own_signature_state(MessageType type, const MessageBody& body) const;
  // Signs, persists (WAL record under `wal_height`) and returns the message;
  // the recorded message again if it was signed before; nothing when it would
  // conflict with a message this replica signed before (reported once).
  std::optional<SignedOwn> sign_own(MessageType type, MessageBody body, std::vector<Bytes> blocks,
                                    Height wal_height);
  void broadcast(MessageType type, SharedBytes wire);
  void send_to(ValidatorIndex to, MessageType type, SharedBytes wire);
  void persist(Height height, WalRecordKind kind, const Bytes& message);
  void report(EvidenceKind kind, std::optional<ValidatorIndex> validator, View view, Height height,
              std::string detail, std::vector<SharedBytes> messages = {});
  void set_timer(TimerKind kind, std::uint64_t deadline_ms);
  void cancel_timer(TimerKind kind);
  void update_timers();
  bool has_pending_work() const;
  std::uint64_t current_view_timeout_ms() const;
  void emit(Action action) { out_->push_back(std::move(action)); }
  BlockLimits block_limits() const;
  ChainContext chain_context() const {
    return {validators_, chain_.chain_id, block_limits(), config_.checkpoint_interval};
  }

  // --- configuration and identity ----------------------------------------------------------
  const Config config_;
  const ChainInfo chain_;
  const ValidatorSet validators_;
  const KeyPair key_;
  const ValidatorIndex me_;
  const abci::Application& app_;
  const MessageLimits limits_;

  // --- clock and output of the input being handled -------------------------------------------
  std::uint64_t now_ms_ = 0;
  std::vector<Action>* out_ = nullptr;
  bool started_ = false;

  // --- view -----------------------------------------------------------------------------------
  View view_ = 0;
  bool in_view_change_ = false;
  // Base height of the NEW-VIEW that opened the current view (0 for view 0).
  Height view_base_height_ = 0;
  // Consecutive view changes without a commit: the timeout doubles with each.
  std::uint32_t view_change_streak_ = 0;
  // Set by a commit or a new view: the view timer restarts from now.
  bool restart_view_timer_ = false;
  // The view timer expired while f+1 validators were ahead: this replica
  // lags and catches up before it would blame the primary. Cleared by a commit.
  bool lagging_ = false;
  // Set by a state install: the rest is caught up by blocks, not by another
  // snapshot (the chain moved on while a large one arrived, and would again),
  // unless peers lack the blocks. Cleared once caught up.
  bool blocks_after_install_ = false;
  // Latest valid VIEW-CHANGE per validator (index = sender).
  std::vector<std::optional<detail::ReceivedViewChange>> latest_view_change_;
  // PRE-PREPAREs for views not yet entered, by view.
  std::map<View, std::vector<detail::BufferedPrePrepare>> future_pre_prepares_;
  // This view's VIEW-CHANGE / NEW-VIEW records, re-persisted before a WAL truncation.
  std::vector<std::pair<WalRecordKind, SharedBytes>> view_records_;
  // This replica's NEW-VIEW for its current view, re-sent to late VIEW-CHANGE senders.
  SharedBytes own_new_view_;

  // --- chain ------------------------------------------------------------------------------------
  Height committed_height_ = 0;
  Hash256 committed_hash_;
  std::uint64_t committed_time_ms_ = 0;
  std::optional<CommitCertificate> committed_certificate_;
  // Hashes of committed blocks above the stable checkpoint (checked against checkpoints).
  std::map<Height, Hash256> committed_hashes_;
  Height executed_height_ = 0;
  // The transaction hashes and replay keys of blocks committed above
  // executed_height_: until a block executes, check_tx does not see what it
  // used up, so proposal validity counts them in explicitly.
  std::map<Height, std::pair<std::vector<Hash256>, std::vector<std::optional<abci::ReplayKey>>>> unexecuted_;
  // What each of those blocks left unused of the block limits (censorship watch).
  std::map<Height, detail::BlockRoom> unexecuted_room_;
  std::map<Height, Slot> slots_;  // heights above committed_height_

  // --- checkpoints -------------------------------------------------------------------------------
  std::optional<CheckpointProof> stable_;
  Bytes stable_proof_bytes_;
  Height wal_truncated_below_ = 0;
  std::map<Height, std::map<ValidatorIndex, detail::CheckpointVote>> checkpoint_votes_;
  // Quorums of matching CHECKPOINTs above the stable checkpoint.
  std::map<Height, CheckpointProof> proven_checkpoints_;
  std::map<Height, CheckpointBody> own_checkpoints_;
  // Set (to the checkpoint height) once a quorum's checkpoint showed this
  // replica's state is not the chain's. Diverged, it neither votes, proposes,
  // commits nor signs CHECKPOINTs; it follows views and checkpoints and
  // installs the first proven state above its committed height, which clears
  // it (docs/consensus.md, "Divergence"). Not persisted: after a restart the
  // next checkpoint finds the divergence again.
  std::optional<Height> diverged_at_;

  // --- catch-up ----------------------------------------------------------------------------------
  std::vector<Height> highest_height_seen_;  // per validator
  Height catch_up_target_ = 0;
  std::vector<ValidatorIndex> catch_up_peers_;
  std::optional<detail::OutstandingFetch> fetch_;
  std::uint32_t fetch_retries_ = 0;           // unanswered requests since the last commit
  std::map<Height, CertifiedBlock> fetched_;  // verified committed blocks above committed + 1
  std::optional<VerifiedState> installing_;   // InstallState emitted, StateInstalled pending
  std::optional<detail::ChunkTransfer> transfer_;  // chunks of an offered state arriving
  // Requests of each kind since the last commit: each asks another peer first.
  std::uint32_t block_requests_ = 0;
  std::uint32_t state_requests_ = 0;

  // --- mempool, signatures, timers
  // -----------------------------------------------------------------
  Mempool mempool_;
  // Blocks in a row, in view censorship_view_, that left out the oldest
  // pending transaction although it had waited censorship_timeout_ms.
  std::uint32_t censored_blocks_ = 0;
  View censorship_view_ = 0;
  detail::SigningRegistry registry_;
  std::array<std::optional<std::uint64_t>, kTimerKinds> timers_{};
  // Actions produced while recovering, returned by start().
  std::vector<Action> recovery_actions_;
};

}  // namespace replex::consensus
