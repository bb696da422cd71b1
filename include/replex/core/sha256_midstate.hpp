// SHA-256 resumed from a midstate (the chaining value after a whole number of
// 64-byte blocks). Snapshot chunks are verified with it: a chunk that ends at
// a verified midstate, or at the final digest, is proven by the digest alone.
// Pure functions; thread-safe. Format: docs/wire-formats.md#snapshot-chunks.
#pragma once

#include <cstdint>

#include "replex/core/bytes.hpp"

namespace replex {

inline constexpr std::size_t kSha256BlockBytes = 64;

// The chaining value before any input (FIPS 180-4 H(0)), big-endian words.
Hash256 sha256_initial_midstate();

// The midstate after hashing `blocks` from `midstate`, which followed
// `bytes_before` bytes. Both `bytes_before` and `blocks.size()` are multiples
// of 64 (asserted).
Hash256 sha256_advance(const Hash256& midstate, std::uint64_t bytes_before, ByteView blocks);

// The SHA-256 digest of a message whose first `bytes_before` bytes (a multiple
// of 64) led to `midstate` and whose remaining bytes are `tail`.
Hash256 sha256_finish(const Hash256& midstate, std::uint64_t bytes_before, ByteView tail);

}  // namespace replex
