#include "replex/consensus/mempool.hpp"

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
    case AddResult::kFull:
      return "MEMPOOL_FULL";
    case AddResult::kTooLarge:
      return "TOO_LARGE";
  }
  return "UNKNOWN";
}

Mempool::AddResult Mempool::add(Bytes tx, const Hash256& hash, std::uint64_t arrival_ms) {
  if (tx.empty() || tx.size() > limits_.max_tx_bytes) return AddResult::kTooLarge;
  if (index_.contains(hash)) return AddResult::kDuplicate;
  if (index_.size() >= limits_.max_txs || bytes_ + tx.size() > limits_.max_bytes) {
    return AddResult::kFull;
  }
  const std::uint64_t sequence = next_sequence_++;
  bytes_ += tx.size();
  ++pending_count_;
  pending_bytes_ += tx.size();
  index_.emplace(hash, sequence);
  entries_.emplace(sequence, Entry{hash, std::move(tx), arrival_ms, false});
  REPLEX_ASSERT(entries_.size() == index_.size());
  return AddResult::kAdded;
}

const Mempool::Entry* Mempool::find(const Hash256& hash) const {
  auto it = index_.find(hash);
  if (it == index_.end()) return nullptr;
  return &entries_.at(it->second);
}

bool Mempool::remove(const Hash256& hash) {
  auto it = index_.find(hash);
  if (it == index_.end()) return false;
  auto entry = entries_.find(it->second);
  REPLEX_ASSERT(entry != entries_.end());
  REPLEX_ASSERT(bytes_ >= entry->second.tx.size());
  bytes_ -= entry->second.tx.size();
  if (!entry->second.in_flight) {
    --pending_count_;
    pending_bytes_ -= entry->second.tx.size();
  }
  entries_.erase(entry);
  index_.erase(it);
  REPLEX_ASSERT(entries_.size() == index_.size());
  return true;
}

void Mempool::set_in_flight(const Hash256& hash, bool in_flight) {
  auto it = index_.find(hash);
  if (it == index_.end()) return;
  Entry& entry = entries_.at(it->second);
  if (entry.in_flight == in_flight) return;
  entry.in_flight = in_flight;
  if (in_flight) {
    --pending_count_;
    pending_bytes_ -= entry.tx.size();
  } else {
    ++pending_count_;
    pending_bytes_ += entry.tx.size();
  }
}

void Mempool::clear_in_flight() {
  for (auto& [sequence, entry] : entries_) entry.in_flight = false;
  pending_count_ = entries_.size();
  pending_bytes_ = bytes_;
}

std::optional<std::uint64_t> Mempool::oldest_pending_arrival_ms() const {
  for (const auto& [sequence, entry] : entries_) {
    if (!entry.in_flight) return entry.arrival_ms;
  }
  return std::nullopt;
}

}  // namespace replex::consensus
