// The NEW-VIEW selection rule, shared by the new primary (which computes it)
// and every backup (which recomputes it from the NEW-VIEW's VIEW-CHANGEs and
// rejects a NEW-VIEW that differs).
//
// base = the highest proven committed height among the VIEW-CHANGEs; then for
// base+1, base+2, ... the prepared certificate with the highest view at that
// height (ties, impossible with at most f faults, go to the smaller hash),
// stopping at the first height with none or whose block does not chain onto
// the block chosen for the height below. Pure and deterministic.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "replex/consensus/block.hpp"
#include "replex/consensus/messages.hpp"

namespace replex::consensus {

struct SelectedProposal {
  Height height = 0;
  Hash256 block_hash;

  friend bool operator==(const SelectedProposal&, const SelectedProposal&) = default;
};

struct NewViewSelection {
  Height base_height = 0;
  Hash256 base_hash;
  std::vector<SelectedProposal> proposals;  // base+1, base+2, ... consecutive
  // Blocks whose bodies the rule read: every selected block, plus the block
  // whose parent broke the chain, if any. A NEW-VIEW carries exactly these.
  std::vector<Hash256> examined_blocks;

  friend bool operator==(const NewViewSelection&, const NewViewSelection&) = default;
};

// Returns the block with this hash, or nullptr if unknown.
using BlockLookup = std::function<const Block*(const Hash256&)>;

// Precondition: `view_changes` is non-empty and each passed validation.
// Fails (kNotFound) when a block the rule must read is unknown to `lookup`.
Result<NewViewSelection> select_new_view(std::span<const SignedViewChange> view_changes,
                                         const BlockLookup& lookup);

}  // namespace replex::consensus
