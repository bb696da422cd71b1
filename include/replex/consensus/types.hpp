// Vocabulary shared by every consensus type: validator indices, views,
// heights, and one validator's signature inside a certificate.
#pragma once

#include <cstdint>
#include <memory>

#include "replex/core/bytes.hpp"
#include "replex/core/ed25519.hpp"

namespace replex::consensus {

// Position of a validator in the ordered validator set (genesis order).
using ValidatorIndex = std::uint32_t;
// PBFT view number; the primary of view v is validator v mod n.
using View = std::uint64_t;
// Block height = PBFT sequence number; genesis is height 0.
using Height = std::uint64_t;

// Immutable bytes shared between actions (one message is persisted, sent and
// logged without copies).
using SharedBytes = std::shared_ptr<const Bytes>;

inline SharedBytes share(Bytes bytes) { return std::make_shared<const Bytes>(std::move(bytes)); }

// One validator's signature inside a certificate; certificates keep them in
// strictly ascending validator order, which also rules out duplicate signers.
struct SignerSignature {
  ValidatorIndex validator = 0;
  Signature signature;

  friend bool operator==(const SignerSignature&, const SignerSignature&) = default;
};

}  // namespace replex::consensus
