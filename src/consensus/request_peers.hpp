// The order in which a catching-up core (Replica or Observer) asks peers for
// blocks, state or chunks (internal to the consensus module).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "replex/consensus/validator_set.hpp"

namespace replex::consensus::detail {

// The validators known to have what is asked for first (`likely`), then every
// other one (a hint can be stale), never `self`; rotated by `rotation`, the
// requests of this kind so far, so that each retry after an unanswered request
// starts with another peer. (Counting retries of all kinds instead would skip,
// for good, the peers whose turn always falls on a request of another kind.)
std::vector<ValidatorIndex> peers_for_request(const ValidatorSet& validators,
                                              const std::vector<ValidatorIndex>& likely,
                                              std::uint32_t rotation, std::optional<ValidatorIndex> self);

}  // namespace replex::consensus::detail
