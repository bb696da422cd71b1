// Serving peers from the store: committed blocks, and proven state.
#include "replex/host/serving.hpp"

#include <algorithm>
#include <string>

namespace replex::host {

using consensus::CertifiedBlockBytes;
using consensus::Height;

namespace {

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

Result<std::optional<ProvenSnapshot>> read_proven_snapshot(const storage::Store& store, Height height) {
  auto snapshot = store.snapshot_at(height);
  if (!snapshot) {
    // Pruned since it was listed: not an error, an older one may do.
    if (snapshot.status().code() == StatusCode::kNotFound) return std::optional<ProvenSnapshot>();
    return snapshot.status();
  }
  auto attachment = decode_snapshot_attachment(snapshot->proof);
  if (!attachment) {
    return attachment.status().with_context("snapshot at height " + std::to_string(height) + ": ");
  }
  if (attachment->checkpoint_proof.empty()) return std::optional<ProvenSnapshot>();  // not proven (yet)
  return std::optional<ProvenSnapshot>(ProvenSnapshot{height, std::move(snapshot->state), std::move(attachment).value()});
}

Result<ProvenSnapshot> find_proven_snapshot(const storage::Store& store, Height above_height) {
  auto heights = store.snapshot_heights();
  if (!heights) return heights.status();
  for (auto it = heights->rbegin(); it != heights->rend() && *it > above_height; ++it) {
    auto proven = read_proven_snapshot(store, *it);
    if (!proven) return proven.status();
    if (*proven) return std::move(**proven);
  }
  return Status::not_found("no proven snapshot above height " + std::to_string(above_height));
}

Result<Bytes> answer_state(const storage::Store& store, const ProvenSnapshot& snapshot, bool offer,
                           const ServeLimits& limits) {
  consensus::StateReceived answer;
  answer.checkpoint_proof = snapshot.attachment.checkpoint_proof;
  if (offer) {
    answer.snapshot_bytes = snapshot.state.size();
  } else {
    answer.snapshot = snapshot.state;
  }
  answer.blocks.push_back({snapshot.attachment.block, snapshot.attachment.certificate});
  std::uint64_t bytes = answer.blocks[0].block.size() + answer.blocks[0].certificate.size();
  const Height last = store.last_height();
  const Height first = store.first_height();
  if (first != 0 && first <= snapshot.height + 1 && last > snapshot.height) {
    REPLEX_RETURN_IF_ERROR(collect_blocks(store, snapshot.height + 1, last, limits, bytes, answer.blocks));
  }
  return encode_state_answer(answer);
}

Result<Bytes> serve_state(const storage::Store& store, Height above_height, const ServeLimits& limits) {
  auto snapshot = find_proven_snapshot(store, above_height);
  if (!snapshot) return snapshot.status().with_context("serve_state: ");
  if (snapshot->state.size() > limits.max_snapshot_bytes) {
    return Status::resource_exhausted("serve_state: snapshot at height " + std::to_string(snapshot->height) +
                                      " is " + std::to_string(snapshot->state.size()) +
                                      " bytes, above max_snapshot_bytes " +
                                      std::to_string(limits.max_snapshot_bytes) + "; ask for it in chunks");
  }
  auto answer = answer_state(store, *snapshot, /*offer=*/false, limits);
  if (!answer) return answer.status().with_context("serve_state: ");
  return answer;
}

}  // namespace replex::host
