// RocksStore on real disk: damage written behind its back with raw RocksDB is
// reported as kCorruption naming the column family and key, and open()
// refuses a database whose chain metadata does not hold.
#include "replex/storage/rocks_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "frame.hpp"
#include "keys.hpp"
#include "store_builders.hpp"
#include "support/temp_dir.hpp"

namespace replex::storage {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::make_block;
using testing::make_snapshot;
using testing::tx_hash;

// Direct access to the database files, bypassing RocksStore, to damage them.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    std::vector<std::string> names;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    rocksdb::DBOptions options;
    const rocksdb::Status s = rocksdb::DB::Open(options, path, descriptors, &handles_, &db_);
    EXPECT_TRUE(s.ok()) << s.ToString();
    names_ = names;
  }
  ~RawDb() {
    for (rocksdb::ColumnFamilyHandle* h : handles_) EXPECT_TRUE(db_->DestroyColumnFamilyHandle(h).ok());
    EXPECT_TRUE(db_->Close().ok());
    delete db_;
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  std::string get(Cf cf, const std::string& key) {
    std::string value;
    EXPECT_TRUE(db_->Get(rocksdb::ReadOptions(), handle(cf), key, &value).ok()) << keys::describe(cf, key);
    return value;
  }
  void put(Cf cf, const std::string& key, const std::string& value) {
    EXPECT_TRUE(db_->Put(write_options(), handle(cf), key, value).ok());
  }
  void erase(Cf cf, const std::string& key) {
    EXPECT_TRUE(db_->Delete(write_options(), handle(cf), key).ok());
  }
  void flush_all() {
    for (rocksdb::ColumnFamilyHandle* h : handles_) EXPECT_TRUE(db_->Flush(rocksdb::FlushOptions(), h).ok());
  }
  void create_column_family(const std::string& name) {
    rocksdb::ColumnFamilyHandle* h = nullptr;
    EXPECT_TRUE(db_->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), name, &h).ok());
    handles_.push_back(h);
  }

 private:
  static rocksdb::WriteOptions write_options() {
    rocksdb::WriteOptions w;
    w.sync = true;
    return w;
  }
  rocksdb::ColumnFamilyHandle* handle(Cf cf) {
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == cf_name(cf)) return handles_[i];
    }
    ADD_FAILURE() << "no column family " << cf_name(cf);
    return handles_.front();
  }

  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::vector<std::string> names_;
};

std::string flip_last_byte(std::string value) {
  value.back() = static_cast<char>(value.back() ^ 0x01);
  return value;
}

class RocksStoreTest : public ::testing::Test {
 protected:
  std::string path() const { return dir_.file("db"); }

  std::unique_ptr<RocksStore> open_ok(const RocksStoreOptions& options = {}) {
    Result<std::unique_ptr<RocksStore>> store = RocksStore::open(path(), options);
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    return store.is_ok() ? std::move(store).value() : nullptr;
  }

  // A closed database holding blocks 1..last, one snapshot and a WAL record.
  void write_chain(std::uint64_t last) {
    std::unique_ptr<RocksStore> store = open_ok();
    ASSERT_NE(store, nullptr);
    for (std::uint64_t h = 1; h <= last; ++h) ASSERT_TRUE(store->put_block(make_block(h)).is_ok());
    ASSERT_TRUE(store->put_snapshot(make_snapshot(last), 2).is_ok());
    ASSERT_TRUE(store->wal_append(last + 1, to_bytes("vote"), true).is_ok());
    ASSERT_TRUE(store->put(Column::kMeta, "node", to_bytes("id"), true).is_ok());
  }

  Status open_error(const RocksStoreOptions& options = {}) {
    return RocksStore::open(path(), options).status();
  }

  replex::testing::TempDir dir_;
};

TEST_F(RocksStoreTest, CorruptTipBlockIsRefusedAtOpenNamingTheKey) {
  write_chain(10);
  {
    RawDb raw(path());
    raw.put(Cf::kBlocks, keys::block(10), flip_last_byte(raw.get(Cf::kBlocks, keys::block(10))));
  }
  const Status s = open_error();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_THAT(s.message(), AllOf(HasSubstr("column family 'blocks'"), HasSubstr("key 68000000000000000a"),
                                 HasSubstr("block at height 10"), HasSubstr("CRC-32 mismatch")));
}

