#include "replex/consensus/mempool.hpp"

#include <algorithm>

#include "replex/core/assert.hpp"

namespace replex::consensus {

Mempool::Mempool(const Limits& limits) : limits_(limits) {
  REPLEX_ASSERT(limits.max_txs > 0 && limits.max_bytes > 0 && limits.max_tx_bytes > 0);
}

std::string_view Mempool::result_name(AddResult result) {
  switch (result) {
    case AddResult::kAdded:
      return "ADDED";
    case AddResult::kDuplicate:
      return "DUPLICATE";
    case AddResult::kKeyHeld:
      return "REPLAY_KEY_HELD";
    case AddResult::kSenderFull:
      return "SENDER_QUOTA";
    case AddResult::kFull:
      return "MEMPOOL_FULL";
    case AddResult::kTooLarge:
      return "TOO_LARGE";
  }
  return "UNKNOWN";
}

Mempool::AddResult Mempool::add(Bytes tx, const Hash256& hash, std::optional<abci::ReplayKey> key,
                                std::uint64_t arrival_ms) {
  if (tx.empty() || tx.size() > limits_.max_tx_bytes) return AddResult::kTooLarge;
  if (index_.contains(hash)) return AddResult::kDuplicate;
  if (key && keys_.contains(*key)) return AddResult::kKeyHeld;
  if (key && limits_.max_txs_per_sender != 0 && count_of_sender(*key) >= limits_.max_txs_per_sender) {
    return AddResult::kSenderFull;
  }
  if (index_.size() >= limits_.max_txs || bytes_ + tx.size() > limits_.max_bytes) {
    return AddResult::kFull;
  }
  const std::uint64_t sequence = next_sequence_++;
  bytes_ += tx.size();
  pending_bytes_ += tx.size();
  index_.emplace(hash, sequence);
  if (key) {
    keys_.emplace(*key, hash);
    ++per_sender_[key->sender()];
  }
  pending_.emplace_hint(pending_.end(), sequence, Entry{hash, std::move(tx), key, arrival_ms, false});
  REPLEX_ASSERT(pending_.size() + in_flight_.size() == index_.size());
  return AddResult::kAdded;
}

Mempool::Entries::iterator Mempool::locate(const Hash256& hash) {
  auto it = index_.find(hash);
  if (it == index_.end()) return pending_.end();
  if (auto entry = pending_.find(it->second); entry != pending_.end()) return entry;
  auto entry = in_flight_.find(it->second);
  REPLEX_ASSERT(entry != in_flight_.end());
  return entry;
}

const Mempool::Entry* Mempool::find(const Hash256& hash) const {
  auto it = const_cast<Mempool*>(this)->locate(hash);
  return it == pending_.end() ? nullptr : &it->second;
}

bool Mempool::remove(const Hash256& hash) {
  auto entry = locate(hash);
  if (entry == pending_.end()) return false;
  const std::size_t size = entry->second.tx.size();
  REPLEX_ASSERT(bytes_ >= size);
  bytes_ -= size;
  if (!entry->second.in_flight) pending_bytes_ -= size;
  if (const auto& key = entry->second.key) {
    keys_.erase(*key);
    const auto sender = per_sender_.find(key->sender());
    REPLEX_ASSERT(sender != per_sender_.end() && sender->second > 0);
    if (--sender->second == 0) per_sender_.erase(sender);
  }
  if (entry->second.held_until != 0 && !entry->second.in_flight) count_held(entry->second, -1);
  entries_of(entry->second).erase(entry);
  index_.erase(hash);
  REPLEX_ASSERT(pending_.size() + in_flight_.size() == index_.size());
  return true;
}

void Mempool::set_in_flight(const Hash256& hash, bool in_flight) {
  auto entry = locate(hash);
  if (entry == pending_.end() || entry->second.in_flight == in_flight) return;
  if (entry->second.held_until != 0) count_held(entry->second, in_flight ? -1 : +1);
  const std::size_t size = entry->second.tx.size();
  entry->second.in_flight = in_flight;
  // Moved between the maps without copying the transaction or allocating.
  Entries& from = in_flight ? pending_ : in_flight_;
  Entries& to = in_flight ? in_flight_ : pending_;
  to.insert(from.extract(entry));
  if (in_flight) {
    pending_bytes_ -= size;
  } else {
    pending_bytes_ += size;
  }
}

void Mempool::clear_in_flight() {
  for (auto& [sequence, entry] : in_flight_) {
    entry.in_flight = false;
    if (entry.held_until != 0) count_held(entry, +1);
  }
  pending_.merge(in_flight_);
  REPLEX_ASSERT(in_flight_.empty());
  pending_bytes_ = bytes_;
}

void Mempool::hold(const Hash256& hash, Height until) {
  REPLEX_ASSERT(until > 0);
  auto entry = locate(hash);
  if (entry == pending_.end() || entry->second.in_flight) return;
  const bool was_held = entry->second.held_until != 0;
  entry->second.held_until = until;
  if (!was_held) count_held(entry->second, +1);
}

void Mempool::release(const Hash256& hash, std::uint64_t now_ms) {
  auto entry = locate(hash);
  if (entry == pending_.end() || entry->second.held_until == 0) return;
  end_hold(entry->second);
  if (entry->second.in_flight) return;
  // Re-sequenced without copying the transaction: pending_ stays in arrival
  // order. (`hash` may be the entry's own field: copied before extracting.)
  const Hash256 key = hash;
  auto node = pending_.extract(entry);
  node.key() = next_sequence_++;
  node.mapped().arrival_ms = std::max(node.mapped().arrival_ms, now_ms);
  index_[key] = node.key();
  pending_.insert(pending_.end(), std::move(node));
}

void Mempool::cap_holds(Height until) {
  REPLEX_ASSERT(until > 0);
  for (Entries* entries : {&pending_, &in_flight_}) {
    for (auto& [sequence, entry] : *entries) {
      if (entry.held_until > until) entry.held_until = until;
    }
  }
}

void Mempool::end_hold(Entry& entry) {
  if (!entry.in_flight) count_held(entry, -1);
  entry.held_until = 0;
}

void Mempool::count_held(const Entry& entry, int sign) {
  REPLEX_ASSERT(entry.held_until != 0);
  if (sign > 0) {
    ++held_;
    held_bytes_ += entry.tx.size();
  } else {
    REPLEX_ASSERT(held_ > 0 && held_bytes_ >= entry.tx.size());
    --held_;
    held_bytes_ -= entry.tx.size();
  }
}

std::optional<Hash256> Mempool::holder_of(const abci::ReplayKey& key) const {
  const auto it = keys_.find(key);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

std::uint64_t Mempool::count_of_sender(const abci::ReplayKey& key) const {
  const auto it = per_sender_.find(key.sender());
  return it == per_sender_.end() ? 0 : it->second;
}

std::optional<std::uint64_t> Mempool::oldest_pending_arrival_ms() const {
  for (const auto& [sequence, entry] : pending_) {  // held entries are few
    if (entry.held_until == 0) return entry.arrival_ms;
  }
  return std::nullopt;
}

}  // namespace replex::consensus
