// The signed transaction envelope (proto replex.v1.SignedTransaction).
//
// Sign bytes, not objects: the signature covers the exact body bytes under
// domain::kTransaction and the chain id; open_envelope checks sizes and the
// signature over the bytes received before anything parses the body.
// One encoding only: body (1), public_key (2), signature (3), each once, in
// order, minimal lengths, nothing else (what protobuf and seal_envelope
// write). Any other bytes are refused, so tx_hash is a transaction's only id.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "replex/core/bytes.hpp"
#include "replex/core/ed25519.hpp"

namespace replex::v1 {
class SignedTransaction;
}  // namespace replex::v1

namespace replex {

inline constexpr std::size_t kDefaultMaxTxBytes = 4096;

// The refusal of an envelope whose signature does not verify.
inline constexpr std::string_view kSignatureDoesNotVerify =
    "envelope.signature: does not verify for this body, key and chain";

// A decoded envelope; `body` is a copy of the signed body bytes.
struct OpenedEnvelope {
  PublicKey signer;
  Signature signature;
  Bytes body;
};

// Serialized SignedTransaction over `body`, signed by `key`.
Bytes seal_envelope(const KeyPair& key, std::string_view chain_id, ByteView body);

// Decodes an envelope, checks its size and field lengths, and (unless
// `verify_signature` is false, for bytes verified before) the signature.
// Errors name the field: "envelope.signature: does not verify".
Result<OpenedEnvelope> open_envelope(ByteView envelope, std::string_view chain_id,
                                     bool verify_signature = true,
                                     std::size_t max_tx_bytes = kDefaultMaxTxBytes);

// A decoded envelope. Only the canonical encoding opens, and it is read in
// place: `body` views the envelope bytes and is valid while they are.
struct EnvelopeView {
  PublicKey signer;
  Signature signature;
  ByteView body;
};

// Opens envelopes one after another without a heap allocation or body copy
// per envelope: the canonical encoding is read in place; other bytes are
// parsed into a reused message only to name what is wrong with them.
// For hot loops (a block's transactions).
// Not thread-safe: one reader per thread.
class EnvelopeReader {
 public:
  EnvelopeReader();
  ~EnvelopeReader();
  EnvelopeReader(const EnvelopeReader&) = delete;
  EnvelopeReader& operator=(const EnvelopeReader&) = delete;

  // The same checks, verdicts and error messages as open_envelope().
  Result<EnvelopeView> open(ByteView envelope, std::string_view chain_id, bool verify_signature = true,
                            std::size_t max_tx_bytes = kDefaultMaxTxBytes);

 private:
  std::unique_ptr<v1::SignedTransaction> message_;
};

// Transaction id: SHA-256 of the envelope bytes as carried in blocks (the
// canonical encoding: the one accepted).
Hash256 tx_hash(ByteView envelope);

}  // namespace replex
