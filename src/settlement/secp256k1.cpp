#include "replex/settlement/secp256k1.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>  // explicit_bzero
#include <sys/random.h>

#include <algorithm>
#include <cerrno>

#include "replex/settlement/keccak.hpp"

namespace replex::settlement {
namespace {

void fill_random(std::uint8_t* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::getrandom(out + done, size - done, 0);
    if (n < 0 && errno == EINTR) continue;
    REPLEX_ASSERT_MSG(n > 0, "getrandom failed: errno " + std::to_string(errno));
    done += static_cast<std::size_t>(n);
  }
}

// The one context of the process. Signing and verification take it const and
// are thread-safe on it; only randomization mutates it, and that happens once,
// here, before any other thread can see it (a function-local static).
// Randomization blinds the secret-dependent computations against side channels.
// Never destroyed: it must outlive every static that may sign at exit.
const secp256k1_context* context() {
  static const secp256k1_context* const ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    REPLEX_ASSERT(c != nullptr);
    std::array<std::uint8_t, 32> seed{};
    fill_random(seed.data(), seed.size());
    REPLEX_ASSERT(secp256k1_context_randomize(c, seed.data()) == 1);
    explicit_bzero(seed.data(), seed.size());
    return c;
  }();
  return ctx;
}

EthAddress address_of(const secp256k1_pubkey& pubkey) {
  std::array<std::uint8_t, 65> serialized{};
  std::size_t size = serialized.size();
  REPLEX_ASSERT(secp256k1_ec_pubkey_serialize(context(), serialized.data(), &size, &pubkey,
                                              SECP256K1_EC_UNCOMPRESSED) == 1);
  REPLEX_ASSERT(size == serialized.size() && serialized[0] == 0x04);
  const Hash256 h = keccak256(ByteView(serialized.data() + 1, 64));
  EthAddress a{};
  std::copy(h.bytes.end() - 20, h.bytes.end(), a.begin());
  return a;
}

bool all_zero(const std::array<std::uint8_t, 32>& v) {
  return std::all_of(v.begin(), v.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace

std::array<std::uint8_t, 65> EthSignature::to_rsv65() const {
  REPLEX_ASSERT(recovery_id <= 1);
  std::array<std::uint8_t, 65> out{};
  std::copy(r.begin(), r.end(), out.begin());
  std::copy(s.begin(), s.end(), out.begin() + 32);
  out[64] = static_cast<std::uint8_t>(27 + recovery_id);
  return out;
}

Result<EthSignature> EthSignature::from_rsv65(ByteView rsv) {
  if (rsv.size() != 65) {
    return Status::invalid_argument("signature: expected 65 bytes r||s||v, got " + std::to_string(rsv.size()));
  }
  const std::uint8_t v = rsv[64];
  if (v != 0 && v != 1 && v != 27 && v != 28) {
    return Status::invalid_argument("signature: v must be 27/28 (or 0/1), got " + std::to_string(v));
  }
  EthSignature sig;
  std::copy(rsv.begin(), rsv.begin() + 32, sig.r.begin());
  std::copy(rsv.begin() + 32, rsv.begin() + 64, sig.s.begin());
  sig.recovery_id = static_cast<std::uint8_t>(v >= 27 ? v - 27 : v);
  return sig;
}

EthKey EthKey::generate() {
  std::array<std::uint8_t, kSecretSize> candidate{};
  for (;;) {
    fill_random(candidate.data(), candidate.size());
    auto key = from_bytes(ByteView(candidate.data(), candidate.size()));
    if (key.is_ok()) {
      explicit_bzero(candidate.data(), candidate.size());
      return std::move(key).value();
    }
    // Probability about 2^-128: the candidate was 0 or >= n. Draw again.
  }
}

Result<EthKey> EthKey::from_bytes(ByteView secret) {
  if (secret.size() != kSecretSize) {
    return Status::invalid_argument("secp256k1 key: expected 32 bytes, got " + std::to_string(secret.size()));
  }
  EthKey key;
  std::copy(secret.begin(), secret.end(), key.secret_.begin());
  if (secp256k1_ec_seckey_verify(context(), key.secret_.data()) != 1) {
    return Status::invalid_argument("secp256k1 key: zero or not below the group order");
  }
  secp256k1_pubkey pubkey;
  REPLEX_ASSERT(secp256k1_ec_pubkey_create(context(), &pubkey, key.secret_.data()) == 1);
  key.address_ = address_of(pubkey);
  return key;
}

EthKey::EthKey(EthKey&& other) noexcept : secret_(other.secret_), address_(other.address_) {
  explicit_bzero(other.secret_.data(), other.secret_.size());
}

EthKey& EthKey::operator=(EthKey&& other) noexcept {
  if (this != &other) {
    secret_ = other.secret_;
    address_ = other.address_;
    explicit_bzero(other.secret_.data(), other.secret_.size());
  }
  return *this;
}

EthKey::~EthKey() { explicit_bzero(secret_.data(), secret_.size()); }

EthSignature EthKey::sign_digest(const Hash256& digest) const {
  secp256k1_ecdsa_recoverable_signature sig;
  // Default nonce function: RFC 6979, so a digest always gets the same signature.
  REPLEX_ASSERT(secp256k1_ecdsa_sign_recoverable(context(), &sig, digest.bytes.data(), secret_.data(),
                                                 nullptr, nullptr) == 1);
  std::array<std::uint8_t, 64> compact{};
  int recid = -1;
  REPLEX_ASSERT(secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), compact.data(), &recid,
                                                                        &sig) == 1);
  REPLEX_ASSERT_MSG(recid == 0 || recid == 1, "recovery id " + std::to_string(recid));
  EthSignature out;
  std::copy(compact.begin(), compact.begin() + 32, out.r.begin());
  std::copy(compact.begin() + 32, compact.end(), out.s.begin());
  out.recovery_id = static_cast<std::uint8_t>(recid);
  return out;
}

