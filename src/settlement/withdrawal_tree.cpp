#include "replex/settlement/withdrawal_tree.hpp"

#include <algorithm>
#include <numeric>

#include "replex/settlement/keccak.hpp"

namespace replex::settlement {

AbiValue to_abi(const Withdrawal& w) {
  return AbiValue::tuple({AbiValue::uint64(w.id), AbiValue::address(w.recipient), AbiValue::address(w.token),
                          AbiValue::uint256(w.amount)});
}

// OZ's standard leaf: hashing twice keeps a 64-byte leaf preimage from ever
// being taken for an inner node (second-preimage defence).
Hash256 withdrawal_leaf_hash(const Withdrawal& w) {
  const Hash256 inner = keccak256(abi_encode({AbiValue::uint64(w.id), AbiValue::address(w.recipient),
                                              AbiValue::address(w.token), AbiValue::uint256(w.amount)}));
  return keccak256(inner.view());
}

Hash256 hash_sorted_pair(const Hash256& a, const Hash256& b) {
  return a < b ? keccak256(a.view(), b.view()) : keccak256(b.view(), a.view());
}

Hash256 process_merkle_proof(const Hash256& leaf, std::span<const Hash256> proof) {
  Hash256 computed = leaf;
  for (const Hash256& sibling : proof) computed = hash_sorted_pair(computed, sibling);
  return computed;
}

// makeMerkleTree of @openzeppelin/merkle-tree: n leaves sorted ascending by
// hash fill tree[2n-2] down to tree[n-1] (the i-th smallest at 2n-2-i); each
// inner node i, from n-2 down to 0, hashes its children 2i+1 and 2i+2.
StandardMerkleTree::StandardMerkleTree(std::vector<Hash256> leaf_hashes) {
  const std::size_t n = leaf_hashes.size();
  tree_index_.assign(n, 0);
  if (n == 0) return;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Stable, so equal leaves keep their input order, as JS's Array.sort does.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return leaf_hashes[a] < leaf_hashes[b]; });
  tree_.resize(2 * n - 1);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t at = tree_.size() - 1 - i;
    tree_[at] = leaf_hashes[order[i]];
    tree_index_[order[i]] = at;
  }
  for (std::size_t i = n - 1; i-- > 0;) tree_[i] = hash_sorted_pair(tree_[2 * i + 1], tree_[2 * i + 2]);
}

StandardMerkleTree StandardMerkleTree::of_withdrawals(std::span<const Withdrawal> withdrawals) {
  std::vector<Hash256> leaves;
  leaves.reserve(withdrawals.size());
  for (const Withdrawal& w : withdrawals) leaves.push_back(withdrawal_leaf_hash(w));
  return StandardMerkleTree(std::move(leaves));
}

Hash256 StandardMerkleTree::root() const { return tree_.empty() ? Hash256{} : tree_[0]; }

std::vector<Hash256> StandardMerkleTree::proof(std::size_t leaf_index) const {
  REPLEX_ASSERT_MSG(leaf_index < leaf_count(), "leaf " + std::to_string(leaf_index) + " of " +
                                                   std::to_string(leaf_count()));
  std::vector<Hash256> out;
  // Sibling of i: i+1 when i is odd (a left child), i-1 when even; parent (i-1)/2.
  for (std::size_t i = tree_index_[leaf_index]; i > 0; i = (i - 1) / 2) {
    out.push_back(tree_[i % 2 == 1 ? i + 1 : i - 1]);
  }
  return out;
}

}  // namespace replex::settlement
