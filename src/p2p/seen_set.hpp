// Private to p2p: the gossip seen-set, bounded, oldest evicted first.
//
// Keys are keyed BLAKE2b digests of (channel, payload) under a secret drawn
// per process, so a peer cannot craft payloads that collide in the hash
// table. For each digest the set remembers whether this node has forwarded
// it and up to kMaxHolders connections known to hold it already (they sent
// it to us), which forwarding skips. Not thread-safe (network thread only).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/p2p/channel.hpp"

namespace replex::p2p {

// Connection ids start at 1; 0 never names a connection.
using ConnectionId = std::uint64_t;

class GossipDigester {
 public:
  GossipDigester();  // draws a fresh random key
  ~GossipDigester();
  GossipDigester(const GossipDigester&) = delete;
  GossipDigester& operator=(const GossipDigester&) = delete;

  Hash256 digest(Channel channel, ByteView payload) const;

 private:
  std::array<std::uint8_t, 32> key_{};
};

class SeenSet {
 public:
  static constexpr std::size_t kMaxHolders = 4;

  explicit SeenSet(std::size_t capacity);

  // A peer connection sent `digest`. True when the digest was not in the set.
  bool observe(const Hash256& digest, ConnectionId from);
  // This node is about to forward `digest`: nullopt if it did already,
  // otherwise the connections to skip (the set records the forwarding).
  std::optional<std::vector<ConnectionId>> start_forwarding(const Hash256& digest);

  bool contains(const Hash256& digest) const { return entries_.contains(digest); }
  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    bool forwarded = false;
    std::uint8_t holder_count = 0;
    std::array<ConnectionId, kMaxHolders> holders{};
  };
  Entry& insert(const Hash256& digest);

  std::size_t capacity_;
  std::unordered_map<Hash256, Entry, Hash256Hasher> entries_;
  std::deque<Hash256> insertion_order_;  // same keys as entries_, oldest first
};

}  // namespace replex::p2p