TEST_F(RocksStoreTest, MissingTipBlockIsRefusedAtOpen) {
  write_chain(10);
  {
    RawDb raw(path());
    raw.erase(Cf::kBlocks, keys::block(10));
  }
  const Status s = open_error();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_THAT(s.message(),
              AllOf(HasSubstr("key 68000000000000000a"), HasSubstr("missing"), HasSubstr("last height 10")));
}

TEST_F(RocksStoreTest, TruncatedRecordIsRefusedAtOpen) {
  write_chain(10);
  {
    RawDb raw(path());
    const std::string cert = raw.get(Cf::kCerts, keys::certificate(9));
    raw.put(Cf::kCerts, keys::certificate(9), cert.substr(0, cert.size() / 2));
  }
  const Status s = open_error();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_THAT(s.message(), AllOf(HasSubstr("column family 'certs'"), HasSubstr("key 0000000000000009"),
                                 HasSubstr("torn or truncated")));
}

TEST_F(RocksStoreTest, RecordUnderTheWrongKeyIsRefusedAtOpen) {
  write_chain(10);
  {
    RawDb raw(path());
    raw.put(Cf::kBlocks, keys::block(10), raw.get(Cf::kBlocks, keys::block(9)));
  }
  const Status s = open_error();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_THAT(s.message(), HasSubstr("says height 9 but is stored under height 10"));
}

TEST_F(RocksStoreTest, BlockAboveTheLastHeightIsRefusedAtOpen) {
  write_chain(10);
  {
    RawDb raw(path());
    raw.put(Cf::kBlocks, keys::block(11), raw.get(Cf::kBlocks, keys::block(10)));
  }
  const Status s = open_error();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_THAT(s.message(),
              AllOf(HasSubstr("key 68000000000000000b"), HasSubstr("stored above the last height")));
}

TEST_F(RocksStoreTest, MissingChainMetadataWithBlocksIsRefusedAtOpen) {
  write_chain(3);
  {
    RawDb raw(path());
    raw.erase(Cf::kBlocks, keys::chain_meta());
  }
  const Status s = open_error();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_THAT(s.message(),
              AllOf(HasSubstr("key 63 (chain metadata): missing"), HasSubstr("block at height 1")));
}

TEST_F(RocksStoreTest, MissingCertificateOrHashIndexIsRefusedAtOpen) {
  write_chain(5);
  std::string certificate;
  {
    RawDb raw(path());
    certificate = raw.get(Cf::kCerts, keys::certificate(4));
    raw.erase(Cf::kCerts, keys::certificate(4));
  }
  EXPECT_THAT(open_error().message(), AllOf(HasSubstr("column family 'certs'"), HasSubstr("missing")));
  {
    RawDb raw(path());
    raw.put(Cf::kCerts, keys::certificate(4), certificate);
    raw.erase(Cf::kBlocks, keys::block_hash(make_block(5).block_hash));
  }
  EXPECT_THAT(open_error().message(), AllOf(HasSubstr("block hash index"), HasSubstr("missing")));
}

TEST_F(RocksStoreTest, CorruptLatestSnapshotIsRefusedAtOpen) {
  write_chain(4);
  {
    RawDb raw(path());
    raw.put(Cf::kSnapshots, keys::snapshot_data(4),
            flip_last_byte(raw.get(Cf::kSnapshots, keys::snapshot_data(4))));
  }
  const Status s = open_error();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_THAT(s.message(), AllOf(HasSubstr("column family 'snapshots'"), HasSubstr("snapshot at height 4")));
}

TEST_F(RocksStoreTest, CorruptWalRecordIsRefusedAtOpen) {
  write_chain(2);
  {
    RawDb raw(path());
    const std::string key = keys::wal_entry(3, 1);
    raw.put(Cf::kWal, key, flip_last_byte(raw.get(Cf::kWal, key)));
  }
  const Status s = open_error();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_THAT(s.message(), AllOf(HasSubstr("column family 'wal'"), HasSubstr("sequence 1")));
}

