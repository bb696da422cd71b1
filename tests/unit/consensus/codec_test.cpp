// Encodings: blocks, messages and WAL records round-trip exactly; decoding
// checks sizes, counts and indices and names the field that is wrong.
#include <gtest/gtest.h>

#include "replex/consensus/wal.hpp"
#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

const BlockLimits kLimits{10, 1 << 16, 4096};

TEST(BlockCodec, RoundTripsAndHashesTheHeader) {
  const Block b = test_block(3, sha256("parent"), 1, 1234, {"a", "bb", "ccc"});
  auto decoded = decode_block(encode_block(b), kLimits, kChainId);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, b);
  EXPECT_EQ(encode_block(b).size(), encoded_block_bytes(kChainId, b.txs));
  EXPECT_EQ(block_hash(b.header), sha256(encode_header(b.header)));
  // tx_root is the RFC 6962 root over tx_hash of each transaction.
  std::vector<Hash256> leaves;
  for (const Bytes& tx : b.txs) leaves.push_back(tx_hash(tx));
  EXPECT_EQ(b.header.tx_root, merkle_root_of_leaf_hashes(leaves));
  // Built and decoded blocks carry those hashes, so no reader hashes again.
  EXPECT_EQ(b.tx_hashes, leaves);
  EXPECT_EQ(decoded->tx_hashes, leaves);
  EXPECT_EQ(make_block(kChainId, 3, 1234, sha256("parent"), 1, b.txs, leaves), b);
  // Empty block: the empty-tree root.
  EXPECT_EQ(test_block(1, sha256("p"), 0, 1, {}).header.tx_root, sha256(ByteView{}));
}

TEST(BlockCodec, RefusalsNameTheField) {
  const Block b = test_block(3, sha256("parent"), 1, 1234, {"a", "b"});
  const Bytes bytes = encode_block(b);
  EXPECT_NE(decode_block(bytes, kLimits, "other").status().message().find("block.chain_id"),
            std::string::npos);
  EXPECT_NE(
      decode_block(bytes, {1, 1 << 16, 4096}, kChainId).status().message().find("max_block_txs"),
      std::string::npos);
  EXPECT_NE(
      decode_block(bytes, {10, 50, 4096}, kChainId).status().message().find("max_block_bytes"),
      std::string::npos);
  Block wrong_root = b;
  wrong_root.header.tx_root = sha256("x");
  EXPECT_NE(decode_block(encode_block(wrong_root), kLimits, kChainId)
                .status()
                .message()
                .find("block.tx_root"),
            std::string::npos);
  Block genesis = b;
  genesis.header.height = 0;
  EXPECT_NE(decode_block(encode_block(genesis), kLimits, kChainId)
                .status()
                .message()
                .find("block.height"),
            std::string::npos);
  Bytes trailing = bytes;
  trailing.push_back(0);
  EXPECT_FALSE(decode_block(trailing, kLimits, kChainId).is_ok());
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    EXPECT_FALSE(decode_block(ByteView(bytes.data(), len), kLimits, kChainId).is_ok());
  }
  const Block big = test_block(1, sha256("p"), 0, 1, {std::string(5000, 'x')});
  EXPECT_FALSE(decode_block(encode_block(big), {10, 1 << 16, 4096}, kChainId).is_ok());
}

class MessageCodec : public ::testing::Test {
 protected:
  const ValidatorSet validators_ = make_validators(4);
  const MessageLimits limits_ = message_limits(test_config());

  void round_trip(const Bytes& wire) {
    auto m = decode_message(wire, validators_, limits_);
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    EXPECT_EQ(encode_message(*m), wire);
    EXPECT_TRUE(verify_message_signatures(*m, validators_, kChainId).is_ok());
  }
};

TEST_F(MessageCodec, EveryTypeRoundTripsExactly) {
  const Block b = test_block(1, test_chain().genesis_hash, 0, 5, {"a"});
  const Hash256 h = block_hash(b.header);
  round_trip(pre_prepare(0, 0, b));
  round_trip(signed_message(1, MessageType::kPrepare, VoteBody{0, 1, h}));
  round_trip(signed_message(2, MessageType::kCommit, VoteBody{0, 1, h}));
  round_trip(
      signed_message(3, MessageType::kCheckpoint, CheckpointBody{5, h, sha256("a"), sha256("s")}));

  const VoteBody vote{0, 1, h};
  PreparedCertificate cert{0,
                           1,
                           h,
                           sign_consensus(validator_key(0), kChainId,
                                          vote_signed_bytes(MessageType::kPrePrepare, 0, vote)),
                           {}};
  for (ValidatorIndex i : {1u, 2u}) {
    cert.prepares.push_back({i, sign_consensus(validator_key(i), kChainId,
                                               vote_signed_bytes(MessageType::kPrepare, i, vote))});
  }
  const ViewChangeBody vc{1, 0, test_chain().genesis_hash, std::nullopt, {cert}};
  round_trip(signed_message(3, MessageType::kViewChange, vc, {encode_block(b)}));

  NewViewBody nv{1, {}, {}};
  for (ValidatorIndex i : {1u, 2u, 3u}) {
    const Message m = sign_message(MessageType::kViewChange, i, vc, {}, validator_key(i), kChainId);
    nv.view_changes.push_back({i, vc, m.signature});
  }
  nv.proposals.push_back(
      {1, h,
       sign_consensus(validator_key(1), kChainId,
                      vote_signed_bytes(MessageType::kPrePrepare, 1, {1, 1, h}))});
  round_trip(signed_message(1, MessageType::kNewView, nv, {encode_block(b)}));
  EXPECT_LE(encode_message(sign_message(MessageType::kNewView, 1, nv, {encode_block(b)},
                                        validator_key(1), kChainId))
                .size(),
            max_new_view_bytes(4, test_config()));
}

