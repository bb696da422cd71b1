// MemoryStore's crash model and fault injection: a crash loses exactly the
// unsynced writes, a damaged record is found on reopen, and injected I/O
// errors surface as Status without changing what is stored.
#include "replex/storage/memory_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store_builders.hpp"

namespace replex::storage {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::make_block;
using testing::make_snapshot;

class MemoryStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<MemoryStore> open_ok(const StoreOptions& options = {}) {
    Result<std::unique_ptr<MemoryStore>> store = MemoryStore::open(disk_, options);
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    return store.is_ok() ? std::move(store).value() : nullptr;
  }

  std::shared_ptr<MemoryDisk> disk_ = std::make_shared<MemoryDisk>();
};

std::vector<Bytes> wal_records(const Store& store) {
  const Result<std::vector<WalEntry>> entries = store.wal_read_all();
  EXPECT_TRUE(entries.is_ok()) << entries.status().to_string();
  std::vector<Bytes> out;
  if (!entries.is_ok()) return out;
  for (const WalEntry& e : *entries) out.push_back(e.record);
  return out;
}

TEST_F(MemoryStoreTest, CrashLosesExactlyTheUnsyncedWrites) {
  std::unique_ptr<MemoryStore> store = open_ok();
  ASSERT_TRUE(store->put(Column::kMeta, "a", to_bytes("1"), false).is_ok());
  ASSERT_TRUE(store->wal_append(1, to_bytes("w1"), false).is_ok());
  // A synced write makes every earlier write durable too.
  ASSERT_TRUE(store->put(Column::kMeta, "b", to_bytes("2"), true).is_ok());
  EXPECT_EQ(disk_->unsynced_changes(), 0u);

  ASSERT_TRUE(store->put(Column::kMeta, "c", to_bytes("3"), false).is_ok());
  ASSERT_TRUE(store->put(Column::kMeta, "a", to_bytes("overwritten"), false).is_ok());
  ASSERT_TRUE(store->erase(Column::kMeta, "b", false).is_ok());
  ASSERT_TRUE(store->wal_append(1, to_bytes("w2"), false).is_ok());
  ASSERT_TRUE(store->put(Column::kSettlement, "s", to_bytes("4"), false).is_ok());
  EXPECT_EQ(disk_->unsynced_changes(), 5u);

  store.reset();
  EXPECT_EQ(disk_->crash(), std::nullopt);
  store = open_ok();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->get(Column::kMeta, "a"), to_bytes("1"));
  EXPECT_EQ(*store->get(Column::kMeta, "b"), to_bytes("2"));
  EXPECT_EQ(store->get(Column::kMeta, "c").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->get(Column::kSettlement, "s").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(wal_records(*store), std::vector<Bytes>{to_bytes("w1")});
  EXPECT_EQ(disk_->unsynced_changes(), 0u);
  // The lost record's sequence is handed out again: it was never durable.
  EXPECT_EQ(*store->wal_append(2, to_bytes("w3"), true), 2u);
}

TEST_F(MemoryStoreTest, SyncMakesPendingWritesDurable) {
  std::unique_ptr<MemoryStore> store = open_ok();
  ASSERT_TRUE(store->put(Column::kMeta, "a", to_bytes("1"), false).is_ok());
  ASSERT_TRUE(store->sync().is_ok());
  store.reset();
  disk_->crash();
  store = open_ok();
  EXPECT_EQ(*store->get(Column::kMeta, "a"), to_bytes("1"));
}

TEST_F(MemoryStoreTest, ReopenWithoutCrashKeepsUnsyncedWritesLikeKillNine) {
  std::unique_ptr<MemoryStore> store = open_ok();
  ASSERT_TRUE(store->put(Column::kMeta, "a", to_bytes("1"), false).is_ok());
  store.reset();
  store = open_ok();
  EXPECT_EQ(*store->get(Column::kMeta, "a"), to_bytes("1"));
  EXPECT_EQ(disk_->unsynced_changes(), 1u);
}

