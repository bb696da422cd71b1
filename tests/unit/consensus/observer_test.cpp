// Observer: follows committed blocks with certificates, in order; refuses
// blocks whose certificate does not verify; catches up by state transfer
// (whole or chunked) when blocks cannot do it.
#include "replex/consensus/observer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>

#include "replex/consensus/snapshot_chunks.hpp"
#include "replex/core/overloaded.hpp"
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

// --- catch-up by state transfer ----------------------------------------------------------------

template <typename T>
std::vector<T> all_of(const std::vector<Action>& actions) {
  std::vector<T> out;
  for (const Action& a : actions) {
    if (const auto* t = std::get_if<T>(&a)) out.push_back(*t);
  }
  return out;
}

std::vector<Height> commit_heights(const std::vector<Action>& actions) {
  std::vector<Height> out;
  for (const CommitBlock& c : all_of<CommitBlock>(actions)) out.push_back(c.committed.height());
  return out;
}

template <typename T>
std::ptrdiff_t first_index_of(const std::vector<Action>& actions) {
  auto it = std::find_if(actions.begin(), actions.end(),
                         [](const Action& a) { return std::holds_alternative<T>(a); });
  return it == actions.end() ? -1 : it - actions.begin();
}

// Drives an observer as a node's host would, against a cluster's validators:
// requests are answered by the cluster's harness (Cluster::*_answer), chunks
// are spooled, an InstallState is confirmed (or refused), and the fetch timer
// fires when the clock passes its deadline. Everything the observer emitted
// is kept in order.
class DrivenObserver {
 public:
  DrivenObserver(Cluster& c, Height committed_height, const Hash256& committed_hash)
      : c_(c), now_(c.now_ms()) {
    auto o = Observer::create(c.config(), test_chain(), c.validators(), committed_height,
                              committed_hash);
    EXPECT_TRUE(o.is_ok()) << o.status().to_string();
    observer_.emplace(std::move(o).value());
  }

  Observer& observer() { return *observer_; }
  const std::vector<Action>& log() const { return log_; }
  const Bytes& spool() const { return spool_; }
  // The next InstallState is refused (the application could not restore it).
  bool refuse_next_install = false;

  void start() {
    perform(observer_->start(now_));
    drain();
  }
  void feed(Event event) {
    inputs_.push_back(std::move(event));
    drain();
  }
  // Moves the clock on, firing the fetch timer whenever it is due.
  void advance(std::uint64_t ms) {
    const std::uint64_t target = now_ + ms;
    while (deadline_ && *deadline_ <= target) {
      now_ = std::max(now_, *deadline_);
      deadline_.reset();
      feed(TimerFired{TimerKind::kFetch});
    }
    now_ = target;
  }

 private:
  void drain() {
    while (!inputs_.empty()) {
      Event event = std::move(inputs_.front());
      inputs_.pop_front();
      perform(observer_->handle({now_, std::move(event)}));
    }
  }

  void perform(std::vector<Action> actions) {
    for (Action& action : actions) {
      log_.push_back(action);
      std::visit(Overloaded{
                     [&](SetTimer& a) { deadline_ = a.deadline_ms; },
                     [&](CancelTimer&) { deadline_.reset(); },
                     [&](RequestBlocks& a) {
                       if (auto answer = c_.blocks_answer(a)) inputs_.push_back(std::move(*answer));
                     },
                     [&](RequestState& a) {
                       if (auto answer = c_.state_answer(a)) inputs_.push_back(std::move(*answer));
                     },
                     [&](RequestChunk& a) {
                       if (auto answer = c_.chunk_answer(a)) inputs_.push_back(std::move(*answer));
                     },
                     [&](StoreChunk& a) {
                       if (spool_height_ != a.height) {
                         spool_height_ = a.height;
                         spool_.assign(a.total_bytes, 0);
                       }
                       ASSERT_LE(a.offset + a.chunk.size(), spool_.size());
                       std::copy(a.chunk.begin(), a.chunk.end(),
                                 spool_.begin() + static_cast<std::ptrdiff_t>(a.offset));
                     },
                     [&](InstallState& a) {
                       Status status = Status::ok();
                       if (refuse_next_install) {
                         refuse_next_install = false;
                         status = Status::invalid_argument("restore: refused by the test");
                       }
                       inputs_.push_back(
                           StateInstalled{a.anchor.height(), a.anchor.block_hash, status});
                     },
                     [](auto&) {},
                 },
                 action);
    }
  }

