// Private to p2p: addresses learnt by peer exchange, with their dial history.
//
// Bounded: when full, the entry added longest ago makes room. Keyed by node
// id, so a peer that moves keeps one entry. Not thread-safe (network thread).
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

  explicit AddressBook(std::size_t capacity);

  // Adds or updates the address of `address.id`.
  void add(const PexAddress& address);
  // Up to `max` entries whose retry time has come and that `usable` accepts, in random order.
  std::vector<PexAddress> pick(std::size_t max, Clock::time_point now,
                               const std::function<bool(const NodeId&)>& usable, std::mt19937_64& rng) const;
  // A dial failed: count it and do not offer the entry before `retry_at`.
  void record_failure(const NodeId& id, Clock::time_point retry_at);
  void record_success(const NodeId& id);
  std::uint32_t failures(const NodeId& id) const;

  bool contains(const NodeId& id) const { return entries_.contains(id); }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    PexAddress address;
    std::uint32_t failures = 0;
    Clock::time_point retry_at{};
  };
  std::size_t capacity_;
  std::map<NodeId, Entry> entries_;
  std::deque<NodeId> insertion_order_;  // same keys as entries_, oldest first
};

}  // namespace replex::p2p
