// The Store contract (include/replex/storage/store.hpp), run against every
// implementation: RocksStore on a temp directory and MemoryStore on a
// MemoryDisk. "Reopen" closes the store and opens a new one on the same
// directory or disk, as a restarted process would.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "replex/storage/memory_store.hpp"
#include "replex/storage/rocks_store.hpp"
#include "store_builders.hpp"
#include "support/temp_dir.hpp"

namespace replex::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::make_block;
using testing::make_snapshot;
using testing::tx_hash;

class RocksHarness {
 public:
  static constexpr const char* kName = "Rocks";
  Result<std::unique_ptr<Store>> open(const StoreOptions& options) {
    RocksStoreOptions rocks;
    rocks.store = options;
    Result<std::unique_ptr<RocksStore>> store = RocksStore::open(dir_.file("db"), rocks);
    if (!store.is_ok()) return store.status();
    return std::unique_ptr<Store>(std::move(store).value());
  }

 private:
  replex::testing::TempDir dir_;
};

class MemoryHarness {
 public:
  static constexpr const char* kName = "Memory";
  Result<std::unique_ptr<Store>> open(const StoreOptions& options) {
    Result<std::unique_ptr<MemoryStore>> store = MemoryStore::open(disk_, options);
    if (!store.is_ok()) return store.status();
    return std::unique_ptr<Store>(std::move(store).value());
  }

 private:
  std::shared_ptr<MemoryDisk> disk_ = std::make_shared<MemoryDisk>();
};

template <typename Harness>
class StoreContractTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  // Closes the current store (if any) and opens a new one on the same medium.
  void reopen(const StoreOptions& options = {}) {
    store_.reset();
    Result<std::unique_ptr<Store>> opened = harness_.open(options);
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    store_ = std::move(opened).value();
  }

  Store& store() { return *store_; }

  void put_blocks(std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t h = from; h <= to; ++h) {
      const Status s = store().put_block(make_block(h));
      ASSERT_TRUE(s.is_ok()) << s.to_string();
    }
  }

  Harness harness_;  // declared first: outlives the store opened on it
  std::unique_ptr<Store> store_;
};

struct HarnessNames {
  template <typename Harness>
  static std::string GetName(int) {
    return Harness::kName;
  }
};

using Implementations = ::testing::Types<RocksHarness, MemoryHarness>;
TYPED_TEST_SUITE(StoreContractTest, Implementations, HarnessNames);

void expect_block_equals(const StoredBlock& got, const BlockRecord& want) {
  EXPECT_EQ(got.height, want.height);
  EXPECT_EQ(got.block_hash, want.block_hash);
  EXPECT_EQ(got.app_hash, want.app_hash);
  EXPECT_EQ(got.block, want.block);
  EXPECT_EQ(got.certificate, want.certificate);
}

// --- blocks ----------------------------------------------------------------------

