// The settler's records in the store's Column::kSettlement: keys and
// canonical encodings (ByteWriter), listed in docs/settlement.md
// ("Persistence"). Private to src/settlement/. Every record starts with a
// version byte; decoders refuse what they do not know.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"
#include "replex/settlement/batch.hpp"
#include "replex/settlement/eip1559.hpp"

namespace replex::settlement::records {

inline constexpr std::uint8_t kVersion = 1;

// "head": the builder's position at its last batch boundary. Synced last at
// every boundary, after the batches and the totals.
struct HeadRecord {
  std::uint64_t processed_height = 0;
  std::vector<std::pair<std::uint64_t, ChainHead>> chains;  // by chain id, ascending
};
std::string head_key();
Bytes encode(const HeadRecord& r);
Result<HeadRecord> decode_head(ByteView bytes);

// "total/" account(32) asset(u32): an (account, asset) total at the last boundary.
std::string total_key(const exchange::AccountId& account, exchange::AssetIndex asset);
Bytes encode_total(std::uint64_t total);
Result<std::uint64_t> decode_total(ByteView bytes);

// "batch/" chain(u64) number(u64): a built batch. `slim` once settled: the
// deltas are dropped, header, root and withdrawals kept for claims.
struct BatchRecord {
  Batch batch;
  bool slim = false;
};
std::string batch_key(std::uint64_t chain_id, std::uint64_t number);
Bytes encode(const BatchRecord& r);
Result<BatchRecord> decode_batch(ByteView bytes);

// "wd/" id(u64): where a withdrawal was batched.
struct WithdrawalRef {
  std::uint64_t chain_id = 0;
  std::uint64_t number = 0;
};
std::string withdrawal_key(std::uint64_t withdrawal_id);
Bytes encode(const WithdrawalRef& r);
Result<WithdrawalRef> decode_withdrawal_ref(ByteView bytes);

// "chain/" chain(u64): the chain worker's position: the last batch seen
// settled (confirmations deep, root checked) and the next block to scan for
// deposits.
struct ChainRecord {
  std::uint64_t settled_number = 0;
  std::uint64_t settled_from_height = 0;
  std::uint64_t settled_to_height = 0;
  std::uint64_t scan_next_block = 0;
};
std::string chain_key(std::uint64_t chain_id);
Bytes encode(const ChainRecord& r);
Result<ChainRecord> decode_chain(ByteView bytes);

// "tx/" chain(u64): this node's transaction in flight on the chain, written
// (synced) before it is sent. Every hash sent with this nonce is kept: any of
// them may be the one mined.
struct TxRecord {
  std::uint64_t batch_number = 0;
  bool cancel = false;            // a 0-value transfer to self that frees the nonce
  std::uint64_t nonce = 0;
  FeeCaps fees;
  std::uint64_t gas_limit = 0;
  std::vector<Hash256> hashes;    // oldest first
  Bytes raw;                      // the latest signed transaction
};
std::string tx_key(std::uint64_t chain_id);
Bytes encode(const TxRecord& r);
Result<TxRecord> decode_tx(ByteView bytes);

// "dep/" chain(u64) deposit(u64): present once this node attested the deposit.
std::string deposit_key(std::uint64_t chain_id, std::uint64_t deposit_id);

}  // namespace replex::settlement::records
