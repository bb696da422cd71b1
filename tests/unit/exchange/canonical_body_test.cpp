// canonical::read_body (private to the exchange module) against protobuf:
// whenever it accepts bytes, protobuf parses them to the same values. Checked
// on real bodies and on many mutations of them (flipped bits, cut, spliced,
// extended), which also exercise its refusals.
#include "canonical_body.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "replex/exchange/tx_builder.hpp"

namespace replex::exchange {
namespace {

void expect_same(const canonical::PlaceOrderFields& f, const v1::PlaceOrder& p) {
  EXPECT_EQ(f.market(), p.market());
  EXPECT_EQ(f.side(), p.side());
  EXPECT_EQ(f.type(), p.type());
  EXPECT_EQ(f.time_in_force(), p.time_in_force());
  EXPECT_EQ(f.post_only(), p.post_only());
  EXPECT_EQ(f.price(), p.price());
  EXPECT_EQ(f.quantity(), p.quantity());
  EXPECT_EQ(f.stop_price(), p.stop_price());
  EXPECT_EQ(f.display_quantity(), p.display_quantity());
  EXPECT_EQ(f.protection_price(), p.protection_price());
  EXPECT_EQ(f.quote_budget(), p.quote_budget());
  EXPECT_EQ(f.client_order_id(), p.client_order_id());
  EXPECT_EQ(f.self_trade_prevention(), p.self_trade_prevention());
}

void expect_same(const canonical::CancelOrderFields& f, const v1::CancelOrder& c) {
  EXPECT_EQ(f.market(), c.market());
  EXPECT_EQ(f.target_case(), c.target_case());
  EXPECT_EQ(f.order_id(), c.order_id());
  EXPECT_EQ(f.client_order_id(), c.client_order_id());
}

// Returns whether the fast path accepted `bytes`; if so, protobuf must agree.
bool check_against_protobuf(const Bytes& bytes) {
  const auto fast = canonical::read_body(bytes);
  if (!fast) return false;
  v1::TransactionBody body;
  EXPECT_TRUE(body.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) << to_hex(bytes);
  EXPECT_EQ(fast->nonce, body.nonce());
  EXPECT_EQ(fast->good_til_height, body.good_til_height());
  if (const auto* place = std::get_if<canonical::PlaceOrderFields>(&fast->kind)) {
    EXPECT_EQ(body.kind_case(), v1::TransactionBody::kPlaceOrder) << to_hex(bytes);
    expect_same(*place, body.place_order());
  } else {
    EXPECT_EQ(body.kind_case(), v1::TransactionBody::kCancelOrder) << to_hex(bytes);
    expect_same(std::get<canonical::CancelOrderFields>(fast->kind), body.cancel_order());
  }
  return true;
}

std::vector<Bytes> sample_bodies() {
  std::vector<Bytes> out;
  PlaceOrderArgs a;
  a.market = "BASE-QUOTE";
  a.side = Side::kSell;
  a.price = 1234;
  a.quantity = 7;
  out.push_back(tx_body::place_order({1, 2}, a));
  a.type = OrderType::kStopLimit;
  a.time_in_force = TimeInForce::kFok;
  a.post_only = true;
  a.stop_price = 1200;
  a.display_quantity = 3;
  a.protection_price = 99;
  a.quote_budget = 1ull << 40;
  a.client_order_id = "c-17:x";
  a.self_trade_prevention = SelfTradePrevention::kExpireBoth;
  out.push_back(tx_body::place_order({~0ull >> 2, 1ull << 50}, a));
  out.push_back(tx_body::cancel_order({3, 4}, "BTC-USDT", 42));
  out.push_back(tx_body::cancel_order_by_client_id({5, 6}, "BTC-USDT", "my-order"));
  out.push_back(tx_body::cancel_order({0, 0}, "", 0));  // target present with order_id 0
  return out;
}

TEST(CanonicalBody, ReadsSerializedBodiesAsProtobufDoes) {
  for (const Bytes& body : sample_bodies()) EXPECT_TRUE(check_against_protobuf(body)) << to_hex(body);
  // Other kinds and the empty body are left to protobuf.
  EXPECT_FALSE(canonical::read_body(tx_body::cancel_all({1, 2}, "")).has_value());
  EXPECT_FALSE(canonical::read_body(tx_body::withdraw({1, 2}, "BASE", 5)).has_value());
  EXPECT_FALSE(canonical::read_body(Bytes{}).has_value());
}

TEST(CanonicalBody, AcceptsOnlyWhatProtobufReadsTheSameUnderMutation) {
  std::mt19937_64 rng(42);
  const std::vector<Bytes> bodies = sample_bodies();
  std::size_t accepted = 0;
  std::size_t refused = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    Bytes b = bodies[rng() % bodies.size()];
    switch (trial % 4) {
      case 0:
        b[rng() % b.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      case 1:
        b.resize(rng() % b.size());
        break;
      case 2: {
        const Bytes& other = bodies[rng() % bodies.size()];
        const auto cut = static_cast<std::ptrdiff_t>(rng() % other.size());
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(rng() % b.size()), other.begin(), other.begin() + cut);
        break;
      }
      default:
        b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
        b.push_back(static_cast<std::uint8_t>(rng()));
        break;
    }
    (check_against_protobuf(b) ? accepted : refused) += 1;
  }
  // Both sides of the fast path were exercised.
  EXPECT_GT(accepted, 1000u);
  EXPECT_GT(refused, 1000u);
}

}  // namespace
}  // namespace replex::exchange
