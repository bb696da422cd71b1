#include "block_info.hpp"

#include "replex/exchange/reason.hpp"

namespace replex::api {

ApiResult<BlockInfo> load_block_info(const ApiContext& ctx, std::uint64_t height) {
  auto stored = ctx.store.block_at(height);
  if (!stored) {
    if (stored.status().code() == StatusCode::kNotFound) {
      return ApiError::not_found("no block at height " + std::to_string(height) + " on this node", "height");
    }
    return ApiError::internal(stored.status().to_string());
  }
  auto block = consensus::decode_block(stored->block, ctx.block_limits, ctx.genesis.chain_id());
  if (!block) return ApiError::internal("stored block: " + block.status().to_string());
  BlockInfo out;
  const auto& header = block->header;
  out.height = header.height;
  out.block_hash = stored->block_hash;
  out.prev_block_hash = header.prev_block_hash;
  out.time_ms = header.time_ms;
  out.proposer = header.proposer;
  out.app_hash = stored->app_hash;
  out.tx_root = header.tx_root;
  for (std::size_t i = 0; i < block->txs.size(); ++i) {
    const Hash256& hash = block->tx_hashes[i];
    // The index records one location per hash: the applied occurrence when
    // there is one. A later copy of an applied transaction (a replay) can
    // only have been refused as a duplicate nonce.
    auto location = ctx.store.find_tx(hash);
    std::uint32_t code = exchange::code(exchange::Reason::kDuplicateNonce);
    if (location && location->height == header.height && location->index == i) code = location->code;
    out.results.push_back({hash, code});
  }
  out.transactions = std::move(block->txs);
  out.block_bytes = std::move(stored->block);
  out.certificate = std::move(stored->certificate);
  return out;
}

}  // namespace replex::api
