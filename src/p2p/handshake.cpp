#include "replex/p2p/handshake.hpp"

#include <sodium.h>

#include <algorithm>

#include "replex/core/codec.hpp"
#include "replex/core/hash.hpp"
#include "replex/core/sodium.hpp"

namespace replex::p2p {

static_assert(crypto_kx_PUBLICKEYBYTES == kEphemeralKeyBytes);
static_assert(crypto_kx_SECRETKEYBYTES == 32);
static_assert(crypto_kx_SESSIONKEYBYTES == SessionKey::kSize);

Bytes Hello::encode() const {
  ByteWriter w(kHelloBytes);
  w.raw(kHelloMagic);
  w.u8(version);
  w.hash(chain_id_hash);
  w.raw(ephemeral_key);
  w.raw(identity.view());
  w.u8(static_cast<std::uint8_t>(listen_port >> 8));
  w.u8(static_cast<std::uint8_t>(listen_port & 0xff));
  REPLEX_ASSERT(w.size() == kHelloBytes);
  return w.take();
}

Result<Hello> Hello::decode(ByteView bytes) {
  if (bytes.size() != kHelloBytes) {
    return Status::corruption("hello: expected " + std::to_string(kHelloBytes) + " bytes, got " +
                              std::to_string(bytes.size()));
  }
  ByteReader r(bytes);
  const ByteView magic = r.raw(kHelloMagic.size(), "hello.magic");
  if (!std::equal(magic.begin(), magic.end(), kHelloMagic.begin())) {
    return Status::corruption("hello.magic: not a replex p2p peer (got " + to_hex(magic) + ")");
  }
  Hello h;
  h.version = r.u8("hello.version");
  if (h.version != kProtocolVersion) {
    return Status::corruption("hello.version: " + std::to_string(h.version) + ", this node speaks " +
                              std::to_string(kProtocolVersion));
  }
  h.chain_id_hash = r.hash("hello.chain_id_hash");
  const ByteView eph = r.raw(kEphemeralKeyBytes, "hello.ephemeral_key");
  std::copy(eph.begin(), eph.end(), h.ephemeral_key.begin());
  const ByteView id = r.raw(PublicKey::kSize, "hello.identity");
  std::copy(id.begin(), id.end(), h.identity.bytes.begin());
  const std::uint8_t port_hi = r.u8("hello.listen_port");
  const std::uint8_t port_lo = r.u8("hello.listen_port");
  h.listen_port = static_cast<std::uint16_t>((port_hi << 8) | port_lo);
  REPLEX_RETURN_IF_ERROR(r.finish());
  return h;
}

SessionKey::SessionKey(SessionKey&& other) noexcept : bytes_(other.bytes_) {
  sodium_memzero(other.bytes_.data(), other.bytes_.size());
}

SessionKey& SessionKey::operator=(SessionKey&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    sodium_memzero(other.bytes_.data(), other.bytes_.size());
  }
  return *this;
}

SessionKey::~SessionKey() { sodium_memzero(bytes_.data(), bytes_.size()); }

Bytes handshake_transcript(Role signer, ByteView initiator_hello, ByteView responder_hello) {
  REPLEX_ASSERT(initiator_hello.size() == kHelloBytes && responder_hello.size() == kHelloBytes);
  ByteWriter w(1 + 2 * kHelloBytes);
  w.u8(static_cast<std::uint8_t>(signer));
  w.raw(initiator_hello);
  w.raw(responder_hello);
  return w.take();
}

Handshake::Handshake(Role role, const KeyPair& identity, std::string chain_id, std::uint16_t listen_port)
    : role_(role), identity_(&identity), chain_id_(std::move(chain_id)) {
  REPLEX_ASSERT(!chain_id_.empty() && chain_id_.size() <= kMaxChainIdBytes);
  ensure_sodium();
  crypto_kx_keypair(ephemeral_public_.data(), ephemeral_secret_.data());
  Hello hello;
  hello.chain_id_hash = sha256(chain_id_);
  hello.ephemeral_key = ephemeral_public_;
  hello.identity = identity.public_key();
  hello.listen_port = listen_port;
  local_hello_ = hello.encode();
}

