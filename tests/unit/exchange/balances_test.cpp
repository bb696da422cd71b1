// Balances (private to the exchange module): cells inline for the first
// assets and on the heap beyond, each independent and kept by a move.
#include "balances.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace replex::exchange {
namespace {

void fill(Balances& b) {
  for (AssetIndex a = 0; a < b.size(); ++a) b[a] = BalanceCell{100 + a, 200 + a};
}

void expect_filled(const Balances& b) {
  for (AssetIndex a = 0; a < b.size(); ++a) {
    EXPECT_EQ(b[a].available, 100u + a) << a;
    EXPECT_EQ(b[a].locked, 200u + a) << a;
  }
}

TEST(Balances, CellsInlineAndSpilledAreIndependentAndSurviveAMove) {
  for (const std::size_t assets : {std::size_t{0}, std::size_t{1}, Balances::kInline, Balances::kInline + 1,
                                   Balances::kInline + 7}) {
    Balances b(assets);
    ASSERT_EQ(b.size(), assets);
    for (AssetIndex a = 0; a < assets; ++a) EXPECT_EQ(b[a].available + b[a].locked, 0u);
    fill(b);
    expect_filled(b);
    Balances moved(std::move(b));
    ASSERT_EQ(moved.size(), assets);
    expect_filled(moved);
    Balances assigned;
    assigned = std::move(moved);
    expect_filled(assigned);
  }
}

}  // namespace
}  // namespace replex::exchange
