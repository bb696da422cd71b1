// Serving peers from the store: committed blocks, and proven state.
#include "replex/host/serving.hpp"

#include <algorithm>
#include <string>

#include "replex/core/codec.hpp"
#include "replex/host/stored_snapshot.hpp"

namespace replex::host {

using consensus::CertifiedBlockBytes;
using consensus::Height;

namespace {

std::uint32_t field_limit(const ServeLimits& limits) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(
      std::max(limits.max_answer_bytes, limits.max_snapshot_bytes), 0xffffffffu));
}

// Appends blocks from `from` while the limits allow (the first always fits).
Status collect_blocks(const storage::Store& store, Height from, Height to,
                      const ServeLimits& limits, std::uint64_t& bytes,
                      std::vector<CertifiedBlockBytes>& out) {
  for (Height h = from; h <= to && out.size() < limits.max_answer_blocks; ++h) {
    auto stored = store.block_at(h);
    if (!stored) return stored.status();
    const std::uint64_t size = stored->block.size() + stored->certificate.size();
    if (!out.empty() && bytes + size > limits.max_answer_bytes) break;
    bytes += size;
    out.push_back({std::move(stored->block), std::move(stored->certificate)});
  }
  return Status::ok();
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

Status read_version(ByteReader& r, std::uint8_t expected, std::string_view what) {
  const std::uint8_t version = r.u8(std::string(what) + ".version");
  if (r.ok() && version != expected) {
    r.fail(std::string(what) + ".version", "unknown version " + std::to_string(version));
  }
  return r.status();
}

}  // namespace

Result<Bytes> serve_blocks(const storage::Store& store, Height from, Height to,
                           const ServeLimits& limits) {
  if (from == 0 || to < from) {
    return Status::invalid_argument("serve_blocks: range [" + std::to_string(from) + ", " +
                                    std::to_string(to) + "] is empty or starts at genesis");
  }
  const Height first = store.first_height();
  const Height last = store.last_height();
  if (first == 0 || from < first || from > last) {
    return Status::not_found("serve_blocks: block " + std::to_string(from) +
                             " is not stored here (blocks " + std::to_string(first) + ".." +
                             std::to_string(last) + ")");
  }
  std::vector<CertifiedBlockBytes> blocks;
  std::uint64_t bytes = 0;
  REPLEX_RETURN_IF_ERROR(collect_blocks(store, from, std::min(to, last), limits, bytes, blocks)
                             .with_context("serve_blocks: "));
  return encode_blocks_answer(blocks);
}

Bytes encode_blocks_answer(const std::vector<CertifiedBlockBytes>& blocks) {
  std::uint64_t bytes = 0;
  for (const CertifiedBlockBytes& b : blocks) bytes += b.block.size() + b.certificate.size();
  ByteWriter w(16 + bytes + 8 * blocks.size());
  w.u8(kBlocksAnswerVersion);
  write_blocks(w, blocks);
  return w.take();
}

Result<Bytes> serve_state(const storage::Store& store, Height above_height,
                          const ServeLimits& limits) {
  auto heights = store.snapshot_heights();
  if (!heights) return heights.status().with_context("serve_state: ");
  for (auto it = heights->rbegin(); it != heights->rend() && *it > above_height; ++it) {
    auto snapshot = store.snapshot_at(*it);
    if (!snapshot) {
      // Pruned between listing and reading: an older one may still do.
      if (snapshot.status().code() == StatusCode::kNotFound) continue;
      return snapshot.status().with_context("serve_state: ");
    }
    auto attachment = decode_snapshot_attachment(snapshot->proof);
    if (!attachment) {
      return attachment.status().with_context("serve_state: snapshot at height " +
                                              std::to_string(*it) + ": ");
    }
    if (attachment->checkpoint_proof.empty()) continue;  // not proven (yet)
    if (snapshot->state.size() > limits.max_snapshot_bytes) {
      return Status::resource_exhausted("serve_state: snapshot at height " + std::to_string(*it) +
                                        " is " + std::to_string(snapshot->state.size()) +
                                        " bytes, above max_snapshot_bytes " +
                                        std::to_string(limits.max_snapshot_bytes));
    }
    std::vector<CertifiedBlockBytes> blocks;
    blocks.push_back({std::move(attachment->block), std::move(attachment->certificate)});
    std::uint64_t bytes = blocks[0].block.size() + blocks[0].certificate.size();
    const Height last = store.last_height();
    const Height first = store.first_height();
    if (first != 0 && first <= *it + 1 && last > *it) {
      REPLEX_RETURN_IF_ERROR(collect_blocks(store, *it + 1, last, limits, bytes, blocks)
                                 .with_context("serve_state: "));
    }
    ByteWriter w(32 + attachment->checkpoint_proof.size() + snapshot->state.size() + bytes +
                 8 * blocks.size());
    w.u8(kStateAnswerVersion);
    w.bytes(attachment->checkpoint_proof);
    w.bytes(snapshot->state);
    write_blocks(w, blocks);
    return w.take();
  }
  return Status::not_found("serve_state: no proven snapshot above height " +
                           std::to_string(above_height));
}

Result<consensus::BlocksReceived> decode_blocks_answer(ByteView answer, const ServeLimits& limits) {
  ByteReader r(answer, field_limit(limits));
  consensus::BlocksReceived out;
  if (read_version(r, kBlocksAnswerVersion, "blocks_answer").is_ok()) {
    out.blocks = read_blocks(r, limits, "blocks_answer");
  }
  REPLEX_RETURN_IF_ERROR(r.finish().with_context("blocks answer: "));
  return out;
}

Result<consensus::StateReceived> decode_state_answer(ByteView answer, const ServeLimits& limits) {
  ByteReader r(answer, field_limit(limits));
  consensus::StateReceived out;
  if (read_version(r, kStateAnswerVersion, "state_answer").is_ok()) {
    out.checkpoint_proof = r.bytes("state_answer.checkpoint_proof");
    out.snapshot = r.bytes("state_answer.snapshot");
    if (r.ok() && out.checkpoint_proof.empty()) r.fail("state_answer.checkpoint_proof", "empty");
    if (r.ok() && out.snapshot.size() > limits.max_snapshot_bytes) {
      r.fail("state_answer.snapshot", std::to_string(out.snapshot.size()) +
                                          " bytes, above max_snapshot_bytes " +
                                          std::to_string(limits.max_snapshot_bytes));
    }
    if (r.ok()) out.blocks = read_blocks(r, limits, "state_answer");
    if (r.ok() && out.blocks.empty()) r.fail("state_answer.count", "the anchor block is missing");
  }
  REPLEX_RETURN_IF_ERROR(r.finish().with_context("state answer: "));
  return out;
}

}  // namespace replex::host
