// Mempool: the bounded, insertion-ordered, de-duplicating pool of
// transactions waiting for a block.
//
// Limits are a transaction count and a byte total; a full pool refuses new
// transactions with kFull (MEMPOOL_FULL) and never drops one silently.
// Entries proposed in an uncommitted block are marked in flight so the
// primary does not propose them twice; a committed block removes them.
// A replay key (abci::ReplayKey: for the exchange, signer and nonce) is held
// by at most one entry: a second transaction with it is kKeyHeld, so no one
// can fill the pool, or race a client, with variants of one nonce; and one
// sender holds at most max_txs_per_sender entries (kSenderFull).
// An entry may be held (TxVerdict::kHeld): refused on an older state, kept
// until the replica's execution reaches `held_until`; the core judges it.
// A held entry is not pending; one in a proposed block keeps its hold for
// when it comes back (the block may not commit).
// Not thread-safe: owned and driven by one consensus core.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "replex/abci/application.hpp"
#include "replex/core/bytes.hpp"
#include "replex/consensus/types.hpp"

namespace replex::consensus {

class Mempool {
 public:
  struct Limits {
    std::uint64_t max_txs = 0;
    std::uint64_t max_bytes = 0;
    std::uint64_t max_tx_bytes = 0;
    std::uint64_t max_txs_per_sender = 0;  // entries per ReplayKey::sender; 0: no quota
  };

  enum class AddResult : std::uint8_t { kAdded, kDuplicate, kKeyHeld, kSenderFull, kFull, kTooLarge };

  struct Entry {
    Hash256 hash;
    Bytes tx;
    std::optional<abci::ReplayKey> key;
    std::uint64_t arrival_ms = 0;
    bool in_flight = false;
    Height held_until = 0;  // held (kHeld) until this height executed; 0: not held
  };

  explicit Mempool(const Limits& limits);

  // "ADDED", "DUPLICATE", "REPLAY_KEY_HELD", "SENDER_QUOTA", "MEMPOOL_FULL", "TOO_LARGE".
  static std::string_view result_name(AddResult result);

  // `hash` must be tx_hash(tx) and `key` the application's replay key of tx.
  // An empty or oversized transaction is kTooLarge.
  AddResult add(Bytes tx, const Hash256& hash, std::optional<abci::ReplayKey> key, std::uint64_t arrival_ms);
  bool contains(const Hash256& hash) const { return index_.contains(hash); }
  // The transaction holding `key`, if one does.
  std::optional<Hash256> holder_of(const abci::ReplayKey& key) const;
  // Entries of the sender of `key` (ReplayKey::sender).
  std::uint64_t count_of_sender(const abci::ReplayKey& key) const;
  const Entry* find(const Hash256& hash) const;
  // True when the transaction was present.
  bool remove(const Hash256& hash);

  void set_in_flight(const Hash256& hash, bool in_flight);
  void clear_in_flight();

  // Holds a pending entry until `until` (> 0) executed; release() ends it.
  void hold(const Hash256& hash, Height until);
  // Ends an entry's hold. One not in flight becomes the newest entry, arrived
  // at `now_ms`: only now may it be proposed, and a backup's censorship clock
  // for it starts now.
  void release(const Hash256& hash, std::uint64_t now_ms);
  // Holds end at `until` (> 0) at the latest, in flight or not.
  void cap_holds(Height until);
  // Held entries not in flight.
  std::size_t held_count() const { return held_; }

  std::size_t size() const { return index_.size(); }
  std::uint64_t bytes() const { return bytes_; }
  bool empty() const { return index_.empty(); }
  // Entries neither in flight nor held: what the primary may still propose.
  std::size_t pending_count() const { return pending_.size() - held_; }
  std::uint64_t pending_bytes() const { return pending_bytes_ - held_bytes_; }
  std::optional<std::uint64_t> oldest_pending_arrival_ms() const;
  const Limits& limits() const { return limits_; }

  // Visits the entries not in flight, held ones included, in insertion order
  // until `fn` returns false; in-flight entries cost nothing (a primary may
  // hold thousands).
  template <typename Fn>
  void for_each_pending(Fn&& fn) const {
    for (const auto& [sequence, entry] : pending_) {
      if (!fn(entry)) return;
    }
  }

 private:
  using Entries = std::map<std::uint64_t, Entry>;  // by insertion sequence
  Entries& entries_of(const Entry& entry) { return entry.in_flight ? in_flight_ : pending_; }
  Entries::iterator locate(const Hash256& hash);
  void end_hold(Entry& entry);
  // held_ and held_bytes_ of a held entry entering (+1) or leaving pending_.
  void count_held(const Entry& entry, int sign);

  Limits limits_;
  std::uint64_t next_sequence_ = 0;
  // Every entry is in exactly one of these, as its in_flight flag says.
  Entries pending_;
  Entries in_flight_;
  std::unordered_map<Hash256, std::uint64_t, Hash256Hasher> index_;  // lookup only, never iterated
  std::unordered_map<abci::ReplayKey, Hash256, abci::ReplayKeyHasher> keys_;  // lookup only
  std::unordered_map<abci::ReplayKey::Sender, std::uint64_t, abci::SenderHasher> per_sender_;
  std::uint64_t bytes_ = 0;
  std::uint64_t pending_bytes_ = 0;
  std::size_t held_ = 0;  // entries of pending_ with held_until != 0
  std::uint64_t held_bytes_ = 0;
};

}  // namespace replex::consensus
