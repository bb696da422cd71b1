// ForwardingStore: a Store that hands every call to the store it wraps. The
// public stores (RocksStore, MemoryStore) are the one private implementation
// over their engine plus what is theirs alone (a path, a simulated disk), so
// the contract is forwarded in one place. Thread-safety is the wrapped store's.
#pragma once

#include <memory>

#include "replex/storage/store.hpp"

namespace replex::storage {

class ForwardingStore : public Store {
 public:
  ~ForwardingStore() override;
  ForwardingStore(const ForwardingStore&) = delete;
  ForwardingStore& operator=(const ForwardingStore&) = delete;

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

 protected:
  explicit ForwardingStore(std::unique_ptr<Store> inner);
  // Closes the wrapped store early, for a wrapper whose own teardown must
  // follow it; no call may be forwarded afterwards.
  void close_inner() { inner_.reset(); }

 private:
  std::unique_ptr<Store> inner_;
};

}  // namespace replex::storage
