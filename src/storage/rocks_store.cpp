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
  if (max_open_files != -1 && max_open_files < 20) {
    return Status::invalid_argument("max_open_files: " + std::to_string(max_open_files) +
                                    "; must be -1 (unlimited) or at least 20");
  }
  if (max_background_jobs < 1) {
    return Status::invalid_argument("max_background_jobs: " + std::to_string(max_background_jobs) +
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
  if (max_rocksdb_log_bytes < write_buffer_bytes) {
    return Status::invalid_argument("max_rocksdb_log_bytes: " + std::to_string(max_rocksdb_log_bytes) +
                                    "; must be at least write_buffer_bytes (" +
                                    std::to_string(write_buffer_bytes) + ")");
  }
  if (max_info_log_file_bytes < kMiB) {
    return Status::invalid_argument("max_info_log_file_bytes: " + std::to_string(max_info_log_file_bytes) +
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

RocksStore::RocksStore(std::string path, std::unique_ptr<Store> store)
    : ForwardingStore(std::move(store)), path_(std::move(path)) {}

RocksStore::~RocksStore() = default;

}  // namespace replex::storage
