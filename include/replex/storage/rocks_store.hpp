// RocksStore: the node's Store on RocksDB, one database per node.
//
// open() creates missing column families, then verifies the metadata, the
// newest blocks, the latest snapshot and the WAL, and refuses (kCorruption,
// naming the column family and key) a database that fails; it never repairs.
// Owns the database; closing happens in the destructor and writes nothing.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "replex/storage/forwarding_store.hpp"
#include "replex/storage/store.hpp"
#include "replex/storage/store_options.hpp"

namespace replex::storage {

class KvStore;

// CPU priority of RocksDB's flush and compaction threads.
enum class BackgroundCpuPriority {
  kNormal,  // as RocksDB starts them
  kLow,     // nice 19: they run on CPU the node's own threads leave idle
};

// Defaults suit a 2-core node with a few GiB of memory.
struct RocksStoreOptions {
  StoreOptions store;
  // Create the database (and its directory) when missing; an operator who
  // wants a typo in the data path to fail sets this to false.
  bool create_if_missing = true;
  // LRU cache for table blocks, shared by all column families.
  std::size_t block_cache_bytes = std::size_t{64} << 20;
  // Table files kept open; -1 keeps every file open.
  int max_open_files = 1024;
  // Flush and compaction threads.
  int max_background_jobs = 2;
  // Memtable size of one column family before it is flushed. A flush is a
  // burst of CPU (compression, checksums, filters) in proportion to it; small
  // memtables keep each burst, and so the commit latency it causes, short.
  std::size_t write_buffer_bytes = std::size_t{4} << 20;
  // All memtables together; reaching it flushes the largest.
  std::size_t db_write_buffer_bytes = std::size_t{128} << 20;
  // RocksDB's own log across all column families; past it, column families
  // holding the oldest log alive are flushed so the log can be recycled.
  std::uint64_t max_rocksdb_log_bytes = std::uint64_t{256} << 20;
  // RocksDB's informational LOG files in the database directory.
  std::size_t max_info_log_file_bytes = std::size_t{8} << 20;
  std::size_t info_log_files_kept = 4;
  // kLow keeps flushes and compactions from delaying commits on a busy
  // machine; a starved flush slows writes (RocksDB's write stall), never
  // loses them. RocksDB's thread pools are per process: the lowest
  // priority any store of the process asked for applies to all of them.
  BackgroundCpuPriority background_cpu_priority = BackgroundCpuPriority::kLow;

  Status validate() const;
};

class RocksStore final : public ForwardingStore {
 public:
  static Result<std::unique_ptr<RocksStore>> open(const std::string& path,
                                                  const RocksStoreOptions& options = {});
  ~RocksStore() override;
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  const std::string& path() const { return path_; }

 private:
  RocksStore(std::string path, std::unique_ptr<Store> store);

  std::string path_;
};

}  // namespace replex::storage
