// Record framing and payload codecs (docs/wire-formats.md, storage section).
#include "frame.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "records.hpp"
#include "replex/core/hash.hpp"

namespace replex::storage {
namespace {

using ::testing::HasSubstr;

TEST(Crc32, MatchesTheStandardCheckValue) {
  // The CRC-32/ISO-HDLC check value, as printed by `gzip` and `crc32`.
  EXPECT_EQ(crc32(as_bytes("123456789")), 0xcbf43926u);
  EXPECT_EQ(crc32({}), 0u);
}

TEST(Frame, LayoutIsVersionLengthCrcPayload) {
  const std::string frame = std::move(FrameWriter().u32(0x01020304)).finish();
  const std::uint32_t crc = crc32(as_bytes(std::string("\x01\x02\x03\x04")));
  std::string want = "\x01";
  want += std::string("\x00\x00\x00\x04", 4);
  for (int shift = 24; shift >= 0; shift -= 8) want.push_back(static_cast<char>(crc >> shift));
  want += "\x01\x02\x03\x04";
  EXPECT_EQ(to_hex(as_bytes(frame)), to_hex(as_bytes(want)));
  const Result<ByteView> payload = open_frame(frame);
  ASSERT_TRUE(payload.is_ok());
  EXPECT_EQ(to_hex(*payload), "01020304");
}

TEST(Frame, EmptyPayloadRoundTrips) {
  const std::string frame = std::move(FrameWriter()).finish();
  EXPECT_EQ(frame.size(), kFrameHeaderBytes);
  ASSERT_TRUE(open_frame(frame).is_ok());
  EXPECT_TRUE(open_frame(frame)->empty());
}

TEST(Frame, EveryDamageIsCorruptionSayingWhat) {
  const std::string good = std::move(FrameWriter().u64(42).bytes(as_bytes("payload"))).finish();
  ASSERT_TRUE(open_frame(good).is_ok());

  const Status short_header = open_frame(good.substr(0, 5)).status();
  EXPECT_EQ(short_header.code(), StatusCode::kCorruption);
  EXPECT_THAT(short_header.message(), HasSubstr("truncated record: 5 bytes"));

  std::string version = good;
  version[0] = 2;
  EXPECT_THAT(open_frame(version).status().message(), HasSubstr("frame version 2, expected 1"));

  EXPECT_THAT(open_frame(good.substr(0, good.size() - 1)).status().message(), HasSubstr("torn or truncated"));
  EXPECT_THAT(open_frame(good + "x").status().message(), HasSubstr("torn or truncated"));

  for (std::size_t byte = kFrameHeaderBytes; byte < good.size(); ++byte) {
    std::string flipped = good;
    flipped[byte] = static_cast<char>(flipped[byte] ^ 0x10);
    EXPECT_THAT(open_frame(flipped).status().message(), HasSubstr("CRC-32 mismatch")) << byte;
  }
}

TEST(Records, BlockRoundTripsAndChecksItsHeight) {
  BlockRecord r;
  r.height = 7;
  r.block_hash = sha256("b");
  r.app_hash = sha256("a");
  r.block = to_bytes("bytes");
  const std::string value = encode_block(r);
  EXPECT_EQ(value.size(), kFrameHeaderBytes + kBlockPayloadOverheadBytes + r.block.size());
  const Result<StoredBlock> back = decode_block(value, 7);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->block_hash, r.block_hash);
  EXPECT_EQ(back->app_hash, r.app_hash);
  EXPECT_EQ(back->block, r.block);
  EXPECT_THAT(decode_block(value, 8).status().message(),
              HasSubstr("says height 7 but is stored under height 8"));
}

TEST(Records, TrailingBytesInsideAValidFrameAreCorruption) {
  // A well-framed payload that is longer than its record: the frame is fine,
  // the record is not.
  const std::string value = std::move(FrameWriter().u64(1).u64(2).u32(0)).finish();
  const Status s = decode_chain_meta(value).status();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_THAT(s.message(), HasSubstr("trailing bytes"));
}

TEST(Records, ChainMetaMatchesTheDocumentedExample) {
  // docs/wire-formats.md, "Storage records": base 0, last 10.
  EXPECT_EQ(to_hex(as_bytes(encode_chain_meta({0, 10}))),
            "01000000100c6ea24b0000000000000000000000000000000a");
}

TEST(Records, ChainMetaRejectsABaseAboveItsLastHeight) {
  EXPECT_EQ(*decode_chain_meta(encode_chain_meta({3, 9})), (ChainMeta{3, 9}));
  EXPECT_THAT(decode_chain_meta(encode_chain_meta({9, 3})).status().message(),
              HasSubstr("above its last height"));
}

TEST(Records, SnapshotWalAndTxRoundTrip) {
  SnapshotRecord s{12, to_bytes("state"), {}};
  const Result<SnapshotRecord> snap = decode_snapshot(encode_snapshot(s), 12);
  ASSERT_TRUE(snap.is_ok());
  EXPECT_EQ(snap->state, s.state);
  EXPECT_TRUE(snap->proof.empty());

  const Result<WalEntry> wal = decode_wal_entry(encode_wal_entry(5, 9, as_bytes("rec")), 5, 9);
  ASSERT_TRUE(wal.is_ok());
  EXPECT_EQ(wal->record, to_bytes("rec"));
  EXPECT_EQ(decode_wal_entry(encode_wal_entry(5, 9, as_bytes("rec")), 5, 10).status().code(),
            StatusCode::kCorruption);

  const Result<TxLocation> tx = decode_tx_location(encode_tx_location({3, 4, 5}));
  ASSERT_TRUE(tx.is_ok());
  EXPECT_EQ(tx->height, 3u);
  EXPECT_EQ(tx->index, 4u);
  EXPECT_EQ(tx->code, 5u);

  EXPECT_EQ(*decode_opaque(encode_opaque(as_bytes("v"))), to_bytes("v"));
}

}  // namespace
}  // namespace replex::storage