  Cluster& c_;
  std::optional<Observer> observer_;
  std::uint64_t now_;
  std::optional<std::uint64_t> deadline_;
  std::deque<Event> inputs_;
  std::vector<Action> log_;
  Height spool_height_ = 0;
  Bytes spool_;
};

// Four validators at height 13 with a stable checkpoint at 10; their stores
// are asked for no old blocks (serve_blocks off): peers that installed state
// themselves hold blocks only from their anchor on.
class ObserverStateTransfer : public ::testing::Test {
 protected:
  void build(Config config = test_config()) {
    c_ = std::make_unique<Cluster>(4, config);
    for (int i = 0; i < 130; ++i) c_->submit_all("tx-" + std::to_string(i));
    c_->advance(300);
    ASSERT_EQ(c_->replica(0).committed_height(), 13u);
    for (ValidatorIndex i = 0; i < 4; ++i) ASSERT_TRUE(c_->node(i).proofs.contains(10));
    c_->serve_blocks = false;
  }

  static Config small_chunks() {
    Config config = test_config();
    config.state_chunk_bytes = 64;
    return config;
  }

  CertifiedBlockBytes stored(Height h) {
    const CertifiedBlock& b = c_->node(2).blocks.at(h);
    return {b.block_bytes, b.certificate_bytes};
  }

  // A fresh observer that learns of height 13 from a push by validator 1.
  std::unique_ptr<DrivenObserver> fresh_observer_told_of_the_tip() {
    auto d = std::make_unique<DrivenObserver>(*c_, 0, test_chain().genesis_hash);
    d->start();
    d->feed(BlocksReceived{1, {stored(13)}});
    return d;
  }

  std::uint64_t timeout() const { return c_->config().fetch_timeout_ms; }

  std::unique_ptr<Cluster> c_;
};

TEST_F(ObserverStateTransfer, AnObserverWhosePeersLackTheEarlyBlocksInstallsAWholeSnapshot) {
  build();
  auto d = fresh_observer_told_of_the_tip();
  EXPECT_TRUE(all_of<RequestState>(d->log()).empty()) << "its first block request is pending";
  d->advance(10 * timeout());
  const auto requests = all_of<RequestState>(d->log());
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests.front().above_height, 0u);
  EXPECT_FALSE(requests.front().target.has_value()) << "an observer sees no CHECKPOINT";
  EXPECT_EQ(requests.front().chunk_bytes, c_->config().state_chunk_bytes);
  const auto installs = all_of<InstallState>(d->log());
  ASSERT_EQ(installs.size(), 1u);
  EXPECT_FALSE(installs[0].spooled);
  EXPECT_EQ(installs[0].anchor.height(), 10u);
  EXPECT_EQ(installs[0].snapshot, c_->node(1).snapshots.at(10));
  // The answer's later blocks commit in order after the install, nothing before it.
  EXPECT_EQ(commit_heights(d->log()), (std::vector<Height>{11, 12, 13}));
  EXPECT_LT(first_index_of<InstallState>(d->log()), first_index_of<CommitBlock>(d->log()));
  EXPECT_EQ(d->observer().committed_height(), 13u);
  EXPECT_EQ(d->observer().committed_hash(), c_->node(0).blocks.at(13).block_hash);
  EXPECT_TRUE(all_of<EvidenceFound>(d->log()).empty());
}

TEST_F(ObserverStateTransfer, AnObserverInstallsAStateOfferedInChunks) {
  build(small_chunks());
  c_->chunked_state = true;
  auto d = fresh_observer_told_of_the_tip();
  d->advance(10 * timeout());
  const Bytes& snapshot = c_->node(1).snapshots.at(10);
  const SnapshotLayout layout{snapshot.size(), 64};
  ASSERT_GE(layout.chunk_count(), 4u) << "a state of several chunks";
  EXPECT_EQ(all_of<RequestChunk>(d->log()).size(), layout.chunk_count());
  // Every chunk stored once, verified; together they are the snapshot.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const StoreChunk& s : all_of<StoreChunk>(d->log())) {
    EXPECT_EQ(s.height, 10u);
    EXPECT_EQ(s.total_bytes, snapshot.size());
    ranges.emplace_back(s.offset, s.offset + s.chunk.size());
  }
  std::sort(ranges.begin(), ranges.end());
  ASSERT_EQ(ranges.size(), layout.chunk_count());
  std::uint64_t covered = 0;
  for (const auto& [from, to] : ranges) {
    EXPECT_EQ(from, covered);
    covered = to;
  }
  EXPECT_EQ(covered, snapshot.size());
  EXPECT_EQ(d->spool(), snapshot);
  const auto installs = all_of<InstallState>(d->log());
  ASSERT_EQ(installs.size(), 1u);
  EXPECT_TRUE(installs[0].spooled);
  EXPECT_TRUE(installs[0].snapshot.empty());
  EXPECT_EQ(installs[0].anchor.height(), 10u);
  EXPECT_EQ(commit_heights(d->log()), (std::vector<Height>{11, 12, 13}));
  EXPECT_LT(first_index_of<InstallState>(d->log()), first_index_of<CommitBlock>(d->log()));
  EXPECT_EQ(d->observer().committed_hash(), c_->node(0).blocks.at(13).block_hash);
  EXPECT_TRUE(all_of<EvidenceFound>(d->log()).empty());
}

