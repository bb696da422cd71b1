// A reader for the two hot transaction bodies, place_order and cancel_order,
// laid out as protobuf serializes them. Private to the module; stateless.
//
// It accepts only bytes whose protobuf parse is unambiguous: known fields, each
// at most once, in increasing field order, with their declared wire types,
// varints of at most 9 bytes, enum values below 2^31, ASCII strings and
// exactly one kind. Protobuf parses such bytes to the same values, so these
// skip the parser (a message, its oneof and strings allocated per body); any
// other bytes, valid or not, return nullopt and take the parser. The fields
// have v1::PlaceOrder's and v1::CancelOrder's accessors, so one decoder
// serves both paths.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "replex/core/bytes.hpp"
#include "replex/v1/tx.pb.h"

namespace replex::exchange::canonical {

struct PlaceOrderFields {
  std::string_view market_;
  v1::Side side_ = v1::SIDE_UNSPECIFIED;
  v1::OrderType type_ = v1::ORDER_TYPE_UNSPECIFIED;
  v1::TimeInForce time_in_force_ = v1::TIME_IN_FORCE_UNSPECIFIED;
  bool post_only_ = false;
  std::uint64_t price_ = 0;
  std::uint64_t quantity_ = 0;
  std::uint64_t stop_price_ = 0;
  std::uint64_t display_quantity_ = 0;
  std::uint64_t protection_price_ = 0;
  std::uint64_t quote_budget_ = 0;
  std::string_view client_order_id_;
  v1::SelfTradePrevention self_trade_prevention_ = v1::SELF_TRADE_PREVENTION_UNSPECIFIED;

  std::string_view market() const { return market_; }
  v1::Side side() const { return side_; }
  v1::OrderType type() const { return type_; }
  v1::TimeInForce time_in_force() const { return time_in_force_; }
  bool post_only() const { return post_only_; }
  std::uint64_t price() const { return price_; }
  std::uint64_t quantity() const { return quantity_; }
  std::uint64_t stop_price() const { return stop_price_; }
  std::uint64_t display_quantity() const { return display_quantity_; }
  std::uint64_t protection_price() const { return protection_price_; }
  std::uint64_t quote_budget() const { return quote_budget_; }
  std::string_view client_order_id() const { return client_order_id_; }
  v1::SelfTradePrevention self_trade_prevention() const { return self_trade_prevention_; }
};

struct CancelOrderFields {
  std::string_view market_;
  v1::CancelOrder::TargetCase target_case_ = v1::CancelOrder::TARGET_NOT_SET;
  std::uint64_t order_id_ = 0;
  std::string_view client_order_id_;

  std::string_view market() const { return market_; }
  v1::CancelOrder::TargetCase target_case() const { return target_case_; }
  std::uint64_t order_id() const { return order_id_; }
  std::string_view client_order_id() const { return client_order_id_; }
};

// Views into the bytes read; valid while they are.
struct Body {
  std::uint64_t nonce = 0;
  std::uint64_t good_til_height = 0;
  std::variant<PlaceOrderFields, CancelOrderFields> kind;
};

std::optional<Body> read_body(ByteView bytes);

}  // namespace replex::exchange::canonical
