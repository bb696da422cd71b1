// The node's private building blocks: peer requests and the worker pool.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "peer_request.hpp"
#include "worker_pool.hpp"

namespace replex::node {
namespace {

TEST(PeerRequest, RoundTripsAndRefusesJunk) {
  const PeerRequest blocks{PeerRequestKind::kBlocks, 5, 9};
  EXPECT_EQ(decode_peer_request(encode_peer_request(blocks)).value(), blocks);
  const PeerRequest state{PeerRequestKind::kState, 100, 0};
  EXPECT_EQ(decode_peer_request(encode_peer_request(state)).value(), state);
  Bytes bad = encode_peer_request(blocks);
  bad[0] = 3;
  EXPECT_NE(decode_peer_request(bad).status().message().find("request.kind"), std::string::npos);
  Bytes longer = encode_peer_request(blocks);
  longer.push_back(0);
  EXPECT_FALSE(decode_peer_request(longer).is_ok());
  EXPECT_FALSE(decode_peer_request(Bytes{1, 0, 0}).is_ok());
}

TEST(WorkerPool, RefusesWorkBeyondItsBoundAndRunsTheRest) {
  WorkerPool pool(1, 2);
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  auto job = [&] {
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ran.fetch_add(1);
  };
  EXPECT_TRUE(pool.try_post(job));
  EXPECT_TRUE(pool.try_post(job));
  EXPECT_FALSE(pool.try_post(job));
  EXPECT_EQ(pool.refused(), 1u);
  release.store(true);
  pool.stop();
  EXPECT_EQ(ran.load(), 2);
  EXPECT_FALSE(pool.try_post(job));
}

}  // namespace
}  // namespace replex::node
