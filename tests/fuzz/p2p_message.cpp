// P2P messages (p2p/message.hpp): the plaintext of a sealed frame, and the
// peer exchange payload. Input: a selector byte, then the bytes.
//   0: decode_message. The encoding has one form per message, so whatever
//      decodes must encode back to exactly the input.
//   1: decode_pex_addresses (max 64): likewise, through the printed IP
//      addresses (inet_ntop, then inet_pton when encoding).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "replex/p2p/message.hpp"

namespace {

using namespace replex;

void message(ByteView input) {
  auto decoded = p2p::decode_message(Bytes(input.begin(), input.end()));
  if (!decoded) {
    FUZZ_CHECK(!decoded.status().message().empty(), "a refusal without a message");
    return;
  }
  const Bytes encoded = p2p::encode_message(*decoded);
  FUZZ_CHECK(encoded == Bytes(input.begin(), input.end()),
             "decode then encode changes the bytes: " + to_hex(input) + " -> " + to_hex(encoded));
}

void pex(ByteView input) {
  constexpr std::uint32_t kMax = 64;
  auto decoded = p2p::decode_pex_addresses(input, kMax);
  if (!decoded) return;
  FUZZ_CHECK(decoded->size() <= kMax, "more addresses than max_addresses");
  for (const auto& a : *decoded) FUZZ_CHECK(a.port != 0, "an address with port 0");
  const Bytes encoded = p2p::encode_pex_addresses(*decoded);
  auto again = p2p::decode_pex_addresses(encoded, kMax);
  FUZZ_CHECK(again.is_ok() && *again == *decoded, "the re-encoded addresses decode differently: " + to_hex(input));
  FUZZ_CHECK(encoded == Bytes(input.begin(), input.end()),
             "decode then encode changes the bytes: " + to_hex(input) + " -> " + to_hex(encoded));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const ByteView input(data + 1, size - 1);
  switch (data[0]) {
    case 0: message(input); break;
    case 1: pex(input); break;
    default: break;
  }
  return 0;
}
