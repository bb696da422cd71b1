// Sealed frames: u32 big-endian ciphertext length || AEAD ciphertext.
//
// ChaCha20-Poly1305 (IETF) with one key per direction and a 96-bit nonce
// made of 4 zero bytes and a big-endian u64 frame counter starting at 0; the
// 4 length bytes are the associated data, so a frame cannot be cut, resized
// or replayed out of order. A sealer or opener belongs to one connection
// direction; not thread-safe. Byte layout: docs/wire-formats.md (p2p).
#pragma once

#include <cstdint>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"
#include "replex/p2p/handshake.hpp"

namespace replex::p2p {

inline constexpr std::size_t kFrameHeaderBytes = 4;
inline constexpr std::size_t kFrameTagBytes = 16;  // crypto_aead_chacha20poly1305_IETF_ABYTES
// A frame carries at least one plaintext byte (the message kind).
inline constexpr std::size_t kMinFrameCiphertextBytes = kFrameTagBytes + 1;

// The ciphertext length announced by a frame header, or an error when it is
// below kMinFrameCiphertextBytes or above max_frame_bytes (named in the message).
Result<std::uint32_t> decode_frame_length(ByteView header, std::uint32_t max_frame_bytes);

class FrameSealer {
 public:
  explicit FrameSealer(SessionKey key) : key_(std::move(key)) {}
  // Header and ciphertext of the next frame. The caller keeps the plaintext
  // within max_frame_bytes - kFrameTagBytes.
  Bytes seal(ByteView plaintext);
  std::uint64_t frames_sealed() const { return counter_; }

 private:
  SessionKey key_;
  std::uint64_t counter_ = 0;
};

class FrameOpener {
 public:
  explicit FrameOpener(SessionKey key) : key_(std::move(key)) {}
  // The plaintext of the next frame given its header and ciphertext;
  // kCorruption if it does not authenticate (tampered, reordered, wrong key).
  Result<Bytes> open(ByteView header, ByteView ciphertext);
  std::uint64_t frames_opened() const { return counter_; }

 private:
  SessionKey key_;
  std::uint64_t counter_ = 0;
};

}  // namespace replex::p2p
