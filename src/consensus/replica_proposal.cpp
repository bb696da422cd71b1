// Replica, proposals: the primary cuts blocks from its mempool; backups
// validate fresh proposals before accepting them.
#include <algorithm>
#include <set>
#include <string>
#include <unordered_map>

#include "replex/core/tx_envelope.hpp"
#include "replica_impl.hpp"

namespace replex::consensus {

void detail::UsedUp::add(const std::vector<Hash256>& h, const std::vector<std::optional<abci::ReplayKey>>& k) {
  hashes.insert(h.begin(), h.end());
  for (const auto& key : k) {
    if (key) keys.insert(*key);
  }
}

detail::UsedUp Replica::Impl::used_below(Height height) const {
  detail::UsedUp used;
  for (auto it = unexecuted_.upper_bound(executed_height_); it != unexecuted_.end() && it->first < height; ++it) {
    used.add(it->second.first, it->second.second);
  }
  for (auto it = slots_.upper_bound(committed_height_); it != slots_.end() && it->first < height; ++it) {
    if (it->second.accepted) used.add(it->second.accepted->block->tx_hashes, it->second.accepted->replay_keys);
  }
  return used;
}

std::vector<std::optional<abci::ReplayKey>> Replica::Impl::replay_keys_of(const Block& block) const {
  std::vector<std::optional<abci::ReplayKey>> keys;
  keys.reserve(block.txs.size());
  for (const Bytes& tx : block.txs) keys.push_back(app_.replay_key(tx));
  return keys;
}

Height Replica::Impl::next_proposal_height() const {
  Height h = std::max(committed_height_, view_base_height_);
  for (auto it = slots_.upper_bound(h); it != slots_.end() && it->first == h + 1; ++it) {
    if (!it->second.accepted) break;
    h = it->first;
  }
  return h + 1;
}

bool Replica::Impl::block_cut_due() const {
  if (mempool_.pending_count() >= config_.max_block_txs) return true;
  if (mempool_.pending_bytes() >= config_.max_block_bytes) return true;
  const std::optional<std::uint64_t> oldest = mempool_.oldest_pending_arrival_ms();
  return oldest && now_ms_ >= *oldest + block_delay_ms();
}

bool Replica::Impl::pipeline_idle() const {
  return next_proposal_height() == std::max(committed_height_, view_base_height_) + 1;
}

std::uint64_t Replica::Impl::block_delay_ms() const {
  return (config_.idle_block_delay_ms != 0 && pipeline_idle()) ? config_.idle_block_delay_ms
                                                                : config_.max_block_delay_ms;
}

bool Replica::Impl::propose() {
  if (!is_primary() || in_view_change_ || installing_ || diverged_at_) return false;
  // Behind the NEW-VIEW's base, the mempool still holds transactions the
  // blocks up to the base committed, and check_tx sees a stale state: cut
  // nothing above the re-proposals until those blocks are fetched.
  if (committed_height_ < view_base_height_) return false;
  bool changed = false;
  for (;;) {
    const Height height = next_proposal_height();
    if (!in_window(height)) break;
    const std::optional<detail::Parent> parent = parent_of(height);
    if (!parent) break;  // behind the NEW-VIEW's base: catching up first
    if (mempool_.pending_count() == 0 || !block_cut_due()) break;

    // Oldest first; a transaction that no longer passes check_tx is evicted.
    // One whose hash or replay key a block below (or this one) uses up waits:
    // backups refuse it here, and once that block executes check_tx evicts it.
    std::vector<Bytes> txs;
    std::vector<Hash256> hashes;
    std::vector<std::optional<abci::ReplayKey>> keys;
    std::vector<std::pair<Hash256, abci::TxCheck>> evicted;
    detail::UsedUp used = used_below(height);
    std::unordered_map<abci::ReplayKey::Sender, std::uint32_t, abci::SenderHasher> senders;  // per block
    std::uint64_t bytes = encoded_block_bytes(chain_.chain_id, {});
    mempool_.for_each_pending([&](const Mempool::Entry& e) {
      if (e.held_until != 0) return true;  // refused on this state; judged once executed further
      if (txs.size() >= config_.max_block_txs) return false;
      if (bytes + encoded_tx_bytes(e.tx.size()) > config_.max_block_bytes) return false;
      if (used.hashes.contains(e.hash)) return true;
      const std::optional<abci::ReplayKey>& key = e.key;
      if (key && config_.max_block_txs_per_sender != 0 &&
          senders[key->sender()] >= config_.max_block_txs_per_sender) {
        return true;  // this sender's share of the block is taken: the next block
      }
      if (key && !used.keys.insert(*key).second) return true;
      abci::TxCheck check = app_.check_tx(e.tx, height);
      if (!check.ok()) {
        evicted.emplace_back(e.hash, std::move(check));
        return true;
      }
      bytes += encoded_tx_bytes(e.tx.size());
      if (key) ++senders[key->sender()];
      txs.push_back(e.tx);
      hashes.push_back(e.hash);
      keys.push_back(key);
      return true;
    });
    for (auto& [hash, check] : evicted) {
      mempool_.remove(hash);
      emit(TxStatusReport{hash, TxVerdict::kEvicted, check.code,
                          std::string(app_.reason_name(check.code)) + ": " + check.message});
      changed = true;
    }
    if (txs.empty()) {
      if (evicted.empty()) break;
      continue;
    }

    const std::uint64_t time_ms = std::max(now_ms_, parent->time_ms);
    auto block = std::make_shared<const Block>(
        make_block(chain_.chain_id, height, time_ms, parent->hash, me_, std::move(txs), std::move(hashes)));
    const Hash256 hash = block_hash(block->header);
    const VoteBody vote{view_, height, hash};
    const auto signed_proposal =
        sign_own(MessageType::kPrePrepare, vote, {encode_block(*block)}, height);
    if (!signed_proposal) break;
    broadcast(MessageType::kPrePrepare, signed_proposal->wire);
    Proposal p;
    p.view = view_;
    p.block_hash = hash;
    p.signature = signed_proposal->signature;
    p.block = std::move(block);
    p.wire = signed_proposal->wire;
    p.received_ms = now_ms_;
    p.replay_keys = std::move(keys);
    accept_proposal(height, std::move(p));
    changed = true;
  }
  return changed;
}

Status Replica::Impl::validate_fresh_proposal(Height height, const Proposal& p,
                                              const detail::Parent& parent) const {
  const BlockHeader& h = p.block->header;
  if (h.height != height) {
    return Status::invalid_argument("block.height: " + std::to_string(h.height) +
                                    ", the PRE-PREPARE is for " + std::to_string(height));
  }
  const ValidatorIndex primary = validators_.primary_of(p.view);
  if (h.proposer != primary) {
    return Status::invalid_argument("block.proposer: " + std::to_string(h.proposer) +
                                    ", the primary of view " + std::to_string(p.view) + " is " +
                                    std::to_string(primary));
  }
  if (h.prev_block_hash != parent.hash) {
    return Status::invalid_argument("block.prev_block_hash: " + h.prev_block_hash.hex() +
                                    " is not the block this replica has at height " +
                                    std::to_string(height - 1) + " (" + parent.hash.hex() + ")");
  }
  if (h.time_ms < parent.time_ms) {
    return Status::invalid_argument("block.time_ms: " + std::to_string(h.time_ms) +
                                    " is before the previous block's " +
                                    std::to_string(parent.time_ms));
  }
  const std::uint64_t skew = config_.max_clock_skew_ms;
  if (h.time_ms > p.received_ms + skew || h.time_ms + skew < p.received_ms) {
    return Status::invalid_argument("block.time_ms: " + std::to_string(h.time_ms) +
                                    " is more than max_clock_skew_ms " + std::to_string(skew) +
                                    " from this replica's clock " + std::to_string(p.received_ms));
  }
  // Sizes, counts and tx_root were checked when the block was decoded.
  // Valid means: check_tx against the executed state, and nothing used up
  // by the blocks between that state and this one (used_below), so every
  // replica decides alike however far its execution got. A refusal a later
  // state may lift waits for the state right below the block; one a later
  // state may cause does not count (TxCheck::Scope).
  const detail::UsedUp used = used_below(height);
  std::set<Hash256> seen;
  std::map<abci::ReplayKey, std::size_t> keys_in_block;
  REPLEX_ASSERT(p.block->tx_hashes.size() == p.block->txs.size() && p.replay_keys.size() == p.block->txs.size());
  // A transaction this replica's mempool holds passed verify_tx on admission;
  // the others (gossip not yet arrived) are verified here, together.
  std::vector<std::size_t> unverified;
  std::vector<ByteView> unverified_txs;
  for (std::size_t i = 0; i < p.block->txs.size(); ++i) {
    if (mempool_.contains(p.block->tx_hashes[i])) continue;
    unverified.push_back(i);
    unverified_txs.emplace_back(p.block->txs[i]);
  }
  std::vector<abci::TxCheck> verdicts(unverified.size());
  app_.verify_txs(unverified_txs, verdicts);
  std::size_t next_unverified = 0;
  for (std::size_t i = 0; i < p.block->txs.size(); ++i) {
    const Bytes& tx = p.block->txs[i];
    const Hash256& hash = p.block->tx_hashes[i];
    const std::string where = "block.txs[" + std::to_string(i) + "]: ";
    if (!seen.insert(hash).second) {
      return Status::invalid_argument(where + "duplicate of an earlier transaction in the block");
    }
    if (used.hashes.contains(hash)) {
      return Status::invalid_argument(where + "already in a block below this one");
    }
    if (const auto& key = p.replay_keys[i]) {
      if (used.keys.contains(*key)) {
        return Status::invalid_argument(where + "its replay key (signer and nonce) is used by a block below this one");
      }
      if (auto [it, fresh] = keys_in_block.emplace(*key, i); !fresh) {
        return Status::invalid_argument(where + "same replay key (signer and nonce) as block.txs[" +
                                        std::to_string(it->second) + "]");
      }
    }
    if (next_unverified < unverified.size() && unverified[next_unverified] == i) {
      const abci::TxCheck& verified = verdicts[next_unverified++];
      if (!verified.ok()) {
        return Status::invalid_argument(
            where + "verify_tx: " + std::string(app_.reason_name(verified.code)) + ": " +
            verified.message);
      }
    }
    const abci::TxCheck checked = app_.check_tx(tx, height);
    if (checked.ok() || checked.scope == abci::TxCheck::Scope::kAdmissionOnly) continue;
    std::string why = where + "check_tx: " + std::string(app_.reason_name(checked.code)) + ": " + checked.message;
    // The primary's state may be younger than this one: such a refusal is
    // final only on the state right below the block.
    if (checked.scope == abci::TxCheck::Scope::kUntilLaterState && executed_height_ + 1 < height) {
      return Status::unavailable(std::move(why));
    }
    return Status::invalid_argument(std::move(why));
  }
  return Status::ok();
}

void Replica::Impl::refuse_proposal(Height height, const Proposal& proposal, const Status& reason) {
  std::vector<SharedBytes> proof;
  if (proposal.wire) proof.push_back(proposal.wire);
  report(EvidenceKind::kInvalidProposal, validators_.primary_of(proposal.view), proposal.view,
         height, "refused PRE-PREPARE: " + reason.message(), std::move(proof));
  start_view_change(view_ + 1);
}

Height Replica::Impl::known_height() const {
  Height known = next_proposal_height() - 1;
  if (in_view_change_) {
    for (auto it = slots_.upper_bound(known); it != slots_.end(); ++it) {
      if (it->second.prepared) known = it->first;
    }
  }
  return known;
}

void Replica::Impl::recheck_mempool(Height next_height, bool holds_final) {
  std::vector<std::pair<Hash256, abci::TxCheck>> evicted;
  std::vector<const Mempool::Entry*> released;  // held, and now passing: an ordinary entry
  mempool_.for_each_pending([&](const Mempool::Entry& e) {
    abci::TxCheck check = app_.check_tx(e.tx, next_height);
    if (check.ok()) {
      if (e.held_until != 0) released.push_back(&e);
    } else if (check.scope != abci::TxCheck::Scope::kUntilLaterState || holds_final ||
               e.held_until <= executed_height_) {
      evicted.emplace_back(e.hash, std::move(check));  // (a held one waits for the height it knew of)
    }
    return true;
  });
  for (const Mempool::Entry* e : released) {
    // Not relayed while held: the driver relays it now.
    emit(TxStatusReport{e->hash, TxVerdict::kReleased, 0, "passes check_tx now", e->tx});
    mempool_.release(e->hash, now_ms_);
  }
  for (auto& [hash, check] : evicted) {
    mempool_.remove(hash);
    emit(TxStatusReport{hash, TxVerdict::kEvicted, check.code,
                        std::string(app_.reason_name(check.code)) + ": " + check.message});
  }
}

}  // namespace replex::consensus
