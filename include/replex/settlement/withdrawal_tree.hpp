// The withdrawals Merkle tree, built exactly as OpenZeppelin's
// StandardMerkleTree (@openzeppelin/merkle-tree) builds it, so that
// MerkleProof.verify(proof, root, leaf) in the contract accepts our proofs:
//   leaf = keccak256(bytes.concat(keccak256(abi.encode(uint64 id, address
//          recipient, address token, uint256 amount))))
//   node = keccak256 of the pair sorted (commutative), leaves sorted by hash,
//   laid out as a complete binary tree in one array (OZ's "tree" dump).
// The empty set's root is bytes32(0). Plain values; thread-safe when const.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/settlement/abi.hpp"
#include "replex/settlement/eth_address.hpp"
#include "replex/settlement/uint256.hpp"

namespace replex::settlement {

// The contract's claim tuple (uint64,address,address,uint256).
struct Withdrawal {
  std::uint64_t id = 0;
  EthAddress recipient{};
  EthAddress token{};  // 0: ether
  U256 amount = 0;
  friend bool operator==(const Withdrawal&, const Withdrawal&) = default;
};
AbiValue to_abi(const Withdrawal& withdrawal);
Hash256 withdrawal_leaf_hash(const Withdrawal& withdrawal);

// keccak256(min(a, b) || max(a, b)): OpenZeppelin's Hashes.commutativeKeccak256.
Hash256 hash_sorted_pair(const Hash256& a, const Hash256& b);
// MerkleProof.processProof: folds the proof into the leaf with hash_sorted_pair.
Hash256 process_merkle_proof(const Hash256& leaf, std::span<const Hash256> proof);
inline bool verify_merkle_proof(std::span<const Hash256> proof, const Hash256& root, const Hash256& leaf) {
  return process_merkle_proof(leaf, proof) == root;
}

// StandardMerkleTree over already hashed leaves (any order).
class StandardMerkleTree {
 public:
  explicit StandardMerkleTree(std::vector<Hash256> leaf_hashes);
  static StandardMerkleTree of_withdrawals(std::span<const Withdrawal> withdrawals);

  std::size_t leaf_count() const { return tree_index_.size(); }
  // tree[0]; bytes32(0) for no leaves.
  Hash256 root() const;
  // The proof of the i-th leaf as given to the constructor. Precondition: i < leaf_count().
  std::vector<Hash256> proof(std::size_t leaf_index) const;
  // OZ's array layout: tree[0] the root, children of i at 2i+1 and 2i+2.
  const std::vector<Hash256>& nodes() const { return tree_; }

 private:
  std::vector<Hash256> tree_;
  std::vector<std::size_t> tree_index_;  // constructor order -> index in tree_
};

inline Hash256 withdrawals_root(std::span<const Withdrawal> withdrawals) {
  return StandardMerkleTree::of_withdrawals(withdrawals).root();
}

}  // namespace replex::settlement
