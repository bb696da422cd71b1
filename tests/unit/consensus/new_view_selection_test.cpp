// The NEW-VIEW selection rule.
#include "replex/consensus/new_view_selection.hpp"

#include <gtest/gtest.h>

#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

class Selection : public ::testing::Test {
 protected:
  // A block chained on `parent`; its hash is remembered for lookup.
  Hash256 block(Height h, const Hash256& parent, const std::string& tag) {
    Block b = test_block(h, parent, 0, 1, {tag});
    const Hash256 hash = block_hash(b.header);
    blocks_[hash] = std::move(b);
    return hash;
  }
  static PreparedCertificate prepared(View view, Height h, const Hash256& hash) {
    return PreparedCertificate{view, h, hash, Signature{}, {}};
  }
  SignedViewChange vc(ValidatorIndex sender, Height committed, const Hash256& committed_hash,
                      std::vector<PreparedCertificate> certs) {
    return {sender, ViewChangeBody{9, committed, committed_hash, std::nullopt, std::move(certs)},
            Signature{}};
  }
  Result<NewViewSelection> select(const std::vector<SignedViewChange>& vcs) {
    return select_new_view(vcs, [this](const Hash256& h) -> const Block* {
      auto it = blocks_.find(h);
      return it == blocks_.end() ? nullptr : &it->second;
    });
  }
  std::map<Hash256, Block> blocks_;
  const Hash256 genesis_ = sha256("g");
};

TEST_F(Selection, BaseIsTheHighestCommittedAndTheChainFollowsTheHighestViews) {
  const Hash256 c5 = sha256("committed 5");
  const Hash256 a6 = block(6, c5, "a6");
  const Hash256 b6 = block(6, c5, "b6");
  const Hash256 a7 = block(7, b6, "a7");
  auto s = select({vc(0, 4, sha256("c4"), {}), vc(1, 5, c5, {prepared(2, 6, a6)}),
                   vc(2, 5, c5, {prepared(3, 6, b6), prepared(3, 7, a7)})});
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  EXPECT_EQ(s->base_height, 5u);
  EXPECT_EQ(s->base_hash, c5);
  EXPECT_EQ(s->proposals, (std::vector<SelectedProposal>{{6, b6}, {7, a7}}));
  EXPECT_EQ(s->examined_blocks, (std::vector<Hash256>{b6, a7}));
}

TEST_F(Selection, StopsAtAGapAndAtABrokenChain) {
  const Hash256 a1 = block(1, genesis_, "a1");
  const Hash256 a3 = block(3, sha256("x"), "a3");
  auto gap = select({vc(0, 0, genesis_, {prepared(0, 1, a1), prepared(0, 3, a3)})});
  ASSERT_TRUE(gap.is_ok());
  EXPECT_EQ(gap->proposals, (std::vector<SelectedProposal>{{1, a1}}));

  const Hash256 orphan = block(2, sha256("not a1"), "orphan");
  auto broken = select({vc(0, 0, genesis_, {prepared(0, 1, a1), prepared(0, 2, orphan)})});
  ASSERT_TRUE(broken.is_ok());
  EXPECT_EQ(broken->proposals, (std::vector<SelectedProposal>{{1, a1}}));
  // The block that broke the chain was read, so a NEW-VIEW must carry it.
  EXPECT_EQ(broken->examined_blocks, (std::vector<Hash256>{a1, orphan}));
}

TEST_F(Selection, NothingPreparedMeansNoReproposals) {
  auto s = select({vc(0, 0, genesis_, {}), vc(1, 0, genesis_, {})});
  ASSERT_TRUE(s.is_ok());
  EXPECT_TRUE(s->proposals.empty());
  EXPECT_EQ(s->base_hash, genesis_);
}

TEST_F(Selection, AMissingBlockIsNotFound) {
  auto s = select({vc(0, 0, genesis_, {prepared(0, 1, sha256("unknown"))})});
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace replex::consensus::testing
