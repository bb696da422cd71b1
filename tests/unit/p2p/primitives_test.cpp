// The private building blocks: token bucket, back-off, seen-set, address book.
#include <gtest/gtest.h>

#include "address_book.hpp"
#include "backoff.hpp"
#include "seen_set.hpp"
#include "replex/core/token_bucket.hpp"

namespace replex::p2p {
namespace {

using std::chrono::milliseconds;

TEST(TokenBucket, StartsFullRefillsAtRateAndCapsAtBurst) {
  const auto t0 = TokenBucket::Clock::time_point{} + std::chrono::hours(1);
  TokenBucket bucket(100, 10, t0);  // 100 tokens/s, burst 10
  EXPECT_TRUE(bucket.try_take(10, t0));
  EXPECT_FALSE(bucket.try_take(1, t0));
  EXPECT_FALSE(bucket.try_take(2, t0 + milliseconds(10)));  // one token back
  EXPECT_TRUE(bucket.try_take(1, t0 + milliseconds(10)));
  EXPECT_TRUE(bucket.try_take(5, t0 + milliseconds(60)));
  // A long pause refills only up to the burst.
  EXPECT_NEAR(bucket.available(t0 + std::chrono::hours(1)), 10.0, 1e-9);
  EXPECT_FALSE(bucket.try_take(11, t0 + std::chrono::hours(1)));
  EXPECT_TRUE(bucket.try_take(10, t0 + std::chrono::hours(1)));
}

TEST(TokenBucket, GivenBackTokensNeverExceedTheBurst) {
  const auto t0 = TokenBucket::Clock::time_point{} + std::chrono::hours(1);
  TokenBucket bucket(100, 10, t0);
  EXPECT_TRUE(bucket.try_take(8, t0));
  bucket.give_back(5, t0);
  EXPECT_NEAR(bucket.available(t0), 7.0, 1e-9);
  bucket.give_back(50, t0);
  EXPECT_NEAR(bucket.available(t0), 10.0, 1e-9);
}

TEST(Backoff, DoublesFromMinToMaxWithBoundedJitter) {
  EXPECT_EQ(backoff_delay(0, 100, 10'000, 0.5), milliseconds(100));
  EXPECT_EQ(backoff_delay(1, 100, 10'000, 0.5), milliseconds(200));
  EXPECT_EQ(backoff_delay(3, 100, 10'000, 0.5), milliseconds(800));
  EXPECT_EQ(backoff_delay(20, 100, 10'000, 0.5), milliseconds(10'000));
  EXPECT_EQ(backoff_delay(1000, 100, 10'000, 0.5), milliseconds(10'000));  // no overflow
  EXPECT_EQ(backoff_delay(2, 100, 10'000, 0.0), milliseconds(300));        // -25%
  EXPECT_LE(backoff_delay(20, 100, 10'000, 0.99), milliseconds(10'000));   // never above max
  EXPECT_GE(backoff_delay(0, 1, 1, 0.0), milliseconds(1));
}

TEST(SeenSet, FirstSightingIsNewAndHoldersAreSkipped) {
  GossipDigester digester;
  SeenSet seen(100);
  const Hash256 d = digester.digest(Channel::kTransactions, Bytes{1, 2, 3});
  EXPECT_TRUE(seen.observe(d, 7));
  EXPECT_FALSE(seen.observe(d, 8));
  auto skip = seen.start_forwarding(d);
  ASSERT_TRUE(skip.has_value());
  EXPECT_EQ(*skip, (std::vector<ConnectionId>{7, 8}));
  EXPECT_FALSE(seen.start_forwarding(d).has_value());  // never twice
  // Local payloads: forwarded to everyone once.
  const Hash256 local = digester.digest(Channel::kTransactions, Bytes{9});
  auto none = seen.start_forwarding(local);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(seen.observe(local, 3));  // arriving later: not delivered
}

TEST(SeenSet, DigestSeparatesChannelsAndKeys) {
  GossipDigester a;
  GossipDigester b;
  const Bytes payload = {4, 5};
  EXPECT_NE(a.digest(Channel::kTransactions, payload), a.digest(Channel::kBlocks, payload));
  EXPECT_EQ(a.digest(Channel::kBlocks, payload), a.digest(Channel::kBlocks, payload));
  EXPECT_NE(a.digest(Channel::kBlocks, payload), b.digest(Channel::kBlocks, payload));  // per-process key
}

TEST(SeenSet, EvictsOldestAtCapacity) {
  GossipDigester digester;
  SeenSet seen(3);
  std::vector<Hash256> d;
  for (std::uint8_t i = 0; i < 5; ++i) {
    d.push_back(digester.digest(Channel::kTransactions, Bytes{i}));
    seen.observe(d.back(), 1);
  }
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_FALSE(seen.contains(d[0]));
  EXPECT_FALSE(seen.contains(d[1]));
  EXPECT_TRUE(seen.contains(d[4]));
}

TEST(SeenSet, KeepsAtMostMaxHolders) {
  GossipDigester digester;
  SeenSet seen(10);
  const Hash256 d = digester.digest(Channel::kTransactions, Bytes{1});
  for (ConnectionId c = 1; c <= 10; ++c) seen.observe(d, c);
  EXPECT_EQ(seen.start_forwarding(d)->size(), SeenSet::kMaxHolders);
}

TEST(AddressBook, BoundedPickableAndBackedOff) {
  AddressBook book(2, 2);
  const auto id = [](std::string_view l) { return KeyPair::from_label(l).public_key(); };
  const NodeId source = id("source");
  book.add({id("a"), "10.0.0.1", 1}, source);
  book.add({id("b"), "10.0.0.2", 2}, source);
  book.add({id("c"), "10.0.0.3", 3}, source);  // evicts a
  EXPECT_EQ(book.size(), 2u);
  EXPECT_FALSE(book.contains(id("a")));
  std::mt19937_64 rng(1);
  const auto now = AddressBook::Clock::now();
  const auto all = [](const NodeId&) { return true; };
  EXPECT_EQ(book.pick(10, now, all, rng).size(), 2u);
  EXPECT_EQ(book.pick(1, now, all, rng).size(), 1u);
  book.record_failure(id("b"), now + std::chrono::seconds(5));
  EXPECT_EQ(book.failures(id("b")), 1u);
  auto picked = book.pick(10, now, all, rng);
  ASSERT_EQ(picked.size(), 1u);
  EXPECT_EQ(picked[0].id, id("c"));
  EXPECT_EQ(book.pick(10, now + std::chrono::seconds(6), all, rng).size(), 2u);
  book.record_success(id("b"));
  EXPECT_EQ(book.failures(id("b")), 0u);
  const auto not_c = [&](const NodeId& n) { return n != id("c"); };
  EXPECT_EQ(book.pick(10, now, not_c, rng).size(), 1u);
}

NodeId numbered_id(std::string_view prefix, std::size_t i) {
  return KeyPair::from_label(std::string(prefix) + std::to_string(i)).public_key();
}

// Issue 12 item 4: one peer's PEX answers used to evict every other entry.
TEST(AddressBook, OnePeersAnswersEvictOnlyItsOwnBucket) {
  constexpr std::size_t kCapacity = 1024;
  constexpr std::size_t kPerSource = 64;
  AddressBook book(kCapacity, kPerSource);
  const NodeId honest = numbered_id("honest", 0);
  for (std::size_t i = 0; i < 40; ++i) book.add({numbered_id("good", i), "10.0.0.1", 1}, honest);
  // A full book's worth from one source, in answers of 64 addresses.
  const NodeId flooder = numbered_id("flooder", 0);
  for (std::size_t i = 0; i < kCapacity; ++i) book.add({numbered_id("sybil", i), "10.6.6.6", 6}, flooder);
  for (std::size_t i = 0; i < 40; ++i) EXPECT_TRUE(book.contains(numbered_id("good", i))) << i;
  EXPECT_EQ(book.size_from(flooder), kPerSource);
  EXPECT_EQ(book.size(), 40 + kPerSource);
  // It keeps its newest entries: its own oldest made room.
  EXPECT_TRUE(book.contains(numbered_id("sybil", kCapacity - 1)));
  EXPECT_FALSE(book.contains(numbered_id("sybil", 0)));
}

TEST(AddressBook, AFullBookEvictsFromTheLargestBucket) {
  AddressBook book(6, 4);
  const NodeId a = numbered_id("src-a", 0);
  const NodeId b = numbered_id("src-b", 0);
  for (std::size_t i = 0; i < 4; ++i) book.add({numbered_id("a", i), "10.0.0.1", 1}, a);
  for (std::size_t i = 0; i < 2; ++i) book.add({numbered_id("b", i), "10.0.0.2", 2}, b);
  book.add({numbered_id("b", 2), "10.0.0.2", 2}, b);  // full: a (4) gives up its oldest
  EXPECT_EQ(book.size(), 6u);
  EXPECT_FALSE(book.contains(numbered_id("a", 0)));
  EXPECT_EQ(book.size_from(a), 3u);
  EXPECT_EQ(book.size_from(b), 3u);
}

TEST(AddressBook, AnotherSourceCannotRedirectAWorkingEntry) {
  AddressBook book(8, 8);
  const NodeId honest = numbered_id("src-h", 0);
  const NodeId liar = numbered_id("src-l", 0);
  const NodeId peer = numbered_id("peer", 0);
  book.add({peer, "10.0.0.1", 1}, honest);
  book.add({peer, "10.6.6.6", 6}, liar);
  std::mt19937_64 rng(1);
  const auto all = [](const NodeId&) { return true; };
  auto picked = book.pick(1, AddressBook::Clock::now(), all, rng);
  ASSERT_EQ(picked.size(), 1u);
  EXPECT_EQ(picked[0].ip, "10.0.0.1");
  EXPECT_EQ(book.size_from(liar), 0u);
  // Once dials to it fail, another source's suggestion replaces it.
  book.record_failure(peer, AddressBook::Clock::now());
  book.add({peer, "10.0.0.9", 9}, liar);
  picked = book.pick(1, AddressBook::Clock::now(), all, rng);
  ASSERT_EQ(picked.size(), 1u);
  EXPECT_EQ(picked[0].ip, "10.0.0.9");
  EXPECT_EQ(book.size_from(liar), 1u);
  EXPECT_EQ(book.size_from(honest), 0u);
}

}  // namespace
}  // namespace replex::p2p