TYPED_TEST(StoreContractTest, FreshStoreIsEmpty) {
  EXPECT_EQ(this->store().last_height(), 0u);
  EXPECT_EQ(this->store().first_height(), 0u);
  EXPECT_EQ(this->store().block_at(1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(this->store().latest_snapshot().status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(this->store().snapshot_heights().is_ok());
  EXPECT_TRUE(this->store().snapshot_heights()->empty());
  ASSERT_TRUE(this->store().wal_read_all().is_ok());
  EXPECT_TRUE(this->store().wal_read_all()->empty());
  EXPECT_EQ(this->store().get(Column::kMeta, "k").status().code(), StatusCode::kNotFound);
}

TYPED_TEST(StoreContractTest, BlocksReadBackByHeightAndHash) {
  this->put_blocks(1, 3);
  EXPECT_EQ(this->store().last_height(), 3u);
  EXPECT_EQ(this->store().first_height(), 1u);
  for (std::uint64_t h = 1; h <= 3; ++h) {
    const Result<StoredBlock> got = this->store().block_at(h);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    expect_block_equals(*got, make_block(h));
    const Result<std::uint64_t> by_hash = this->store().height_of(make_block(h).block_hash);
    ASSERT_TRUE(by_hash.is_ok()) << by_hash.status().to_string();
    EXPECT_EQ(*by_hash, h);
  }
  const Result<StoredBlock> absent = this->store().block_at(4);
  EXPECT_EQ(absent.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(absent.status().message(), HasSubstr("stored heights: 1..3"));
  EXPECT_EQ(this->store().height_of(sha256("unknown")).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(StoreContractTest, FindTxReportsHeightIndexAndCode) {
  this->put_blocks(1, 2);
  const Result<TxLocation> loc = this->store().find_tx(tx_hash(2, 1));
  ASSERT_TRUE(loc.is_ok()) << loc.status().to_string();
  EXPECT_EQ(loc->height, 2u);
  EXPECT_EQ(loc->index, 1u);
  EXPECT_EQ(loc->code, make_block(2).tx_codes[1]);
  EXPECT_EQ(this->store().find_tx(tx_hash(3, 0)).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(StoreContractTest, RefusesHeightsThatDoNotExtendTheChain) {
  this->put_blocks(1, 1);
  for (std::uint64_t bad : {0u, 1u, 3u}) {
    const Status s = this->store().put_block(make_block(bad, 3, "other"));
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << bad;
    EXPECT_THAT(s.message(), HasSubstr("expected 2"));
  }
  EXPECT_EQ(this->store().last_height(), 1u);
  EXPECT_EQ(this->store().block_at(3).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(this->store().find_tx(tx_hash(3, 0)).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(StoreContractTest, RefusesABlockHashStoredAtAnotherHeight) {
  this->put_blocks(1, 1);
  BlockRecord copy = make_block(2);
  copy.block_hash = make_block(1).block_hash;
  const Status s = this->store().put_block(copy);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("already stored at height 1"));
  EXPECT_EQ(this->store().last_height(), 1u);
  EXPECT_EQ(this->store().find_tx(tx_hash(2, 0)).status().code(), StatusCode::kNotFound);
}

TYPED_TEST(StoreContractTest, RejectsMalformedBlockRecordsNamingTheField) {
  BlockRecord mismatched = make_block(1);
  mismatched.tx_codes.pop_back();
  EXPECT_EQ(this->store().put_block(mismatched).code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(this->store().put_block(mismatched).message(),
              HasSubstr("tx_codes: 2 entries for 3 tx_hashes"));

  BlockRecord empty = make_block(1);
  empty.block.clear();
  EXPECT_THAT(this->store().put_block(empty).message(), HasSubstr("block: empty"));

  BlockRecord zero = make_block(1);
  zero.block_hash = Hash256{};
  EXPECT_THAT(this->store().put_block(zero).message(), HasSubstr("block_hash: all zero"));
  EXPECT_EQ(this->store().last_height(), 0u);
}

TYPED_TEST(StoreContractTest, ARepeatedTxKeepsItsAppliedOccurrence) {
  const Hash256 applied_first = sha256("applied first");
  const Hash256 rejected_first = sha256("rejected first");
  const Hash256 twice_in_block = sha256("twice in one block");
  BlockRecord b1 = make_block(1, 0);
  b1.tx_hashes = {applied_first, rejected_first};
  b1.tx_codes = {0, 7};
  BlockRecord b2 = make_block(2, 0);
  b2.tx_hashes = {rejected_first, applied_first, twice_in_block, twice_in_block};
  b2.tx_codes = {0, 9, 0, 9};
  ASSERT_TRUE(this->store().put_block(b1).is_ok());
  ASSERT_TRUE(this->store().put_block(b2).is_ok());

  const TxLocation a = *this->store().find_tx(applied_first);
  EXPECT_EQ(a.height, 1u);
  EXPECT_EQ(a.code, 0u);
  const TxLocation r = *this->store().find_tx(rejected_first);
  EXPECT_EQ(r.height, 2u);
  EXPECT_EQ(r.index, 0u);
  EXPECT_EQ(r.code, 0u);
  const TxLocation t = *this->store().find_tx(twice_in_block);
  EXPECT_EQ(t.index, 2u);
  EXPECT_EQ(t.code, 0u);
}

TYPED_TEST(StoreContractTest, RejectsRecordsAboveRecordBytesMax) {
  StoreOptions small;
  small.max_record_bytes = 256;
  this->reopen(small);
  BlockRecord big = make_block(1);
  big.block.assign(300, 0xab);
  const Status s = this->store().put_block(big);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("exceeds max_record_bytes 256"));
  EXPECT_EQ(this->store().put(Column::kMeta, "k", Bytes(257, 1), false).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(this->store().wal_append(1, Bytes(300, 1), false).status().code(), StatusCode::kInvalidArgument);
  SnapshotRecord snap = make_snapshot(1);
  snap.state.assign(300, 1);
  EXPECT_EQ(this->store().put_snapshot(snap, 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(this->store().last_height(), 0u);
}

// --- snapshots and state transfer -----------------------------------------------------

TYPED_TEST(StoreContractTest, SnapshotsKeepTheNewest) {
  for (std::uint64_t h : {10u, 20u, 30u}) {
    ASSERT_TRUE(this->store().put_snapshot(make_snapshot(h), 2).is_ok());
  }
  EXPECT_THAT(*this->store().snapshot_heights(), ElementsAre(20u, 30u));
  EXPECT_EQ(this->store().snapshot_at(10).status().code(), StatusCode::kNotFound);

  const Result<SnapshotRecord> latest = this->store().latest_snapshot();
  ASSERT_TRUE(latest.is_ok()) << latest.status().to_string();
  EXPECT_EQ(latest->height, 30u);
  EXPECT_EQ(latest->state, make_snapshot(30).state);
  EXPECT_EQ(latest->proof, make_snapshot(30).proof);
  EXPECT_EQ(this->store().snapshot_at(20)->state, make_snapshot(20).state);

  // Older than both kept snapshots: not retained.
  ASSERT_TRUE(this->store().put_snapshot(make_snapshot(5), 2).is_ok());
  EXPECT_THAT(*this->store().snapshot_heights(), ElementsAre(20u, 30u));
  // Same height: replaced.
  ASSERT_TRUE(this->store().put_snapshot(make_snapshot(30, "again "), 2).is_ok());
  EXPECT_EQ(this->store().latest_snapshot()->state, make_snapshot(30, "again ").state);
  // A smaller keep prunes on the next put.
  ASSERT_TRUE(this->store().put_snapshot(make_snapshot(40), 1).is_ok());
  EXPECT_THAT(*this->store().snapshot_heights(), ElementsAre(40u));

  const Status zero = this->store().put_snapshot(make_snapshot(50), 0);
  EXPECT_EQ(zero.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(zero.message(), HasSubstr("keep: 0"));
}

TYPED_TEST(StoreContractTest, SnapshotProofIsReplacedWithoutTheState) {
  ASSERT_TRUE(this->store().put_snapshot(make_snapshot(10), 2).is_ok());
  const Bytes proven = to_bytes("proof with a quorum of checkpoints");
  ASSERT_TRUE(this->store().put_snapshot_proof(10, proven).is_ok());
  EXPECT_EQ(this->store().snapshot_at(10)->proof, proven);
  EXPECT_EQ(this->store().snapshot_at(10)->state, make_snapshot(10).state);
  EXPECT_EQ(this->store().latest_snapshot()->proof, proven);
  this->reopen();  // durable, and the open-time check agrees with the index entry
  EXPECT_EQ(this->store().snapshot_at(10)->proof, proven);

  const Status missing = this->store().put_snapshot_proof(11, proven);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("put_snapshot_proof"));

  // A snapshot put again at the height brings its own proof.
  ASSERT_TRUE(this->store().put_snapshot(make_snapshot(10, "again "), 2).is_ok());
  EXPECT_EQ(this->store().snapshot_at(10)->proof, make_snapshot(10, "again ").proof);
  // A pruned snapshot's proof goes with it: a new snapshot at its height has only its own.
  ASSERT_TRUE(this->store().put_snapshot_proof(10, proven).is_ok());
  for (std::uint64_t h : {20u, 30u}) ASSERT_TRUE(this->store().put_snapshot(make_snapshot(h), 2).is_ok());
  EXPECT_EQ(this->store().snapshot_at(10).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(this->store().put_snapshot(make_snapshot(10), 3).is_ok());
  EXPECT_EQ(this->store().snapshot_at(10)->proof, make_snapshot(10).proof);
}

TYPED_TEST(StoreContractTest, ResetChainToRestartsTheChainAfterASnapshot) {
  this->put_blocks(1, 3);
  ASSERT_TRUE(this->store().put_snapshot(make_snapshot(100), 2).is_ok());
  const Status reset = this->store().reset_chain_to(100);
  ASSERT_TRUE(reset.is_ok()) << reset.to_string();
  EXPECT_EQ(this->store().last_height(), 100u);
  EXPECT_EQ(this->store().first_height(), 0u);
  EXPECT_EQ(this->store().block_at(2).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(this->store().height_of(make_block(2).block_hash).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(this->store().find_tx(tx_hash(2, 0)).status().code(), StatusCode::kNotFound);

  EXPECT_EQ(this->store().put_block(make_block(4)).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(this->store().put_block(make_block(101)).is_ok());
  EXPECT_EQ(this->store().first_height(), 101u);
  EXPECT_EQ(this->store().last_height(), 101u);
  // A dropped block's hash no longer counts as stored.
  BlockRecord reused = make_block(102);
  reused.block_hash = make_block(2).block_hash;
  ASSERT_TRUE(this->store().put_block(reused).is_ok());

  this->reopen();
  EXPECT_EQ(this->store().first_height(), 101u);
  EXPECT_EQ(this->store().last_height(), 102u);
  expect_block_equals(*this->store().block_at(102), reused);
  EXPECT_EQ(*this->store().height_of(reused.block_hash), 102u);
}

TYPED_TEST(StoreContractTest, BlockEventsAreStoredWithTheBlockAndDroppedWithIt) {
  BlockRecord with_events = make_block(1);
  with_events.events = to_bytes("canonical events of block 1");
  ASSERT_TRUE(this->store().put_block(with_events).is_ok());
  ASSERT_TRUE(this->store().put_block(make_block(2)).is_ok());  // no events to store
  EXPECT_EQ(*this->store().events_at(1), with_events.events);
  EXPECT_EQ(this->store().events_at(2).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(this->store().events_at(3).status().code(), StatusCode::kNotFound);
  this->reopen();
  EXPECT_EQ(*this->store().events_at(1), with_events.events);

  ASSERT_TRUE(this->store().put_snapshot(make_snapshot(50), 2).is_ok());
  ASSERT_TRUE(this->store().reset_chain_to(50).is_ok());
  EXPECT_EQ(this->store().events_at(1).status().code(), StatusCode::kNotFound) << "dropped with the chain";
}

TYPED_TEST(StoreContractTest, ResetChainToRefusesWithoutSnapshotOrBelowTheTip) {
  this->put_blocks(1, 5);
  const Status no_snapshot = this->store().reset_chain_to(100);
  EXPECT_EQ(no_snapshot.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(no_snapshot.message(), HasSubstr("no snapshot stored at height 100"));

  ASSERT_TRUE(this->store().put_snapshot(make_snapshot(3), 2).is_ok());
  const Status below = this->store().reset_chain_to(3);
  EXPECT_EQ(below.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(below.message(), HasSubstr("already reaches height 5"));

  // At the tip there is nothing to drop.
  ASSERT_TRUE(this->store().put_snapshot(make_snapshot(5), 2).is_ok());
  ASSERT_TRUE(this->store().reset_chain_to(5).is_ok());
  EXPECT_EQ(this->store().first_height(), 1u);
  EXPECT_EQ(this->store().last_height(), 5u);
  EXPECT_TRUE(this->store().block_at(1).is_ok());
}

// --- write-ahead log ------------------------------------------------------------------

TYPED_TEST(StoreContractTest, WalReadsInSequenceOrderAndTruncatesByHeight) {
  const std::vector<std::uint64_t> heights = {5, 3, 7, 5, 4};
  std::vector<std::uint64_t> sequences;
  for (std::size_t i = 0; i < heights.size(); ++i) {
    const Result<std::uint64_t> seq =
        this->store().wal_append(heights[i], to_bytes("record " + std::to_string(i)), /*sync=*/i % 2 == 0);
    ASSERT_TRUE(seq.is_ok()) << seq.status().to_string();
    sequences.push_back(*seq);
  }
  EXPECT_THAT(sequences, ElementsAre(1u, 2u, 3u, 4u, 5u));

  Result<std::vector<WalEntry>> all = this->store().wal_read_all();
  ASSERT_TRUE(all.is_ok()) << all.status().to_string();
  ASSERT_EQ(all->size(), heights.size());
  for (std::size_t i = 0; i < heights.size(); ++i) {
    EXPECT_EQ((*all)[i].sequence, i + 1);
    EXPECT_EQ((*all)[i].height, heights[i]);
    EXPECT_EQ((*all)[i].record, to_bytes("record " + std::to_string(i)));
  }

  ASSERT_TRUE(this->store().wal_truncate_below(5).is_ok());
  all = this->store().wal_read_all();
  ASSERT_TRUE(all.is_ok());
  std::vector<std::uint64_t> left;
  for (const WalEntry& e : *all) left.push_back(e.sequence);
  EXPECT_THAT(left, ElementsAre(1u, 3u, 4u));
  EXPECT_EQ(*this->store().wal_append(1, to_bytes("late"), true), 6u);
}

TYPED_TEST(StoreContractTest, WalSequencesKeepIncreasingAfterTruncationAndReopen) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(this->store().wal_append(1, to_bytes("r"), true).is_ok());
  ASSERT_TRUE(this->store().wal_truncate_below(2).is_ok());
  EXPECT_TRUE(this->store().wal_read_all()->empty());
  this->reopen();
  EXPECT_EQ(*this->store().wal_append(2, to_bytes("after"), true), 4u);
  this->reopen();
  EXPECT_EQ(*this->store().wal_append(2, to_bytes("again"), true), 5u);
}

// --- opaque columns ---------------------------------------------------------------------

TYPED_TEST(StoreContractTest, MetaAndSettlementAreSeparateKeyValueColumns) {
  ASSERT_TRUE(this->store().put(Column::kMeta, "k", to_bytes("meta value"), true).is_ok());
  ASSERT_TRUE(this->store().put(Column::kSettlement, "k", to_bytes("settlement value"), false).is_ok());
  ASSERT_TRUE(this->store().put(Column::kMeta, "empty", Bytes{}, false).is_ok());
  EXPECT_EQ(*this->store().get(Column::kMeta, "k"), to_bytes("meta value"));
  EXPECT_EQ(*this->store().get(Column::kSettlement, "k"), to_bytes("settlement value"));
  EXPECT_TRUE(this->store().get(Column::kMeta, "empty")->empty());

  ASSERT_TRUE(this->store().put(Column::kMeta, "k", to_bytes("overwritten"), false).is_ok());
  EXPECT_EQ(*this->store().get(Column::kMeta, "k"), to_bytes("overwritten"));
  ASSERT_TRUE(this->store().erase(Column::kMeta, "k", true).is_ok());
  EXPECT_EQ(this->store().get(Column::kMeta, "k").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*this->store().get(Column::kSettlement, "k"), to_bytes("settlement value"));
  EXPECT_TRUE(this->store().erase(Column::kMeta, "never written", false).is_ok());

  // Binary keys, including ones that look like the store's own tags.
  const std::string binary("c\0\xff", 3);
  ASSERT_TRUE(this->store().put(Column::kMeta, binary, to_bytes("x"), false).is_ok());
  EXPECT_EQ(*this->store().get(Column::kMeta, binary), to_bytes("x"));
}

TYPED_TEST(StoreContractTest, RejectsEmptyAndOverlongKeys) {
  const Status empty = this->store().put(Column::kMeta, "", to_bytes("v"), false);
  EXPECT_EQ(empty.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.message(), HasSubstr("key: empty"));
  const std::string long_key(StoreOptions{}.max_key_bytes + 1, 'k');
  const Status overlong = this->store().put(Column::kSettlement, long_key, to_bytes("v"), false);
  EXPECT_EQ(overlong.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(overlong.message(), HasSubstr("exceeds max_key_bytes"));
  EXPECT_EQ(this->store().get(Column::kMeta, "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(this->store().erase(Column::kMeta, "", false).code(), StatusCode::kInvalidArgument);
}

// --- durability across reopen -------------------------------------------------------------

TYPED_TEST(StoreContractTest, ReopenPreservesEverything) {
  this->put_blocks(1, 20);
  ASSERT_TRUE(this->store().put_snapshot(make_snapshot(10), 3).is_ok());
  ASSERT_TRUE(this->store().put_snapshot(make_snapshot(20), 3).is_ok());
  ASSERT_TRUE(this->store().wal_append(21, to_bytes("prepare 21"), false).is_ok());
  ASSERT_TRUE(this->store().wal_append(21, to_bytes("commit 21"), true).is_ok());
  ASSERT_TRUE(this->store().put(Column::kMeta, "node", to_bytes("id"), false).is_ok());
  ASSERT_TRUE(this->store().put(Column::kSettlement, "batch/1", to_bytes("signed"), false).is_ok());
  ASSERT_TRUE(this->store().sync().is_ok());

  this->reopen();
  EXPECT_EQ(this->store().first_height(), 1u);
  EXPECT_EQ(this->store().last_height(), 20u);
  for (std::uint64_t h = 1; h <= 20; ++h) expect_block_equals(*this->store().block_at(h), make_block(h));
  EXPECT_EQ(this->store().find_tx(tx_hash(7, 2))->height, 7u);
  EXPECT_EQ(*this->store().height_of(make_block(13).block_hash), 13u);
  EXPECT_THAT(*this->store().snapshot_heights(), ElementsAre(10u, 20u));
  EXPECT_EQ(this->store().latest_snapshot()->state, make_snapshot(20).state);
  const std::vector<WalEntry> wal = *this->store().wal_read_all();
  ASSERT_EQ(wal.size(), 2u);
  EXPECT_EQ(wal[1].record, to_bytes("commit 21"));
  EXPECT_EQ(*this->store().get(Column::kMeta, "node"), to_bytes("id"));
  EXPECT_EQ(*this->store().get(Column::kSettlement, "batch/1"), to_bytes("signed"));
  // The chain continues where it left off.
  EXPECT_EQ(this->store().put_block(make_block(20, 3, "again")).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(this->store().put_block(make_block(21)).is_ok());
  EXPECT_EQ(*this->store().wal_append(22, to_bytes("next"), true), 3u);
}

TYPED_TEST(StoreContractTest, OpenRejectsInvalidOptionsNamingTheField) {
  this->store_.reset();
  StoreOptions bad;
  bad.open_check_blocks = 0;
  const Result<std::unique_ptr<Store>> opened = this->harness_.open(bad);
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(opened.status().message(), HasSubstr("open_check_blocks"));
  bad = StoreOptions{};
  bad.max_record_bytes = std::uint64_t{1} << 32;
  EXPECT_THAT(this->harness_.open(bad).status().message(), HasSubstr("max_record_bytes"));
}

// --- thread-safety ------------------------------------------------------------------------

TYPED_TEST(StoreContractTest, ReadersSeeWholeBlocksWhileAWriterCommits) {
  constexpr std::uint64_t kBlocks = 60;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::thread writer([&] {
    for (std::uint64_t h = 1; h <= kBlocks; ++h) {
      if (!this->store().put_block(make_block(h)).is_ok()) failures++;
      if (!this->store().wal_append(h, to_bytes("vote"), false).is_ok()) failures++;
    }
    done = true;
  });
  std::thread reader([&] {
    while (!done) {
      const std::uint64_t last = this->store().last_height();
      if (last == 0) continue;
      const Result<StoredBlock> b = this->store().block_at(last);
      if (!b.is_ok() || b->block != make_block(last).block) failures++;
      if (!this->store().find_tx(tx_hash(last, 0)).is_ok()) failures++;
    }
  });
  writer.join();
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(this->store().last_height(), kBlocks);
  EXPECT_EQ(this->store().wal_read_all()->size(), kBlocks);
}

}  // namespace
}  // namespace replex::storage
