// State transfer and catch-up: a lagging replica fetches blocks with
// certificates, or a verified snapshot; tampered answers are refused.
#include "replex/consensus/state_transfer.hpp"

#include <gtest/gtest.h>

#include <map>

#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

void commit_heights(Cluster& c, int heights, int first_tx) {
  for (int i = first_tx; i < first_tx + heights * 10; ++i) c.submit_all("tx-" + std::to_string(i));
  c.advance(300);
}

ChainContext chain_of(const ValidatorSet& v) { return {v, kChainId, {10, 1 << 20, 4096}, 5}; }

TEST(CatchUp, AReplicaLaggingByLessThanACheckpointFetchesCommittedBlocks) {
  Cluster c(4);
  c.crash(3);
  commit_heights(c, 2, 0);
  c.restart(3);
  commit_heights(c, 2, 100);  // others at 4: within node 3's window, it cannot tell yet
  EXPECT_EQ(c.replica(3).committed_height(), 0u);
  // Its view timer expires with f+1 validators ahead: it lags, it fetches.
  c.advance(3000);
  EXPECT_EQ(c.replica(3).committed_height(), 4u);
  ASSERT_FALSE(c.node(3).block_requests.empty());
  EXPECT_EQ(c.node(3).block_requests.front().from_height, 1u);
  EXPECT_EQ(c.node(3).installs, 0u);
  EXPECT_EQ(c.node(3).app->app_hash(), c.node(0).app->app_hash());
  // It did not blame the primary: no view change happened.
  EXPECT_EQ(c.replica(0).view(), 0u);
  c.submit_all("more");
  c.advance(200);
  EXPECT_EQ(c.replica(3).committed_height(), 5u);
  c.expect_consistent();
}

TEST(CatchUp, HeldHeightsAreDroppedBeforeTheirCertificatesAreChecked) {
  Cluster c(4);
  commit_heights(c, 2, 0);
  ASSERT_EQ(c.replica(1).committed_height(), 2u);
  const CertifiedBlock& held = c.node(0).blocks.at(2);
  CertifiedBlockBytes forged{held.block_bytes, held.certificate_bytes};
  forged.certificate[forged.certificate.size() - 5] ^= 0x01;
  // At a held height the forgery is not even verified: no evidence, no cost.
  c.feed(1, BlocksReceived{2, {forged}});
  EXPECT_EQ(c.node(1).count_evidence(EvidenceKind::kInvalidCertifiedBlock), 0u);
  // At a height not held yet it is verified, refused and reported.
  const CertifiedBlock& first = c.node(0).blocks.at(1);
  Cluster fresh(4);
  CertifiedBlockBytes forged_new{first.block_bytes, first.certificate_bytes};
  forged_new.certificate[forged_new.certificate.size() - 5] ^= 0x01;
  fresh.feed(1, BlocksReceived{2, {forged_new}});
  EXPECT_EQ(fresh.node(1).count_evidence(EvidenceKind::kInvalidCertifiedBlock), 1u);
}

// Found by the simulator (replex-sim --seed 41 --validators 7): with 7
// validators every 6th unanswered request asks for state, and block requests
// rotated their peers by all retries, so the peer whose turn always fell on a
// state request (there the only one holding the blocks) was never asked for
// them, and the replica never caught up.
TEST(CatchUp, EveryPeerGetsItsTurnToBeAskedForBlocks) {
  Cluster c(7);
  c.serve_blocks = false;  // nobody answers: node 6 keeps retrying
  // Node 6 misses the proposal; the COMMITs tell it block 1 is final.
  c.drop = [](const Envelope& e) { return e.to == 6 && e.type == MessageType::kPrePrepare; };
  c.submit_all("x");
  c.advance(20 * c.config().fetch_timeout_ms);
  // Retry after retry, every peer gets asked first again (not once only).
  std::map<ValidatorIndex, int> asked_first;
  for (const RequestBlocks& r : c.node(6).block_requests) ++asked_first[r.peers.front()];
  ASSERT_GE(c.node(6).block_requests.size(), 12u);
  ASSERT_EQ(asked_first.size(), 6u);
  for (const auto& [peer, times] : asked_first) EXPECT_GE(times, 2) << "peer " << peer;
}

TEST(StateTransfer, AReplicaFarBehindInstallsAVerifiedSnapshot) {
  Cluster c(4);
  c.crash(3);
  commit_heights(c, 12, 0);
  c.serve_blocks = false;  // peers keep no old blocks: only state transfer helps
  c.restart(3);
  commit_heights(c, 5, 1000);  // a new checkpoint proof reaches node 3
  c.serve_blocks = true;
  commit_heights(c, 2, 2000);
  EXPECT_GE(c.node(3).installs, 1u);
  EXPECT_FALSE(c.node(3).state_requests.empty());
  EXPECT_EQ(c.replica(3).committed_height(), c.replica(0).committed_height());
  EXPECT_EQ(c.node(3).app->app_hash(), c.node(0).app->app_hash());
  c.expect_consistent();
}

