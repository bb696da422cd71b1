#include "replex/core/sha256_midstate.hpp"

#include <sodium.h>

#include <string>

#include "replex/core/assert.hpp"
#include "replex/core/big_endian.hpp"

namespace replex {
namespace {

// libsodium's state is public (crypto_hash_sha256.h): eight chaining words, a
// message length in bits and a partial block, empty at a 64-byte boundary.
crypto_hash_sha256_state resume(const Hash256& midstate, std::uint64_t bytes_before) {
  REPLEX_ASSERT_MSG(bytes_before % kSha256BlockBytes == 0, "bytes_before " + std::to_string(bytes_before));
  crypto_hash_sha256_state s{};
  for (int i = 0; i < 8; ++i) s.state[i] = load_be32(midstate.bytes.data() + 4 * i);
  s.count = bytes_before << 3;
  return s;
}

Hash256 midstate_of(const crypto_hash_sha256_state& s) {
  REPLEX_ASSERT((s.count >> 3) % kSha256BlockBytes == 0);
  Hash256 out;
  for (int i = 0; i < 8; ++i) store_be32(out.bytes.data() + 4 * i, s.state[i]);
  return out;
}

}  // namespace

Hash256 sha256_initial_midstate() {
  crypto_hash_sha256_state s;
  crypto_hash_sha256_init(&s);
  return midstate_of(s);
}

Hash256 sha256_advance(const Hash256& midstate, std::uint64_t bytes_before, ByteView blocks) {
  REPLEX_ASSERT_MSG(blocks.size() % kSha256BlockBytes == 0, "blocks " + std::to_string(blocks.size()));
  crypto_hash_sha256_state s = resume(midstate, bytes_before);
  crypto_hash_sha256_update(&s, blocks.data(), blocks.size());
  return midstate_of(s);
}

Hash256 sha256_finish(const Hash256& midstate, std::uint64_t bytes_before, ByteView tail) {
  crypto_hash_sha256_state s = resume(midstate, bytes_before);
  crypto_hash_sha256_update(&s, tail.data(), tail.size());
  Hash256 out;
  crypto_hash_sha256_final(&s, out.bytes.data());
  return out;
}

}  // namespace replex
