#include "seen_set.hpp"

#include <sodium.h>

#include <algorithm>

#include "replex/core/sodium.hpp"

namespace replex::p2p {

static_assert(crypto_generichash_KEYBYTES == 32);

GossipDigester::GossipDigester() {
  ensure_sodium();
  randombytes_buf(key_.data(), key_.size());
}

GossipDigester::~GossipDigester() { sodium_memzero(key_.data(), key_.size()); }

Hash256 GossipDigester::digest(Channel channel, ByteView payload) const {
  crypto_generichash_state state;
  crypto_generichash_init(&state, key_.data(), key_.size(), Hash256::kSize);
  const auto channel_byte = static_cast<std::uint8_t>(channel);
  crypto_generichash_update(&state, &channel_byte, 1);
  crypto_generichash_update(&state, payload.data(), payload.size());
  Hash256 out;
  crypto_generichash_final(&state, out.bytes.data(), out.bytes.size());
  return out;
}

SeenSet::SeenSet(std::size_t capacity) : capacity_(capacity) {
  REPLEX_ASSERT(capacity >= 1);
  entries_.reserve(std::min<std::size_t>(capacity, 1u << 16));
}

SeenSet::Entry& SeenSet::insert(const Hash256& digest) {
  if (entries_.size() == capacity_) {
    entries_.erase(insertion_order_.front());
    insertion_order_.pop_front();
  }
  insertion_order_.push_back(digest);
  Entry& e = entries_[digest];
  REPLEX_ASSERT(entries_.size() == insertion_order_.size() && entries_.size() <= capacity_);
  return e;
}

bool SeenSet::observe(const Hash256& digest, ConnectionId from) {
  REPLEX_ASSERT(from != 0);
  auto it = entries_.find(digest);
  const bool fresh = it == entries_.end();
  Entry& e = fresh ? insert(digest) : it->second;
  const auto end = e.holders.begin() + e.holder_count;
  if (e.holder_count < kMaxHolders && std::find(e.holders.begin(), end, from) == end) {
    e.holders[e.holder_count++] = from;
  }
  return fresh;
}

std::optional<std::vector<ConnectionId>> SeenSet::start_forwarding(const Hash256& digest) {
  auto it = entries_.find(digest);
  Entry& e = it == entries_.end() ? insert(digest) : it->second;
  if (e.forwarded) return std::nullopt;
  e.forwarded = true;
  return std::vector<ConnectionId>(e.holders.begin(), e.holders.begin() + e.holder_count);
}

}  // namespace replex::p2p
