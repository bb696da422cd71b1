// Private to p2p: addresses learnt by peer exchange, with their dial history.
//
// Bounded twice: each entry is charged to the peer whose answer taught it
// (its source), which holds at most `per_source` entries and makes room by
// evicting its own oldest; when the whole book is full, the source holding
// the most entries gives up its oldest. So one peer's answers can flush only
// its own share. Keyed by node id. Not thread-safe (network thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "replex/p2p/message.hpp"

namespace replex::p2p {

class AddressBook {
 public:
  using Clock = std::chrono::steady_clock;

  AddressBook(std::size_t capacity, std::size_t per_source);

  // Adds `address` as learnt from `source`. An id already known keeps its
  // entry, unless `source` taught it (the address is updated) or its dials
  // have failed (it moves to `source` with the new address).
  void add(const PexAddress& address, const NodeId& source);
  // Up to `max` entries whose retry time has come and that `usable` accepts, in random order.
  std::vector<PexAddress> pick(std::size_t max, Clock::time_point now,
                               const std::function<bool(const NodeId&)>& usable, std::mt19937_64& rng) const;
  // A dial failed: count it and do not offer the entry before `retry_at`.
  void record_failure(const NodeId& id, Clock::time_point retry_at);
  void record_success(const NodeId& id);
  std::uint32_t failures(const NodeId& id) const;

  bool contains(const NodeId& id) const { return entries_.contains(id); }
  std::size_t size() const { return entries_.size(); }
  // Entries charged to `source`.
  std::size_t size_from(const NodeId& source) const;

 private:
  struct Entry {
    PexAddress address;
    NodeId source;
    std::uint32_t failures = 0;
    Clock::time_point retry_at{};
  };
  void insert(const PexAddress& address, const NodeId& source);
  void erase(const NodeId& id);
  // The oldest entry of `source`.
  void evict_oldest_of(const NodeId& source);

  std::size_t capacity_;
  std::size_t per_source_;
  std::map<NodeId, Entry> entries_;
  std::map<NodeId, std::deque<NodeId>> by_source_;  // each source's entries, oldest first
};

}  // namespace replex::p2p