TEST_F(RocksStoreTest, CorruptRecordsOutsideTheOpenChecksFailTheirReads) {
  write_chain(3);
  {
    RawDb raw(path());
    const std::string tx = keys::tx(tx_hash(1, 0));
    raw.put(Cf::kTxIndex, tx, flip_last_byte(raw.get(Cf::kTxIndex, tx)));
    raw.put(Cf::kMeta, "node", "junk");
  }
  std::unique_ptr<RocksStore> store = open_ok();
  ASSERT_NE(store, nullptr);
  const Status tx = store->find_tx(tx_hash(1, 0)).status();
  EXPECT_EQ(tx.code(), StatusCode::kCorruption);
  EXPECT_THAT(tx.message(), AllOf(HasSubstr("column family 'tx_index'"), HasSubstr(tx_hash(1, 0).hex())));
  const Status meta = store->get(Column::kMeta, "node").status();
  EXPECT_EQ(meta.code(), StatusCode::kCorruption);
  EXPECT_THAT(meta.message(),
              AllOf(HasSubstr("column family 'meta', key \"node\""), HasSubstr("truncated record")));
  // A block whose tx index entry is damaged cannot be indexed over it.
  BlockRecord again = make_block(4);
  again.tx_hashes[0] = tx_hash(1, 0);
  EXPECT_EQ(store->put_block(again).code(), StatusCode::kCorruption);
  EXPECT_EQ(store->last_height(), 3u);
}

TEST_F(RocksStoreTest, OnlyTheNewestBlocksAreCheckedAtOpen) {
  write_chain(30);
  {
    RawDb raw(path());
    raw.put(Cf::kBlocks, keys::block(2), flip_last_byte(raw.get(Cf::kBlocks, keys::block(2))));
  }
  RocksStoreOptions options;
  options.store.open_check_blocks = 4;
  std::unique_ptr<RocksStore> store = open_ok(options);
  ASSERT_NE(store, nullptr);
  const Status s = store->block_at(2).status();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_THAT(s.message(), HasSubstr("block at height 2"));
  store.reset();
  options.store.open_check_blocks = 29;
  EXPECT_EQ(open_error(options).code(), StatusCode::kCorruption);
}

TEST_F(RocksStoreTest, FlippedBytesInsideTableFilesAreCorruption) {
  write_chain(8);
  {
    RawDb raw(path());
    raw.flush_all();  // move everything from RocksDB's log into table files
  }
  int flipped = 0;
  for (const auto& entry : std::filesystem::directory_iterator(path())) {
    if (entry.path().extension() != ".sst") continue;
    std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    const auto middle = static_cast<std::streamoff>(entry.file_size() / 2);
    char byte = 0;
    file.seekg(middle);
    file.get(byte);
    file.seekp(middle);
    file.put(static_cast<char>(byte ^ 0x5a));
    ++flipped;
  }
  ASSERT_GT(flipped, 0);
  // Either open's checks or a later read hits a damaged table; nothing is
  // ever returned from one.
  Result<std::unique_ptr<RocksStore>> store = RocksStore::open(path());
  if (!store.is_ok()) {
    EXPECT_EQ(store.status().code(), StatusCode::kCorruption) << store.status().to_string();
    return;
  }
  bool detected = false;
  for (std::uint64_t h = 1; h <= 8; ++h) {
    const Result<StoredBlock> block = (*store)->block_at(h);
    if (block.is_ok()) {
      EXPECT_EQ(block->block, make_block(h).block);
      continue;
    }
    EXPECT_EQ(block.status().code(), StatusCode::kCorruption) << block.status().to_string();
    detected = true;
  }
  EXPECT_TRUE(detected);
}

TEST_F(RocksStoreTest, UnknownColumnFamilyIsRefused) {
  write_chain(1);
  {
    RawDb raw(path());
    raw.create_column_family("from_the_future");
  }
  const Status s = open_error();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("'from_the_future'"));
}

TEST_F(RocksStoreTest, SecondOpenOfTheSameDatabaseFails) {
  std::unique_ptr<RocksStore> first = open_ok();
  ASSERT_NE(first, nullptr);
  const Status s = open_error();
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_THAT(s.message(), HasSubstr("LOCK"));
}

TEST_F(RocksStoreTest, MissingDatabaseWithoutCreateIfMissingFails) {
  RocksStoreOptions options;
  options.create_if_missing = false;
  const Status s = open_error(options);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("no database at " + path()));
  EXPECT_FALSE(std::filesystem::exists(path()));
  // An existing directory without a database is refused by RocksDB itself.
  std::filesystem::create_directories(path());
  EXPECT_EQ(open_error(options).code(), StatusCode::kInvalidArgument);
}

