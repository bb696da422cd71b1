#include "replex/storage/memory_store.hpp"

#include "kv_store.hpp"
#include "memory_engine.hpp"

namespace replex::storage {

FaultPolicy fail_nth(IoKind kind, std::uint64_t n) {
  return [kind, n](const IoRequest& request) { return request.kind == kind && request.index == n; };
}

FaultPolicy fail_from(IoKind kind, std::uint64_t n) {
  return [kind, n](const IoRequest& request) { return request.kind == kind && request.index >= n; };
}

MemoryDisk::MemoryDisk() : engine_(std::make_shared<MemoryEngine>()) {}
MemoryDisk::~MemoryDisk() = default;

std::optional<std::string> MemoryDisk::crash(const CrashFault& fault) { return engine_->crash(fault); }
void MemoryDisk::set_fault_policy(FaultPolicy policy) { engine_->set_fault_policy(std::move(policy)); }
std::size_t MemoryDisk::unsynced_changes() const { return engine_->unsynced_changes(); }

Result<std::unique_ptr<MemoryStore>> MemoryStore::open(std::shared_ptr<MemoryDisk> disk,
                                                       const StoreOptions& options) {
  if (disk == nullptr) return Status::invalid_argument("MemoryStore::open: disk: null");
  if (!disk->engine_->try_lock_for_store()) {
    return Status::failed_precondition("MemoryStore::open: another store is open on this disk");
  }
  Result<std::unique_ptr<KvStore>> store = KvStore::open(disk->engine_, options);
  if (!store.is_ok()) {
    disk->engine_->unlock_for_store();
    return store.status();
  }
  return std::unique_ptr<MemoryStore>(new MemoryStore(std::move(disk), std::move(store).value()));
}

MemoryStore::MemoryStore(std::shared_ptr<MemoryDisk> disk, std::unique_ptr<KvStore> store)
    : disk_(std::move(disk)), store_(std::move(store)) {}

MemoryStore::~MemoryStore() {
  store_.reset();
  disk_->engine_->unlock_for_store();
}

Status MemoryStore::put_block(const BlockRecord& record) { return store_->put_block(record); }
Result<StoredBlock> MemoryStore::block_at(std::uint64_t height) const { return store_->block_at(height); }
Result<std::uint64_t> MemoryStore::height_of(const Hash256& block_hash) const {
  return store_->height_of(block_hash);
}
Result<TxLocation> MemoryStore::find_tx(const Hash256& tx_hash) const { return store_->find_tx(tx_hash); }
std::uint64_t MemoryStore::last_height() const { return store_->last_height(); }
std::uint64_t MemoryStore::first_height() const { return store_->first_height(); }

Status MemoryStore::put_snapshot(const SnapshotRecord& snapshot, std::size_t keep) {
  return store_->put_snapshot(snapshot, keep);
}
Result<SnapshotRecord> MemoryStore::latest_snapshot() const { return store_->latest_snapshot(); }
Result<SnapshotRecord> MemoryStore::snapshot_at(std::uint64_t height) const {
  return store_->snapshot_at(height);
}
Result<std::vector<std::uint64_t>> MemoryStore::snapshot_heights() const {
  return store_->snapshot_heights();
}
Status MemoryStore::reset_chain_to(std::uint64_t height) { return store_->reset_chain_to(height); }

Result<std::uint64_t> MemoryStore::wal_append(std::uint64_t height, ByteView record, bool sync) {
  return store_->wal_append(height, record, sync);
}
Result<std::vector<WalEntry>> MemoryStore::wal_read_all() const { return store_->wal_read_all(); }
Status MemoryStore::wal_truncate_below(std::uint64_t height) { return store_->wal_truncate_below(height); }

Status MemoryStore::put(Column column, std::string_view key, ByteView value, bool sync) {
  return store_->put(column, key, value, sync);
}
Result<Bytes> MemoryStore::get(Column column, std::string_view key) const { return store_->get(column, key); }
Status MemoryStore::erase(Column column, std::string_view key, bool sync) {
  return store_->erase(column, key, sync);
}

Status MemoryStore::sync() { return store_->sync(); }

}  // namespace replex::storage
