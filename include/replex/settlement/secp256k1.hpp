// secp256k1 keys and recoverable ECDSA signatures as Ethereum uses them
// (libsecp256k1). Signatures are deterministic (RFC 6979) and always low-s;
// recovery refuses high-s and malformed signatures. All functions are
// thread-safe: one library context, created and randomized once, is shared.
#pragma once

#include <array>
#include <cstdint>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"
#include "replex/settlement/eth_address.hpp"

namespace replex::settlement {

// r, s and the recovery id (the parity of R's y coordinate, 0 or 1).
struct EthSignature {
  std::array<std::uint8_t, 32> r{};
  std::array<std::uint8_t, 32> s{};
  std::uint8_t recovery_id = 0;

  // r || s || v with v = 27 + recovery_id: what Solidity's ecrecover and
  // OpenZeppelin's ECDSA.recover(hash, bytes) take.
  std::array<std::uint8_t, 65> to_rsv65() const;
  // The inverse; v may be 27/28 or 0/1. Checks only the shape (recover_address
  // checks the rest).
  static Result<EthSignature> from_rsv65(ByteView rsv);

  friend bool operator==(const EthSignature&, const EthSignature&) = default;
};

// A secp256k1 private key and its Ethereum address. Movable, not copyable;
// the secret is wiped on destruction. Signing is const and thread-safe.
class EthKey {
 public:
  static constexpr std::size_t kSecretSize = 32;

  // A fresh key from the OS random generator (getrandom).
  static EthKey generate();
  // Refuses anything but 32 bytes forming a valid secret (0 < k < n).
  static Result<EthKey> from_bytes(ByteView secret);

  EthKey(EthKey&& other) noexcept;
  EthKey& operator=(EthKey&& other) noexcept;
  EthKey(const EthKey&) = delete;
  EthKey& operator=(const EthKey&) = delete;
  ~EthKey();

  const EthAddress& address() const { return address_; }
  // The 32-byte secret, for writing a key file. Handle with care.
  const std::array<std::uint8_t, kSecretSize>& secret() const { return secret_; }

  // Signs a 32-byte digest as is (no EIP-191 prefix): the caller hashes.
  EthSignature sign_digest(const Hash256& digest) const;

 private:
  EthKey() = default;
  std::array<std::uint8_t, kSecretSize> secret_{};
  EthAddress address_{};
};

// The address whose key made `signature` over `digest`. Refuses a recovery id
// other than 0/1, r or s outside [1, n-1], s above n/2 (high-s, malleable;
// EIP-2 and OpenZeppelin refuse it) and signatures no key could have made.
Result<EthAddress> recover_address(const Hash256& digest, const EthSignature& signature);

// keccak256(x || y)[12..32] of an uncompressed public key (65 bytes, 0x04 || x || y).
Result<EthAddress> address_from_public_key(ByteView uncompressed);

}  // namespace replex::settlement
