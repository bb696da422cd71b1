#include "replex/core/hash.hpp"

#include <crypto++/sha.h>

#include <bit>
#include <new>

namespace replex {
namespace {

static_assert(sizeof(CryptoPP::SHA256) <= 256, "Sha256::state_ too small");
static_assert(alignof(CryptoPP::SHA256) <= 16);
static_assert(CryptoPP::SHA256::DIGESTSIZE == Hash256::kSize);

CryptoPP::SHA256& state_of(unsigned char* storage) {
  return *std::launder(reinterpret_cast<CryptoPP::SHA256*>(storage));
}

}  // namespace

Hash256 sha256(ByteView data) {
  Hash256 h;
  CryptoPP::SHA256().CalculateDigest(h.bytes.data(), data.data(), data.size());
  return h;
}

Sha256::Sha256() { new (state_) CryptoPP::SHA256(); }

Sha256::~Sha256() { state_of(state_).~SHA256(); }

Sha256& Sha256::update(ByteView data) {
  REPLEX_ASSERT(!finished_);
  state_of(state_).Update(data.data(), data.size());
  return *this;
}

Sha256& Sha256::update_u64(std::uint64_t v) {
  std::uint8_t buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return update(ByteView(buf, 8));
}

Hash256 Sha256::finish() {
  REPLEX_ASSERT(!finished_);
  finished_ = true;
  Hash256 h;
  state_of(state_).Final(h.bytes.data());
  return h;
}

Hash256 merkle_leaf_hash(ByteView leaf) {
  const std::uint8_t prefix = 0x00;
  return Sha256().update(ByteView(&prefix, 1)).update(leaf).finish();
}

Hash256 merkle_node_hash(const Hash256& left, const Hash256& right) {
  const std::uint8_t prefix = 0x01;
  return Sha256().update(ByteView(&prefix, 1)).update(left).update(right).finish();
}

namespace {

// RFC 6962 MTH over leaf hashes [begin, end): split at the largest power of
// two strictly smaller than n.
Hash256 root_of(std::span<const Hash256> leaves) {
  REPLEX_ASSERT(!leaves.empty());
  if (leaves.size() == 1) return leaves[0];
  const std::size_t k = std::bit_floor(leaves.size() - 1);
  return merkle_node_hash(root_of(leaves.first(k)), root_of(leaves.subspan(k)));
}

}  // namespace

Hash256 merkle_root_of_leaf_hashes(std::span<const Hash256> leaf_hashes) {
  if (leaf_hashes.empty()) return sha256(ByteView{});
  return root_of(leaf_hashes);
}

Hash256 merkle_root(std::span<const Bytes> leaves) {
  std::vector<Hash256> hashes;
  hashes.reserve(leaves.size());
  for (const Bytes& leaf : leaves) hashes.push_back(merkle_leaf_hash(leaf));
  return merkle_root_of_leaf_hashes(hashes);
}

}  // namespace replex