TEST(StateTransfer, ATamperedSnapshotIsRefusedThenARetrySucceeds) {
  Cluster c(4);
  c.crash(3);
  commit_heights(c, 12, 0);
  c.serve_blocks = false;
  c.tamper_snapshots = true;
  c.restart(3);
  commit_heights(c, 5, 1000);
  EXPECT_TRUE(c.node(3).has_evidence(EvidenceKind::kInvalidStateTransfer));
  EXPECT_EQ(c.node(3).installs, 0u);
  c.tamper_snapshots = false;
  c.advance(1000);  // the fetch timer asks again
  EXPECT_EQ(c.node(3).installs, 1u);
  EXPECT_EQ(c.node(3).app->app_hash(), c.node(0).app->app_hash());
}

TEST(StateTransfer, WhenPeersNoLongerHoldOldBlocksAReplicaAsksForState) {
  Cluster c(4);
  c.crash(3);
  commit_heights(c, 12, 0);
  c.serve_blocks = false;  // peers that installed state lack old blocks
  c.restart(3);
  // Two more heights, no new checkpoint: node 3 only sees others ahead.
  commit_heights(c, 2, 1000);
  c.advance(5000);  // block requests go unanswered, then it asks for state
  ASSERT_FALSE(c.node(3).state_requests.empty());
  EXPECT_FALSE(c.node(3).state_requests.front().target.has_value());
  EXPECT_EQ(c.node(3).installs, 1u);
  EXPECT_GE(c.replica(3).committed_height(), 10u);  // the peers' stable checkpoint
  c.serve_blocks = true;                            // the newest blocks are served again
  c.advance(2000);
  EXPECT_EQ(c.replica(3).committed_height(), c.replica(0).committed_height());
  EXPECT_EQ(c.node(3).app->app_hash(), c.node(0).app->app_hash());
  c.expect_consistent();
}

// Chunked state transfer: 64-byte chunks, so even the test state is many.
Config small_chunks() {
  Config config = test_config();
  config.state_chunk_bytes = 64;
  return config;
}

// Node 3 is far behind and peers no longer hold old blocks: only state
// transfer helps, and the peers offer it in chunks.
void fall_behind_with_chunked_peers(Cluster& c) {
  c.crash(3);
  commit_heights(c, 12, 0);
  c.serve_blocks = false;
  c.chunked_state = true;
}

TEST(ChunkedStateTransfer, AReplicaFarBehindInstallsAStateChunkByChunk) {
  Cluster c(4, small_chunks());
  fall_behind_with_chunked_peers(c);
  c.restart(3);
  commit_heights(c, 5, 1000);
  c.serve_blocks = true;
  commit_heights(c, 2, 2000);
  EXPECT_EQ(c.node(3).installs, 1u);
  ASSERT_FALSE(c.node(3).state_requests.empty());
  EXPECT_EQ(c.node(3).state_requests.front().chunk_bytes, 64u);
  EXPECT_GE(c.node(3).chunk_requests.size(), 4u);  // a state of several chunks
  EXPECT_FALSE(c.node(3).has_evidence(EvidenceKind::kInvalidStateTransfer));
  EXPECT_EQ(c.replica(3).committed_height(), c.replica(0).committed_height());
  EXPECT_EQ(c.node(3).app->app_hash(), c.node(0).app->app_hash());
  c.expect_consistent();
}

TEST(ChunkedStateTransfer, ALyingPeersChunkIsRefusedReportedAndFetchedFromTheNextPeer) {
  Cluster c(4, small_chunks());
  fall_behind_with_chunked_peers(c);
  c.chunk_liar = 0;
  c.restart(3);
  commit_heights(c, 5, 1000);
  c.serve_blocks = true;
  commit_heights(c, 2, 2000);
  c.advance(3000);
  EXPECT_TRUE(c.node(3).has_evidence(EvidenceKind::kInvalidStateTransfer));
  bool blamed_liar = false;
  for (const Evidence& e : c.node(3).evidence) {
    if (e.kind == EvidenceKind::kInvalidStateTransfer) {
      EXPECT_EQ(e.validator, std::optional<ValidatorIndex>(0)) << e.detail;
      blamed_liar = true;
    }
  }
  EXPECT_TRUE(blamed_liar);
  EXPECT_EQ(c.node(3).installs, 1u);
  EXPECT_EQ(c.replica(3).committed_height(), c.replica(0).committed_height());
  EXPECT_EQ(c.node(3).app->app_hash(), c.node(0).app->app_hash());
  c.expect_consistent();
}

