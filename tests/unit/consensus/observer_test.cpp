// Observer: follows committed blocks with certificates, in order; refuses
// blocks whose certificate does not verify.
#include "replex/consensus/observer.hpp"

#include <gtest/gtest.h>

#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

class ObserverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = std::make_unique<Cluster>(4);
    for (int i = 0; i < 50; ++i) c_->submit_all("tx-" + std::to_string(i));
    c_->advance(300);
    ASSERT_EQ(c_->replica(0).committed_height(), 5u);
  }

  CertifiedBlockBytes stored(Height h) {
    const CertifiedBlock& b = c_->node(2).blocks.at(h);
    return {b.block_bytes, b.certificate_bytes};
  }

  Observer make() {
    auto o = Observer::create(test_config(), test_chain(), c_->validators(), 0,
                              test_chain().genesis_hash);
    EXPECT_TRUE(o.is_ok()) << o.status().to_string();
    return std::move(o).value();
  }

  static std::vector<Height> commits(const std::vector<Action>& actions) {
    std::vector<Height> out;
    for (const Action& a : actions) {
      if (const auto* cb = std::get_if<CommitBlock>(&a)) out.push_back(cb->committed.height());
    }
    return out;
  }

  std::unique_ptr<Cluster> c_;
};

TEST_F(ObserverTest, FollowsBlocksInHeightOrder) {
  Observer o = make();
  const auto start = o.start(c_->now_ms());
  ASSERT_FALSE(start.empty());
  EXPECT_TRUE(std::holds_alternative<RequestBlocks>(start[0]));
  auto a = o.handle({c_->now_ms(), BlocksReceived{2, {stored(3), stored(1)}}});
  EXPECT_EQ(commits(a), std::vector<Height>{1});
  auto b = o.handle({c_->now_ms(), BlocksReceived{2, {stored(5), stored(2), stored(4)}}});
  EXPECT_EQ(commits(b), (std::vector<Height>{2, 3, 4, 5}));
  EXPECT_EQ(o.committed_height(), 5u);
  EXPECT_EQ(o.committed_hash(), c_->replica(0).committed_hash());
  // Duplicates are ignored.
  EXPECT_TRUE(commits(o.handle({c_->now_ms(), BlocksReceived{2, {stored(5)}}})).empty());
}

TEST_F(ObserverTest, AGapIsFetched) {
  Observer o = make();
  (void)o.start(c_->now_ms());
  auto a = o.handle({c_->now_ms() + 1000, TimerFired{TimerKind::kFetch}});
  auto b = o.handle({c_->now_ms() + 1000, BlocksReceived{1, {stored(4)}}});
  bool requested = false;
  for (const Action& act : b) {
    if (const auto* r = std::get_if<RequestBlocks>(&act)) {
      requested = true;
      EXPECT_EQ(r->from_height, 1u);
      EXPECT_EQ(r->to_height, 4u);
      ASSERT_FALSE(r->peers.empty());
      EXPECT_EQ(r->peers.front(), 1u);  // the validator that had block 4 first
    }
  }
  EXPECT_TRUE(requested);
}

TEST_F(ObserverTest, RejectsABadCertificate) {
  Observer o = make();
  CertifiedBlockBytes forged = stored(1);
  forged.certificate[forged.certificate.size() - 5] ^= 0x01;
  auto a = o.handle({c_->now_ms(), BlocksReceived{3, {forged}}});
  EXPECT_TRUE(commits(a).empty());
  bool reported = false;
  for (const Action& act : a) {
    if (const auto* e = std::get_if<EvidenceFound>(&act)) {
      reported =
          e->evidence.kind == EvidenceKind::kInvalidCertifiedBlock && e->evidence.validator == 3u;
    }
  }
  EXPECT_TRUE(reported);
  // A genuine certificate for another block does not certify this one.
  CertifiedBlockBytes swapped{stored(1).block, stored(2).certificate};
  EXPECT_TRUE(commits(o.handle({c_->now_ms(), BlocksReceived{3, {swapped}}})).empty());
  EXPECT_EQ(o.committed_height(), 0u);
  EXPECT_EQ(commits(o.handle({c_->now_ms(), BlocksReceived{2, {stored(1)}}})),
            std::vector<Height>{1});
}

TEST_F(ObserverTest, HeldHeightsAreDroppedBeforeTheirCertificatesAreChecked) {
  Observer o = make();
  ASSERT_EQ(commits(o.handle({c_->now_ms(), BlocksReceived{2, {stored(1), stored(2)}}})),
            (std::vector<Height>{1, 2}));
  // A forged certificate at a height already held costs no verification and
  // is not even looked at: no evidence (it would be, at a new height).
  CertifiedBlockBytes forged = stored(2);
  forged.certificate[forged.certificate.size() - 5] ^= 0x01;
  for (const Action& act : o.handle({c_->now_ms(), BlocksReceived{3, {forged}}})) {
    EXPECT_FALSE(std::holds_alternative<EvidenceFound>(act));
  }
  EXPECT_EQ(o.committed_height(), 2u);
}

}  // namespace
}  // namespace replex::consensus::testing
