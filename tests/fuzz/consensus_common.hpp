// What the consensus targets share: a 4-validator set with keys known to the
// seed generator (labels "fuzz-val0".."fuzz-val3"), the chain id and limits.
#pragma once

#include <string>
#include <vector>

#include "replex/consensus/block.hpp"
#include "replex/consensus/messages.hpp"
#include "replex/consensus/validator_set.hpp"

namespace replex::fuzz {

inline constexpr std::string_view kConsensusChainId = "replex-fuzz";
inline constexpr std::size_t kValidators = 4;

inline KeyPair validator_key(std::size_t i) { return KeyPair::from_label("fuzz-val" + std::to_string(i)); }

inline const consensus::ValidatorSet& validators() {
  static const consensus::ValidatorSet set = [] {
    std::vector<PublicKey> keys;
    for (std::size_t i = 0; i < kValidators; ++i) keys.push_back(validator_key(i).public_key());
    return *consensus::ValidatorSet::create(std::move(keys));
  }();
  return set;
}

inline constexpr consensus::MessageLimits kMessageLimits{.max_message_bytes = 1u << 20,
                                                        .max_inflight_heights = 4,
                                                        .checkpoint_interval = 10};
inline constexpr consensus::BlockLimits kBlockLimits{.max_block_txs = 64, .max_block_bytes = 1u << 16,
                                                     .max_tx_bytes = 4096};

}  // namespace replex::fuzz
