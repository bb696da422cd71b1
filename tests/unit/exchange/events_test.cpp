#include "replex/exchange/events.hpp"

#include <gtest/gtest.h>

#include "replex/core/ed25519.hpp"

namespace replex::exchange {
namespace {

TEST(Events, EncodingIsPinned) {
  // Documented in docs/wire-formats.md: one TxResult (index 3, DUPLICATE_NONCE).
  const std::vector<Event> events = {event::TxResult{3, 6, "ignored message"}};
  EXPECT_EQ(to_hex(encode_events(events)), "00000001" "01" "00000003" "00000006");
}

TEST(Events, EveryEventRoundTrips) {
  const AccountId a = KeyPair::from_label("a").public_key();
  const AccountId b = KeyPair::from_label("b").public_key();
  EthAddress addr{};
  addr[3] = 7;
  const std::vector<Event> events = {
      event::TxResult{1, 0, {}},
      event::OrderAccepted{5, 1, a, Side::kSell, OrderType::kStopLimit, TimeInForce::kFok, true,
                           SelfTradePrevention::kExpireBoth, 100, 7, 99, 3, 0, 0, "cid-1"},
      event::OrderRejected{5, 1, a, 15},
      event::OrderTriggered{5, 1, a, 98},
      event::OrderPartiallyFilled{5, 1, a, 2, 5},
      event::OrderFilled{5, 1, a, 7},
      event::OrderCanceled{6, 0, b, CancelCause::kSelfTradeTaker, 4},
      event::OrderExpired{7, 0, b, ExpireCause::kMarketRemainder, 1},
      event::OrderAmended{8, 0, b, 101, 9, true},
      event::Trade{1, 0, 8, 9, a, b, 100, 2, 1, 2, Side::kBuy},
      event::BalanceChanged{a, 2, 1000, 50},
      event::WithdrawalRecorded{PendingWithdrawal{1, a, 1, 500, addr, 12}},
      event::SettlementAddressRegistered{b, addr},
  };
  const Bytes bytes = encode_events(events);
  auto decoded = decode_events(bytes);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  ASSERT_EQ(decoded->size(), events.size());
  EXPECT_EQ(encode_events(*decoded), bytes);
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ((*decoded)[i].index(), events[i].index());
  const auto& accepted = std::get<event::OrderAccepted>((*decoded)[1]);
  EXPECT_EQ(accepted.client_order_id, "cid-1");
  EXPECT_EQ(accepted.type, OrderType::kStopLimit);
  EXPECT_EQ(std::get<event::WithdrawalRecorded>((*decoded)[11]).withdrawal.eth_address, addr);
}

TEST(Events, DecodeRejectsUnknownTagsBadEnumsAndTruncation) {
  EXPECT_FALSE(decode_events(*from_hex("00000001" "0e")).is_ok());                      // tag 14
  EXPECT_FALSE(decode_events(*from_hex("00000001" "01" "00000003")).is_ok());           // truncated
  EXPECT_FALSE(decode_events(*from_hex("00000002" "01" "00000003" "00000006")).is_ok()); // count too high
  EXPECT_FALSE(decode_events(*from_hex("00000000" "00")).is_ok());                      // trailing byte
  const AccountId a = KeyPair::from_label("a").public_key();
  Bytes bad = encode_events(std::vector<Event>{event::Trade{1, 0, 8, 9, a, a, 100, 2, 1, 2, Side::kBuy}});
  bad.back() = 3;  // aggressor side 3
  EXPECT_FALSE(decode_events(bad).is_ok());
  EXPECT_TRUE(decode_events(*from_hex("00000000")).is_ok());
}

}  // namespace
}  // namespace replex::exchange
