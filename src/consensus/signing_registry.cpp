#include "signing_registry.hpp"

#include "replex/core/assert.hpp"

namespace replex::consensus::detail {

const SigningRegistry::Entry* SigningRegistry::find(const SignKey& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

SigningRegistry::Entry* SigningRegistry::find(const SignKey& key) {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

void SigningRegistry::record(const SignKey& key, const Hash256& digest, const Signature& signature,
                             SharedBytes wire) {
  const bool inserted =
      entries_.emplace(key, Entry{digest, signature, std::move(wire), false}).second;
  REPLEX_ASSERT_MSG(inserted, "a second signature for one (type, view, height)");
}

void SigningRegistry::forget_votes_through(Height height) {
  erase_if([height](const SignKey& k) { return is_vote_type(k.type) && k.height <= height; });
}

void SigningRegistry::forget_checkpoints_through(Height height) {
  erase_if([height](const SignKey& k) {
    return k.type == MessageType::kCheckpoint && k.height <= height;
  });
}

void SigningRegistry::forget_views_below(View view) {
  erase_if(
      [view](const SignKey& k) { return k.type != MessageType::kCheckpoint && k.view < view; });
}

}  // namespace replex::consensus::detail
