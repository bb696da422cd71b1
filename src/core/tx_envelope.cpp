#include "replex/core/tx_envelope.hpp"

#include "replex/core/hash.hpp"
#include "replex/v1/tx.pb.h"

namespace replex {

Bytes seal_envelope(const KeyPair& key, std::string_view chain_id, ByteView body) {
  replex::v1::SignedTransaction env;
  env.set_body(std::string(as_chars(body)));
  env.set_public_key(std::string(as_chars(key.public_key().view())));
  env.set_signature(std::string(as_chars(key.sign(domain::kTransaction, chain_id, body).view())));
  Bytes out(env.ByteSizeLong());
  REPLEX_ASSERT(env.SerializeToArray(out.data(), static_cast<int>(out.size())));
  return out;
}

Result<OpenedEnvelope> open_envelope(ByteView envelope, std::string_view chain_id,
                                     bool verify_signature, std::size_t max_tx_bytes) {
  if (envelope.empty()) return Status::invalid_argument("envelope: empty");
  if (envelope.size() > max_tx_bytes) {
    return Status::invalid_argument("envelope: " + std::to_string(envelope.size()) +
                                    " bytes exceeds max_tx_bytes " + std::to_string(max_tx_bytes));
  }
  replex::v1::SignedTransaction env;
  if (!env.ParseFromArray(envelope.data(), static_cast<int>(envelope.size()))) {
    return Status::invalid_argument("envelope: not a SignedTransaction protobuf");
  }
  auto signer = PublicKey::from_bytes(as_bytes(env.public_key()));
  if (!signer) return signer.status().with_context("envelope.public_key: ");
  auto signature = Signature::from_bytes(as_bytes(env.signature()));
  if (!signature) return signature.status().with_context("envelope.signature: ");
  if (env.body().empty()) return Status::invalid_argument("envelope.body: empty");
  if (verify_signature &&
      !verify(*signer, domain::kTransaction, chain_id, as_bytes(env.body()), *signature)) {
    return Status::unauthenticated("envelope.signature: does not verify for this body, key and chain");
  }
  OpenedEnvelope out{*signer, *signature, to_bytes(env.body())};
  return out;
}

Hash256 tx_hash(ByteView envelope) { return sha256(envelope); }

}  // namespace replex
