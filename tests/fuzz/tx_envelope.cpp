// The signed transaction envelope (core/tx_envelope.hpp), differentially
// against protobuf. EnvelopeReader reads the one canonical encoding in place
// (body, public_key, signature, each once, in order, minimal lengths,
// nothing else) and refuses any other bytes, naming a bad field first when
// protobuf parses them. The reference: protobuf's ParseFromArray, the
// documented field checks, and "canonical" meaning that protobuf serializes
// the three parsed fields back to exactly the input. Reader and reference
// must agree on accept/reject, on the error and on the fields;
// open_envelope() must agree with the reader; an accepted envelope's
// signature check refuses only with kUnauthenticated.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/v1/tx.pb.h"

namespace {

using namespace replex;

constexpr std::string_view kChainId = "replex-fuzz";
const std::string kNotProtobuf = "envelope: not a SignedTransaction protobuf";
const std::string kNotCanonical =
    "envelope: not the canonical encoding (body, public_key, signature: each once, in that order, minimal "
    "lengths, no other fields; as protobuf serializes a SignedTransaction)";

std::string describe(const Result<EnvelopeView>& r) {
  if (!r.is_ok()) return "refused: " + r.status().to_string();
  return "accepted: body " + to_hex(r->body) + " key " + r->signer.hex() + " sig " + r->signature.hex();
}

bool equal_bytes(ByteView a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), as_bytes(b).begin());
}

// check_fields' documented checks on what protobuf parsed.
Status reference_checks(const v1::SignedTransaction& env) {
  auto key = PublicKey::from_bytes(as_bytes(env.public_key()));
  if (!key) return key.status().with_context("envelope.public_key: ");
  auto sig = Signature::from_bytes(as_bytes(env.signature()));
  if (!sig) return sig.status().with_context("envelope.signature: ");
  if (env.body().empty()) return Status::invalid_argument("envelope.body: empty");
  return Status::ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  const std::string shown = "input " + to_hex(input);
  static EnvelopeReader reader;  // reused, as a block's loop does

  const auto got = reader.open(input, kChainId, /*verify_signature=*/false);
  const std::string got_text = describe(got);

  // open_envelope (a fresh reader, copied body) agrees.
  const auto opened = open_envelope(input, kChainId, false);
  FUZZ_CHECK(opened.is_ok() == got.is_ok(), "open_envelope disagrees with EnvelopeReader: " + shown);
  if (opened.is_ok()) {
    FUZZ_CHECK(opened->body == Bytes(got->body.begin(), got->body.end()) && opened->signer == got->signer &&
                   opened->signature == got->signature,
               "open_envelope reads other fields: " + shown);
  } else {
    FUZZ_CHECK(opened.status() == got.status(), "open_envelope: another error: " + shown);
  }

  // The reference.
  if (size == 0 || size > kDefaultMaxTxBytes) {
    FUZZ_CHECK(!got.is_ok(), "an empty or oversized envelope was accepted: " + shown);
    return 0;
  }
  v1::SignedTransaction env;
  if (!env.ParseFromArray(data, static_cast<int>(size))) {
    FUZZ_CHECK(!got.is_ok() && got.status().message() == kNotProtobuf,
               "protobuf refuses what EnvelopeReader " + got_text + ": " + shown);
    return 0;
  }
  const Status fields = reference_checks(env);
  if (!fields.is_ok()) {
    FUZZ_CHECK(!got.is_ok() && got.status() == fields,
               "protobuf's field checks say " + fields.to_string() + ", EnvelopeReader " + got_text + ": " + shown);
    return 0;
  }
  v1::SignedTransaction canonical;
  canonical.set_body(env.body());
  canonical.set_public_key(env.public_key());
  canonical.set_signature(env.signature());
  if (!equal_bytes(input, canonical.SerializeAsString())) {
    FUZZ_CHECK(!got.is_ok() && got.status().message() == kNotCanonical,
               "not protobuf's serialization of its fields, yet EnvelopeReader " + got_text + ": " + shown);
    return 0;
  }
  FUZZ_CHECK(got.is_ok(), "protobuf's canonical serialization, yet EnvelopeReader " + got_text + ": " + shown);
  FUZZ_CHECK(equal_bytes(got->body, env.body()), "the body differs from protobuf's: " + shown);
  FUZZ_CHECK(equal_bytes(got->signer.view(), env.public_key()), "the public key differs from protobuf's: " + shown);
  FUZZ_CHECK(equal_bytes(got->signature.view(), env.signature()), "the signature differs from protobuf's: " + shown);

  // Signature checks: a verdict only adds kUnauthenticated to an accepted envelope.
  const auto verified = EnvelopeReader().open(input, kChainId, true);
  FUZZ_CHECK(verified.is_ok() || verified.status().code() == StatusCode::kUnauthenticated,
             "verification refused with another code: " + verified.status().to_string());
  return 0;
}
