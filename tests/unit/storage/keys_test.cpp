// Key layout (docs/wire-formats.md, storage section): byte order is numeric
// order, ranges cover exactly what they claim, and errors can name keys.
#include "keys.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "replex/core/hash.hpp"

namespace replex::storage {
namespace {

using ::testing::HasSubstr;

bool in(const keys::KeyRange& range, const std::string& key) { return range.begin <= key && key < range.end; }

TEST(Keys, HeightsSortNumerically) {
  EXPECT_LT(keys::block(255), keys::block(256));
  EXPECT_LT(keys::block(1), keys::block(UINT64_MAX));
  EXPECT_LT(keys::certificate(0xff), keys::certificate(0x100));
  EXPECT_LT(keys::wal_entry(1, 99), keys::wal_entry(2, 1));
  EXPECT_EQ(to_hex(as_bytes(keys::block(10))), "68000000000000000a");
  EXPECT_EQ(to_hex(as_bytes(keys::wal_entry(1, 2))), "6500000000000000010000000000000002");
}

TEST(Keys, RangesCoverTheirRecordsOnly) {
  EXPECT_TRUE(in(keys::blocks_from(0), keys::block(0)));
  EXPECT_TRUE(in(keys::blocks_from(0), keys::block(UINT64_MAX)));
  EXPECT_FALSE(in(keys::blocks_from(5), keys::block(4)));
  EXPECT_FALSE(in(keys::blocks_from(0), keys::chain_meta()));
  EXPECT_FALSE(in(keys::blocks_from(0), keys::block_hash(sha256("x"))));
  EXPECT_TRUE(in(keys::all_block_hashes(), keys::block_hash(sha256("x"))));
  EXPECT_TRUE(in(keys::all_certificates(), keys::certificate(UINT64_MAX)));
  Hash256 ones;
  ones.bytes.fill(0xff);
  EXPECT_TRUE(in(keys::all_txs(), keys::tx(ones)));
  EXPECT_TRUE(in(keys::all_txs(), keys::tx(Hash256{})));

  const keys::KeyRange below = keys::wal_entries_below(5);
  EXPECT_TRUE(in(below, keys::wal_entry(0, 0)));
  EXPECT_TRUE(in(below, keys::wal_entry(4, UINT64_MAX)));
  EXPECT_FALSE(in(below, keys::wal_entry(5, 0)));
  EXPECT_FALSE(in(keys::all_wal_entries(), keys::wal_floor()));
  EXPECT_FALSE(in(keys::all_snapshot_infos(), keys::snapshot_data(1)));
}

TEST(Keys, ParsersAcceptOnlyTheirShape) {
  EXPECT_EQ(keys::parse_block(keys::block(77)), 77u);
  EXPECT_EQ(keys::parse_block(keys::snapshot_info(77)), std::nullopt);
  EXPECT_EQ(keys::parse_block(keys::block(77).substr(0, 5)), std::nullopt);
  EXPECT_EQ(keys::parse_snapshot_info(keys::snapshot_info(3)), 3u);
  const std::optional<keys::WalKey> wal = keys::parse_wal_entry(keys::wal_entry(6, 8));
  ASSERT_TRUE(wal.has_value());
  EXPECT_EQ(wal->height, 6u);
  EXPECT_EQ(wal->sequence, 8u);
  EXPECT_EQ(keys::parse_wal_entry(keys::wal_floor()), std::nullopt);
}

TEST(Keys, DescribeNamesColumnFamilyKeyAndMeaning) {
  EXPECT_EQ(keys::describe(Cf::kBlocks, keys::block(10)),
            "column family 'blocks', key 68000000000000000a (block at height 10)");
  EXPECT_EQ(
      keys::describe(Cf::kWal, keys::wal_entry(1, 2)),
      "column family 'wal', key 6500000000000000010000000000000002 (WAL record of height 1, sequence 2)");
  EXPECT_EQ(keys::describe(Cf::kMeta, "node/id"), "column family 'meta', key \"node/id\"");
  EXPECT_EQ(keys::describe(Cf::kSettlement, std::string("\x01\x02", 2)),
            "column family 'settlement', key 0102");
  EXPECT_THAT(keys::describe(Cf::kTxIndex, keys::tx(sha256("t"))), HasSubstr(sha256("t").hex()));
  EXPECT_THAT(keys::describe(Cf::kBlocks, "zz"), HasSubstr("unrecognised key"));
}

}  // namespace
}  // namespace replex::storage
