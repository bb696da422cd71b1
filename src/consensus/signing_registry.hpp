// SigningRegistry: every message this replica has signed and not yet
// forgotten, keyed by (type, view, height).
//
// It is what makes "never sign two different messages for one (type, view,
// height)" hold across restarts: rebuilt from the WAL, consulted before every
// signature. An entry is forgotten only once its height is committed (votes)
// or stable (checkpoints), or its view is left behind (VIEW-CHANGE, NEW-VIEW).
#pragma once

#include <compare>
#include <map>

#include "replex/consensus/signing.hpp"
#include "replex/consensus/types.hpp"

namespace replex::consensus::detail {

// VIEW-CHANGE and NEW-VIEW use height 0; CHECKPOINT uses view 0.
struct SignKey {
  MessageType type = MessageType::kPrepare;
  View view = 0;
  Height height = 0;

  friend auto operator<=>(const SignKey&, const SignKey&) = default;
};

class SigningRegistry {
 public:
  struct Entry {
    Hash256 digest;  // SHA-256 of the signed part
    Signature signature;
    SharedBytes wire;  // the message as sent, for re-sending; may be null for
                       // re-proposals carried inside a NEW-VIEW
    bool refusal_reported = false;
  };

  const Entry* find(const SignKey& key) const;
  Entry* find(const SignKey& key);
  // Precondition: no entry for `key` yet.
  void record(const SignKey& key, const Hash256& digest, const Signature& signature,
              SharedBytes wire);

  // PRE-PREPARE / PREPARE / COMMIT at heights <= `height`.
  void forget_votes_through(Height height);
  // CHECKPOINT at heights <= `height`.
  void forget_checkpoints_through(Height height);
  // VIEW-CHANGE / NEW-VIEW for views below `view`, and votes in those views.
  void forget_views_below(View view);

  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (const auto& [key, entry] : entries_) fn(key, entry);
  }
  std::size_t size() const { return entries_.size(); }

 private:
  template <typename Pred>
  void erase_if(Pred pred) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = pred(it->first) ? entries_.erase(it) : std::next(it);
    }
  }

  std::map<SignKey, Entry> entries_;
};

}  // namespace replex::consensus::detail
