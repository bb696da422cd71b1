// Ed25519 keys and signatures (libsodium), always under a signing domain.
//
// Every signature covers  u8 len(domain) || domain || u8 len(chain_id) ||
// chain_id || message , so a signature made for one purpose (a transaction,
// a consensus vote, a p2p handshake) or one chain can never be replayed as
// another. Secret keys are wiped from memory when destroyed.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "replex/core/bytes.hpp"

namespace replex {

// Signing domains. A new use of signatures gets a new domain.
namespace domain {
inline constexpr std::string_view kTransaction = "replex/tx/v1";
inline constexpr std::string_view kConsensus = "replex/consensus/v1";
inline constexpr std::string_view kBlockHeader = "replex/block/v1";
inline constexpr std::string_view kP2pHandshake = "replex/p2p-handshake/v1";
// The WebSocket login of a non-custodial client ("<account hex>:<time_ms>").
inline constexpr std::string_view kStreamLogin = "replex/stream-login/v1";
}  // namespace domain

inline constexpr std::size_t kMaxChainIdBytes = 64;

struct PublicKey {
  static constexpr std::size_t kSize = 32;
  std::array<std::uint8_t, kSize> bytes{};

  ByteView view() const { return {bytes.data(), bytes.size()}; }
  std::string hex() const;
  static Result<PublicKey> from_bytes(ByteView b);
  static Result<PublicKey> from_hex(std::string_view hex);
  friend auto operator<=>(const PublicKey&, const PublicKey&) = default;
};

// For lookup-only indexes: keys are public, anyone can grind them (keyed_hash).
struct PublicKeyHasher {
  std::size_t operator()(const PublicKey& k) const noexcept { return keyed_hash(k.view()); }
};

struct Signature {
  static constexpr std::size_t kSize = 64;
  std::array<std::uint8_t, kSize> bytes{};

  ByteView view() const { return {bytes.data(), bytes.size()}; }
  std::string hex() const;
  static Result<Signature> from_bytes(ByteView b);
  friend auto operator<=>(const Signature&, const Signature&) = default;
};

// A key pair built from a 32-byte seed. Movable, not copyable; the secret is
// zeroed on destruction.
class KeyPair {
 public:
  static constexpr std::size_t kSeedSize = 32;

  // Fresh key from the OS random generator (never inside replicated logic).
  static KeyPair generate();
  static Result<KeyPair> from_seed(ByteView seed);
  // Deterministic key: seed = SHA-256(label). Anyone can derive it, so it
  // never signs anything of value: tests, the simulator, and throwaway keys
  // (`replex config check` fills a p2p config with one to validate it;
  // `replex bench` measures the verify rate with one).
  static KeyPair from_label(std::string_view label);

  KeyPair(KeyPair&& other) noexcept;
  KeyPair& operator=(KeyPair&& other) noexcept;
  KeyPair(const KeyPair&) = delete;
  KeyPair& operator=(const KeyPair&) = delete;
  ~KeyPair();

  const PublicKey& public_key() const { return public_key_; }
  // The 32-byte seed, for writing a key file. Handle with care.
  std::array<std::uint8_t, kSeedSize> seed() const;

  Signature sign(std::string_view domain, std::string_view chain_id, ByteView message) const;

 private:
  KeyPair() = default;
  PublicKey public_key_;
  std::array<std::uint8_t, 64> secret_{};  // libsodium layout: seed || public key
};

// True when `sig` is a valid signature by `key` of `message` under domain and
// chain id: libsodium's strict, cofactorless check (consensus messages, the
// p2p handshake, WebSocket logins).
bool verify(const PublicKey& key, std::string_view domain, std::string_view chain_id,
            ByteView message, const Signature& sig);

// The rule for transaction signatures, which validators check in batches
// (docs/wire-formats.md, "Exchange transactions"): S < L; the key and R are
// canonical encodings of points not of small order; and [8]([S]B - R - [k]A)
// is the identity, k = SHA-512(R || A || signing bytes) mod L. Cofactored, so
// that a batch gives the same verdicts as one by one. Every signature verify()
// accepts is valid; so are the ones whose R or key has a small-order
// component (verify() refuses those), which no honest signer produces.
bool verify_cofactored(const PublicKey& key, std::string_view domain, std::string_view chain_id,
                       ByteView message, const Signature& sig);

// One signature of a batch, and its verdict.
struct SignatureCheck {
  const PublicKey* key = nullptr;
  const Signature* signature = nullptr;
  ByteView message;
  bool valid = false;  // set by verify_batch
};

// Sets each item's `valid` to verify_cofactored()'s verdict under domain and
// chain id. Checks them all in one multi-scalar multiplication with weights
// hashed from the batch (from 16 signatures on, a third of the CPU time per
// signature or less; less still for signatures sharing a key); if that
// fails, each one alone. Deterministic; any thread.
void verify_batch(std::string_view domain, std::string_view chain_id, std::span<SignatureCheck> items);

// The exact bytes that are signed; exposed for documentation tests and other languages.
Bytes signing_bytes(std::string_view domain, std::string_view chain_id, ByteView message);

}  // namespace replex
