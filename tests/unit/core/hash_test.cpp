#include "replex/core/hash.hpp"

#include <gtest/gtest.h>

namespace replex {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256("").hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256("abc").hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  EXPECT_EQ(Sha256().update("a").update("bc").finish(), sha256("abc"));
  const std::uint8_t be[8] = {0, 0, 0, 0, 0, 0, 1, 2};
  EXPECT_EQ(Sha256().update_u64(0x0102).finish(), sha256(ByteView(be, 8)));
}

// RFC 6962 reference vectors (certificate-transparency merkle_tree_test).
TEST(Merkle, Rfc6962Vectors) {
  const std::vector<Bytes> inputs = {
      {},
      {0x00},
      {0x10},
      {0x20, 0x21},
      {0x30, 0x31},
      {0x40, 0x41, 0x42, 0x43},
      {0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57},
      {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e,
       0x6f},
  };
  const char* roots[] = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };
  EXPECT_EQ(merkle_root(std::span<const Bytes>{}).hex(), sha256("").hex());
  for (std::size_t n = 1; n <= inputs.size(); ++n) {
    EXPECT_EQ(merkle_root(std::span<const Bytes>(inputs.data(), n)).hex(), roots[n - 1]) << n;
  }
}

TEST(Merkle, LeafAndNodeAreDomainSeparated) {
  // A two-leaf tree's root must differ from the leaf hash of the concatenated children.
  const Bytes a = {1}, b = {2};
  const Hash256 la = merkle_leaf_hash(a), lb = merkle_leaf_hash(b);
  Bytes concat(la.bytes.begin(), la.bytes.end());
  concat.insert(concat.end(), lb.bytes.begin(), lb.bytes.end());
  EXPECT_NE(merkle_node_hash(la, lb), merkle_leaf_hash(concat));
  EXPECT_NE(merkle_node_hash(la, lb), sha256(concat));
}

}  // namespace
}  // namespace replex
