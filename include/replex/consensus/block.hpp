// Blocks: a header and the ordered transactions (opaque envelope bytes).
//
// block_hash = SHA-256 of the canonical header. The header has no view, so a
// block re-proposed in a later view keeps its hash. tx_root is the RFC 6962
// Merkle root over tx_hash(envelope) of each transaction, so the hash commits
// to every transaction. Encoding: docs/wire-formats.md, "Consensus".
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "replex/consensus/types.hpp"
#include "replex/core/status.hpp"

namespace replex::consensus {

inline constexpr std::uint8_t kBlockVersion = 1;

struct BlockHeader {
  std::string chain_id;
  Height height = 0;
  std::uint64_t time_ms = 0;  // proposer's clock, unix ms; non-decreasing along the chain
  Hash256 prev_block_hash;
  Hash256 tx_root;
  ValidatorIndex proposer = 0;  // the primary that first proposed the block
  std::uint32_t tx_count = 0;

  friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

// make_block and decode_block fill tx_hashes[i] = tx_hash(txs[i]) (each is
// needed for tx_root anyway), so no later reader hashes a transaction again.
// Invariant: whoever changes txs rebuilds the block with make_block.
struct Block {
  BlockHeader header;
  std::vector<Bytes> txs;
  std::vector<Hash256> tx_hashes;

  friend bool operator==(const Block&, const Block&) = default;
};

// What a decoded block may hold.
struct BlockLimits {
  std::uint32_t max_block_txs = 0;
  std::uint64_t max_block_bytes = 0;
  std::uint64_t max_tx_bytes = 0;
};

Bytes encode_header(const BlockHeader& header);
Hash256 block_hash(const BlockHeader& header);
Bytes encode_block(const Block& block);
// Exact size of encode_block() for a block with these transactions.
std::uint64_t encoded_block_bytes(std::string_view chain_id, std::span<const Bytes> txs);
// Bytes one more transaction adds to a block's encoding.
inline std::uint64_t encoded_tx_bytes(std::size_t tx_size) { return 4 + tx_size; }

// RFC 6962 root over the transaction hashes.
Hash256 compute_tx_root(std::span<const Bytes> txs);

// Builds a block whose tx_root, tx_count and tx_hashes match `txs`.
// `tx_hashes`, when given, must be tx_hash of each of txs (a mempool has
// them); they are not checked, and tx_root is computed from them.
Block make_block(std::string_view chain_id, Height height, std::uint64_t time_ms,
                 const Hash256& prev_block_hash, ValidatorIndex proposer, std::vector<Bytes> txs,
                 std::vector<Hash256> tx_hashes = {});

// Decodes and checks structure: version, chain id, height >= 1, sizes and
// counts within `limits`, every transaction non-empty, tx_count and tx_root
// matching the transactions; fills tx_hashes. Errors name the field
// ("block.tx_root: ...").
Result<Block> decode_block(ByteView bytes, const BlockLimits& limits, std::string_view chain_id);

}  // namespace replex::consensus
