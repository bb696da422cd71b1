// The serving answers' encodings (docs/wire-formats.md, "Replica"): no store,
// so the fuzz target for untrusted answers links only this file.
#include <algorithm>
#include <string>

#include "replex/core/codec.hpp"
#include "replex/host/serving.hpp"

namespace replex::host {

using consensus::CertifiedBlockBytes;

namespace {

std::uint32_t field_limit(const ServeLimits& limits) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(
      std::max({limits.max_answer_bytes, limits.max_snapshot_bytes, std::uint64_t{limits.max_chunk_bytes}}),
      0xffffffffu));
}

std::uint64_t blocks_bytes(const std::vector<CertifiedBlockBytes>& blocks) {
  std::uint64_t bytes = 0;
  for (const CertifiedBlockBytes& b : blocks) bytes += b.block.size() + b.certificate.size() + 8;
  return bytes;
}

void write_blocks(ByteWriter& w, const std::vector<CertifiedBlockBytes>& blocks) {
  w.u32(static_cast<std::uint32_t>(blocks.size()));
  for (const CertifiedBlockBytes& b : blocks) {
    w.bytes(b.block);
    w.bytes(b.certificate);
  }
}

std::vector<CertifiedBlockBytes> read_blocks(ByteReader& r, const ServeLimits& limits,
                                             std::string_view what) {
  std::vector<CertifiedBlockBytes> out;
  const std::string prefix(what);
  const std::uint32_t count = r.u32(prefix + ".count");
  if (!r.ok()) return out;
  if (count > limits.max_answer_blocks) {
    r.fail(prefix + ".count", std::to_string(count) + " blocks, max_answer_blocks is " +
                                  std::to_string(limits.max_answer_blocks));
    return out;
  }
  std::uint64_t bytes = 0;
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    CertifiedBlockBytes b;
    const std::string where = prefix + ".blocks[" + std::to_string(i) + "]";
    b.block = r.bytes(where + ".block");
    b.certificate = r.bytes(where + ".certificate");
    if (!r.ok()) break;
    if (b.block.empty() || b.certificate.empty()) {
      r.fail(where, "empty block or certificate");
      break;
    }
    bytes += b.block.size() + b.certificate.size();
    if (i > 0 && bytes > limits.max_answer_bytes) {
      r.fail(where, "answer above max_answer_bytes " + std::to_string(limits.max_answer_bytes));
      break;
    }
    out.push_back(std::move(b));
  }
  return out;
}

// The version byte; returns it, or 0 after failing `r` when not one of `known`.
std::uint8_t read_version(ByteReader& r, std::initializer_list<std::uint8_t> known, std::string_view what) {
  const std::uint8_t version = r.u8(std::string(what) + ".version");
  if (!r.ok()) return 0;
  if (std::find(known.begin(), known.end(), version) == known.end()) {
    r.fail(std::string(what) + ".version", "unknown version " + std::to_string(version));
    return 0;
  }
  return version;
}

}  // namespace

Bytes encode_blocks_answer(const std::vector<CertifiedBlockBytes>& blocks) {
  ByteWriter w(8 + blocks_bytes(blocks));
  w.u8(kBlocksAnswerVersion);
  write_blocks(w, blocks);
  return w.take();
}

Bytes encode_state_answer(const consensus::StateReceived& answer) {
  const bool offer = answer.snapshot_bytes.has_value();
  ByteWriter w(24 + answer.checkpoint_proof.size() + (offer ? 0 : answer.snapshot.size()) +
               blocks_bytes(answer.blocks));
  w.u8(offer ? kStateOfferVersion : kStateAnswerVersion);
  w.bytes(answer.checkpoint_proof);
  if (offer) {
    w.u64(*answer.snapshot_bytes);
  } else {
    w.bytes(answer.snapshot);
  }
  write_blocks(w, answer.blocks);
  return w.take();
}

Bytes encode_chunk_answer(const consensus::ChunkReceived& chunk) {
  ByteWriter w(1 + 8 + 4 + 32 + 4 + chunk.chunk.size());
  w.u8(kChunkAnswerVersion);
  w.u64(chunk.height);
  w.u32(chunk.index);
  w.hash(chunk.midstate_before);
  w.bytes(chunk.chunk);
  return w.take();
}

Result<consensus::BlocksReceived> decode_blocks_answer(ByteView answer, const ServeLimits& limits) {
  ByteReader r(answer, field_limit(limits));
  consensus::BlocksReceived out;
  if (read_version(r, {kBlocksAnswerVersion}, "blocks_answer") != 0) {
    out.blocks = read_blocks(r, limits, "blocks_answer");
  }
  REPLEX_RETURN_IF_ERROR(r.finish().with_context("blocks answer: "));
  return out;
}

Result<consensus::StateReceived> decode_state_answer(ByteView answer, const ServeLimits& limits) {
  ByteReader r(answer, field_limit(limits));
  consensus::StateReceived out;
  const std::uint8_t version = read_version(r, {kStateAnswerVersion, kStateOfferVersion}, "state_answer");
  if (version != 0) {
    out.checkpoint_proof = r.bytes("state_answer.checkpoint_proof");
    if (r.ok() && out.checkpoint_proof.empty()) r.fail("state_answer.checkpoint_proof", "empty");
    if (version == kStateOfferVersion) {
      out.snapshot_bytes = r.u64("state_answer.snapshot_bytes");  // the core checks it against its limit
    } else {
      out.snapshot = r.bytes("state_answer.snapshot");
      if (r.ok() && out.snapshot.size() > limits.max_snapshot_bytes) {
        r.fail("state_answer.snapshot", std::to_string(out.snapshot.size()) +
                                            " bytes, above max_snapshot_bytes " +
                                            std::to_string(limits.max_snapshot_bytes));
      }
    }
    if (r.ok()) out.blocks = read_blocks(r, limits, "state_answer");
    if (r.ok() && out.blocks.empty()) r.fail("state_answer.count", "the anchor block is missing");
  }
  REPLEX_RETURN_IF_ERROR(r.finish().with_context("state answer: "));
  return out;
}

Result<consensus::ChunkReceived> decode_chunk_answer(ByteView answer, const ServeLimits& limits) {
  ByteReader r(answer, field_limit(limits));
  consensus::ChunkReceived out;
  if (read_version(r, {kChunkAnswerVersion}, "chunk_answer") != 0) {
    out.height = r.u64("chunk_answer.height");
    out.index = r.u32("chunk_answer.index");
    out.midstate_before = r.hash("chunk_answer.midstate_before");
    out.chunk = r.bytes("chunk_answer.chunk");
    if (r.ok() && out.chunk.size() > limits.max_chunk_bytes) {
      r.fail("chunk_answer.chunk", std::to_string(out.chunk.size()) + " bytes, above max_chunk_bytes " +
                                       std::to_string(limits.max_chunk_bytes));
    }
  }
  REPLEX_RETURN_IF_ERROR(r.finish().with_context("chunk answer: "));
  return out;
}

}  // namespace replex::host
