// Consensus messages (consensus/messages.hpp) from a peer: decode_message
// against a 4-validator set. The wire form has one encoding per message, so
// whatever decodes must encode back to exactly the input; signature checks
// then run on it (they must not fail with anything but kUnauthenticated, and
// any attached block goes through decode_block).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/consensus_common.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace replex;
using namespace replex::consensus;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView wire(data, size);
  auto decoded = decode_message(wire, fuzz::validators(), fuzz::kMessageLimits);
  if (!decoded) {
    FUZZ_CHECK(!decoded.status().message().empty(), "a refusal without a message");
    return 0;
  }
  FUZZ_CHECK(fuzz::validators().contains(decoded->sender), "a sender outside the validator set");
  const Bytes encoded = encode_message(*decoded);
  FUZZ_CHECK(encoded == Bytes(wire.begin(), wire.end()),
             "decode then encode changes the bytes: " + to_hex(wire) + " -> " + to_hex(encoded));
  const Status verified = verify_message_signatures(*decoded, fuzz::validators(), fuzz::kConsensusChainId);
  FUZZ_CHECK(verified.is_ok() || verified.code() == StatusCode::kUnauthenticated,
             "verify_message_signatures: " + verified.to_string());
  for (const Bytes& block : decoded->blocks) {
    auto b = decode_block(block, fuzz::kBlockLimits, fuzz::kConsensusChainId);
    if (b) FUZZ_CHECK(encode_block(*b) == block, "an attached block does not re-encode to itself");
  }
  return 0;
}
