// SHA-256 (Crypto++, which uses the CPU's SHA extensions when present; about
// 5x libsodium's portable code on hashes of events) and the RFC 6962 Merkle tree hash.
#pragma once

#include <span>
#include <vector>

#include "replex/core/bytes.hpp"

namespace replex {

Hash256 sha256(ByteView data);
inline Hash256 sha256(std::string_view data) { return sha256(as_bytes(data)); }

// Incremental SHA-256. Not thread-safe; one instance per computation.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256& update(ByteView data);
  Sha256& update(std::string_view data) { return update(as_bytes(data)); }
  Sha256& update(const Hash256& h) { return update(h.view()); }
  Sha256& update_u64(std::uint64_t v);  // big-endian
  Hash256 finish();

 private:
  // A CryptoPP::SHA256 built in place, so this header stays free of Crypto++;
  // the size is checked in the .cpp.
  alignas(16) unsigned char state_[256];
  bool finished_ = false;
};

// RFC 6962 §2.1: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right),
// empty tree = SHA-256(""); the tree splits at the largest power of two below n,
// so a leaf can never be passed off as an inner node and vice versa.
Hash256 merkle_leaf_hash(ByteView leaf);
Hash256 merkle_node_hash(const Hash256& left, const Hash256& right);
// Root over leaf *data* (hashed with merkle_leaf_hash).
Hash256 merkle_root(std::span<const Bytes> leaves);
// Root over already computed leaf hashes.
Hash256 merkle_root_of_leaf_hashes(std::span<const Hash256> leaf_hashes);

}  // namespace replex
