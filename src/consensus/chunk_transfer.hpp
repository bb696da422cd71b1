// ChunkTransfer: the bookkeeping of one chunked state transfer, shared by
// Replica and Observer (internal to the consensus module).
//
// A peer offered a state (verify_state_offer passed: proof, anchor) whose
// snapshot comes in chunks. The transfer holds the offer, the chunks verified
// so far (ChunkChain, last chunk first), the peers serving that height and
// whose turn it is. It decides what to ask next, whether a ChunkReceived is
// good (StoreChunk), bad (its sender's fault, the next peer's turn) or
// irrelevant, and when to give up (every peer asked twice in vain since the
// last good chunk). It emits nothing and owns no timer: the caller performs
// its decisions with its own output and fetch timer. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "replex/consensus/config.hpp"
#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/consensus/snapshot_chunks.hpp"
#include "replex/consensus/state_transfer.hpp"

namespace replex::consensus::detail {

class ChunkTransfer {
 public:
  // How an offered snapshot of `snapshot_bytes` is cut into the configured
  // state_chunk_bytes; refused above max_state_bytes (the offer's fault).
  static Result<SnapshotLayout> layout_of_offer(std::uint64_t snapshot_bytes, const Config& config);

  // `offer` passed verify_state_offer (its later blocks are the caller's
  // business), `layout` layout_of_offer; `peers` in the order to ask them,
  // the offering peer first.
  ChunkTransfer(VerifiedState offer, const SnapshotLayout& layout,
                std::vector<ValidatorIndex> peers);

  // The proven height being transferred.
  Height height() const { return offer_.proof.checkpoint.height; }
  // Every chunk verified: install_action() installs the spool.
  bool complete() const { return chain_.complete(); }

  // The request for the next chunk, its peers rotated to the next one's
  // turn; nothing once every peer was asked twice in vain since the last
  // good chunk (none serves this height any more): give the transfer up.
  // Precondition: !complete().
  std::optional<RequestChunk> next_request() const;

  // The last request went unanswered (fetch timer): the next peer's turn.
  void missed();

  enum class Verdict : std::uint8_t {
    kIgnored,   // late, duplicate or of another height: nothing verified
    kRefused,   // does not verify: its sender's fault (`refusal`); the next peer's turn
    kAccepted,  // verified: perform `store`; complete() tells whether it was the last
  };
  struct Received {
    Verdict verdict = Verdict::kIgnored;
    Status refusal;
    std::optional<StoreChunk> store;
  };
  // Verifies a chunk against the proven state digest (ChunkChain).
  Received receive(const ChunkReceived& input);

  // Once complete(): the spooled InstallState, and the offer to remember
  // until StateInstalled (the transfer is done with it).
  InstallState install_action() const;
  VerifiedState take_offer() { return std::move(offer_); }

 private:
  VerifiedState offer_;
  ChunkChain chain_;
  std::vector<ValidatorIndex> peers_;  // the offering peer first
  std::uint32_t turn_ = 0;             // peers_[turn_ % size] is asked next
  std::uint32_t misses_ = 0;           // unanswered or bad chunks since the last good one
};

// Asserts that `input` confirms the install of `installing` (the state an
// InstallState asked for); Replica and Observer keep it until then.
void assert_confirms_install(const std::optional<VerifiedState>& installing, const StateInstalled& input);

}  // namespace replex::consensus::detail