TEST_F(RocksStoreTest, CreatesMissingParentDirectories) {
  Result<std::unique_ptr<RocksStore>> store = RocksStore::open(dir_.file("a/b/db"));
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  EXPECT_EQ((*store)->path(), dir_.file("a/b/db"));
}

// The nice values of this process's threads whose name starts with `prefix`.
std::vector<int> thread_nice_values(std::string_view prefix) {
  std::vector<int> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (!name.starts_with(prefix)) continue;
    std::ifstream stat_file(task.path() / "stat");
    std::string stat;
    std::getline(stat_file, stat);
    // After the name's closing parenthesis: state is field 3, nice field 19.
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 19 && fields >> field; ++i) {
      if (i == 19) out.push_back(std::stoi(field));
    }
  }
  return out;
}

// The nice values of RocksDB's flush threads after 20 snapshots of 256 KiB
// into 1 MiB memtables: a pool thread takes the pool's priority when it
// starts a job, and these writes need several flushes.
std::vector<int> flush_thread_nice_after_flushes(RocksStore& store) {
  SnapshotRecord snapshot = make_snapshot(1);
  snapshot.state.assign(256 << 10, 0x5a);
  for (std::uint64_t h = 1; h <= 20; ++h) {
    snapshot.height = h;
    EXPECT_TRUE(store.put_snapshot(snapshot, 2).is_ok());
  }
  return thread_nice_values("rocksdb:high");
}

TEST_F(RocksStoreTest, FlushThreadsRunAtLowCpuPriorityByDefault) {
  RocksStoreOptions options;
  options.write_buffer_bytes = std::size_t{1} << 20;
  std::unique_ptr<RocksStore> store = open_ok(options);
  ASSERT_NE(store, nullptr);
  const std::vector<int> nice = flush_thread_nice_after_flushes(*store);
  EXPECT_FALSE(nice.empty());
  EXPECT_THAT(nice, ::testing::Each(19));
}

TEST_F(RocksStoreTest, FlushThreadsKeepTheirPriorityWhenAskedForNormal) {
  RocksStoreOptions options;
  options.write_buffer_bytes = std::size_t{1} << 20;
  options.background_cpu_priority = BackgroundCpuPriority::kNormal;
  // RocksDB's pools are per process and are only ever lowered (ctest runs
  // each test in a process of its own; a whole-binary run may not).
  const std::vector<int> before = thread_nice_values("rocksdb:high");
  if (std::find(before.begin(), before.end(), 19) != before.end()) {
    GTEST_SKIP() << "an earlier test in this process lowered RocksDB's flush threads";
  }
  std::unique_ptr<RocksStore> store = open_ok(options);
  ASSERT_NE(store, nullptr);
  const std::vector<int> nice = flush_thread_nice_after_flushes(*store);
  EXPECT_FALSE(nice.empty());
  EXPECT_THAT(nice, ::testing::Each(::testing::Ne(19)));
}

TEST_F(RocksStoreTest, InvalidOptionsAreRejectedNamingTheField) {
  RocksStoreOptions options;
  options.max_open_files = 5;
  EXPECT_THAT(open_error(options).message(), HasSubstr("max_open_files: 5"));
  options = {};
  options.db_write_buffer_bytes = options.write_buffer_bytes - 1;
  EXPECT_THAT(open_error(options).message(), HasSubstr("db_write_buffer_bytes"));
  options = {};
  options.max_background_jobs = 0;
  EXPECT_THAT(open_error(options).message(), HasSubstr("max_background_jobs"));
  EXPECT_EQ(RocksStore::open("").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(RocksStoreTest, SyncPolicyAlwaysStillReadsBack) {
  RocksStoreOptions options;
  options.store.sync_policy = SyncPolicy::kAlways;
  std::unique_ptr<RocksStore> store = open_ok(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->put(Column::kSettlement, "nonce", to_bytes("7"), false).is_ok());
  ASSERT_TRUE(store->wal_append(1, to_bytes("v"), false).is_ok());
  store.reset();
  store = open_ok(options);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->get(Column::kSettlement, "nonce"), to_bytes("7"));
  EXPECT_EQ(store->wal_read_all()->size(), 1u);
}

}  // namespace
}  // namespace replex::storage
