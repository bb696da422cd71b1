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
// A block changes the state (which the mempool checks nonces against) before
// its transactions are indexed in the store; the execution thread brackets
// each task with begin_execution()/end_execution(), and when_indexed() lets a
// caller refused for a used nonce look the index up only once that window
// has closed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/core/bytes.hpp"

namespace replex::api {

struct CommitInfo {
  std::uint64_t height = 0;
  std::uint32_t index = 0;
  std::uint32_t code = 0;
};

// What an answer of an eviction adds for the client (gRPC and REST alike).
inline constexpr std::string_view kEvictedAfterAdmission =
    "evicted from the mempool after admission (if a block this node skipped by state transfer used its nonce, "
    "the transaction may have committed there: look it up by hash): ";

// A waiting call refused with this verdict may be a retry of a transaction
// that just committed (its nonce is used): it looks the tx index up first.
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

  // The execution thread, around each task (a block, a chunk, an install);
  // every task that begins ends, on a failure too.
  void begin_execution();
  void end_execution();
  // Runs `then` once every block the state already holds is in the store's
  // tx index: at once when no execution task is under way, else when the one
  // under way ends. Runs outside the lock.
  void when_indexed(std::function<void()> then);

  std::size_t size() const;

 private:
  const std::size_t max_waiters_;
  mutable std::mutex mutex_;
  std::multimap<Hash256, std::shared_ptr<Waiter>> waiters_;  // guarded by mutex_
  bool closed_ = false;                                       // guarded by mutex_
  bool executing_ = false;                                    // guarded by mutex_
  std::vector<std::function<void()>> after_execution_;        // guarded by mutex_
};

}  // namespace replex::api
