// Consensus certificates, blocks and WAL records (consensus/certificates.hpp,
// block.hpp, wal.hpp, state_transfer.hpp): what state transfer, block fetches
// and a replica's own disk hand back. Input: a selector byte, then the bytes.
//   0 commit certificate, 1 checkpoint proof, 2 block, 3 WAL record,
//   4 prepared record: whatever decodes encodes back to exactly the input,
//   and the shape and signature checks run on it without crashing;
//   5 a certified block (u16 block length, block, certificate) through
//   claimed_height and verify_certified_block.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/consensus_common.hpp"
#include "fuzz/fuzz_check.hpp"
#include "replex/consensus/certificates.hpp"
#include "replex/consensus/state_transfer.hpp"
#include "replex/consensus/wal.hpp"

using namespace replex;
using namespace replex::consensus;

namespace {

constexpr std::uint64_t kCheckpointInterval = 10;

void same_bytes(const Bytes& encoded, ByteView input, const char* what) {
  FUZZ_CHECK(encoded == Bytes(input.begin(), input.end()),
             std::string(what) + ": decode then encode changes the bytes: " + to_hex(input) + " -> " + to_hex(encoded));
}

void expect_refusal_code(const Status& s, const char* what) {
  FUZZ_CHECK(s.is_ok() || s.code() == StatusCode::kUnauthenticated || s.code() == StatusCode::kInvalidArgument ||
                 s.code() == StatusCode::kCorruption,
             std::string(what) + ": unexpected code: " + s.to_string());
}

void commit_certificate(ByteView in) {
  auto cert = decode_commit_certificate(in);
  if (!cert) return;
  same_bytes(encode_commit_certificate(*cert), in, "commit certificate");
  const Status shape = check_commit_certificate_shape(*cert, fuzz::validators());
  const Status full = verify_commit_certificate(*cert, fuzz::validators(), fuzz::kConsensusChainId);
  expect_refusal_code(full, "verify_commit_certificate");
  if (!shape.is_ok()) FUZZ_CHECK(!full.is_ok(), "verification passed a certificate of the wrong shape");
}

void checkpoint_proof(ByteView in) {
  auto proof = decode_checkpoint_proof(in);
  if (!proof) return;
  same_bytes(encode_checkpoint_proof(*proof), in, "checkpoint proof");
  const Status shape = check_checkpoint_proof_shape(*proof, fuzz::validators(), kCheckpointInterval);
  const Status full =
      verify_checkpoint_proof(*proof, fuzz::validators(), fuzz::kConsensusChainId, kCheckpointInterval);
  expect_refusal_code(full, "verify_checkpoint_proof");
  if (!shape.is_ok()) FUZZ_CHECK(!full.is_ok(), "verification passed a proof of the wrong shape");
}

void block(ByteView in) {
  auto b = decode_block(in, fuzz::kBlockLimits, fuzz::kConsensusChainId);
  if (!b) return;
  same_bytes(encode_block(*b), in, "block");
  FUZZ_CHECK(b->header.height >= 1 && b->header.tx_count == b->txs.size(), "a decoded block breaks its rules");
  FUZZ_CHECK(compute_tx_root(b->txs) == b->header.tx_root, "a decoded block's tx_root does not match");
}

void prepared_record(ByteView in) {
  auto rec = decode_prepared_record(in);
  if (!rec) return;
  // The decoder also takes records the encoder never writes (height 0, an
  // empty block); replay skips or refuses them (unit test
  // Restart.APreparedRecordNoReplicaWritesIsSkippedOrRefused).
  if (rec->certificate.height == 0 || rec->block.empty()) return;
  same_bytes(encode_prepared_record(rec->certificate, rec->block), in, "prepared record");
  expect_refusal_code(check_prepared_certificate_shape(rec->certificate, fuzz::validators()), "prepared shape");
}

void wal_record(ByteView in) {
  auto rec = decode_wal_record(in);
  if (!rec) return;
  same_bytes(encode_wal_record(rec->kind, rec->message), in, "WAL record");
  if (rec->kind == WalRecordKind::kPrepared) prepared_record(rec->message);
}

void certified_block(ByteView in) {
  if (in.size() < 2) return;
  const std::size_t block_len = std::min<std::size_t>((std::size_t{in[0]} << 8) | in[1], in.size() - 2);
  CertifiedBlockBytes bytes{Bytes(in.begin() + 2, in.begin() + 2 + static_cast<std::ptrdiff_t>(block_len)),
                            Bytes(in.begin() + 2 + static_cast<std::ptrdiff_t>(block_len), in.end())};
  const auto height = claimed_height(bytes);
  const ChainContext chain{fuzz::validators(), fuzz::kConsensusChainId, fuzz::kBlockLimits, kCheckpointInterval};
  const auto verified = verify_certified_block(bytes, chain);
  if (verified) {
    FUZZ_CHECK(height.is_ok() && *height == verified->height(), "claimed_height disagrees with the verified block");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const ByteView in(data + 1, size - 1);
  switch (data[0]) {
    case 0: commit_certificate(in); break;
    case 1: checkpoint_proof(in); break;
    case 2: block(in); break;
    case 3: wal_record(in); break;
    case 4: prepared_record(in); break;
    case 5: certified_block(in); break;
    default: break;
  }
  return 0;
}
