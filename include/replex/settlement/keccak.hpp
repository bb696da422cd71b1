// Keccak-256 as Ethereum uses it (the original Keccak padding, not NIST
// SHA3-256): addresses, selectors, transaction hashes, EIP-712. Thread-safe.
#pragma once

#include <string_view>

#include "replex/core/bytes.hpp"

namespace replex::settlement {

Hash256 keccak256(ByteView data);
inline Hash256 keccak256(std::string_view data) { return keccak256(as_bytes(data)); }
// keccak256(a || b), the shape of Merkle nodes and EIP-712 digests.
Hash256 keccak256(ByteView a, ByteView b);

}  // namespace replex::settlement