TEST_F(ObserverStateTransfer, ALyingPeersChunkIsBlamedOnItAndTheNextPeerIsAsked) {
  build(small_chunks());
  c_->chunked_state = true;
  c_->chunk_liar = 1;  // the peer that pushed the tip, so asked first for state and chunks
  auto d = fresh_observer_told_of_the_tip();
  d->advance(10 * timeout());
  const auto evidence = all_of<EvidenceFound>(d->log());
  ASSERT_EQ(evidence.size(), 1u);
  EXPECT_EQ(evidence[0].evidence.kind, EvidenceKind::kInvalidStateTransfer);
  EXPECT_EQ(evidence[0].evidence.validator, std::optional<ValidatorIndex>(1));
  const auto chunks = all_of<RequestChunk>(d->log());
  ASSERT_GE(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].peers.front(), 1u);
  EXPECT_EQ(chunks[1].index, chunks[0].index) << "the same chunk again";
  EXPECT_NE(chunks[1].peers.front(), 1u) << "from the next peer";
  EXPECT_EQ(all_of<InstallState>(d->log()).size(), 1u);
  EXPECT_EQ(d->spool(), c_->node(0).snapshots.at(10));
  EXPECT_EQ(d->observer().committed_height(), 13u);
}

TEST_F(ObserverStateTransfer, ASilentPeerTimesOutAndTheTransferMovesOn) {
  build(small_chunks());
  c_->chunked_state = true;
  c_->chunk_budget[1] = 1;  // serves one chunk, then stays silent
  auto d = fresh_observer_told_of_the_tip();
  d->advance(20 * timeout());
  const auto chunks = all_of<RequestChunk>(d->log());
  ASSERT_GE(chunks.size(), 3u);
  EXPECT_EQ(chunks[1].peers.front(), 1u);  // unanswered
  EXPECT_EQ(chunks[2].index, chunks[1].index);
  EXPECT_NE(chunks[2].peers.front(), 1u);
  const SnapshotLayout layout{c_->node(0).snapshots.at(10).size(), 64};
  EXPECT_EQ(chunks.size(), layout.chunk_count() + 1) << "one chunk asked twice, none lost";
  EXPECT_EQ(all_of<InstallState>(d->log()).size(), 1u);
  EXPECT_EQ(d->observer().committed_height(), 13u);
  EXPECT_TRUE(all_of<EvidenceFound>(d->log()).empty()) << "silence is no proof";
}

TEST_F(ObserverStateTransfer, ATransferNoPeerServesIsGivenUpAfterEveryPeerMissedTwice) {
  build(small_chunks());
  c_->chunked_state = true;
  for (ValidatorIndex p = 0; p < 4; ++p) c_->chunk_budget[p] = 0;
  auto d = fresh_observer_told_of_the_tip();
  d->advance(2 * timeout());  // the state request was answered with an offer
  ASSERT_EQ(all_of<RequestChunk>(d->log()).size(), 1u);
  const std::size_t before = d->log().size();
  d->advance(8 * timeout());
  EXPECT_EQ(all_of<RequestChunk>(d->log()).size(), 8u) << "four peers, twice each";
  EXPECT_TRUE(all_of<InstallState>(d->log()).empty());
  // Then catch-up goes on with other requests.
  const std::vector<Action> after(d->log().begin() + static_cast<std::ptrdiff_t>(before),
                                  d->log().end());
  EXPECT_FALSE(all_of<RequestBlocks>(after).empty() && all_of<RequestState>(after).empty());
  // Peers serve again: a new offer, a new transfer, the state installed.
  c_->chunk_budget.clear();
  d->advance(10 * timeout());
  EXPECT_EQ(all_of<InstallState>(d->log()).size(), 1u);
  EXPECT_EQ(d->observer().committed_height(), 13u);
}