TEST_F(MemoryStoreTest, BlocksSnapshotsResetsAndTruncationsAreAlwaysSynced) {
  std::unique_ptr<MemoryStore> store = open_ok();
  for (std::uint64_t h = 1; h <= 3; ++h) ASSERT_TRUE(store->put_block(make_block(h)).is_ok());
  ASSERT_TRUE(store->put_snapshot(make_snapshot(10), 2).is_ok());
  ASSERT_TRUE(store->wal_append(1, to_bytes("old"), false).is_ok());
  ASSERT_TRUE(store->wal_truncate_below(2).is_ok());
  ASSERT_TRUE(store->reset_chain_to(10).is_ok());
  EXPECT_EQ(disk_->unsynced_changes(), 0u);
  store.reset();
  disk_->crash();
  store = open_ok();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->last_height(), 10u);
  EXPECT_EQ(store->latest_snapshot()->height, 10u);
  EXPECT_TRUE(store->wal_read_all()->empty());
}

TEST_F(MemoryStoreTest, SyncPolicyAlwaysSyncsEveryWrite) {
  StoreOptions options;
  options.sync_policy = SyncPolicy::kAlways;
  std::unique_ptr<MemoryStore> store = open_ok(options);
  ASSERT_TRUE(store->put(Column::kMeta, "a", to_bytes("1"), false).is_ok());
  ASSERT_TRUE(store->wal_append(1, to_bytes("w"), false).is_ok());
  EXPECT_EQ(disk_->unsynced_changes(), 0u);
  store.reset();
  disk_->crash();
  store = open_ok(options);
  EXPECT_EQ(*store->get(Column::kMeta, "a"), to_bytes("1"));
  EXPECT_EQ(store->wal_read_all()->size(), 1u);
}

TEST_F(MemoryStoreTest, TornChainMetadataMakesOpenRefuseTheStore) {
  std::unique_ptr<MemoryStore> store = open_ok();
  for (std::uint64_t h = 1; h <= 3; ++h) ASSERT_TRUE(store->put_block(make_block(h)).is_ok());
  store.reset();
  const std::optional<std::string> damage = disk_->crash({CrashFault::Kind::kTornRecord, 12345});
  ASSERT_TRUE(damage.has_value());
  EXPECT_THAT(*damage, AllOf(HasSubstr("chain metadata"), HasSubstr("torn to")));
  const Status s = MemoryStore::open(disk_).status();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_THAT(s.message(), AllOf(HasSubstr("column family 'blocks'"), HasSubstr("key 63 (chain metadata)")));
}

TEST_F(MemoryStoreTest, FlippedBitInTheNewestWalRecordMakesOpenRefuse) {
  std::unique_ptr<MemoryStore> store = open_ok();
  ASSERT_TRUE(store->put_block(make_block(1)).is_ok());
  ASSERT_TRUE(store->wal_append(2, to_bytes("prepare"), true).is_ok());
  ASSERT_TRUE(store->wal_append(2, to_bytes("commit, unsynced"), false).is_ok());
  store.reset();
  // The unsynced record is gone; the synced one is the newest survivor.
  const std::optional<std::string> damage = disk_->crash({CrashFault::Kind::kFlippedBit, 99});
  ASSERT_TRUE(damage.has_value());
  EXPECT_THAT(*damage, HasSubstr("sequence 1"));
  const Status s = MemoryStore::open(disk_).status();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_THAT(s.message(), AllOf(HasSubstr("column family 'wal'"), HasSubstr("sequence 1")));
}

TEST_F(MemoryStoreTest, DamageToARecordOutsideTheOpenChecksFailsItsRead) {
  std::unique_ptr<MemoryStore> store = open_ok();
  ASSERT_TRUE(store->put(Column::kSettlement, "batch/7", to_bytes("signatures"), true).is_ok());
  store.reset();
  ASSERT_TRUE(disk_->crash({CrashFault::Kind::kFlippedBit, 3}).has_value());
  store = open_ok();
  ASSERT_NE(store, nullptr);
  const Status s = store->get(Column::kSettlement, "batch/7").status();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_THAT(s.message(), HasSubstr("column family 'settlement', key \"batch/7\""));
}

