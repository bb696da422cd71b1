#include "replex/core/tx_envelope.hpp"

#include <optional>

#include "replex/core/hash.hpp"
#include "replex/v1/tx.pb.h"

namespace replex {

namespace {

// The one encoding of an envelope: body (1), public_key (2), signature (3),
// each once, in that order, with minimal length varints and nothing else;
// exactly what protobuf (and so seal_envelope) writes for non-empty fields.
// Only these bytes are accepted, so a relay cannot re-encode a transaction
// into copies with other hashes: tx_hash is one identity per signed body.
struct CanonicalEnvelope {
  ByteView body;
  ByteView public_key;
  ByteView signature;
};

// Reads a length-delimited field: `tag`, a minimal varint length of at most
// three bytes (below 2 MiB, above any max_tx_bytes), then that many bytes.
bool take_field(ByteView in, std::size_t& at, std::uint8_t tag, ByteView& out) {
  if (at == in.size() || in[at] != tag) return false;
  ++at;
  std::size_t length = 0;
  for (int shift = 0;; shift += 7) {
    if (at == in.size() || shift > 14) return false;
    const std::uint8_t byte = in[at++];
    length |= static_cast<std::size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      if (byte == 0 && shift > 0) return false;  // a longer encoding than needed
      break;
    }
  }
  if (in.size() - at < length) return false;
  out = in.subspan(at, length);
  at += length;
  return true;
}

std::optional<CanonicalEnvelope> parse_canonical(ByteView in) {
  constexpr std::uint8_t kBodyTag = (1 << 3) | 2;  // field number << 3 | length-delimited
  constexpr std::uint8_t kPublicKeyTag = (2 << 3) | 2;
  constexpr std::uint8_t kSignatureTag = (3 << 3) | 2;
  CanonicalEnvelope e;
  std::size_t at = 0;
  if (!take_field(in, at, kBodyTag, e.body) || !take_field(in, at, kPublicKeyTag, e.public_key) ||
      !take_field(in, at, kSignatureTag, e.signature) || at != in.size()) {
    return std::nullopt;
  }
  return e;
}

Result<EnvelopeView> check_fields(ByteView body, ByteView public_key, ByteView signature_bytes,
                                  std::string_view chain_id, bool verify_signature) {
  auto signer = PublicKey::from_bytes(public_key);
  if (!signer) return signer.status().with_context("envelope.public_key: ");
  auto signature = Signature::from_bytes(signature_bytes);
  if (!signature) return signature.status().with_context("envelope.signature: ");
  if (body.empty()) return Status::invalid_argument("envelope.body: empty");
  if (verify_signature && !verify_cofactored(*signer, domain::kTransaction, chain_id, body, *signature)) {
    return Status::unauthenticated(std::string(kSignatureDoesNotVerify));
  }
  return EnvelopeView{*signer, *signature, body};
}

}  // namespace

Bytes seal_envelope(const KeyPair& key, std::string_view chain_id, ByteView body) {
  replex::v1::SignedTransaction env;
  env.set_body(std::string(as_chars(body)));
  env.set_public_key(std::string(as_chars(key.public_key().view())));
  env.set_signature(std::string(as_chars(key.sign(domain::kTransaction, chain_id, body).view())));
  Bytes out(env.ByteSizeLong());
  REPLEX_ASSERT(env.SerializeToArray(out.data(), static_cast<int>(out.size())));
  return out;
}

EnvelopeReader::EnvelopeReader() : message_(std::make_unique<replex::v1::SignedTransaction>()) {}
EnvelopeReader::~EnvelopeReader() = default;

Result<EnvelopeView> EnvelopeReader::open(ByteView envelope, std::string_view chain_id, bool verify_signature,
                                          std::size_t max_tx_bytes) {
  if (envelope.empty()) return Status::invalid_argument("envelope: empty");
  if (envelope.size() > max_tx_bytes) {
    return Status::invalid_argument("envelope: " + std::to_string(envelope.size()) +
                                    " bytes exceeds max_tx_bytes " + std::to_string(max_tx_bytes));
  }
  if (const auto canonical = parse_canonical(envelope)) {
    return check_fields(canonical->body, canonical->public_key, canonical->signature, chain_id, verify_signature);
  }
  // Not the canonical encoding: protobuf says whether the bytes are an
  // envelope at all, and the field checks name a bad field before the
  // encoding is blamed. ParseFromArray clears the reused message first.
  replex::v1::SignedTransaction& env = *message_;
  if (!env.ParseFromArray(envelope.data(), static_cast<int>(envelope.size()))) {
    return Status::invalid_argument("envelope: not a SignedTransaction protobuf");
  }
  REPLEX_RETURN_IF_ERROR(
      check_fields(as_bytes(env.body()), as_bytes(env.public_key()), as_bytes(env.signature()), chain_id, false)
          .status());
  return Status::invalid_argument(
      "envelope: not the canonical encoding (body, public_key, signature: each once, in that order, minimal "
      "lengths, no other fields; as protobuf serializes a SignedTransaction)");
}

Result<OpenedEnvelope> open_envelope(ByteView envelope, std::string_view chain_id,
                                     bool verify_signature, std::size_t max_tx_bytes) {
  EnvelopeReader reader;
  REPLEX_ASSIGN_OR_RETURN(const EnvelopeView view, reader.open(envelope, chain_id, verify_signature, max_tx_bytes));
  return OpenedEnvelope{view.signer, view.signature, Bytes(view.body.begin(), view.body.end())};
}

Hash256 tx_hash(ByteView envelope) { return sha256(envelope); }

}  // namespace replex
