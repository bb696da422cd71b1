// The withdrawals tree against OpenZeppelin's published StandardMerkleTree
// dump, cast for the leaf encoding, and MerkleProof.verify's algorithm.
#include <gtest/gtest.h>

#include <algorithm>

#include "cast.hpp"
#include "eth_values.hpp"
#include "replex/settlement/keccak.hpp"
#include "replex/settlement/withdrawal_tree.hpp"

namespace replex::settlement {
namespace {

using testing::cast;
using testing::address_of;
using testing::hex_of;

// OZ's standard leaf for a one-field ["string"] encoding.
Hash256 string_leaf(std::string_view s) { return keccak256(keccak256(abi_encode({AbiValue::string(s)})).view()); }

// @openzeppelin/merkle-tree test/dumps/standard-v1.sorted.1_0_6.json: the
// values "a".."f" with leaf encoding ["string"], the whole tree array, and
// where each value sits in it.
TEST(StandardMerkleTree, MatchesOpenZeppelinsPublishedDump) {
  const std::vector<std::string> tree = {
      "6deb52b5da8fd108f79fab00341f38d2587896634c646ee52e49f845680a70c8",
      "52426e0f1f65ff7e209a13b8c29cffe82e3acaf3dad0a9b9088f3b9a61a929c3",
      "fd3cf45654e88d1cc5d663578c82c76f4b5e3826bacaa1216441443504538f51",
      "8076923e76cf01a7c048400a2304c9a9c23bbbdac3a98ea3946340fdafbba34f",
      "965b92c6cf08303cc4feb7f3e0819c436c2cec17c6f0688a6af139c9a368707c",
      "eba909cf4bb90c6922771d7f126ad0fd11dfde93f3937a196274e1ac20fd2f5b",
      "c62a8cfa41edc0ef6f6ae27a2985b7d39c7fea770787d7e104696c6e81f64848",
      "9cf5a63718145ba968a01c1d557020181c5b252f665cf7386d370eddb176517b",
      "9c15a6a0eaeed500fd9eed4cbeab71f797cefcc67bfd46683e4d2e6ff7f06d1c",
      "9a4f64e953595df82d1b4f570d34c4f4f0cfaf729a61e9d60e83e579e1aa283e",
      "19ba6c6333e0e9a15bf67523e0676e2f23eb8e574092552d5e888c64a4bb3681",
  };
  const std::vector<std::pair<std::string, std::size_t>> values = {{"a", 8}, {"b", 10}, {"c", 7},
                                                                   {"d", 5}, {"e", 9},  {"f", 6}};
  std::vector<Hash256> leaves;
  for (const auto& [value, index] : values) leaves.push_back(string_leaf(value));
  const StandardMerkleTree ours(leaves);
  ASSERT_EQ(ours.nodes().size(), tree.size());
  for (std::size_t i = 0; i < tree.size(); ++i) EXPECT_EQ(ours.nodes()[i].hex(), tree[i]) << "node " << i;
  EXPECT_EQ(ours.root().hex(), tree[0]);
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(ours.nodes()[values[i].second], leaves[i]) << values[i].first;
    EXPECT_TRUE(verify_merkle_proof(ours.proof(i), ours.root(), leaves[i])) << values[i].first;
  }
}

TEST(StandardMerkleTree, EmptySetHasTheZeroRootAndOneLeafIsItsOwnRoot) {
  EXPECT_TRUE(withdrawals_root({}).is_zero());
  const Withdrawal w{.id = 1, .recipient = address_of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"), .token = {},
                     .amount = 5};
  const StandardMerkleTree one = StandardMerkleTree::of_withdrawals(std::vector<Withdrawal>{w});
  EXPECT_EQ(one.root(), withdrawal_leaf_hash(w));
  EXPECT_TRUE(one.proof(0).empty());
  EXPECT_TRUE(verify_merkle_proof({}, one.root(), withdrawal_leaf_hash(w)));
}

std::vector<Withdrawal> make_withdrawals(std::size_t n) {
  std::vector<Withdrawal> out;
  for (std::size_t i = 0; i < n; ++i) {
    Withdrawal w;
    w.id = 1000 + i;
    w.recipient[19] = static_cast<std::uint8_t>(i + 1);
    w.token[0] = static_cast<std::uint8_t>(i % 3);
    w.amount = U256(1'000'000) * (i + 1);
    out.push_back(w);
  }
  return out;
}

TEST(StandardMerkleTree, EveryProofVerifiesAndNoOtherLeafDoes) {
  for (std::size_t n = 1; n <= 17; ++n) {
    const std::vector<Withdrawal> ws = make_withdrawals(n);
    const StandardMerkleTree tree = StandardMerkleTree::of_withdrawals(ws);
    ASSERT_EQ(tree.leaf_count(), n);
    ASSERT_EQ(tree.nodes().size(), 2 * n - 1);
    for (std::size_t i = 0; i < n; ++i) {
      const auto proof = tree.proof(i);
      EXPECT_TRUE(verify_merkle_proof(proof, tree.root(), withdrawal_leaf_hash(ws[i]))) << n << "/" << i;
      Withdrawal forged = ws[i];
      forged.amount += 1;
      EXPECT_FALSE(verify_merkle_proof(proof, tree.root(), withdrawal_leaf_hash(forged))) << n << "/" << i;
      if (n > 1) {
        EXPECT_FALSE(verify_merkle_proof(proof, tree.root(), withdrawal_leaf_hash(ws[(i + 1) % n])))
            << n << "/" << i;
      }
    }
  }
}

TEST(StandardMerkleTree, RootDoesNotDependOnInputOrder) {
  std::vector<Withdrawal> ws = make_withdrawals(11);
  const Hash256 root = withdrawals_root(ws);
  std::reverse(ws.begin(), ws.end());
  EXPECT_EQ(withdrawals_root(ws), root);
  std::rotate(ws.begin(), ws.begin() + 4, ws.end());
  EXPECT_EQ(withdrawals_root(ws), root);
}

TEST(StandardMerkleTree, PairsHashCommutativelyAsOpenZeppelinsHashes) {
  const Hash256 a = keccak256("a");
  const Hash256 b = keccak256("b");
  EXPECT_EQ(hash_sorted_pair(a, b), hash_sorted_pair(b, a));
  const Hash256& lo = std::min(a, b);
  const Hash256& hi = std::max(a, b);
  EXPECT_EQ(hash_sorted_pair(a, b), keccak256(lo.view(), hi.view()));
}

TEST(StandardMerkleTree, WithdrawalLeafMatchesCast) {
  REPLEX_REQUIRE_CAST();
  const Withdrawal w{.id = 77,
                     .recipient = address_of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"),
                     .token = address_of("0x5FbDB2315678afecb367f032d93F642f64180aa3"),
                     .amount = parse_u256("340282366920938463463374607431768211456").value()};
  const std::string encoded = cast({"abi-encode", "f(uint64,address,address,uint256)", "77", hex_of(w.recipient),
                                    hex_of(w.token), "340282366920938463463374607431768211456"});
  EXPECT_EQ(cast({"keccak", cast({"keccak", encoded})}), "0x" + withdrawal_leaf_hash(w).hex());
}

}  // namespace
}  // namespace replex::settlement
