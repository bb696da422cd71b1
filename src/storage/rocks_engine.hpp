// RocksEngine: KvEngine on RocksDB, one column family per Cf.
//
// RocksDB reports errors as rocksdb::Status values (its C++ API throws
// nothing); each is mapped to a replex::Status naming the operation and key.
// Owns the DB and its column family handles; the destructor closes them and
// writes nothing of its own. Thread-safety: RocksDB's; no state of our own.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "kv_engine.hpp"
#include "replex/storage/rocks_store.hpp"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Status;
}  // namespace rocksdb

namespace replex::storage {

// Maps a RocksDB status onto a replex::Status whose message starts with `what`.
Status from_rocksdb(const rocksdb::Status& status, std::string_view what);

class RocksEngine final : public KvEngine {
 public:
  // Opens (or creates) the database at `path` with every column family.
  static Result<std::shared_ptr<RocksEngine>> open(const std::string& path, const RocksStoreOptions& options);
  ~RocksEngine() override;
  RocksEngine(const RocksEngine&) = delete;
  RocksEngine& operator=(const RocksEngine&) = delete;

  Result<std::optional<std::string>> get(Cf cf, std::string_view key) const override;
  Result<std::vector<std::optional<std::string>>> multi_get(std::span<const CfKey> keys) const override;
  Status scan(Cf cf, std::string_view begin, std::string_view end, ScanOrder order,
              const ScanVisitor& visit) const override;
  Status write(const WriteBatch& batch, bool sync) override;
  Status sync() override;

 private:
  RocksEngine() = default;
  rocksdb::ColumnFamilyHandle* handle(Cf cf) const { return handles_[cf_index(cf)]; }

  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* default_handle_ = nullptr;
  std::array<rocksdb::ColumnFamilyHandle*, kCfCount> handles_{};
};

}  // namespace replex::storage