Result<EthAddress> recover_address(const Hash256& digest, const EthSignature& signature) {
  if (signature.recovery_id > 1) {
    return Status::unauthenticated("signature: recovery id " + std::to_string(signature.recovery_id) +
                                   ", expected 0 or 1");
  }
  if (all_zero(signature.r) || all_zero(signature.s)) {
    return Status::unauthenticated("signature: r or s is zero");
  }
  std::array<std::uint8_t, 64> compact{};
  std::copy(signature.r.begin(), signature.r.end(), compact.begin());
  std::copy(signature.s.begin(), signature.s.end(), compact.begin() + 32);

  secp256k1_ecdsa_signature plain;
  if (secp256k1_ecdsa_signature_parse_compact(context(), &plain, compact.data()) != 1) {
    return Status::unauthenticated("signature: r or s not below the group order");
  }
  // normalize() returns 1 when s was in the upper half: the malleable twin of
  // a valid signature, which Ethereum (EIP-2) and OpenZeppelin refuse.
  if (secp256k1_ecdsa_signature_normalize(context(), nullptr, &plain) == 1) {
    return Status::unauthenticated("signature: high s (s > n/2)");
  }
  secp256k1_ecdsa_recoverable_signature sig;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &sig, compact.data(),
                                                          signature.recovery_id) != 1) {
    return Status::unauthenticated("signature: not a valid recoverable signature");
  }
  secp256k1_pubkey pubkey;
  if (secp256k1_ecdsa_recover(context(), &pubkey, &sig, digest.bytes.data()) != 1) {
    return Status::unauthenticated("signature: no public key recovers from it");
  }
  return address_of(pubkey);
}

Result<EthAddress> address_from_public_key(ByteView uncompressed) {
  if (uncompressed.size() != 65 || uncompressed[0] != 0x04) {
    return Status::invalid_argument("public key: expected 65 bytes 0x04 || x || y");
  }
  secp256k1_pubkey pubkey;
  if (secp256k1_ec_pubkey_parse(context(), &pubkey, uncompressed.data(), uncompressed.size()) != 1) {
    return Status::invalid_argument("public key: not a point on secp256k1");
  }
  return address_of(pubkey);
}

}  // namespace replex::settlement
