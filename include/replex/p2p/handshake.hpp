// The p2p handshake: ephemeral X25519 key agreement (crypto_kx), signed by
// each side's Ed25519 identity over the whole transcript.
//
// Each side sends a fixed-size Hello, then a 64-byte signature of the
// transcript (both Hellos in initiator/responder order, under the signing
// domain kP2pHandshake and the chain id), then switches to sealed frames with
// the per-direction keys. A Handshake is one side's state for one connection;
// not thread-safe. Byte layout: docs/wire-formats.md (p2p).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "replex/core/bytes.hpp"
#include "replex/core/ed25519.hpp"
#include "replex/core/status.hpp"
#include "replex/p2p/config.hpp"

namespace replex::p2p {

// 2: transaction signatures are checked by the cofactored rule
// (verify_cofactored); a node of version 1 would refuse some of them.
inline constexpr std::uint8_t kProtocolVersion = 2;
inline constexpr std::array<std::uint8_t, 4> kHelloMagic = {'R', 'P', 'X', 'P'};
inline constexpr std::size_t kEphemeralKeyBytes = 32;  // crypto_kx_PUBLICKEYBYTES
// magic(4) version(1) chain_id_hash(32) ephemeral_key(32) identity(32) listen_port(2)
inline constexpr std::size_t kHelloBytes = 4 + 1 + 32 + kEphemeralKeyBytes + PublicKey::kSize + 2;
inline constexpr std::size_t kAuthBytes = Signature::kSize;

// The initiator is the side that dialled.
enum class Role : std::uint8_t { kInitiator = 1, kResponder = 2 };

struct Hello {
  std::uint8_t version = kProtocolVersion;
  Hash256 chain_id_hash;  // SHA-256 of the chain id, so a wrong chain is named as such
  std::array<std::uint8_t, kEphemeralKeyBytes> ephemeral_key{};
  NodeId identity;
  std::uint16_t listen_port = 0;  // 0: does not accept connections

  Bytes encode() const;
  // Exactly kHelloBytes with the right magic and version; errors name the field.
  static Result<Hello> decode(ByteView bytes);
};

// A 32-byte symmetric key, wiped on destruction. Move-only.
class SessionKey {
 public:
  static constexpr std::size_t kSize = 32;
  SessionKey() = default;
  explicit SessionKey(const std::array<std::uint8_t, kSize>& bytes) : bytes_(bytes) {}
  SessionKey(SessionKey&& other) noexcept;
  SessionKey& operator=(SessionKey&& other) noexcept;
  SessionKey(const SessionKey&) = delete;
  SessionKey& operator=(const SessionKey&) = delete;
  ~SessionKey();

  const std::uint8_t* data() const { return bytes_.data(); }
  friend bool operator==(const SessionKey& a, const SessionKey& b) { return a.bytes_ == b.bytes_; }

 private:
  std::array<std::uint8_t, kSize> bytes_{};
};

// One key per direction: our send key is the peer's receive key.
struct SessionKeys {
  SessionKey send;
  SessionKey receive;
};

// The message each side signs: u8 signer role || initiator Hello || responder Hello.
// (KeyPair::sign prefixes the domain kP2pHandshake and the chain id.)
Bytes handshake_transcript(Role signer, ByteView initiator_hello, ByteView responder_hello);

class Handshake {
 public:
  // Draws a fresh ephemeral X25519 key pair. `identity` must outlive this object.
  Handshake(Role role, const KeyPair& identity, std::string chain_id, std::uint16_t listen_port);
  ~Handshake();  // wipes the ephemeral secret
  Handshake(const Handshake&) = delete;
  Handshake& operator=(const Handshake&) = delete;

  Role role() const { return role_; }
  // The kHelloBytes to send first.
  const Bytes& local_hello() const { return local_hello_; }

  // Parses the peer's Hello, refuses another chain or version and derives the
  // session keys. kCorruption for junk, kPermissionDenied for another chain.
  Status receive_hello(ByteView remote_hello);
  const Hello& remote_hello() const;

  // Our signature of the transcript; only after receive_hello succeeded.
  Signature local_auth() const;
  // Checks the peer's signature of the transcript with its claimed identity.
  Status receive_auth(ByteView signature);

  // The session keys; only after receive_auth succeeded, once.
  SessionKeys take_keys();

 private:
  Role role_;
  const KeyPair* identity_;
  std::string chain_id_;
  std::array<std::uint8_t, kEphemeralKeyBytes> ephemeral_public_{};
  std::array<std::uint8_t, 32> ephemeral_secret_{};
  Bytes local_hello_;
  Bytes remote_hello_bytes_;
  std::optional<Hello> remote_hello_;
  std::optional<SessionKeys> keys_;
  bool authenticated_ = false;
};

}  // namespace replex::p2p
