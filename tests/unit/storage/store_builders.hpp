// Deterministic records for store tests: every field is derived from the
// height (and a salt), so two calls with the same arguments build equal
// records and different heights never collide.
#pragma once

#include <cstdint>
#include <string>

#include "replex/core/hash.hpp"
#include "replex/storage/store.hpp"

namespace replex::storage::testing {

inline Hash256 tx_hash(std::uint64_t height, std::size_t index) {
  return sha256("tx/" + std::to_string(height) + "/" + std::to_string(index));
}

inline BlockRecord make_block(std::uint64_t height, std::size_t txs = 3, const std::string& salt = "") {
  BlockRecord r;
  r.height = height;
  r.block_hash = sha256("block/" + salt + std::to_string(height));
  r.app_hash = sha256("app/" + salt + std::to_string(height));
  r.block = to_bytes("block bytes of " + salt + std::to_string(height));
  r.certificate = to_bytes("certificate of " + salt + std::to_string(height));
  for (std::size_t i = 0; i < txs; ++i) {
    r.tx_hashes.push_back(tx_hash(height, i));
    r.tx_codes.push_back(static_cast<std::uint32_t>(i % 2 == 0 ? 0 : 40 + i));
  }
  return r;
}

inline SnapshotRecord make_snapshot(std::uint64_t height, const std::string& salt = "") {
  SnapshotRecord s;
  s.height = height;
  s.state = to_bytes("state at " + salt + std::to_string(height));
  s.proof = to_bytes("proof at " + salt + std::to_string(height));
  return s;
}

}  // namespace replex::storage::testing
