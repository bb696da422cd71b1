#include "replex/consensus/block.hpp"

#include "replex/core/codec.hpp"
#include "replex/core/hash.hpp"
#include "replex/core/tx_envelope.hpp"

namespace replex::consensus {
namespace {

constexpr std::uint64_t kHeaderFixedBytes = 1 + 4 + 8 + 8 + 32 + 32 + 4 + 4;

void write_header(ByteWriter& w, const BlockHeader& header) {
  w.u8(kBlockVersion);
  w.str(header.chain_id);
  w.u64(header.height);
  w.u64(header.time_ms);
  w.hash(header.prev_block_hash);
  w.hash(header.tx_root);
  w.u32(header.proposer);
  w.u32(header.tx_count);
}

}  // namespace

Bytes encode_header(const BlockHeader& header) {
  ByteWriter w(kHeaderFixedBytes + header.chain_id.size());
  write_header(w, header);
  return w.take();
}

Hash256 block_hash(const BlockHeader& header) { return sha256(encode_header(header)); }

std::uint64_t encoded_block_bytes(std::string_view chain_id, std::span<const Bytes> txs) {
  std::uint64_t total = kHeaderFixedBytes + chain_id.size();
  for (const Bytes& tx : txs) total += encoded_tx_bytes(tx.size());
  return total;
}

Bytes encode_block(const Block& block) {
  REPLEX_ASSERT(block.header.tx_count == block.txs.size());
  ByteWriter w(encoded_block_bytes(block.header.chain_id, block.txs));
  write_header(w, block.header);
  for (const Bytes& tx : block.txs) w.bytes(tx);
  return w.take();
}

namespace {

std::vector<Hash256> tx_hashes_of(std::span<const Bytes> txs) {
  std::vector<Hash256> hashes;
  hashes.reserve(txs.size());
  for (const Bytes& tx : txs) hashes.push_back(tx_hash(tx));
  return hashes;
}

}  // namespace

Hash256 compute_tx_root(std::span<const Bytes> txs) { return merkle_root_of_leaf_hashes(tx_hashes_of(txs)); }

Block make_block(std::string_view chain_id, Height height, std::uint64_t time_ms,
                 const Hash256& prev_block_hash, ValidatorIndex proposer, std::vector<Bytes> txs,
                 std::vector<Hash256> tx_hashes) {
  Block block;
  block.header.chain_id = std::string(chain_id);
  block.header.height = height;
  block.header.time_ms = time_ms;
  block.header.prev_block_hash = prev_block_hash;
  REPLEX_ASSERT_MSG(tx_hashes.empty() || tx_hashes.size() == txs.size(),
                    "make_block: " + std::to_string(tx_hashes.size()) + " hashes for " +
                        std::to_string(txs.size()) + " transactions");
  block.tx_hashes = tx_hashes.empty() ? tx_hashes_of(txs) : std::move(tx_hashes);
  block.header.tx_root = merkle_root_of_leaf_hashes(block.tx_hashes);
  block.header.proposer = proposer;
  block.header.tx_count = static_cast<std::uint32_t>(txs.size());
  block.txs = std::move(txs);
  return block;
}

Result<Block> decode_block(ByteView bytes, const BlockLimits& limits, std::string_view chain_id) {
  if (bytes.size() > limits.max_block_bytes) {
    return Status::invalid_argument("block: " + std::to_string(bytes.size()) +
                                    " bytes exceeds max_block_bytes " +
                                    std::to_string(limits.max_block_bytes));
  }
  ByteReader r(
      bytes, static_cast<std::uint32_t>(std::min<std::uint64_t>(limits.max_tx_bytes, UINT32_MAX)));
  Block block;
  BlockHeader& h = block.header;
  const std::uint8_t version = r.u8("block.version");
  if (r.ok() && version != kBlockVersion) {
    r.fail("block.version", "unsupported version " + std::to_string(version));
  }
  h.chain_id = r.str("block.chain_id");
  h.height = r.u64("block.height");
  h.time_ms = r.u64("block.time_ms");
  h.prev_block_hash = r.hash("block.prev_block_hash");
  h.tx_root = r.hash("block.tx_root");
  h.proposer = r.u32("block.proposer");
  h.tx_count = r.u32("block.tx_count");
  REPLEX_RETURN_IF_ERROR(r.status());
  if (h.chain_id != chain_id) {
    return Status::invalid_argument("block.chain_id: '" + h.chain_id + "', expected '" +
                                    std::string(chain_id) + "'");
  }
  if (h.height == 0) return Status::invalid_argument("block.height: 0 is genesis, not a block");
  if (h.tx_count > limits.max_block_txs) {
    return Status::invalid_argument("block.tx_count: " + std::to_string(h.tx_count) +
                                    " exceeds max_block_txs " +
                                    std::to_string(limits.max_block_txs));
  }
  block.txs.reserve(h.tx_count);
  for (std::uint32_t i = 0; i < h.tx_count && r.ok(); ++i) {
    Bytes tx = r.bytes("block.txs");
    if (r.ok() && tx.empty()) r.fail("block.txs", "transaction " + std::to_string(i) + " is empty");
    block.txs.push_back(std::move(tx));
  }
  REPLEX_RETURN_IF_ERROR(r.finish());
  block.tx_hashes = tx_hashes_of(block.txs);
  if (merkle_root_of_leaf_hashes(block.tx_hashes) != h.tx_root) {
    return Status::invalid_argument("block.tx_root: does not match the transactions");
  }
  return block;
}

}  // namespace replex::consensus
