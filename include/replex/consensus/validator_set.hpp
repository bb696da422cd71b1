// ValidatorSet: the ordered Ed25519 keys of the validators (genesis order).
//
// n validators tolerate f = (n-1)/3 Byzantine ones; a quorum is n - f (2f+1
// when n = 3f+1), so two quorums always share at least f+1 validators, one of
// them honest. Immutable after creation; safe to share across threads.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "replex/consensus/types.hpp"
#include "replex/core/status.hpp"

namespace replex::consensus {

class ValidatorSet {
 public:
  // PBFT needs n >= 3f+1; with fewer than 4 validators f is 0 (no fault
  // tolerance), which is still useful for a one-node development chain.
  static constexpr std::size_t kMinValidators = 1;
  static constexpr std::size_t kMaxValidators = 1024;

  // Refuses an empty or oversized set and duplicate keys, naming the index.
  static Result<ValidatorSet> create(std::vector<PublicKey> keys);

  std::size_t size() const { return keys_.size(); }
  // f: the most Byzantine validators the set tolerates.
  std::size_t max_faulty() const { return (keys_.size() - 1) / 3; }
  // n - f: matching votes needed for a certificate.
  std::size_t quorum() const { return keys_.size() - max_faulty(); }
  ValidatorIndex primary_of(View view) const {
    return static_cast<ValidatorIndex>(view % keys_.size());
  }
  bool contains(ValidatorIndex index) const { return index < keys_.size(); }
  const PublicKey& key(ValidatorIndex index) const {
    REPLEX_ASSERT_MSG(contains(index), "validator index out of range");
    return keys_[index];
  }
  std::optional<ValidatorIndex> index_of(const PublicKey& key) const;
  const std::vector<PublicKey>& keys() const { return keys_; }

 private:
  explicit ValidatorSet(std::vector<PublicKey> keys) : keys_(std::move(keys)) {}
  std::vector<PublicKey> keys_;
};

}  // namespace replex::consensus
