#include "rocks_engine.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "keys.hpp"

namespace replex::storage {
namespace {

// Point lookups by random hash (tx index, block hash index) dominate reads;
// ten bits per key keep false positives near 1%.
constexpr double kBloomBitsPerKey = 10.0;
constexpr double kMemtableBloomRatio = 0.05;  // of write_buffer_size
// Spread file writeback so a flush does not stall the next synced commit.
constexpr std::uint64_t kBytesPerSync = std::uint64_t{1} << 20;

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }
std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

rocksdb::DBOptions db_options(const RocksStoreOptions& options) {
  rocksdb::DBOptions db;
  db.create_if_missing = options.create_if_missing;
  db.create_missing_column_families = true;
  db.paranoid_checks = true;
  // A crash may tear only the tail of RocksDB's log, which held no synced
  // write; recovery stops there and keeps everything before it.
  db.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  db.max_open_files = options.max_open_files;
  db.max_background_jobs = options.max_background_jobs;
  db.db_write_buffer_size = options.db_write_buffer_bytes;
  db.max_total_wal_size = options.max_rocksdb_log_bytes;
  db.max_log_file_size = options.max_info_log_file_bytes;
  db.keep_log_file_num = options.info_log_files_kept;
  db.bytes_per_sync = kBytesPerSync;
  return db;
}

rocksdb::ColumnFamilyOptions cf_options(const RocksStoreOptions& options,
                                        const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
  // Index and filter blocks count against the cache, so memory stays bounded.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = options.write_buffer_bytes;
  cf.level_compaction_dynamic_level_bytes = true;
  // A bloom filter over the memtable's whole keys: put_block looks up every
  // transaction hash of the block first, nearly all of them absent, and a
  // skiplist search for each was most of a block's write cost.
  cf.memtable_whole_key_filtering = true;
  cf.memtable_prefix_bloom_size_ratio = kMemtableBloomRatio;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

}  // namespace

Status from_rocksdb(const rocksdb::Status& status, std::string_view what) {
  std::string message = std::string(what) + ": rocksdb: " + status.ToString();
  switch (status.code()) {
    case rocksdb::Status::kOk: return Status::ok();
    case rocksdb::Status::kNotFound: return Status::not_found(std::move(message));
    case rocksdb::Status::kCorruption: return Status::corruption(std::move(message));
    case rocksdb::Status::kInvalidArgument: return Status::invalid_argument(std::move(message));
    case rocksdb::Status::kIOError: return Status::io_error(std::move(message));  // disk full included
    case rocksdb::Status::kNotSupported: return Status::failed_precondition(std::move(message));
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kShutdownInProgress: return Status::unavailable(std::move(message));
    case rocksdb::Status::kTimedOut: return Status::deadline_exceeded(std::move(message));
    default: return Status::internal(std::move(message));
  }
}

Result<std::shared_ptr<RocksEngine>> RocksEngine::open(const std::string& path,
                                                       const RocksStoreOptions& options) {
  std::error_code error;
  if (options.create_if_missing) {
    std::filesystem::create_directories(path, error);
    if (error) return Status::io_error("create directory " + path + ": " + error.message());
  } else if (!std::filesystem::exists(path, error)) {
    // Checked here because RocksDB would create the directory before failing.
    if (error) return Status::io_error("check directory " + path + ": " + error.message());
    return Status::not_found("no database at " + path + " and create_if_missing is false");
  }
  const rocksdb::DBOptions db = db_options(options);
  if (options.background_cpu_priority == BackgroundCpuPriority::kLow) {
    for (const auto pool : {rocksdb::Env::Priority::HIGH, rocksdb::Env::Priority::LOW}) {
      const rocksdb::Status lowered = db.env->LowerThreadPoolCPUPriority(pool, rocksdb::CpuPriority::kLow);
      if (!lowered.ok()) return from_rocksdb(lowered, "lower the priority of background threads");
    }
  }
  // Every column family on disk must be opened; one this version does not
  // know means a newer replex wrote the database.
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db, path, &existing).ok()) {
    for (const std::string& name : existing) {
      const bool known =
          name == rocksdb::kDefaultColumnFamilyName ||
          std::any_of(kAllCfs.begin(), kAllCfs.end(), [&](Cf cf) { return cf_name(cf) == name; });
      if (!known) {
        return Status::failed_precondition("column family '" + name + "' in " + path +
                                           " is unknown to this version; was it written by a newer replex?");
      }
    }
  }
  const std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  const rocksdb::ColumnFamilyOptions cf = cf_options(options, cache);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf);
  for (Cf c : kAllCfs) descriptors.emplace_back(std::string(cf_name(c)), cf);

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status opened = rocksdb::DB::Open(db, path, descriptors, &handles, &raw);
  if (!opened.ok()) return from_rocksdb(opened, "open " + path);
  REPLEX_ASSERT_MSG(handles.size() == descriptors.size(),
                    "rocksdb returned " + std::to_string(handles.size()) + " column family handles for " +
                        std::to_string(descriptors.size()));
  std::shared_ptr<RocksEngine> engine(new RocksEngine());
  engine->db_ = raw;
  engine->default_handle_ = handles[0];
  for (std::size_t i = 0; i < kCfCount; ++i) engine->handles_[i] = handles[i + 1];
  return engine;
}

