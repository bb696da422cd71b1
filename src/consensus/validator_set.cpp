#include "replex/consensus/validator_set.hpp"

#include <set>
#include <string>

namespace replex::consensus {

static_assert(ValidatorSet::kMaxValidators <= UINT32_MAX);

Result<ValidatorSet> ValidatorSet::create(std::vector<PublicKey> keys) {
  if (keys.size() < kMinValidators) return Status::invalid_argument("validators: the set is empty");
  if (keys.size() > kMaxValidators) {
    return Status::invalid_argument("validators: " + std::to_string(keys.size()) +
                                    " keys exceeds the limit of " + std::to_string(kMaxValidators));
  }
  std::set<PublicKey> seen;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!seen.insert(keys[i]).second) {
      return Status::invalid_argument("validators[" + std::to_string(i) + "]: duplicate key " +
                                      keys[i].hex());
    }
  }
  ValidatorSet set(std::move(keys));
  // Quorum intersection: two quorums overlap in more than f validators.
  REPLEX_ASSERT(2 * set.quorum() >= set.size() + set.max_faulty() + 1);
  return set;
}

std::optional<ValidatorIndex> ValidatorSet::index_of(const PublicKey& key) const {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return static_cast<ValidatorIndex>(i);
  }
  return std::nullopt;
}

}  // namespace replex::consensus
