// Observer: follows the chain without voting (observer mode, DESIGN.md §6).
//
// It receives committed blocks with certificates from peers (pushed, or
// answering its RequestBlocks), verifies each against the validator set and
// its parent, and emits CommitBlock in height order, exactly once per height.
// It never signs, proposes or writes a WAL. Same Input/Action vocabulary as
// Replica; inputs other than BlocksReceived and TimerFired are ignored.
// Not thread-safe: one thread drives it.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "replex/consensus/config.hpp"
#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/consensus/replica.hpp"
#include "replex/consensus/validator_set.hpp"

namespace replex::consensus {

class Observer {
 public:
  // Starts after the block (committed_height, committed_hash): genesis for a
  // fresh node, or the store's last block.
  static Result<Observer> create(const Config& config, const ChainInfo& chain,
                                 ValidatorSet validators, Height committed_height,
                                 const Hash256& committed_hash);

  // Asks peers for the blocks after the committed height.
  std::vector<Action> start(std::uint64_t now_ms);
  std::vector<Action> handle(Input input);

  Height committed_height() const { return committed_height_; }
  const Hash256& committed_hash() const { return committed_hash_; }
  const ValidatorSet& validators() const { return validators_; }

 private:
  Observer(const Config& config, const ChainInfo& chain, ValidatorSet validators,
           Height committed_height, const Hash256& committed_hash);
  void on_blocks(const BlocksReceived& input, std::vector<Action>& out);
  void release(std::vector<Action>& out);
  // Asks for [committed + 1, to] and arms the retry timer.
  void request(Height to, std::vector<Action>& out);

  Config config_;
  ChainInfo chain_;
  ValidatorSet validators_;
  Height committed_height_ = 0;
  Hash256 committed_hash_;
  std::uint64_t now_ms_ = 0;
  // Highest height known to be committed (a verified block at it was seen).
  Height target_height_ = 0;
  std::vector<ValidatorIndex> peers_;
  std::map<Height, CertifiedBlock> pending_;  // verified, above committed + 1
  std::optional<Height> fetching_to_;         // outstanding RequestBlocks
  std::optional<std::uint64_t> fetch_deadline_ms_;
};

}  // namespace replex::consensus