RocksEngine::~RocksEngine() {
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  db_->DestroyColumnFamilyHandle(default_handle_).PermitUncheckedError();
  // Close() only releases resources here: every write already reached the
  // log, and an error leaves nothing a caller could act on.
  db_->Close().PermitUncheckedError();
  delete db_;
}

Result<std::optional<std::string>> RocksEngine::get(Cf cf, std::string_view key) const {
  rocksdb::PinnableSlice value;
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(cf), slice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>{};
  if (!s.ok()) return from_rocksdb(s, "read " + keys::describe(cf, key));
  return std::optional<std::string>{value.ToString()};
}

Result<std::vector<std::optional<std::string>>> RocksEngine::multi_get(std::span<const CfKey> keys) const {
  std::vector<std::optional<std::string>> out(keys.size());
  if (keys.empty()) return out;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;
  std::vector<rocksdb::Slice> slices;
  cfs.reserve(keys.size());
  slices.reserve(keys.size());
  for (const CfKey& k : keys) {
    cfs.push_back(handle(k.cf));
    slices.push_back(slice(k.key));
  }
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  // One snapshot, so keys in several column families are read as of one write.
  rocksdb::ManagedSnapshot snapshot(db_);
  rocksdb::ReadOptions read;
  read.snapshot = snapshot.snapshot();
  db_->MultiGet(read, keys.size(), cfs.data(), slices.data(), values.data(), statuses.data());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) {
      return from_rocksdb(statuses[i], "read " + keys::describe(keys[i].cf, keys[i].key));
    }
    out[i] = values[i].ToString();
  }
  return out;
}

Status RocksEngine::scan(Cf cf, std::string_view begin, std::string_view end, ScanOrder order,
                         const ScanVisitor& visit) const {
  if (begin >= end) return Status::ok();
  const rocksdb::Slice lower = slice(begin);
  const rocksdb::Slice upper = slice(end);
  rocksdb::ReadOptions read;
  read.iterate_lower_bound = &lower;
  read.iterate_upper_bound = &upper;
  const std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, handle(cf)));
  if (order == ScanOrder::kAscending) {
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!visit(view(it->key()), view(it->value()))) break;
    }
  } else {
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      if (!visit(view(it->key()), view(it->value()))) break;
    }
  }
  if (!it->status().ok()) {
    return from_rocksdb(it->status(), "scan of column family '" + std::string(cf_name(cf)) + "' from " +
                                          keys::describe(cf, begin));
  }
  return Status::ok();
}

Status RocksEngine::write(const WriteBatch& batch, bool sync) {
  rocksdb::WriteBatch rocks;
  for (const WriteBatch::Op& op : batch.ops()) {
    rocksdb::Status s;
    switch (op.kind) {
      case WriteBatch::OpKind::kPut: s = rocks.Put(handle(op.cf), slice(op.key), slice(op.value)); break;
      case WriteBatch::OpKind::kErase: s = rocks.Delete(handle(op.cf), slice(op.key)); break;
      case WriteBatch::OpKind::kEraseRange:
        s = rocks.DeleteRange(handle(op.cf), slice(op.key), slice(op.value));
        break;
    }
    if (!s.ok()) return from_rocksdb(s, "batch " + keys::describe(op.cf, op.key));
  }
  rocksdb::WriteOptions options;
  options.sync = sync;
  const rocksdb::Status s = db_->Write(options, &rocks);
  if (!s.ok()) {
    return from_rocksdb(s, std::string(sync ? "synced" : "unsynced") + " write of " +
                               std::to_string(batch.ops().size()) + " operations");
  }
  return Status::ok();
}

Status RocksEngine::sync() {
  const rocksdb::Status s = db_->SyncWAL();
  if (!s.ok()) return from_rocksdb(s, "sync of the log");
  return Status::ok();
}

}  // namespace replex::storage
