#include "replex/storage/rocks_store.hpp"

#include "kv_store.hpp"
#include "rocks_engine.hpp"

namespace replex::storage {

Status RocksStoreOptions::validate() const {
  REPLEX_RETURN_IF_ERROR(store.validate());
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  if (block_cache_bytes < kMiB) {
    return Status::invalid_argument("block_cache_bytes: " + std::to_string(block_cache_bytes) +
                                    "; must be at least 1 MiB");
  }
  if (open_files_max != -1 && open_files_max < 20) {
    return Status::invalid_argument("open_files_max: " + std::to_string(open_files_max) +
                                    "; must be -1 (unlimited) or at least 20");
  }
  if (background_jobs_max < 1) {
    return Status::invalid_argument("background_jobs_max: " + std::to_string(background_jobs_max) +
                                    "; must be at least 1");
  }
  if (write_buffer_bytes < kMiB) {
    return Status::invalid_argument("write_buffer_bytes: " + std::to_string(write_buffer_bytes) +
                                    "; must be at least 1 MiB");
  }
  if (db_write_buffer_bytes < write_buffer_bytes) {
    return Status::invalid_argument("db_write_buffer_bytes: " + std::to_string(db_write_buffer_bytes) +
                                    "; must be at least write_buffer_bytes (" +
                                    std::to_string(write_buffer_bytes) + ")");
  }
  if (rocksdb_log_bytes_max < write_buffer_bytes) {
    return Status::invalid_argument("rocksdb_log_bytes_max: " + std::to_string(rocksdb_log_bytes_max) +
                                    "; must be at least write_buffer_bytes (" +
                                    std::to_string(write_buffer_bytes) + ")");
  }
  if (info_log_file_bytes_max < kMiB) {
    return Status::invalid_argument("info_log_file_bytes_max: " + std::to_string(info_log_file_bytes_max) +
                                    "; must be at least 1 MiB");
  }
  if (info_log_files_kept < 1) return Status::invalid_argument("info_log_files_kept: 0; must be at least 1");
  return Status::ok();
}

Result<std::unique_ptr<RocksStore>> RocksStore::open(const std::string& path,
                                                     const RocksStoreOptions& options) {
  const std::string op = "RocksStore::open(" + path + "): ";
  if (path.empty()) return Status::invalid_argument(op + "path: empty");
  REPLEX_RETURN_IF_ERROR(options.validate().with_context(op + "options: "));
  Result<std::shared_ptr<RocksEngine>> engine = RocksEngine::open(path, options);
  if (!engine.is_ok()) return engine.status().with_context(op);
  Result<std::unique_ptr<KvStore>> store = KvStore::open(std::move(engine).value(), options.store);
  if (!store.is_ok()) return store.status().with_context(op);
  return std::unique_ptr<RocksStore>(new RocksStore(path, std::move(store).value()));
}

RocksStore::RocksStore(std::string path, std::unique_ptr<KvStore> store)
    : path_(std::move(path)), store_(std::move(store)) {}

RocksStore::~RocksStore() = default;

Status RocksStore::put_block(const BlockRecord& record) { return store_->put_block(record); }
Result<StoredBlock> RocksStore::block_at(std::uint64_t height) const { return store_->block_at(height); }
Result<std::uint64_t> RocksStore::height_of(const Hash256& block_hash) const {
  return store_->height_of(block_hash);
}
Result<TxLocation> RocksStore::find_tx(const Hash256& tx_hash) const { return store_->find_tx(tx_hash); }
std::uint64_t RocksStore::last_height() const { return store_->last_height(); }
std::uint64_t RocksStore::first_height() const { return store_->first_height(); }

Status RocksStore::put_snapshot(const SnapshotRecord& snapshot, std::size_t keep) {
  return store_->put_snapshot(snapshot, keep);
}
Result<SnapshotRecord> RocksStore::latest_snapshot() const { return store_->latest_snapshot(); }
Result<SnapshotRecord> RocksStore::snapshot_at(std::uint64_t height) const {
  return store_->snapshot_at(height);
}
Result<std::vector<std::uint64_t>> RocksStore::snapshot_heights() const { return store_->snapshot_heights(); }
Status RocksStore::reset_chain_to(std::uint64_t height) { return store_->reset_chain_to(height); }

Result<std::uint64_t> RocksStore::wal_append(std::uint64_t height, ByteView record, bool sync) {
  return store_->wal_append(height, record, sync);
}
Result<std::vector<WalEntry>> RocksStore::wal_read_all() const { return store_->wal_read_all(); }
Status RocksStore::wal_truncate_below(std::uint64_t height) { return store_->wal_truncate_below(height); }

Status RocksStore::put(Column column, std::string_view key, ByteView value, bool sync) {
  return store_->put(column, key, value, sync);
}
Result<Bytes> RocksStore::get(Column column, std::string_view key) const { return store_->get(column, key); }
Status RocksStore::erase(Column column, std::string_view key, bool sync) {
  return store_->erase(column, key, sync);
}

Status RocksStore::sync() { return store_->sync(); }

}  // namespace replex::storage
