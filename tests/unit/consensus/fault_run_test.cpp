// Seeded runs under random faults: message loss, duplication and reordering,
// crashes with restarts from the WAL, partitions, and (odd seeds) one
// Byzantine validator that equivocates as primary, double-votes, replays old
// messages and goes silent toward some peers. After healing, every honest
// replica must hold the same chain, with nothing left pending.
//
// A failing seed replays exactly:
//   consensus_tests --gtest_filter='Seeds/FaultRun.AgreementAndLivenessAfterHealing/<seed - 1>'
// (the full simulator with the real exchange lives in tests/sim/).
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "unit/consensus/cluster.hpp"

namespace replex::consensus::testing {
namespace {

// Wraps what validator `byzantine` sends with misbehaviour drawn from `rng`.
std::function<std::vector<Envelope>(const Envelope&)> byzantine_tamper(Cluster& c,
                                                                       ValidatorIndex byzantine,
                                                                       std::mt19937_64& rng) {
  auto history = std::make_shared<std::vector<Envelope>>();
  return [&c, byzantine, &rng, history](const Envelope& e) -> std::vector<Envelope> {
    if (e.from != byzantine) return {e};
    auto m = decode_message(*e.bytes, c.validators(), message_limits(c.config()));
    if (!m) return {e};
    std::vector<Envelope> out;
    const auto roll = rng() % 10;
    if (m->type == MessageType::kPrePrepare && e.to % 2 == 0) {
      // Equivocation: another block at the same height for half the peers.
      Block block = decode_block(m->blocks.at(0), {10, 1 << 20, 4096}, kChainId).value();
      block.txs.push_back(to_bytes("byzantine-" + std::to_string(rng())));
      block = make_block(kChainId, block.header.height, block.header.time_ms,
                         block.header.prev_block_hash, block.header.proposer, std::move(block.txs));
      out.push_back({e.from, e.to, e.type, share(pre_prepare(byzantine, m->vote().view, block))});
    } else if ((m->type == MessageType::kPrepare || m->type == MessageType::kCommit) && roll < 3) {
      // A double vote: a vote for another block first, then the real one.
      VoteBody other = m->vote();
      other.block_hash = sha256("byzantine vote " + std::to_string(rng()));
      out.push_back({e.from, e.to, e.type, share(signed_message(byzantine, m->type, other))});
      out.push_back(e);
    } else if (roll != 3) {  // 3: silent toward this peer
      out.push_back(e);
    }
    if (roll == 4 && !history->empty()) {
      Envelope replay = (*history)[rng() % history->size()];
      replay.to = e.to;
      if (replay.to != replay.from) out.push_back(std::move(replay));
    }
    history->push_back(e);
    if (history->size() > 200) history->erase(history->begin());
    return out;
  };
}

class FaultRun : public ::testing::TestWithParam<int> {};

TEST_P(FaultRun, AgreementAndLivenessAfterHealing) {
  const int seed = GetParam();
  const std::size_t n = seed % 3 == 0 ? 7 : 4;
  const std::size_t f = (n - 1) / 3;
  Cluster c(n);
  c.rng.seed(static_cast<std::uint64_t>(seed));
  std::mt19937_64 schedule(static_cast<std::uint64_t>(seed) * 7919);
  std::mt19937_64 misbehaviour(static_cast<std::uint64_t>(seed) * 31);
  const bool has_byzantine = seed % 2 == 1;
  const ValidatorIndex byzantine = static_cast<ValidatorIndex>(n - 1);
  if (has_byzantine) c.tamper = byzantine_tamper(c, byzantine, misbehaviour);

  // At most f validators are faulty at any time (the Byzantine one counts).
  std::set<ValidatorIndex> down;
  std::set<ValidatorIndex> partitioned;
  auto faulty = [&] { return down.size() + partitioned.size() + (has_byzantine ? 1 : 0); };
  c.drop = [&partitioned](const Envelope& e) {
    return partitioned.contains(e.from) || partitioned.contains(e.to);
  };
  int next_tx = 0;
  for (int round = 0; round < 80; ++round) {
    c.faults.drop = schedule() % 4 == 0 ? 0.1 : 0.0;
    c.faults.duplicate = schedule() % 4 == 0 ? 0.1 : 0.0;
    c.faults.reorder = schedule() % 2 == 0;
    const auto action = schedule() % 10;
    const auto victim = static_cast<ValidatorIndex>(schedule() % n);
    const bool honest = !(has_byzantine && victim == byzantine);
    if (action < 5) {
      const auto count = schedule() % 15;
      for (std::uint64_t i = 0; i < count; ++i) c.submit_all("tx-" + std::to_string(next_tx++));
    } else if (action == 5 && faulty() < f && honest && !down.contains(victim) &&
               !partitioned.contains(victim)) {
      c.crash(victim);
      down.insert(victim);
    } else if (action == 6 && !down.empty()) {
      const ValidatorIndex back = *down.begin();
      down.erase(back);
      c.restart(back);
    } else if (action == 7 && faulty() < f && honest && !down.contains(victim)) {
      partitioned.insert(victim);
    } else if (action == 8) {
      partitioned.clear();
    }
    c.advance(schedule() % 3000);
  }

  // Heal: a clean network, everyone up; one more transaction must commit.
  c.faults = {};
  partitioned.clear();
  for (ValidatorIndex v : down) c.restart(v);
  c.advance(20'000);
  c.submit_all("final");
  c.advance(60'000);

  c.expect_consistent();
  std::vector<ValidatorIndex> honest_nodes;
  for (ValidatorIndex i = 0; i < n; ++i) {
    if (!(has_byzantine && i == byzantine)) honest_nodes.push_back(i);
  }
  const ValidatorIndex first = honest_nodes.front();
  for (ValidatorIndex i : honest_nodes) {
    EXPECT_EQ(c.replica(i).committed_height(), c.replica(first).committed_height())
        << "seed " << seed << " node " << i;
    EXPECT_EQ(c.node(i).app->app_hash(), c.node(first).app->app_hash()) << "seed " << seed;
    EXPECT_TRUE(c.replica(i).mempool().empty())
        << "seed " << seed << " node " << i << " holds " << c.replica(i).mempool().size();
    EXPECT_FALSE(c.node(i).has_evidence(EvidenceKind::kSafetyViolation)) << "seed " << seed;
    EXPECT_FALSE(c.node(i).has_evidence(EvidenceKind::kStateDivergence)) << "seed " << seed;
  }
  EXPECT_GT(c.replica(first).committed_height(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, FaultRun, ::testing::Range(1, 13));

}  // namespace
}  // namespace replex::consensus::testing
