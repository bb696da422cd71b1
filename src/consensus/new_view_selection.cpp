#include "replex/consensus/new_view_selection.hpp"

#include <string>

namespace replex::consensus {

Result<NewViewSelection> select_new_view(std::span<const SignedViewChange> view_changes,
                                         const BlockLookup& lookup) {
  REPLEX_ASSERT(!view_changes.empty());
  NewViewSelection out;
  bool have_base = false;
  for (const SignedViewChange& vc : view_changes) {
    const ViewChangeBody& b = vc.body;
    if (!have_base || b.committed_height > out.base_height ||
        (b.committed_height == out.base_height && b.committed_hash < out.base_hash)) {
      out.base_height = b.committed_height;
      out.base_hash = b.committed_hash;
      have_base = true;
    }
  }

  Hash256 parent = out.base_hash;
  for (Height h = out.base_height + 1;; ++h) {
    const PreparedCertificate* best = nullptr;
    for (const SignedViewChange& vc : view_changes) {
      for (const PreparedCertificate& cert : vc.body.prepared) {
        if (cert.height != h) continue;
        if (best == nullptr || cert.view > best->view ||
            (cert.view == best->view && cert.block_hash < best->block_hash)) {
          best = &cert;
        }
      }
    }
    if (best == nullptr) break;
    const Block* block = lookup(best->block_hash);
    if (block == nullptr) {
      return Status::not_found("new view selection: block " + best->block_hash.hex() +
                               " of the prepared certificate at height " + std::to_string(h) +
                               " is not available");
    }
    out.examined_blocks.push_back(best->block_hash);
    if (block->header.prev_block_hash != parent) break;
    out.proposals.push_back({h, best->block_hash});
    parent = best->block_hash;
  }
  return out;
}

}  // namespace replex::consensus
