#include "address_book.hpp"

#include <algorithm>

namespace replex::p2p {

AddressBook::AddressBook(std::size_t capacity, std::size_t per_source)
    : capacity_(capacity), per_source_(std::min(per_source, capacity)) {
  REPLEX_ASSERT(capacity >= 1 && per_source >= 1);
}

void AddressBook::add(const PexAddress& address, const NodeId& source) {
  if (auto it = entries_.find(address.id); it != entries_.end()) {
    Entry& entry = it->second;
    if (entry.address == address) return;
    if (entry.source == source) {
      entry.address = address;
      entry.failures = 0;
      entry.retry_at = {};
      return;
    }
    // Another peer may not redirect a working entry (that would let it
    // steer our dials); a failing one is worth its suggestion.
    if (entry.failures == 0) return;
    erase(address.id);
  }
  if (size_from(source) >= per_source_) evict_oldest_of(source);
  if (entries_.size() >= capacity_) {
    const auto fullest = std::max_element(by_source_.begin(), by_source_.end(), [](const auto& a, const auto& b) {
      return a.second.size() < b.second.size();
    });
    evict_oldest_of(fullest->first);
  }
  insert(address, source);
}

void AddressBook::insert(const PexAddress& address, const NodeId& source) {
  entries_.emplace(address.id, Entry{address, source, 0, {}});
  by_source_[source].push_back(address.id);
  REPLEX_ASSERT(entries_.size() <= capacity_ && by_source_[source].size() <= per_source_);
}

void AddressBook::erase(const NodeId& id) {
  auto it = entries_.find(id);
  REPLEX_ASSERT(it != entries_.end());
  auto bucket = by_source_.find(it->second.source);
  REPLEX_ASSERT(bucket != by_source_.end());
  std::deque<NodeId>& ids = bucket->second;
  ids.erase(std::find(ids.begin(), ids.end(), id));
  if (ids.empty()) by_source_.erase(bucket);
  entries_.erase(it);
}

void AddressBook::evict_oldest_of(const NodeId& source) {
  auto bucket = by_source_.find(source);
  REPLEX_ASSERT(bucket != by_source_.end() && !bucket->second.empty());
  erase(bucket->second.front());
}

std::size_t AddressBook::size_from(const NodeId& source) const {
  auto it = by_source_.find(source);
  return it == by_source_.end() ? 0 : it->second.size();
}

std::vector<PexAddress> AddressBook::pick(std::size_t max, Clock::time_point now,
                                          const std::function<bool(const NodeId&)>& usable,
                                          std::mt19937_64& rng) const {
  std::vector<PexAddress> eligible;
  for (const auto& [id, entry] : entries_) {
    if (entry.retry_at <= now && usable(id)) eligible.push_back(entry.address);
  }
  std::shuffle(eligible.begin(), eligible.end(), rng);
  if (eligible.size() > max) eligible.resize(max);
  return eligible;
}

void AddressBook::record_failure(const NodeId& id, Clock::time_point retry_at) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  ++it->second.failures;
  it->second.retry_at = retry_at;
}

void AddressBook::record_success(const NodeId& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  it->second.failures = 0;
  it->second.retry_at = {};
}

std::uint32_t AddressBook::failures(const NodeId& id) const {
  auto it = entries_.find(id);
  return it == entries_.end() ? 0 : it->second.failures;
}

}  // namespace replex::p2p
