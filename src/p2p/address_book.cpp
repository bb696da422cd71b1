#include "address_book.hpp"

#include <algorithm>

namespace replex::p2p {

AddressBook::AddressBook(std::size_t capacity) : capacity_(capacity) { REPLEX_ASSERT(capacity >= 1); }

void AddressBook::add(const PexAddress& address) {
  if (auto it = entries_.find(address.id); it != entries_.end()) {
    if (it->second.address != address) {
      it->second.address = address;
      it->second.failures = 0;
      it->second.retry_at = {};
    }
    return;
  }
  if (entries_.size() == capacity_) {
    entries_.erase(insertion_order_.front());
    insertion_order_.pop_front();
  }
  entries_.emplace(address.id, Entry{address, 0, {}});
  insertion_order_.push_back(address.id);
  REPLEX_ASSERT(entries_.size() == insertion_order_.size() && entries_.size() <= capacity_);
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
