// Store: the node's durable state behind one small interface.
//
// Two implementations: RocksStore (RocksDB, one DB per node, column families
// blocks, certs, events, tx_index, snapshots, wal, settlement, meta) for the node and
// the simulator's real-disk seeds, and MemoryStore for the simulator, which
// can lose unsynced writes on a simulated crash. The store is byte-oriented:
// it never parses blocks, certificates or snapshots; callers encode them.
// Every record on disk is framed (version, length, CRC-32 from zlib); a record that
// fails its check is reported as kCorruption with its column and key.
// Layout, framing and durability: docs/storage.md, docs/wire-formats.md.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"

namespace replex::storage {

// Everything written when a block commits, in one synced atomic batch.
struct BlockRecord {
  std::uint64_t height = 0;          // == last_height() + 1, or the first block after a snapshot
  Hash256 block_hash;
  Hash256 app_hash;                  // application state after executing this block
  Bytes block;                       // canonical block bytes (header and transactions)
  Bytes certificate;                 // canonical commit certificate bytes
  std::vector<Hash256> tx_hashes;    // in block order
  std::vector<std::uint32_t> tx_codes;  // execution result per transaction, same order
  // The application's canonical events of the block (abci::BlockOutcome::events),
  // for readers that rebuild history; empty: none stored.
  Bytes events{};
};

struct StoredBlock {
  std::uint64_t height = 0;
  Hash256 block_hash;
  Hash256 app_hash;
  Bytes block;
  Bytes certificate;
};

// Where a transaction landed and what became of it.
struct TxLocation {
  std::uint64_t height = 0;
  std::uint32_t index = 0;
  std::uint32_t code = 0;
};

struct SnapshotRecord {
  std::uint64_t height = 0;
  Bytes state;   // Application::snapshot() at `height`
  Bytes proof;   // e.g. the checkpoint certificate that vouches for it; may be empty
};

struct WalEntry {
  std::uint64_t height = 0;   // the height the record belongs to, for truncation
  std::uint64_t sequence = 0; // assigned by the store, strictly increasing
  Bytes record;
};

// Columns for opaque key/value data owned by other modules.
enum class Column : std::uint8_t { kMeta, kSettlement };

class Store {
 public:
  virtual ~Store() = default;

  // --- blocks --------------------------------------------------------------
  // Writes block, certificate, tx index entries and the new last height in one
  // synced batch. Refuses (kFailedPrecondition) a height other than
  // last_height() + 1, and a block_hash already stored at another height;
  // refuses (kInvalidArgument) empty block bytes, a zero block_hash,
  // tx_codes whose count differs from tx_hashes, and a block, certificate or
  // events above StoreOptions::max_record_bytes. A refused write changes nothing.
  virtual Status put_block(const BlockRecord& record) = 0;
  virtual Result<StoredBlock> block_at(std::uint64_t height) const = 0;  // kNotFound if absent
  // The events stored with the block at `height`; kNotFound if none were.
  virtual Result<Bytes> events_at(std::uint64_t height) const = 0;
  virtual Result<std::uint64_t> height_of(const Hash256& block_hash) const = 0;  // kNotFound if absent
  // kNotFound if absent. A transaction hash seen more than once reports its
  // applied occurrence (code 0) if it has one, otherwise its latest one.
  virtual Result<TxLocation> find_tx(const Hash256& tx_hash) const = 0;
  // The chain tip: the newest stored block's height, or the height given to
  // reset_chain_to if no block was stored since; 0 for a fresh store. The next
  // put_block must be at last_height() + 1.
  virtual std::uint64_t last_height() const = 0;
  // The lowest stored block height (> 1 after state transfer), 0 when none.
  virtual std::uint64_t first_height() const = 0;

  // --- snapshots -----------------------------------------------------------
  // Synced. Keeps the newest `keep` snapshots (>= 1) by height and deletes
  // older ones, so one older than all `keep` newest is not retained; a
  // snapshot at an already stored height replaces it.
  virtual Status put_snapshot(const SnapshotRecord& snapshot, std::size_t keep) = 0;
  // Replaces the proof of the snapshot stored at `height` without rewriting
  // its state (a checkpoint's proof arrives after its snapshot was taken).
  // Synced. kNotFound if no snapshot is stored at `height`.
  virtual Status put_snapshot_proof(std::uint64_t height, ByteView proof) = 0;
  virtual Result<SnapshotRecord> latest_snapshot() const = 0;  // kNotFound if none
  virtual Result<SnapshotRecord> snapshot_at(std::uint64_t height) const = 0;  // kNotFound if absent
  // Heights of the stored snapshots, ascending, without loading their state.
  virtual Result<std::vector<std::uint64_t>> snapshot_heights() const = 0;

  // After state transfer installs a snapshot at `height`, the block chain
  // restarts there: later put_block calls start at height + 1. Synced.
  // Requires a snapshot stored at `height` (put_snapshot first), so a restart
  // can always rebuild state; refuses (kFailedPrecondition) a height below
  // last_height(), since committed blocks are never discarded. Above
  // last_height() every stored block, certificate, events and tx index entry is
  // dropped and first_height() becomes 0 until block height + 1 arrives.
  virtual Status reset_chain_to(std::uint64_t height) = 0;

  // --- consensus write-ahead log --------------------------------------------
  // Appends a record; `sync` forces it to disk before returning. Returns the
  // assigned sequence.
  virtual Result<std::uint64_t> wal_append(std::uint64_t height, ByteView record, bool sync) = 0;
  // All records in sequence order.
  virtual Result<std::vector<WalEntry>> wal_read_all() const = 0;
  // Deletes records whose height is below `height`. Synced. Sequences keep
  // increasing across truncation and restarts.
  virtual Status wal_truncate_below(std::uint64_t height) = 0;

  // --- opaque key/value columns (meta, settlement) -----------------------------
  // Keys are non-empty byte strings up to the store's max_key_bytes; the store
  // reserves none of them.
  virtual Status put(Column column, std::string_view key, ByteView value, bool sync) = 0;
  virtual Result<Bytes> get(Column column, std::string_view key) const = 0;  // kNotFound if absent
  virtual Status erase(Column column, std::string_view key, bool sync) = 0;

  // Flushes everything written so far to stable storage. A synced write does
  // the same for every write before it.
  virtual Status sync() = 0;
};

}  // namespace replex::storage
