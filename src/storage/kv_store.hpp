// KvStore: the Store contract over any KvEngine — record layout (keys.hpp),
// framing (frame.hpp), the chain rules and the open-time checks. RocksStore
// and MemoryStore forward to this class over RocksEngine and MemoryEngine, so
// both obey the contract identically.
//
// Locking: chain_write_mutex_ serialises put_block, put_snapshot,
// put_snapshot_proof and reset_chain_to (each reads then writes the chain); wal_mutex_ serialises
// WAL writes and owns the sequence counter; chain_mutex_ guards the cached
// ChainMeta for readers. Order: chain_write_mutex_ before chain_mutex_. Reads
// need no lock: the engine is thread-safe and records are immutable once
// written, except by reset_chain_to and snapshot pruning.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "keys.hpp"
#include "kv_engine.hpp"
#include "records.hpp"
#include "replex/storage/store.hpp"
#include "replex/storage/store_options.hpp"

namespace replex::storage {

class KvStore final : public Store {
 public:
  // Verifies the engine's contents (docs/storage.md, "Open-time checks") and
  // returns a store over it, or kCorruption naming the first bad key.
  static Result<std::unique_ptr<KvStore>> open(std::shared_ptr<KvEngine> engine, const StoreOptions& options);

  Status put_block(const BlockRecord& record) override;
  Result<StoredBlock> block_at(std::uint64_t height) const override;
  Result<Bytes> events_at(std::uint64_t height) const override;
  Result<std::uint64_t> height_of(const Hash256& block_hash) const override;
  Result<TxLocation> find_tx(const Hash256& tx_hash) const override;
  std::uint64_t last_height() const override;
  std::uint64_t first_height() const override;

  Status put_snapshot(const SnapshotRecord& snapshot, std::size_t keep) override;
  Status put_snapshot_proof(std::uint64_t height, ByteView proof) override;
  Result<SnapshotRecord> latest_snapshot() const override;
  Result<SnapshotRecord> snapshot_at(std::uint64_t height) const override;
  Result<std::vector<std::uint64_t>> snapshot_heights() const override;
  Status reset_chain_to(std::uint64_t height) override;

  Result<std::uint64_t> wal_append(std::uint64_t height, ByteView record, bool sync) override;
  Result<std::vector<WalEntry>> wal_read_all() const override;
  Status wal_truncate_below(std::uint64_t height) override;

  Status put(Column column, std::string_view key, ByteView value, bool sync) override;
  Result<Bytes> get(Column column, std::string_view key) const override;
  Status erase(Column column, std::string_view key, bool sync) override;

  Status sync() override;

 private:
  KvStore(std::shared_ptr<KvEngine> engine, const StoreOptions& options);

  // Open-time checks; they fill chain_ and wal_last_sequence_.
  Status load();
  Result<ChainMeta> load_chain_meta() const;
  Status check_block_range(const ChainMeta& chain) const;
  Status check_stored_block(std::uint64_t height, const ChainMeta& chain) const;
  Status check_latest_snapshot(const ChainMeta& chain) const;
  Result<std::uint64_t> load_wal_last_sequence() const;

  ChainMeta chain() const;
  void set_chain(const ChainMeta& chain);
  bool effective_sync(bool requested) const;
  Status check_payload_size(std::string_view field, std::uint64_t payload_bytes) const;
  Status check_opaque_key(std::string_view key) const;
  std::string stored_range_note() const;

  // The first key in `range` in `order`, or nullopt when the range is empty.
  Result<std::optional<std::string>> first_key(Cf cf, const keys::KeyRange& range, ScanOrder order) const;
  Result<std::vector<std::uint64_t>> list_snapshot_heights() const;
  Result<SnapshotRecord> read_snapshot(std::uint64_t height) const;

  const std::shared_ptr<KvEngine> engine_;
  const StoreOptions options_;

  std::mutex chain_write_mutex_;
  mutable std::mutex chain_mutex_;
  ChainMeta chain_;  // guarded by chain_mutex_; changed only with chain_write_mutex_ held

  std::mutex wal_mutex_;
  std::uint64_t wal_last_sequence_ = 0;  // guarded by wal_mutex_; highest sequence ever assigned
};

}  // namespace replex::storage
