// The p2p handshake and frames (p2p/handshake.hpp, p2p/frame.hpp), fed what a
// dialling peer sends: a Hello, a transcript signature, then frames.
//  - Hello::decode: whatever decodes encodes back to exactly the input.
//  - A responder's Handshake takes the Hello and the signature: no input may
//    get past receive_auth (no one here holds the key our transcript needs),
//    and refusals carry the documented codes.
//  - decode_frame_length on the next 4 bytes: exactly the documented bounds.
//  - The rest, cut into plaintexts, through a FrameSealer and a FrameOpener
//    with one key: each opens to itself, in order; a flipped bit, a cut or a
//    replay never opens.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "replex/core/big_endian.hpp"
#include "replex/core/hash.hpp"
#include "replex/p2p/frame.hpp"
#include "replex/p2p/handshake.hpp"

namespace {

using namespace replex;
using namespace replex::p2p;

constexpr std::string_view kChainId = "replex-fuzz";

const KeyPair& identity() {
  static const KeyPair key = KeyPair::from_label("fuzz-responder");
  return key;
}

SessionKey fixed_key() {
  std::array<std::uint8_t, SessionKey::kSize> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return SessionKey(bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  auto take = [&](std::size_t n) {
    const ByteView out = in.subspan(0, std::min(n, in.size()));
    in = in.subspan(out.size());
    return out;
  };

  // Hello and auth.
  const ByteView hello_bytes = take(kHelloBytes);
  const ByteView auth = take(kAuthBytes);
  const auto hello = Hello::decode(hello_bytes);
  if (hello) {
    FUZZ_CHECK(hello->encode() == Bytes(hello_bytes.begin(), hello_bytes.end()),
               "Hello decode then encode changes the bytes: " + to_hex(hello_bytes));
  }
  Handshake responder(Role::kResponder, identity(), std::string(kChainId), 26656);
  const Status received = responder.receive_hello(hello_bytes);
  if (received) {
    FUZZ_CHECK(hello.is_ok() && hello->chain_id_hash == sha256(kChainId),
               "receive_hello accepted a Hello that does not decode or names another chain");
  }
  if (!hello) FUZZ_CHECK(!received.is_ok() && received.code() == StatusCode::kCorruption, "receive_hello: " + received.to_string());
  if (received) {
    FUZZ_CHECK(responder.remote_hello().identity == hello->identity, "remote_hello differs from the decoded Hello");
    const Status authed = responder.receive_auth(auth);
    FUZZ_CHECK(!authed.is_ok(), "a transcript signature verified without the key: " + to_hex(auth));
  }

  // Frame length.
  const ByteView header = take(kFrameHeaderBytes);
  if (header.size() == kFrameHeaderBytes) {
    constexpr std::uint32_t kMax = 1u << 20;
    const std::uint32_t length = load_be32(header.data());
    const auto decoded = decode_frame_length(header, kMax);
    FUZZ_CHECK(decoded.is_ok() == (length >= kMinFrameCiphertextBytes && length <= kMax),
               "decode_frame_length outside its bounds: " + std::to_string(length));
    if (decoded) FUZZ_CHECK(*decoded == length, "decode_frame_length changed the length");
  }

  // Frames: u8 length, then that many plaintext bytes (at least one).
  FrameSealer sealer(fixed_key());
  FrameOpener opener(fixed_key());
  while (!in.empty()) {
    const std::size_t n = std::max<std::size_t>(1, in[0]);
    take(1);
    const ByteView plaintext = take(n);
    if (plaintext.empty()) break;
    const Bytes frame = sealer.seal(plaintext);
    FUZZ_CHECK(frame.size() == kFrameHeaderBytes + plaintext.size() + kFrameTagBytes, "sealed frame size");
    const ByteView frame_header(frame.data(), kFrameHeaderBytes);
    const ByteView ciphertext(frame.data() + kFrameHeaderBytes, frame.size() - kFrameHeaderBytes);
    // A flipped bit (chosen by the plaintext) or a cut does not open (and a
    // refused frame leaves the opener's counter where it was).
    Bytes flipped = frame;
    flipped[plaintext[0] % flipped.size()] ^= static_cast<std::uint8_t>(1u << (plaintext.size() % 8));
    const auto bad = opener.open(ByteView(flipped.data(), kFrameHeaderBytes),
                                        ByteView(flipped.data() + kFrameHeaderBytes, flipped.size() - kFrameHeaderBytes));
    FUZZ_CHECK(!bad.is_ok(), "a tampered frame opened");
    const auto cut = opener.open(frame_header, ciphertext.subspan(0, ciphertext.size() - 1));
    FUZZ_CHECK(!cut.is_ok(), "a cut frame opened");
    const auto opened = opener.open(frame_header, ciphertext);
    FUZZ_CHECK(opened.is_ok() && *opened == Bytes(plaintext.begin(), plaintext.end()), "a sealed frame did not open to itself");
    const auto replayed = opener.open(frame_header, ciphertext);
    FUZZ_CHECK(!replayed.is_ok(), "a replayed frame opened");
  }
  return 0;
}
