// Key layout of every column family (docs/wire-formats.md). Heights and
// sequences are big-endian u64, so byte order is numeric order and a range
// of heights is a key range. One-byte tags separate record kinds that share
// a column family.
//
//   blocks     'c'                        chain metadata
//              'h' + height               block
//              'b' + block hash (32)      height of a block hash
//   certs      height                     commit certificate
//   events     height                     the block's application events
//   tx_index   tx hash (32)               where the transaction landed
//   snapshots  'i' + height               snapshot index entry (small)
//              's' + height               snapshot state and proof
//              'p' + height               snapshot proof that replaced the one in 's'
//   wal        'e' + height + sequence    consensus WAL record
//              'f'                        highest sequence ever assigned
//   meta, settlement                      the caller's keys, verbatim
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "column_family.hpp"
#include "replex/core/bytes.hpp"

namespace replex::storage::keys {

// [begin, end) in byte order.
struct KeyRange {
  std::string begin;
  std::string end;
};

inline constexpr char kChainTag = 'c';
inline constexpr char kBlockTag = 'h';
inline constexpr char kBlockHashTag = 'b';
inline constexpr char kSnapshotInfoTag = 'i';
inline constexpr char kSnapshotDataTag = 's';
inline constexpr char kSnapshotProofTag = 'p';
inline constexpr char kWalEntryTag = 'e';
inline constexpr char kWalFloorTag = 'f';

std::string chain_meta();
std::string block(std::uint64_t height);
std::string block_hash(const Hash256& hash);
std::string certificate(std::uint64_t height);
std::string events(std::uint64_t height);
std::string tx(const Hash256& tx_hash);
std::string snapshot_info(std::uint64_t height);
std::string snapshot_data(std::uint64_t height);
std::string snapshot_proof(std::uint64_t height);
std::string wal_entry(std::uint64_t height, std::uint64_t sequence);
std::string wal_floor();

// Blocks at `height` and above.
KeyRange blocks_from(std::uint64_t height);
KeyRange all_block_hashes();
KeyRange all_certificates();
KeyRange all_events();
KeyRange all_txs();
KeyRange all_snapshot_infos();
KeyRange all_wal_entries();
// WAL records whose height is below `height`.
KeyRange wal_entries_below(std::uint64_t height);

// The height in a block, certificate or snapshot key; nullopt if the key
// does not have that shape.
std::optional<std::uint64_t> parse_block(std::string_view key);
std::optional<std::uint64_t> parse_snapshot_info(std::string_view key);

struct WalKey {
  std::uint64_t height = 0;
  std::uint64_t sequence = 0;
};
std::optional<WalKey> parse_wal_entry(std::string_view key);

// "column family 'blocks', key 68000000000000000a (block at height 10)":
// hex for binary keys, quoted text for printable meta/settlement keys.
std::string describe(Cf cf, std::string_view key);

}  // namespace replex::storage::keys