TEST_F(MessageCodec, StructuralRefusalsNameTheField) {
  auto error = [&](const Bytes& wire) {
    return decode_message(wire, validators_, limits_).status().message();
  };
  const Hash256 h = sha256("b");
  EXPECT_NE(
      error(signed_message(0, MessageType::kPrepare, VoteBody{0, 0, h})).find("PREPARE.height"),
      std::string::npos);
  EXPECT_NE(error(signed_message(0, MessageType::kPrepare, VoteBody{0, 1, h}, {Bytes{1}}))
                .find("PREPARE.blocks"),
            std::string::npos);
  EXPECT_NE(error(signed_message(0, MessageType::kPrePrepare, VoteBody{0, 1, h}))
                .find("PRE-PREPARE.blocks"),
            std::string::npos);
  // Prepared certificate outside the window above the committed height.
  PreparedCertificate far{0, 9, h, Signature{}, {{1, Signature{}}, {2, Signature{}}}};
  const ViewChangeBody vc{1, 0, test_chain().genesis_hash, std::nullopt, {far}};
  EXPECT_NE(
      error(signed_message(3, MessageType::kViewChange, vc, {Bytes{}})).find("beyond the window"),
      std::string::npos);
  // A committed height without its certificate.
  const ViewChangeBody no_cert{1, 4, h, std::nullopt, {}};
  EXPECT_NE(
      error(signed_message(3, MessageType::kViewChange, no_cert)).find("committed_certificate"),
      std::string::npos);
  // NEW-VIEW with fewer than a quorum of VIEW-CHANGEs.
  NewViewBody nv{1, {}, {}};
  EXPECT_NE(error(signed_message(1, MessageType::kNewView, nv)).find("needs 3"), std::string::npos);
  // Sender out of range.
  Message m =
      sign_message(MessageType::kPrepare, 0, VoteBody{0, 1, h}, {}, validator_key(0), kChainId);
  m.sender = 7;
  EXPECT_NE(error(encode_message(m)).find("not a validator"), std::string::npos);
  // Oversized.
  MessageLimits tiny = limits_;
  tiny.max_message_bytes = 10;
  EXPECT_NE(
      decode_message(signed_message(0, MessageType::kPrepare, VoteBody{0, 1, h}), validators_, tiny)
          .status()
          .message()
          .find("max_message_bytes"),
      std::string::npos);
}

TEST_F(MessageCodec, ForgedNestedSignaturesAreFound) {
  const ViewChangeBody body{2, 0, test_chain().genesis_hash, std::nullopt, {}};
  NewViewBody nv{2, {}, {}};
  for (ValidatorIndex i : {0u, 1u, 2u}) {
    const Message m =
        sign_message(MessageType::kViewChange, i, body, {}, validator_key(i), kChainId);
    nv.view_changes.push_back({i, body, m.signature});
  }
  nv.view_changes[1].signature.bytes[3] ^= 1;
  const Bytes wire = signed_message(2, MessageType::kNewView, nv);
  const Status s = verify_message(wire, validators_, kChainId, limits_);
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_NE(s.message().find("view_changes[1]"), std::string::npos) << s.to_string();
}

TEST(WalRecord, RoundTripsAndDetectsCorruption) {
  const Bytes message = signed_message(0, MessageType::kPrepare, VoteBody{0, 1, sha256("b")});
  const Bytes record = encode_wal_record(WalRecordKind::kOwnMessage, message);
  auto decoded = decode_wal_record(record);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(decoded->kind, WalRecordKind::kOwnMessage);
  EXPECT_EQ(decoded->message, message);
  for (std::size_t len = 0; len < record.size(); ++len) {
    EXPECT_EQ(decode_wal_record(ByteView(record.data(), len)).status().code(),
              StatusCode::kCorruption);
  }
  for (std::size_t i = 0; i < record.size(); ++i) {
    Bytes flipped = record;
    flipped[i] ^= 0x10;
    EXPECT_EQ(decode_wal_record(flipped).status().code(), StatusCode::kCorruption) << i;
  }
  const Block b = test_block(1, sha256("p"), 0, 1, {"a"});
  PreparedCertificate cert{0, 1, block_hash(b.header), Signature{}, {{1, Signature{}}}};
  auto prepared = decode_prepared_record(encode_prepared_record(cert, encode_block(b)));
  ASSERT_TRUE(prepared.is_ok());
  EXPECT_EQ(prepared->certificate, cert);
  EXPECT_EQ(prepared->block, encode_block(b));
}

}  // namespace
}  // namespace replex::consensus::testing
