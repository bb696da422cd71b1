// WAL and restart: a restarted replica resumes in its view, keeps its
// prepared certificates, re-sends its messages, and never signs two
// different messages for one (type, view, height).
#include <gtest/gtest.h>

#include "replex/consensus/wal.hpp"
#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

TEST(Restart, RefusesToSignAMessageThatConflictsWithItsWal) {
  Cluster c(4);
  c.drop = [](const Envelope& e) { return e.type != MessageType::kPrePrepare || e.to != 1; };
  c.submit_all("a");
  c.advance(50);
  bool prepared = false;
  for (const Envelope& e : c.node(1).sent) prepared |= e.type == MessageType::kPrepare;
  ASSERT_TRUE(prepared);

  c.crash(1);
  c.restart(1);  // rebuilt from its WAL; it no longer holds the PRE-PREPARE itself
  const std::size_t sent_before = c.node(1).sent.size();
  // A (Byzantine) primary now proposes another block at the same height.
  c.inject(0, 1, pre_prepare(0, 0, test_block(1, test_chain().genesis_hash, 0, c.now_ms(), {"b"})));
  ASSERT_TRUE(c.node(1).has_evidence(EvidenceKind::kRefusedToSign));
  EXPECT_EQ(c.node(1).evidence.back().validator, 1u);
  for (std::size_t i = sent_before; i < c.node(1).sent.size(); ++i) {
    EXPECT_NE(c.node(1).sent[i].type, MessageType::kPrepare);
  }
}

TEST(Restart, ReSendsItsOwnMessagesOfTheCurrentView) {
  Cluster c(4);
  c.drop = [](const Envelope& e) { return e.type != MessageType::kPrePrepare || e.to != 1; };
  c.submit_all("a");
  c.advance(50);
  c.crash(1);
  const std::size_t before = c.node(1).sent.size();
  c.restart(1);
  std::size_t prepares = 0;
  for (std::size_t i = before; i < c.node(1).sent.size(); ++i) {
    prepares += c.node(1).sent[i].type == MessageType::kPrepare;
  }
  EXPECT_EQ(prepares, 3u);  // its PREPARE, again, to each peer
}

TEST(Restart, ResumesInItsViewAfterAViewChange) {
  Cluster c(4);
  c.submit_all("a");
  c.crash(0);
  c.advance(2000);
  ASSERT_EQ(c.replica(2).view(), 1u);
  ASSERT_FALSE(c.replica(2).in_view_change());
  c.crash(2);
  c.restart(2);
  EXPECT_EQ(c.replica(2).view(), 1u);
  EXPECT_FALSE(c.replica(2).in_view_change());
  c.submit_all("b");
  c.advance(200);
  EXPECT_EQ(c.replica(2).committed_height(), c.replica(1).committed_height());
  c.expect_consistent();
}

TEST(Restart, ResumesAViewChangeInProgress) {
  Cluster c(4);
  c.crash(1);
  c.crash(2);
  c.crash(3);
  c.submit(0, "stuck");
  c.advance(1000);
  ASSERT_TRUE(c.replica(0).in_view_change());
  ASSERT_EQ(c.replica(0).view(), 1u);
  c.crash(0);
  const std::size_t before = c.node(0).sent.size();
  c.restart(0);
  EXPECT_TRUE(c.replica(0).in_view_change());
  EXPECT_EQ(c.replica(0).view(), 1u);
  bool resent = false;
  for (std::size_t i = before; i < c.node(0).sent.size(); ++i) {
    resent |= c.node(0).sent[i].type == MessageType::kViewChange;
  }
  EXPECT_TRUE(resent);
}

TEST(Restart, PreparedCertificatesSurviveARestartOfEveryBackup) {
  Cluster c(4);
  c.drop = [](const Envelope& e) { return e.type == MessageType::kCommit; };
  c.submit_all("a");
  c.advance(50);
  Hash256 proposed;
  for (const Envelope& e : c.node(0).sent) {
    if (e.type == MessageType::kPrePrepare) {
      proposed =
          decode_message(*e.bytes, c.validators(), message_limits(c.config()))->vote().block_hash;
    }
  }
  // Every backup restarts (losing its memory), then the primary goes silent.
  for (ValidatorIndex i = 1; i < 4; ++i) {
    c.crash(i);
    c.restart(i);
  }
  c.crash(0);
  c.drop = nullptr;
  c.advance(3000);
  for (ValidatorIndex i = 1; i < 4; ++i) {
    ASSERT_EQ(c.replica(i).committed_height(), 1u) << i;
    EXPECT_EQ(c.node(i).blocks.at(1).block_hash, proposed);
  }
}

