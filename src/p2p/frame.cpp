#include "replex/p2p/frame.hpp"

#include <sodium.h>

#include <limits>

#include "replex/core/big_endian.hpp"

namespace replex::p2p {
namespace {

static_assert(crypto_aead_chacha20poly1305_IETF_ABYTES == kFrameTagBytes);
static_assert(crypto_aead_chacha20poly1305_IETF_KEYBYTES == SessionKey::kSize);
static_assert(crypto_aead_chacha20poly1305_IETF_NPUBBYTES == 12);

using Nonce = std::array<std::uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES>;

// 4 zero bytes, then the frame counter big-endian.
Nonce frame_nonce(std::uint64_t counter) {
  Nonce n{};
  store_be64(n.data() + 4, counter);
  return n;
}

}  // namespace

Result<std::uint32_t> decode_frame_length(ByteView header, std::uint32_t max_frame_bytes) {
  REPLEX_ASSERT(header.size() == kFrameHeaderBytes);
  const std::uint32_t length = load_be32(header.data());
  if (length < kMinFrameCiphertextBytes) {
    return Status::corruption("frame.length: " + std::to_string(length) + " is below the minimum " +
                              std::to_string(kMinFrameCiphertextBytes));
  }
  if (length > max_frame_bytes) {
    return Status::resource_exhausted("frame.length: " + std::to_string(length) +
                                      " exceeds max_frame_bytes " + std::to_string(max_frame_bytes));
  }
  return length;
}

Bytes FrameSealer::seal(ByteView plaintext) {
  REPLEX_ASSERT(!plaintext.empty());
  REPLEX_ASSERT_MSG(plaintext.size() + kFrameTagBytes <= std::numeric_limits<std::uint32_t>::max(),
                    "frame too large for its length prefix");
  // A session would need 2^64 frames to exhaust the counter; reusing a nonce is never acceptable.
  REPLEX_ASSERT(counter_ != std::numeric_limits<std::uint64_t>::max());
  const auto length = static_cast<std::uint32_t>(plaintext.size() + kFrameTagBytes);
  Bytes out(kFrameHeaderBytes + length);
  store_be32(out.data(), length);
  const Nonce nonce = frame_nonce(counter_++);
  unsigned long long written = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data() + kFrameHeaderBytes, &written, plaintext.data(),
                                            plaintext.size(), out.data(), kFrameHeaderBytes, nullptr,
                                            nonce.data(), key_.data());
  REPLEX_ASSERT(written == length);
  return out;
}

Result<Bytes> FrameOpener::open(ByteView header, ByteView ciphertext) {
  REPLEX_ASSERT(header.size() == kFrameHeaderBytes);
  if (ciphertext.size() < kMinFrameCiphertextBytes) {
    return Status::corruption("frame: ciphertext of " + std::to_string(ciphertext.size()) +
                              " bytes is too short");
  }
  Bytes plaintext(ciphertext.size() - kFrameTagBytes);
  const Nonce nonce = frame_nonce(counter_);
  unsigned long long written = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(plaintext.data(), &written, nullptr, ciphertext.data(),
                                                ciphertext.size(), header.data(), header.size(), nonce.data(),
                                                key_.data()) != 0) {
    return Status::corruption("frame " + std::to_string(counter_) +
                              ": does not authenticate (tampered, reordered or wrong key)");
  }
  REPLEX_ASSERT(written == plaintext.size());
  ++counter_;
  return plaintext;
}

}  // namespace replex::p2p
