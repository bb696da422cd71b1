#include "replex/core/status.hpp"

#include <gtest/gtest.h>

namespace replex {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Status::invalid_argument("v: must be positive, got " + std::to_string(v));
  return v;
}

Result<int> doubled(int v) {
  REPLEX_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

Status check(int v) {
  REPLEX_RETURN_IF_ERROR(parse_positive(v).status());
  return Status::ok();
}

TEST(Status, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.is_ok());
  EXPECT_EQ(s.to_string(), "OK");
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = Status::invalid_argument("price: not on tick");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.to_string(), "INVALID_ARGUMENT: price: not on tick");
  EXPECT_EQ(s.with_context("order: ").message(), "order: price: not on tick");
}

TEST(Result, ValueAndErrorPropagate) {
  EXPECT_EQ(*doubled(4), 8);
  Result<int> bad = doubled(-1);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(), "v: must be positive, got -1");
  EXPECT_TRUE(check(1).is_ok());
  EXPECT_EQ(check(0).code(), StatusCode::kInvalidArgument);
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> bad = Status::not_found("nothing");
  EXPECT_DEATH((void)bad.value(), "nothing");
}

}  // namespace
}  // namespace replex