TEST(Restart, RefusesACorruptWal) {
  Cluster c(4);
  c.submit_all("a");
  c.advance(100);
  Node& node = c.node(1);
  ASSERT_FALSE(node.wal.empty());
  node.wal.back().second.back() ^= 0x01;
  RecoveredState recovered;
  recovered.committed_height = 0;
  recovered.committed_hash = test_chain().genesis_hash;
  for (const auto& [h, record] : node.wal) recovered.wal_records.push_back(record);
  auto replica = Replica::create(c.config(), test_chain(), c.validators(), validator_key(1),
                                 *node.app, std::move(recovered));
  EXPECT_EQ(replica.status().code(), StatusCode::kCorruption);
  EXPECT_NE(replica.status().message().find("wal_records["), std::string::npos);
}

// Found by the fuzz target consensus_certificate: decode_prepared_record
// accepts records encode_prepared_record never writes (height 0, an empty
// block). Replay must not trust them: height 0 is at or below any committed
// height and is skipped; an empty block does not decode and is corruption.
TEST(Restart, APreparedRecordNoReplicaWritesIsSkippedOrRefused) {
  auto record_for = [](Height height) {
    ByteWriter w;
    write_prepared_certificate(w, PreparedCertificate{0, height, sha256("block"), Signature{}, {}});
    w.bytes(ByteView{});  // an empty block
    const Bytes payload = w.take();
    EXPECT_TRUE(decode_prepared_record(payload).is_ok());
    return encode_wal_record(WalRecordKind::kPrepared, payload);
  };
  for (const Height height : {Height{0}, Height{1}}) {
    Cluster c(4);
    RecoveredState recovered;
    recovered.committed_height = 0;
    recovered.committed_hash = test_chain().genesis_hash;
    recovered.wal_records.push_back(record_for(height));
    auto replica = Replica::create(c.config(), test_chain(), c.validators(), validator_key(1),
                                   *c.node(1).app, std::move(recovered));
    if (height == 0) {
      EXPECT_TRUE(replica.is_ok()) << replica.status().to_string();
    } else {
      EXPECT_EQ(replica.status().code(), StatusCode::kCorruption);
      EXPECT_NE(replica.status().message().find("block does not match"), std::string::npos)
          << replica.status().message();
    }
  }
}

TEST(Restart, RefusesAnotherReplicasWal) {
  Cluster c(4);
  c.submit_all("a");
  c.advance(100);
  RecoveredState recovered;
  recovered.committed_height = 0;
  recovered.committed_hash = test_chain().genesis_hash;
  for (const auto& [h, record] : c.node(2).wal) recovered.wal_records.push_back(record);
  auto replica = Replica::create(c.config(), test_chain(), c.validators(), validator_key(1),
                                 *c.node(1).app, std::move(recovered));
  EXPECT_EQ(replica.status().code(), StatusCode::kCorruption);
}

TEST(Restart, CreateRejectsInconsistentInputs) {
  const ValidatorSet validators = make_validators(4);
  TestApp app;
  RecoveredState bad_genesis;
  bad_genesis.committed_hash = sha256("not genesis");
  EXPECT_NE(
      Replica::create(test_config(), test_chain(), validators, validator_key(0), app, bad_genesis)
          .status()
          .message()
          .find("recovered.committed_hash"),
      std::string::npos);
  RecoveredState no_cert;
  no_cert.committed_height = 3;
  no_cert.committed_hash = sha256("b3");
  EXPECT_NE(Replica::create(test_config(), test_chain(), validators, validator_key(0), app, no_cert)
                .status()
                .message()
                .find("recovered.committed_certificate"),
            std::string::npos);
  RecoveredState fresh;
  fresh.committed_hash = test_chain().genesis_hash;
  EXPECT_NE(Replica::create(test_config(), test_chain(), validators, validator_key(9), app, fresh)
                .status()
                .message()
                .find("not in the validator set"),
            std::string::npos);
  Config bad = test_config();
  bad.view_timeout_max_ms = 10;
  EXPECT_NE(Replica::create(bad, test_chain(), validators, validator_key(0), app, fresh)
                .status()
                .message()
                .find("view_timeout_max_ms"),
            std::string::npos);
}

}  // namespace
}  // namespace replex::consensus::testing
