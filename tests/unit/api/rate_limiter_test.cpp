// RateLimiter::admit_up_to: a batch takes one token per order, as many as
// the bucket holds, so a batch never buys more than single requests would.
#include <gtest/gtest.h>

#include "rate_limiter.hpp"

namespace replex::api {
namespace {

TEST(RateLimiter, ABatchTakesOneTokenPerOrderAndNoMoreThanTheBucketHolds) {
  // 1 token/s refills far slower than the test runs.
  RateLimiter limiter(1, 10, 100);
  EXPECT_EQ(limiter.admit("k"), 0u);
  const RateLimiter::Grant first = limiter.admit_up_to("k", 6);
  EXPECT_EQ(first.granted, 6u);
  EXPECT_EQ(first.retry_after_s, 0u);
  const RateLimiter::Grant second = limiter.admit_up_to("k", 6);
  EXPECT_EQ(second.granted, 3u) << "1 + 6 of the burst of 10 were taken";
  EXPECT_GE(second.retry_after_s, 1u);
  EXPECT_GE(limiter.admit("k"), 1u) << "the bucket is empty";
  EXPECT_EQ(limiter.admit_up_to("other", 4).granted, 4u) << "each client has its own bucket";
}

}  // namespace
}  // namespace replex::api
