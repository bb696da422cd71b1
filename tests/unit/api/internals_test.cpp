// The API's building blocks: commit waiters, read views, the account index.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <variant>
#include <vector>

#include "replex/api/commit_waiters.hpp"
#include "replex/api/read_views.hpp"
#include "replex/core/ed25519.hpp"
#include "replex/core/hash.hpp"

namespace replex::api {
namespace {

TEST(CommitWaiters, AnswersWaitersOfTheBlocksTransactions) {
  CommitWaiters waiters(4);
  const Hash256 a = sha256("a"), b = sha256("b"), c = sha256("c");
  std::vector<CommitWaiters::Answer> answers_a, answers_c;
  auto record = [](std::vector<CommitWaiters::Answer>& into) {
    return [&into](CommitWaiters::Answer answer) { into.push_back(answer); };
  };
  auto wa = waiters.add(a, record(answers_a));
  auto wa2 = waiters.add(a, record(answers_a));
  auto wc = waiters.add(c, record(answers_c));
  ASSERT_TRUE(wa && wa2 && wc);
  const Hash256 hashes[] = {b, a};
  const std::uint32_t codes[] = {0, 14};
  waiters.notify_block(7, hashes, codes);
  ASSERT_EQ(answers_a.size(), 2u) << "each waiter of a is answered once";
  EXPECT_TRUE(answers_c.empty());
  for (const auto& answer : answers_a) {
    const auto* commit = std::get_if<CommitInfo>(&answer);
    ASSERT_NE(commit, nullptr);
    EXPECT_EQ(commit->height, 7u);
    EXPECT_EQ(commit->index, 1u);
    EXPECT_EQ(commit->code, 14u);
  }
  EXPECT_EQ(waiters.size(), 1u);
  waiters.remove(wc);
  EXPECT_EQ(waiters.size(), 0u);
}

TEST(CommitWaiters, IsBoundedAndClosesWithNoAnswer) {
  CommitWaiters waiters(1);
  std::vector<CommitWaiters::Answer> answers;
  auto record = [&answers](CommitWaiters::Answer answer) { answers.push_back(answer); };
  auto first = waiters.add(sha256("x"), record);
  ASSERT_TRUE(first);
  EXPECT_EQ(waiters.add(sha256("y"), record), nullptr);
  waiters.close();
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<CommitWaiters::Closed>(answers[0]));
  EXPECT_EQ(waiters.add(sha256("z"), record), nullptr);
}

// A transaction the mempool drops after admission (after a state transfer,
// a skipped block used its nonce) never commits here: its waiters learn so at
// once instead of waiting out their deadline.
TEST(CommitWaiters, AnswersWaitersOfAnEvictedTransaction) {
  CommitWaiters waiters(4);
  const Hash256 a = sha256("a"), b = sha256("b");
  std::vector<CommitWaiters::Answer> answers_a, answers_b;
  auto wa = waiters.add(a, [&](CommitWaiters::Answer answer) { answers_a.push_back(answer); });
  auto wb = waiters.add(b, [&](CommitWaiters::Answer answer) { answers_b.push_back(answer); });
  ASSERT_TRUE(wa && wb);
  waiters.notify_evicted({a, consensus::TxVerdict::kEvicted, 7, "DUPLICATE_NONCE: nonce 3 already used"});
  ASSERT_EQ(answers_a.size(), 1u);
  const auto* evicted = std::get_if<consensus::TxStatusReport>(&answers_a[0]);
  ASSERT_NE(evicted, nullptr);
  EXPECT_EQ(evicted->tx_hash, a);
  EXPECT_EQ(evicted->app_code, 7u);
  EXPECT_EQ(evicted->message, "DUPLICATE_NONCE: nonce 3 already used");
  EXPECT_TRUE(answers_b.empty());
  EXPECT_EQ(waiters.size(), 1u) << "the evicted transaction's waiter is gone";
  waiters.notify_evicted({a, consensus::TxVerdict::kEvicted, 7, "again"});
  EXPECT_EQ(answers_a.size(), 1u) << "answered once";
}

// A committed block reaches the state before its tx index: a lookup asked
// for while execution tasks are outstanding runs once those are done (closing
// does not hurry it), else at once.
TEST(CommitWaiters, WhenIndexedWaitsForTheTasksPostedBeforeIt) {
  CommitWaiters waiters(4);
  int ran = 0;
  waiters.when_indexed([&](bool) { ++ran; });
  EXPECT_EQ(ran, 1) << "no task outstanding";
  waiters.task_posted();
  waiters.task_posted();
  waiters.when_indexed([&](bool) { ++ran; });  // waits for both
  waiters.task_done();
  waiters.task_posted();                  // a later one it does not wait for
  EXPECT_EQ(ran, 1);
  waiters.task_done();
  EXPECT_EQ(ran, 2);
  waiters.when_indexed([&](bool) { ++ran; });
  waiters.close();
  EXPECT_EQ(ran, 2) << "the block under way is not indexed yet";
  waiters.task_done();
  EXPECT_EQ(ran, 3);
}

// Callers that gave up leave their lookups queued; a long install must not
// let them grow without bound: max_waiters wait, the next runs at once.
TEST(CommitWaiters, AtMostMaxWaitersLookupsWaitForTheIndex) {
  CommitWaiters waiters(2);
  int ran = 0;
  waiters.task_posted();
  waiters.when_indexed([&](bool) { ++ran; });
  waiters.when_indexed([&](bool) { ++ran; });
  EXPECT_EQ(ran, 0);
  waiters.when_indexed([&](bool) { ++ran; });
  EXPECT_EQ(ran, 1) << "beyond the bound: at once";
  waiters.task_done();
  EXPECT_EQ(ran, 3);
  waiters.task_posted();
  waiters.when_indexed([&](bool) { ++ran; });  // room again
  EXPECT_EQ(ran, 3);
  waiters.task_done();
  EXPECT_EQ(ran, 4);
}

// After a failure the execution thread drops its tasks: the index stays
// behind the blocks committed before, so no lookup may trust it any more.
TEST(CommitWaiters, OnceATaskIsDroppedLookupsAreToldTheIndexIsIncomplete) {
  CommitWaiters waiters(4);
  std::vector<bool> told;
  const auto record = [&](bool indexed) { told.push_back(indexed); };
  waiters.task_posted();
  waiters.task_posted();
  waiters.when_indexed(record);
  waiters.task_done();
  waiters.task_dropped();
  EXPECT_EQ(told, std::vector<bool>{false}) << "waited for the dropped task";
  waiters.when_indexed(record);
  waiters.task_posted();
  waiters.when_indexed(record);
  waiters.task_done();  // a later task that ran does not mend the index
  EXPECT_EQ(told, (std::vector<bool>{false, false, false}));
}

TEST(ReadViews, PublishedViewsStayValidAndWakeWaiters) {
  ReadViews views;
  auto held = views.chain();
  EXPECT_EQ(held->height, 0u);
  std::thread publisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto next = std::make_shared<ChainView>();
    next->height = 3;
    views.publish_chain(std::move(next));
  });
  EXPECT_EQ(views.wait_for_height(3, std::chrono::seconds(10)), 3u);
  publisher.join();
  EXPECT_EQ(held->height, 0u) << "a reader's snapshot never changes under it";
  EXPECT_EQ(views.wait_for_height(9, std::chrono::milliseconds(10)), 3u);
  views.close();
  EXPECT_TRUE(views.closed());
  EXPECT_EQ(views.wait_for_height(9, std::chrono::seconds(10)), 3u);  // returns at once once closed
}

TEST(AccountIndex, CopiesOnWriteAndKeepsOldIndicesIntact) {
  const KeyPair a = KeyPair::from_label("a"), b = KeyPair::from_label("b");
  AccountIndex empty;
  EXPECT_EQ(empty.find(a.public_key()), nullptr);
  auto view_a = std::make_shared<const AccountView>(AccountView{a.public_key(), {{0, 5, 1}}});
  const AccountIndex one = empty.with({view_a});
  EXPECT_EQ(one.size(), 1u);
  EXPECT_EQ(one.find(a.public_key()), view_a);
  auto view_a2 = std::make_shared<const AccountView>(AccountView{a.public_key(), {{0, 4, 2}}});
  auto view_b = std::make_shared<const AccountView>(AccountView{b.public_key(), {}});
  const AccountIndex two = one.with({view_a2, view_b});
  EXPECT_EQ(two.size(), 2u);
  EXPECT_EQ(two.find(a.public_key()), view_a2);
  EXPECT_EQ(one.find(a.public_key()), view_a) << "the older index is untouched";
  EXPECT_EQ(one.find(b.public_key()), nullptr);
}

}  // namespace
}  // namespace replex::api