Handshake::~Handshake() { sodium_memzero(ephemeral_secret_.data(), ephemeral_secret_.size()); }

Status Handshake::receive_hello(ByteView remote_hello) {
  REPLEX_ASSERT_MSG(!remote_hello_, "receive_hello called twice");
  REPLEX_ASSIGN_OR_RETURN(Hello hello, Hello::decode(remote_hello));
  const Hash256 ours = sha256(chain_id_);
  if (hello.chain_id_hash != ours) {
    return Status::permission_denied(
        "hello.chain_id_hash: peer is on a different chain (its chain id hashes to " +
        hello.chain_id_hash.hex().substr(0, 16) + "..., '" + chain_id_ + "' hashes to " +
        ours.hex().substr(0, 16) + "...)");
  }
  if (hello.ephemeral_key == ephemeral_public_) {
    return Status::permission_denied("hello.ephemeral_key: our own key reflected back");
  }
  std::array<std::uint8_t, SessionKey::kSize> rx{};
  std::array<std::uint8_t, SessionKey::kSize> tx{};
  const int rc = role_ == Role::kInitiator
                     ? crypto_kx_client_session_keys(rx.data(), tx.data(), ephemeral_public_.data(),
                                                     ephemeral_secret_.data(), hello.ephemeral_key.data())
                     : crypto_kx_server_session_keys(rx.data(), tx.data(), ephemeral_public_.data(),
                                                     ephemeral_secret_.data(), hello.ephemeral_key.data());
  if (rc != 0) {
    sodium_memzero(rx.data(), rx.size());
    sodium_memzero(tx.data(), tx.size());
    return Status::corruption("hello.ephemeral_key: not a usable X25519 public key");
  }
  keys_.emplace(SessionKeys{SessionKey(tx), SessionKey(rx)});
  sodium_memzero(rx.data(), rx.size());
  sodium_memzero(tx.data(), tx.size());
  sodium_memzero(ephemeral_secret_.data(), ephemeral_secret_.size());  // no longer needed
  remote_hello_bytes_.assign(remote_hello.begin(), remote_hello.end());
  remote_hello_ = std::move(hello);
  return Status::ok();
}

const Hello& Handshake::remote_hello() const {
  REPLEX_ASSERT_MSG(remote_hello_, "remote_hello before receive_hello");
  return *remote_hello_;
}

Signature Handshake::local_auth() const {
  REPLEX_ASSERT_MSG(remote_hello_, "local_auth before receive_hello");
  const bool initiator = role_ == Role::kInitiator;
  const Bytes transcript = handshake_transcript(role_, initiator ? local_hello_ : remote_hello_bytes_,
                                                initiator ? remote_hello_bytes_ : local_hello_);
  return identity_->sign(domain::kP2pHandshake, chain_id_, transcript);
}

Status Handshake::receive_auth(ByteView signature) {
  REPLEX_ASSERT_MSG(remote_hello_, "receive_auth before receive_hello");
  REPLEX_ASSIGN_OR_RETURN(Signature sig, Signature::from_bytes(signature));
  const bool initiator = role_ == Role::kInitiator;
  const Role signer = initiator ? Role::kResponder : Role::kInitiator;
  const Bytes transcript = handshake_transcript(signer, initiator ? local_hello_ : remote_hello_bytes_,
                                                initiator ? remote_hello_bytes_ : local_hello_);
  if (!verify(remote_hello_->identity, domain::kP2pHandshake, chain_id_, transcript, sig)) {
    return Status::unauthenticated("auth: transcript signature does not verify for identity " +
                                   remote_hello_->identity.hex());
  }
  authenticated_ = true;
  return Status::ok();
}

SessionKeys Handshake::take_keys() {
  REPLEX_ASSERT_MSG(authenticated_ && keys_, "take_keys before authentication, or twice");
  SessionKeys keys = std::move(*keys_);
  keys_.reset();
  return keys;
}

}  // namespace replex::p2p
