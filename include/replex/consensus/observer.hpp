// Observer: follows the chain without voting (observer mode, DESIGN.md §6).
//
// It receives committed blocks with certificates from peers (pushed, or
// answering its RequestBlocks), verifies each against the validator set and
// its parent, and emits CommitBlock in height order, exactly once per height.
// When blocks cannot catch it up — it is at least checkpoint_interval behind
// the highest committed height it has seen, or block requests keep going
// unanswered (peers that installed state themselves no longer hold old
// blocks) — it asks for the newest proven state above its committed height
// (RequestState without a target: the answer carries its own checkpoint
// proof, verified against the validator set), whole or in chunks verified on
// arrival (RequestChunk, StoreChunk), installs it (InstallState) and, once
// StateInstalled, goes on from the anchor with the answer's later blocks.
// It never signs, proposes or writes a WAL. Same Input/Action vocabulary as
// Replica; MessageReceived, TransactionsReceived and BlockExecuted are ignored.
// Not thread-safe: one thread drives it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "replex/consensus/config.hpp"
#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/consensus/replica.hpp"
#include "replex/consensus/validator_set.hpp"

namespace replex::consensus {

namespace detail {
class ChunkTransfer;
}  // namespace detail

class Observer {
 public:
  // Starts after the block (committed_height, committed_hash): genesis for a
  // fresh node, or the store's last block (or installed state).
  static Result<Observer> create(const Config& config, const ChainInfo& chain,
                                 ValidatorSet validators, Height committed_height,
                                 const Hash256& committed_hash);
  Observer(Observer&&) noexcept;
  Observer& operator=(Observer&&) noexcept;
  ~Observer();

  // Asks peers for the blocks after the committed height.
  std::vector<Action> start(std::uint64_t now_ms);
  std::vector<Action> handle(Input input);

  Height committed_height() const { return committed_height_; }
  const Hash256& committed_hash() const { return committed_hash_; }
  const ValidatorSet& validators() const { return validators_; }

 private:
  // An outstanding RequestBlocks or RequestState.
  struct Fetch {
    bool state = false;
    Height committed_at_request = 0;
  };

  Observer(const Config& config, const ChainInfo& chain, ValidatorSet validators,
           Height committed_height, const Hash256& committed_hash);
  ChainContext chain_context() const;
  void on_timer(const TimerFired& input, std::vector<Action>& out);
  void on_blocks(const BlocksReceived& input, std::vector<Action>& out);
  void on_state(StateReceived& input, std::vector<Action>& out);
  void on_state_offered(StateReceived& input, std::vector<Action>& out);
  void on_chunk(const ChunkReceived& input, std::vector<Action>& out);
  void on_state_installed(const StateInstalled& input, std::vector<Action>& out);
  // Keeps a state answer's later blocks (verified, chained onto its anchor)
  // within the usual bound above the anchor or the committed height.
  void keep_later_blocks(VerifiedState& state);
  void request_next_chunk(std::vector<Action>& out);
  // Commits the pending blocks that follow the committed height, in order.
  void release(std::vector<Action>& out);
  // Decides the next catch-up request, if any (one at a time).
  void catch_up(std::vector<Action>& out);
  // Asks for [committed + 1, to].
  void request_blocks(Height to, std::vector<Action>& out);
  // `likely` first, then every other validator, rotated by `rotation`.
  std::vector<ValidatorIndex> peers_for_request(const std::vector<ValidatorIndex>& likely,
                                                std::uint32_t rotation) const;
  void set_fetch_timer(std::vector<Action>& out);
  void cancel_fetch_timer(std::vector<Action>& out);

  Config config_;
  ChainInfo chain_;
  ValidatorSet validators_;
  Height committed_height_ = 0;
  Hash256 committed_hash_;
  std::uint64_t now_ms_ = 0;
  // Highest height known to be committed (a verified block at it was seen).
  Height target_height_ = 0;
  std::vector<ValidatorIndex> peers_;  // the last validator that sent a new block first
  std::map<Height, CertifiedBlock> pending_;  // verified, above committed + 1
  std::optional<Fetch> fetch_;
  std::optional<std::uint64_t> fetch_deadline_ms_;  // the armed kFetch timer
  std::uint32_t fetch_retries_ = 0;  // requests without commit progress since the last one
  bool blocks_after_install_ = false;  // set by an install: blocks first until caught up
  // Requests of each kind since the last commit progress: each asks another peer first.
  std::uint32_t block_requests_ = 0;
  std::uint32_t state_requests_ = 0;
  std::unique_ptr<detail::ChunkTransfer> transfer_;  // chunks of an offered state arriving
  std::optional<VerifiedState> installing_;  // InstallState emitted, StateInstalled pending
};

}  // namespace replex::consensus
