// CommitWaiters: SubmitTransaction calls waiting for their transaction's block.
//
// A waiter registers its transaction hash and a callback before the
// transaction reaches the mempool (so a fast commit cannot be missed); the
// execution thread calls notify_block() after each executed block, which
// answers every waiter of a transaction in it. A transaction the mempool drops
// after admitting it (a later block made it fail check_tx; after a state
// transfer, a skipped block used its nonce) never reaches a block here:
// notify_evicted() answers its waiters at once. Each callback runs at most
// once, outside the lock, on the thread that answers. Bounded by max_waiters.
// Thread-safe.
//
// A block is committed, and then changes the state (which the mempool checks
// against), before its transactions are indexed in the store. The node counts
// the tasks it hands the execution thread (task_posted(), task_done()), and
// when_indexed() lets a caller refused for a used nonce or an expiry look the
// index up only once every block committed before the refusal is indexed.
// After a failure the execution thread drops its tasks (task_dropped()): the
// index then stays behind, and such a lookup says it cannot tell.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <variant>

#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/core/bytes.hpp"

namespace replex::api {

struct CommitInfo {
  std::uint64_t height = 0;
  std::uint32_t index = 0;
  std::uint32_t code = 0;
};

// What an answer adds for the client (gRPC and REST alike) when a refusal's
// lookup could not be trusted (when_indexed() with indexed == false).
inline constexpr std::string_view kIndexIncomplete =
    "this node stopped before it indexed every block committed before the refusal, so the transaction may have "
    "committed: look it up by hash on another node. The refusal: ";

// What an answer of an eviction adds for the client (gRPC and REST alike).
inline constexpr std::string_view kEvictedAfterAdmission =
    "evicted from the mempool after admission (if a block this node skipped by state transfer used its nonce, "
    "the transaction may have committed there: look it up by hash): ";

// A waiting call refused with this verdict may be a retry of a transaction
// that just committed (its nonce is used, or its good_til_height has passed):
// it looks the tx index up first.
bool may_have_committed(const consensus::TxStatusReport& refusal);

class CommitWaiters {
 public:
  struct Closed {};  // the node is shutting down
  // The commit; the mempool's eviction (a kEvicted report: it will not
  // commit here); or Closed.
  using Answer = std::variant<CommitInfo, consensus::TxStatusReport, Closed>;

  using Callback = std::function<void(Answer)>;

  struct Waiter {
    Hash256 tx_hash;
    Callback on_answer;
  };

  explicit CommitWaiters(std::size_t max_waiters) : max_waiters_(max_waiters) {}

  // nullptr when max_waiters are registered or the waiters are closed.
  std::shared_ptr<Waiter> add(const Hash256& tx_hash, Callback on_answer);
  // Forgets a waiter that gave up (timeout). Harmless if it was answered; an
  // answer already taken out may still run its callback, once.
  void remove(const std::shared_ptr<Waiter>& waiter);
  void notify_block(std::uint64_t height, std::span<const Hash256> tx_hashes,
                    std::span<const std::uint32_t> tx_codes);
  // Answers the waiters of report.tx_hash with the eviction report.
  void notify_evicted(const consensus::TxStatusReport& report);
  // Answers every waiter with Closed and refuses new ones.
  void close();

  // The node, for each task it hands the execution thread (a block, a chunk,
  // an install), before handing it over; the execution thread once that task
  // has run (task_done()), or was dropped after a failure (task_dropped():
  // the node stops, and its index never catches up).
  void task_posted();
  void task_done();
  void task_dropped();
  // Runs `then` once every task posted so far has ended, so that every block
  // committed so far is in the store's tx index (but those a state transfer
  // skipped, which this node never indexes): at once when none is
  // outstanding, else on the thread that ends the last of them. `indexed`
  // says whether no task was dropped by then (else the index may lack a
  // committed block). Runs outside the lock. The waiters close() answers do
  // not wait for this. At most max_waiters wait at once (a caller that gave
  // up leaves its `then` queued): beyond, `then` runs at once, and its lookup
  // may miss a block not indexed yet, as without the wait.
  void when_indexed(std::function<void(bool indexed)> then);

  std::size_t size() const;

 private:
  const std::size_t max_waiters_;
  mutable std::mutex mutex_;
  std::multimap<Hash256, std::shared_ptr<Waiter>> waiters_;  // guarded by mutex_
  bool closed_ = false;                                       // guarded by mutex_
  std::uint64_t tasks_posted_ = 0;                            // guarded by mutex_
  std::uint64_t tasks_done_ = 0;                              // guarded by mutex_
  bool task_was_dropped_ = false;                             // guarded by mutex_
  // when_indexed() callbacks, by the count of tasks done they wait for.
  std::multimap<std::uint64_t, std::function<void(bool)>> after_tasks_;  // guarded by mutex_

  void end_task(bool dropped);
};

}  // namespace replex::api
