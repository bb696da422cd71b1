#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <unordered_set>

#include "replex/core/bytes.hpp"

namespace replex {
namespace {

// What an attacker grinds for: keys equal in the bytes an unkeyed hasher
// reads. Under the keyed hash they still spread over the buckets.
TEST(KeyedHash, KeysAlikeInTheirLeadingBytesSpreadOverTheBuckets) {
  std::unordered_set<Hash256, Hash256Hasher> set;
  for (std::uint32_t i = 0; i < 4096; ++i) {
    Hash256 h;
    h.bytes.fill(0xab);
    __builtin_memcpy(h.bytes.data() + 28, &i, sizeof(i));
    set.insert(h);
  }
  std::size_t fullest = 0;
  for (std::size_t b = 0; b < set.bucket_count(); ++b) fullest = std::max(fullest, set.bucket_size(b));
  EXPECT_LE(fullest, 16u) << "4096 keys in " << set.bucket_count() << " buckets";

  std::unordered_set<std::string, KeyedStringHasher> strings;
  for (int i = 0; i < 4096; ++i) strings.insert(std::string(64, 'a') + std::to_string(i));
  fullest = 0;
  for (std::size_t b = 0; b < strings.bucket_count(); ++b) fullest = std::max(fullest, strings.bucket_size(b));
  EXPECT_LE(fullest, 16u);
}

TEST(KeyedHash, IsAFunctionOfTheBytesWithinAProcess) {
  const Bytes a = to_bytes("replex");
  EXPECT_EQ(keyed_hash(a), keyed_hash(to_bytes("replex")));
  EXPECT_NE(keyed_hash(a), keyed_hash(to_bytes("replex.")));
  EXPECT_NE(keyed_hash(ByteView{}), keyed_hash(to_bytes(std::string(1, '\0'))));
}

}  // namespace
}  // namespace replex