TEST(ChunkedStateTransfer, APeerThatFallsSilentMidTransferIsSkippedAndTheTransferResumes) {
  Cluster c(4, small_chunks());
  fall_behind_with_chunked_peers(c);
  // Validators 0 and 1 serve two chunks each, then stay connected and silent.
  c.chunk_budget[0] = 2;
  c.chunk_budget[1] = 2;
  c.restart(3);
  commit_heights(c, 5, 1000);
  c.serve_blocks = true;
  commit_heights(c, 2, 2000);
  c.advance(10000);
  EXPECT_GE(c.node(3).installs, 1u);
  // Chunks came from more than one peer, and each chunk of a transferred
  // height came once: the transfer resumed with the next peer, it did not
  // start over.
  int serving_peers = 0;
  for (ValidatorIndex p = 0; p < 3; ++p) serving_peers += c.node(p).chunks_served_to[3] > 0;
  EXPECT_GE(serving_peers, 2);
  for (const auto& [key, answers] : c.node(3).chunk_answers) {
    EXPECT_EQ(answers, 1) << "height " << key.first << " chunk " << key.second;
  }
  bool timed_out = false;  // some chunk was asked for again after silence
  std::map<std::pair<Height, std::uint32_t>, int> asked;
  for (const RequestChunk& r : c.node(3).chunk_requests) timed_out |= ++asked[{r.height, r.index}] > 1;
  EXPECT_TRUE(timed_out);
  EXPECT_EQ(c.replica(3).committed_height(), c.replica(0).committed_height());
  EXPECT_EQ(c.node(3).app->app_hash(), c.node(0).app->app_hash());
  c.expect_consistent();
}

// While a (large, slow) state arrives the chain moves on by more than an
// interval. The replica then fetches the missing blocks instead of the next
// snapshot, which would again be outdated by the time it arrived, and it
// does not start a view change while it transfers.
TEST(ChunkedStateTransfer, AfterASlowTransferTheRestIsCaughtUpByBlocks) {
  Cluster c(4, small_chunks());
  c.crash(3);
  commit_heights(c, 12, 0);
  c.chunked_state = true;
  // Peers offer the state but serve no chunk for longer than two view
  // timeouts, while they keep committing; then they serve.
  for (ValidatorIndex p = 0; p < 3; ++p) c.chunk_budget[p] = 0;
  c.restart(3);
  for (int round = 0; round < 10; ++round) commit_heights(c, 4, 1000 + 100 * round);
  ASSERT_EQ(c.node(3).installs, 0u);
  c.chunk_budget.clear();
  for (int round = 10; round < 16; ++round) commit_heights(c, 4, 1000 + 100 * round);
  c.advance(3000);
  EXPECT_EQ(c.node(3).installs, 1u);
  EXPECT_GE(c.node(3).chunk_requests.size(), 4u);
  EXPECT_EQ(c.replica(3).view(), c.replica(0).view());
  EXPECT_EQ(c.replica(3).committed_height(), c.replica(0).committed_height());
  EXPECT_EQ(c.node(3).app->app_hash(), c.node(0).app->app_hash());
  c.expect_consistent();
}

// Found by the cluster flood test (ClusterFlood): blocks asked for before a
// chunked transfer began arrived during it, and the replica committed past
// the transferred height. Installing that older state would have cut back a
// committed chain (the node stopped on it); blocks that get there first end
// the transfer instead.
TEST(ChunkedStateTransfer, BlocksThatOvertakeATransferEndItAndNoOlderStateIsInstalled) {
  Cluster c(4, small_chunks());
  fall_behind_with_chunked_peers(c);
  for (ValidatorIndex p = 0; p < 3; ++p) c.chunk_budget[p] = 0;  // offers now, chunks later
  c.restart(3);
  commit_heights(c, 5, 1000);
  ASSERT_FALSE(c.node(3).chunk_requests.empty()) << "no transfer under way";
  const Height transferring = c.node(3).chunk_requests.back().height;
  ASSERT_EQ(c.node(3).installs, 0u);

  // The answer to an earlier block request reaches past the transferred height.
  c.serve_blocks = true;
  auto blocks = c.blocks_answer(RequestBlocks{1, c.replica(0).committed_height(), {0}});
  ASSERT_TRUE(blocks.has_value());
  c.feed(3, std::move(*blocks));
  ASSERT_GT(c.replica(3).committed_height(), transferring);
  const std::size_t chunks_asked = c.node(3).chunk_requests.size();

  c.chunk_budget.clear();
  commit_heights(c, 2, 2000);
  c.advance(3000);
  EXPECT_EQ(c.node(3).installs, 0u);
  EXPECT_EQ(c.node(3).chunk_requests.size(), chunks_asked) << "the overtaken transfer went on";
  EXPECT_EQ(c.replica(3).committed_height(), c.replica(0).committed_height());
  EXPECT_EQ(c.node(3).app->app_hash(), c.node(0).app->app_hash());
  c.expect_consistent();
}

