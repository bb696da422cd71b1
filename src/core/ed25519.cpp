#include "replex/core/ed25519.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <utility>

#include "replex/core/hash.hpp"
#include "replex/core/sodium.hpp"

namespace replex {

static_assert(crypto_sign_PUBLICKEYBYTES == PublicKey::kSize);
static_assert(crypto_sign_BYTES == Signature::kSize);
static_assert(crypto_sign_SEEDBYTES == KeyPair::kSeedSize);
static_assert(crypto_sign_SECRETKEYBYTES == 64);

void ensure_sodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fputs("replex: libsodium failed to initialise\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)ready;
}

std::string PublicKey::hex() const { return to_hex(view()); }

Result<PublicKey> PublicKey::from_bytes(ByteView b) {
  if (b.size() != kSize) {
    return Status::invalid_argument("public key: expected 32 bytes, got " + std::to_string(b.size()));
  }
  PublicKey k;
  std::copy(b.begin(), b.end(), k.bytes.begin());
  return k;
}

Result<PublicKey> PublicKey::from_hex(std::string_view hex) {
  auto raw = replex::from_hex(hex);
  if (!raw) return raw.status().with_context("public key: ");
  return from_bytes(*raw);
}

std::string Signature::hex() const { return to_hex(view()); }

Result<Signature> Signature::from_bytes(ByteView b) {
  if (b.size() != kSize) {
    return Status::invalid_argument("signature: expected 64 bytes, got " + std::to_string(b.size()));
  }
  Signature s;
  std::copy(b.begin(), b.end(), s.bytes.begin());
  return s;
}

KeyPair KeyPair::generate() {
  ensure_sodium();
  std::array<std::uint8_t, kSeedSize> seed;
  randombytes_buf(seed.data(), seed.size());
  auto kp = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return std::move(kp).value();
}

Result<KeyPair> KeyPair::from_seed(ByteView seed) {
  if (seed.size() != kSeedSize) {
    return Status::invalid_argument("key seed: expected 32 bytes, got " + std::to_string(seed.size()));
  }
  ensure_sodium();
  KeyPair kp;
  crypto_sign_seed_keypair(kp.public_key_.bytes.data(), kp.secret_.data(), seed.data());
  return kp;
}

KeyPair KeyPair::from_label(std::string_view label) {
  const Hash256 seed = sha256(label);
  return from_seed(seed.view()).value();
}

KeyPair::KeyPair(KeyPair&& other) noexcept : public_key_(other.public_key_), secret_(other.secret_) {
  sodium_memzero(other.secret_.data(), other.secret_.size());
}

KeyPair& KeyPair::operator=(KeyPair&& other) noexcept {
  if (this != &other) {
    public_key_ = other.public_key_;
    secret_ = other.secret_;
    sodium_memzero(other.secret_.data(), other.secret_.size());
  }
  return *this;
}

KeyPair::~KeyPair() { sodium_memzero(secret_.data(), secret_.size()); }

std::array<std::uint8_t, KeyPair::kSeedSize> KeyPair::seed() const {
  std::array<std::uint8_t, kSeedSize> out;
  crypto_sign_ed25519_sk_to_seed(out.data(), secret_.data());
  return out;
}

Bytes signing_bytes(std::string_view domain, std::string_view chain_id, ByteView message) {
  REPLEX_ASSERT(domain.size() <= 255);
  REPLEX_ASSERT_MSG(chain_id.size() <= kMaxChainIdBytes, "chain id too long");
  Bytes out;
  out.reserve(2 + domain.size() + chain_id.size() + message.size());
  out.push_back(static_cast<std::uint8_t>(domain.size()));
  out.insert(out.end(), domain.begin(), domain.end());
  out.push_back(static_cast<std::uint8_t>(chain_id.size()));
  out.insert(out.end(), chain_id.begin(), chain_id.end());
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

Signature KeyPair::sign(std::string_view domain, std::string_view chain_id, ByteView message) const {
  const Bytes input = signing_bytes(domain, chain_id, message);
  Signature sig;
  crypto_sign_detached(sig.bytes.data(), nullptr, input.data(), input.size(), secret_.data());
  return sig;
}

}  // namespace replex
