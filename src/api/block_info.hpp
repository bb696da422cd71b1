// A committed block as the APIs serve it: header fields, per-transaction
// results and the canonical bytes with the commit certificate, read from the
// store. Shared by NodeService (gRPC) and the REST gateway. Thread-safe
// (reads the Store only).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api_error.hpp"
#include "replex/api/context.hpp"

namespace replex::api {

struct BlockTxResult {
  Hash256 tx_hash;
  std::uint32_t code = 0;  // 0 applied, else the exchange's reason code
};

struct BlockInfo {
  std::uint64_t height = 0;
  Hash256 block_hash;
  Hash256 prev_block_hash;
  std::uint64_t time_ms = 0;
  std::uint32_t proposer = 0;
  Hash256 app_hash;
  Hash256 tx_root;
  std::vector<Bytes> transactions;  // envelopes, block order
  std::vector<BlockTxResult> results;
  Bytes block_bytes;
  Bytes certificate;
};

// kNotFound when this node holds no block at `height`.
ApiResult<BlockInfo> load_block_info(const ApiContext& ctx, std::uint64_t height);

}  // namespace replex::api