// A whole state (from a peer that answers an offer request with the whole
// snapshot, as an older node may) arrives while a chunked transfer of a newer
// one waits for chunks. Installing it ends the transfer; kept, the transfer
// would have no timer left and catch-up would wait on it for ever.
TEST(ChunkedStateTransfer, AWholeStateInstalledMidTransferEndsTheTransfer) {
  Cluster c(4, small_chunks());
  c.crash(3);
  commit_heights(c, 12, 0);
  auto older = c.state_answer(RequestState{0, std::nullopt, {0}, 0});
  ASSERT_TRUE(older.has_value());
  const Height older_height = c.replica(0).stable_checkpoint_height().value_or(0);
  ASSERT_GT(older_height, 0u);
  commit_heights(c, 6, 500);
  c.serve_blocks = false;
  c.chunked_state = true;
  for (ValidatorIndex p = 0; p < 3; ++p) c.chunk_budget[p] = 0;  // offers now, chunks later
  c.restart(3);
  commit_heights(c, 5, 1000);
  ASSERT_FALSE(c.node(3).chunk_requests.empty()) << "no transfer under way";
  ASSERT_GT(c.node(3).chunk_requests.back().height, older_height);
  ASSERT_EQ(c.node(3).installs, 0u);

  c.feed(3, std::move(*older));
  EXPECT_EQ(c.node(3).installs, 1u);
  c.chunk_budget.clear();
  c.serve_blocks = true;
  commit_heights(c, 2, 2000);
  c.advance(5000);
  EXPECT_EQ(c.replica(3).committed_height(), c.replica(0).committed_height());
  EXPECT_EQ(c.node(3).app->app_hash(), c.node(0).app->app_hash());
  c.expect_consistent();
}

class StateVerification : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = std::make_unique<Cluster>(4);
    for (int i = 0; i < 70; ++i) c_->submit_all("tx-" + std::to_string(i));
    c_->advance(300);
    Node& n = c_->node(1);
    proof_ = n.proofs.at(5);
    snapshot_ = n.snapshots.at(5);
    for (Height h = 5; h <= 7; ++h) {
      blocks_.push_back({n.blocks.at(h).block_bytes, n.blocks.at(h).certificate_bytes});
    }
  }
  std::unique_ptr<Cluster> c_;
  Bytes proof_;
  Bytes snapshot_;
  std::vector<CertifiedBlockBytes> blocks_;
};

TEST_F(StateVerification, AcceptsAGenuineState) {
  auto state = verify_state_transfer(proof_, snapshot_, blocks_, chain_of(c_->validators()));
  ASSERT_TRUE(state.is_ok()) << state.status().to_string();
  EXPECT_EQ(state->anchor.height(), 5u);
  EXPECT_EQ(state->later_blocks.size(), 2u);
}

TEST_F(StateVerification, RefusesATamperedSnapshot) {
  snapshot_.back() ^= 0x01;
  auto state = verify_state_transfer(proof_, snapshot_, blocks_, chain_of(c_->validators()));
  EXPECT_NE(state.status().message().find("state_digest"), std::string::npos)
      << state.status().to_string();
}

TEST_F(StateVerification, RefusesAProofWithoutAQuorum) {
  auto proof = decode_checkpoint_proof(proof_).value();
  proof.signatures.pop_back();
  auto state = verify_state_transfer(encode_checkpoint_proof(proof), snapshot_, blocks_,
                                     chain_of(c_->validators()));
  EXPECT_NE(state.status().message().find("needs 3"), std::string::npos)
      << state.status().to_string();
}

TEST_F(StateVerification, RefusesAnotherAnchorOrABrokenChain) {
  std::vector<CertifiedBlockBytes> wrong_anchor(blocks_.begin() + 1, blocks_.end());
  EXPECT_NE(verify_state_transfer(proof_, snapshot_, wrong_anchor, chain_of(c_->validators()))
                .status()
                .message()
                .find("anchor"),
            std::string::npos);
  std::vector<CertifiedBlockBytes> gap{blocks_[0], blocks_[2]};
  EXPECT_NE(verify_state_transfer(proof_, snapshot_, gap, chain_of(c_->validators()))
                .status()
                .message()
                .find("block.height"),
            std::string::npos);
  std::vector<CertifiedBlockBytes> bad_cert = blocks_;
  bad_cert[1].certificate.back() ^= 0x01;
  EXPECT_FALSE(
      verify_state_transfer(proof_, snapshot_, bad_cert, chain_of(c_->validators())).is_ok());
  EXPECT_NE(verify_state_transfer(proof_, snapshot_, {}, chain_of(c_->validators()))
                .status()
                .message()
                .find("missing"),
            std::string::npos);
}

}  // namespace
}  // namespace replex::consensus::testing
