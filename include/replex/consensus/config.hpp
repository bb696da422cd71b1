// Config: every limit and timeout of the consensus core, with defaults.
//
// Plain value type. validate() names the first field that is out of range;
// validate_for(n) adds the checks that depend on the validator count (the
// largest VIEW-CHANGE / NEW-VIEW must fit in max_message_bytes).
#pragma once

#include <cstddef>
#include <cstdint>

#include "replex/core/status.hpp"
#include "replex/core/tx_envelope.hpp"

namespace replex::consensus {

struct Config {
  // --- blocks -----------------------------------------------------------------
  // The primary cuts a block as soon as it holds this many pending transactions.
  std::uint32_t max_block_txs = 1000;
  // Upper bound on a block's canonical encoding (header and transactions).
  std::uint64_t max_block_bytes = 1u << 20;
  // Upper bound on one transaction (the envelope bytes carried in a block).
  std::uint64_t max_tx_bytes = kDefaultMaxTxBytes;
  // ...or when the oldest pending transaction has waited this long.
  std::uint64_t max_block_delay_ms = 50;
  // While none of the primary's blocks is in flight (nothing it proposed above
  // the committed height, or the view's base), it waits only this long: a lone
  // order does not wait out max_block_delay_ms, while under load the blocks in
  // flight still gather what arrives. More, smaller blocks cost CPU per order
  // (docs/PERFORMANCE.md). 0: off; else at most max_block_delay_ms.
  std::uint64_t idle_block_delay_ms = 0;

  // --- pipelining -------------------------------------------------------------
  // Heights in flight above the last committed height (the watermark window).
  std::uint32_t max_inflight_heights = 4;

  // --- view change ------------------------------------------------------------
  // Time without commit progress, while work is pending, before a view change.
  std::uint64_t view_timeout_ms = 1000;
  // Cap of the exponential back-off (the timeout doubles per view change
  // without a commit in between).
  std::uint64_t view_timeout_max_ms = 60000;
  // Without a commit for this long while work is pending, a replica re-sends
  // what it signed in the current view (PRE-PREPARE, PREPAREs, COMMITs), so a
  // lost message costs a retransmission, not a view change. 0: never; else
  // below view_timeout_ms.
  std::uint64_t retransmit_interval_ms = 300;
  // A backup votes for a view change when the oldest transaction of its
  // mempool (valid, in no block) has waited this long and censorship_blocks
  // blocks in a row, each with room for it, then committed without it.
  // 0: never. Room matters: an overloaded honest primary fills its blocks.
  std::uint64_t censorship_timeout_ms = 10000;
  std::uint32_t censorship_blocks = 3;
  // Votes and proposals for views up to this far ahead of the replica's own
  // are kept (a replica may see the new view's votes before its NEW-VIEW);
  // further ahead they are dropped.
  std::uint32_t max_future_views = 8;

  // --- checkpoints --------------------------------------------------------------
  // Validators checkpoint every this many heights (h % interval == 0).
  std::uint64_t checkpoint_interval = 100;

  // --- time ---------------------------------------------------------------------
  // A proposal's header time must be within this much of the replica's clock.
  std::uint64_t max_clock_skew_ms = 2000;

  // --- mempool ------------------------------------------------------------------
  std::uint64_t max_mempool_txs = 50000;
  std::uint64_t max_mempool_bytes = 64u << 20;
  // One sender (ReplayKey::sender: for the exchange, the signer) holds at most
  // this many mempool entries, so one funded account cannot fill the pool;
  // beyond it, MEMPOOL_FULL for that sender only. 0: no quota.
  std::uint64_t max_mempool_txs_per_sender = 2000;
  // A primary puts at most this many transactions of one sender in a block
  // (its own policy, not a validity rule); the rest wait for the next. 0: no cap.
  std::uint32_t max_block_txs_per_sender = 500;

  // --- messages and catch-up ------------------------------------------------------
  // Largest consensus message accepted or produced (wire bytes).
  std::uint64_t max_message_bytes = 8u << 20;
  // Most committed blocks asked for in one request-blocks action.
  std::uint32_t max_fetch_blocks = 64;
  // A request-blocks / request-state without an answer is retried after this.
  std::uint64_t fetch_timeout_ms = 2000;
  // State transfer in chunks (docs/wire-formats.md#snapshot-chunks): the chunk
  // size asked for (a multiple of 64), and the largest snapshot accepted.
  std::uint32_t state_chunk_bytes = 1u << 20;
  std::uint64_t max_state_bytes = 4ull << 30;

  // Checks each field on its own and the relations between fields.
  Status validate() const;
  // validate() plus: the largest NEW-VIEW for `validator_count` validators
  // fits in max_message_bytes.
  Status validate_for(std::size_t validator_count) const;
};

}  // namespace replex::consensus
