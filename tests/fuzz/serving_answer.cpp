// Peer requests and the answers a node decodes from peers during catch-up
// (host/peer_request.hpp, host/serving.hpp). Input: a selector byte, then the bytes.
//   0: decode_peer_request
//   1: decode_blocks_answer
//   2: decode_state_answer (whole snapshot or offer)
//   3: decode_chunk_answer
// Each encoding has one form, so whatever decodes must encode back to exactly
// the input; and what decodes is within the limits.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "replex/host/peer_request.hpp"
#include "replex/host/serving.hpp"

namespace {

using namespace replex;

// Small limits, so the fuzzer reaches them.
host::ServeLimits limits() {
  host::ServeLimits l;
  l.max_answer_blocks = 8;
  l.max_answer_bytes = 4096;
  l.max_snapshot_bytes = 4096;
  l.max_chunk_bytes = 4096;
  return l;
}

void same_bytes(ByteView input, const Bytes& encoded) {
  FUZZ_CHECK(encoded == Bytes(input.begin(), input.end()),
             "decode then encode changes the bytes: " + to_hex(input) + " -> " + to_hex(encoded));
}

void request(ByteView input) {
  auto decoded = host::decode_peer_request(input);
  if (!decoded) {
    FUZZ_CHECK(decoded.status().code() == StatusCode::kInvalidArgument, "a refusal that is not INVALID_ARGUMENT");
    return;
  }
  same_bytes(input, host::encode_peer_request(*decoded));
}

void blocks(ByteView input) {
  auto decoded = host::decode_blocks_answer(input, limits());
  if (!decoded) return;
  FUZZ_CHECK(decoded->blocks.size() <= limits().max_answer_blocks, "more blocks than max_answer_blocks");
  same_bytes(input, host::encode_blocks_answer(decoded->blocks));
}

void state(ByteView input) {
  auto decoded = host::decode_state_answer(input, limits());
  if (!decoded) return;
  FUZZ_CHECK(!decoded->blocks.empty(), "a state answer without its anchor block");
  FUZZ_CHECK(!decoded->checkpoint_proof.empty(), "a state answer without a proof");
  FUZZ_CHECK(decoded->snapshot.size() <= limits().max_snapshot_bytes, "a snapshot above max_snapshot_bytes");
  FUZZ_CHECK(!decoded->snapshot_bytes || decoded->snapshot.empty(), "an offer with snapshot bytes");
  same_bytes(input, host::encode_state_answer(*decoded));
}

void chunk(ByteView input) {
  auto decoded = host::decode_chunk_answer(input, limits());
  if (!decoded) return;
  FUZZ_CHECK(decoded->chunk.size() <= limits().max_chunk_bytes, "a chunk above max_chunk_bytes");
  same_bytes(input, host::encode_chunk_answer(*decoded));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const ByteView input(data + 1, size - 1);
  switch (data[0]) {
    case 0: request(input); break;
    case 1: blocks(input); break;
    case 2: state(input); break;
    case 3: chunk(input); break;
    default: break;
  }
  return 0;
}