TEST_F(MemoryStoreTest, CrashFaultsAreDeterministic) {
  auto run = [](std::uint64_t seed) {
    auto disk = std::make_shared<MemoryDisk>();
    {
      std::unique_ptr<MemoryStore> store = MemoryStore::open(disk).value();
      for (std::uint64_t h = 1; h <= 4; ++h) EXPECT_TRUE(store->put_block(make_block(h)).is_ok());
    }
    const std::optional<std::string> damage = disk->crash({CrashFault::Kind::kFlippedBit, seed});
    return damage.value_or("") + " | " + MemoryStore::open(disk).status().to_string();
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

TEST_F(MemoryStoreTest, CrashWithNothingWrittenDamagesNothing) {
  EXPECT_EQ(disk_->crash({CrashFault::Kind::kTornRecord, 1}), std::nullopt);
  EXPECT_NE(open_ok(), nullptr);
}

TEST_F(MemoryStoreTest, InjectedWriteFailureChangesNothing) {
  std::unique_ptr<MemoryStore> store = open_ok();
  ASSERT_TRUE(store->put_block(make_block(1)).is_ok());  // write #1
  disk_->set_fault_policy(fail_nth(IoKind::kWrite, 2));
  const Status s = store->put_block(make_block(2));
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_THAT(s.message(),
              AllOf(HasSubstr("put_block(2)"), HasSubstr("injected I/O error (write request #2)")));
  EXPECT_EQ(store->last_height(), 1u);
  EXPECT_EQ(store->block_at(2).status().code(), StatusCode::kNotFound);
  // The next attempt is write #3 and succeeds.
  ASSERT_TRUE(store->put_block(make_block(2)).is_ok());
  EXPECT_EQ(store->last_height(), 2u);
}

TEST_F(MemoryStoreTest, InjectedWalWriteFailureDoesNotConsumeASequence) {
  std::unique_ptr<MemoryStore> store = open_ok();
  disk_->set_fault_policy(fail_nth(IoKind::kWrite, 1));
  EXPECT_EQ(store->wal_append(1, to_bytes("v"), true).status().code(), StatusCode::kIoError);
  EXPECT_EQ(*store->wal_append(1, to_bytes("v"), true), 1u);
}

TEST_F(MemoryStoreTest, InjectedReadAndSyncFailuresSurfaceAsStatus) {
  std::unique_ptr<MemoryStore> store = open_ok();
  ASSERT_TRUE(store->put_block(make_block(1)).is_ok());
  ASSERT_TRUE(store->put(Column::kMeta, "a", to_bytes("1"), false).is_ok());

  disk_->set_fault_policy(fail_from(IoKind::kRead, 1));
  EXPECT_EQ(store->block_at(1).status().code(), StatusCode::kIoError);
  EXPECT_EQ(store->find_tx(testing::tx_hash(1, 0)).status().code(), StatusCode::kIoError);
  EXPECT_EQ(store->wal_read_all().status().code(), StatusCode::kIoError);

  disk_->set_fault_policy(fail_nth(IoKind::kSync, 1));
  EXPECT_EQ(store->sync().code(), StatusCode::kIoError);
  EXPECT_EQ(disk_->unsynced_changes(), 1u);  // still pending
  EXPECT_TRUE(store->sync().is_ok());
  EXPECT_EQ(disk_->unsynced_changes(), 0u);

  disk_->set_fault_policy({});
  EXPECT_TRUE(store->block_at(1).is_ok());
}

TEST_F(MemoryStoreTest, InjectedReadFailureDuringOpenFailsTheOpen) {
  disk_->set_fault_policy(fail_from(IoKind::kRead, 1));
  EXPECT_EQ(MemoryStore::open(disk_).status().code(), StatusCode::kIoError);
  disk_->set_fault_policy({});
  EXPECT_NE(open_ok(), nullptr);  // the failed open released the disk
}

TEST_F(MemoryStoreTest, OneStorePerDisk) {
  std::unique_ptr<MemoryStore> first = open_ok();
  const Status second = MemoryStore::open(disk_).status();
  EXPECT_EQ(second.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.message(), HasSubstr("another store is open"));
  first.reset();
  EXPECT_NE(open_ok(), nullptr);
  EXPECT_EQ(MemoryStore::open(nullptr).status().code(), StatusCode::kInvalidArgument);
}

TEST(MemoryDiskDeathTest, CrashWhileAStoreIsOpenIsABug) {
  auto disk = std::make_shared<MemoryDisk>();
  std::unique_ptr<MemoryStore> store = MemoryStore::open(disk).value();
  EXPECT_DEATH(disk->crash(), "destroy the store first");
}

}  // namespace
}  // namespace replex::storage
