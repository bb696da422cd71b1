#include "replex/storage/forwarding_store.hpp"

#include "replex/core/assert.hpp"

namespace replex::storage {

ForwardingStore::ForwardingStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {
  REPLEX_ASSERT(inner_ != nullptr);
}
ForwardingStore::~ForwardingStore() = default;

Status ForwardingStore::put_block(const BlockRecord& record) { return inner_->put_block(record); }
Result<StoredBlock> ForwardingStore::block_at(std::uint64_t height) const { return inner_->block_at(height); }
Result<Bytes> ForwardingStore::events_at(std::uint64_t height) const { return inner_->events_at(height); }
Result<std::uint64_t> ForwardingStore::height_of(const Hash256& block_hash) const {
  return inner_->height_of(block_hash);
}
Result<TxLocation> ForwardingStore::find_tx(const Hash256& tx_hash) const { return inner_->find_tx(tx_hash); }
std::uint64_t ForwardingStore::last_height() const { return inner_->last_height(); }
std::uint64_t ForwardingStore::first_height() const { return inner_->first_height(); }

Status ForwardingStore::put_snapshot(const SnapshotRecord& snapshot, std::size_t keep) {
  return inner_->put_snapshot(snapshot, keep);
}

Status ForwardingStore::put_snapshot_proof(std::uint64_t height, ByteView proof) {
  return inner_->put_snapshot_proof(height, proof);
}
Result<SnapshotRecord> ForwardingStore::latest_snapshot() const { return inner_->latest_snapshot(); }
Result<SnapshotRecord> ForwardingStore::snapshot_at(std::uint64_t height) const {
  return inner_->snapshot_at(height);
}
Result<std::vector<std::uint64_t>> ForwardingStore::snapshot_heights() const { return inner_->snapshot_heights(); }
Status ForwardingStore::reset_chain_to(std::uint64_t height) { return inner_->reset_chain_to(height); }

Result<std::uint64_t> ForwardingStore::wal_append(std::uint64_t height, ByteView record, bool sync) {
  return inner_->wal_append(height, record, sync);
}
Result<std::vector<WalEntry>> ForwardingStore::wal_read_all() const { return inner_->wal_read_all(); }
Status ForwardingStore::wal_truncate_below(std::uint64_t height) { return inner_->wal_truncate_below(height); }

Status ForwardingStore::put(Column column, std::string_view key, ByteView value, bool sync) {
  return inner_->put(column, key, value, sync);
}
Result<Bytes> ForwardingStore::get(Column column, std::string_view key) const { return inner_->get(column, key); }
Status ForwardingStore::erase(Column column, std::string_view key, bool sync) {
  return inner_->erase(column, key, sync);
}

Status ForwardingStore::sync() { return inner_->sync(); }

}  // namespace replex::storage