// The chain moves on by several intervals while a state arrives: after the
// install the observer fetches the blocks it missed, not the next snapshot.
TEST_F(ObserverStateTransfer, AfterASlowTransferTheRestIsCaughtUpByBlocks) {
  build(small_chunks());
  c_->chunked_state = true;
  for (ValidatorIndex p = 0; p < 4; ++p) c_->chunk_budget[p] = 0;
  auto d = fresh_observer_told_of_the_tip();
  d->advance(2 * timeout());  // offered the state at 10; no chunk yet
  ASSERT_EQ(all_of<RequestChunk>(d->log()).size(), 1u);
  for (int i = 130; i < 330; ++i) c_->submit_all("tx-" + std::to_string(i));
  c_->advance(300);
  const Height tip = c_->replica(0).committed_height();
  ASSERT_GE(tip, 30u);
  c_->serve_blocks = true;
  c_->chunk_budget.clear();
  d->feed(BlocksReceived{1, {stored(tip)}});
  d->advance(20 * timeout());
  const auto installs = all_of<InstallState>(d->log());
  ASSERT_EQ(installs.size(), 1u);
  EXPECT_EQ(installs[0].anchor.height(), 10u);
  EXPECT_EQ(d->observer().committed_height(), tip);
  EXPECT_EQ(d->observer().committed_hash(), c_->node(0).blocks.at(tip).block_hash);
}

TEST_F(ObserverStateTransfer, AFailedInstallLeavesTheStateUnchangedAndCatchUpAsksAgain) {
  build();
  auto d = fresh_observer_told_of_the_tip();
  d->refuse_next_install = true;
  d->advance(2 * timeout());  // the first state answer arrives and its install is refused
  ASSERT_EQ(all_of<InstallState>(d->log()).size(), 1u);
  EXPECT_EQ(d->observer().committed_height(), 0u);
  EXPECT_TRUE(commit_heights(d->log()).empty());
  d->advance(10 * timeout());
  EXPECT_EQ(all_of<RequestState>(d->log()).size(), 2u);
  EXPECT_EQ(all_of<InstallState>(d->log()).size(), 2u);
  EXPECT_EQ(commit_heights(d->log()), (std::vector<Height>{11, 12, 13}));
  EXPECT_EQ(d->observer().committed_height(), 13u);
}

TEST_F(ObserverStateTransfer, AnObserverCloseBehindStillCatchesUpByBlocks) {
  build();
  DrivenObserver d(*c_, 10, c_->node(0).blocks.at(10).block_hash);
  d.start();
  d.feed(BlocksReceived{1, {stored(13)}});  // 3 behind: less than a checkpoint interval
  d.advance(timeout());                      // unanswered
  c_->serve_blocks = true;
  d.advance(timeout());
  EXPECT_EQ(commit_heights(d.log()), (std::vector<Height>{11, 12, 13}));
  EXPECT_TRUE(all_of<RequestState>(d.log()).empty());
  for (const RequestBlocks& r : all_of<RequestBlocks>(d.log())) EXPECT_EQ(r.from_height, 11u);
}

TEST_F(ObserverStateTransfer, AnObserverCloseBehindAsksForStateOnceEveryPeerLackedTheBlocks) {
  build();
  DrivenObserver d(*c_, 9, c_->node(0).blocks.at(9).block_hash);
  d.start();
  d.feed(BlocksReceived{1, {stored(13)}});  // 4 behind
  d.advance(3 * timeout());
  EXPECT_TRUE(all_of<RequestState>(d.log()).empty());
  d.advance(timeout());  // the fourth unanswered block request: every validator was asked
  EXPECT_EQ(all_of<RequestBlocks>(d.log()).size(), 4u);
  ASSERT_EQ(all_of<RequestState>(d.log()).size(), 1u);
  EXPECT_EQ(all_of<RequestState>(d.log())[0].above_height, 9u);
  EXPECT_EQ(all_of<InstallState>(d.log()).size(), 1u);
  EXPECT_EQ(commit_heights(d.log()), (std::vector<Height>{11, 12, 13}));
}

}  // namespace
}  // namespace replex::consensus::testing
