#include "replex/exchange/types.hpp"

namespace replex::exchange {

std::string_view side_name(Side s) {
  switch (s) {
    case Side::kBuy: return "BUY";
    case Side::kSell: return "SELL";
  }
  return "?";
}

std::string_view order_type_name(OrderType t) {
  switch (t) {
    case OrderType::kLimit: return "LIMIT";
    case OrderType::kMarket: return "MARKET";
    case OrderType::kStopMarket: return "STOP_MARKET";
    case OrderType::kStopLimit: return "STOP_LIMIT";
  }
  return "?";
}

std::string_view time_in_force_name(TimeInForce t) {
  switch (t) {
    case TimeInForce::kGtc: return "GTC";
    case TimeInForce::kIoc: return "IOC";
    case TimeInForce::kFok: return "FOK";
  }
  return "?";
}

std::string_view stp_name(SelfTradePrevention s) {
  switch (s) {
    case SelfTradePrevention::kExpireMaker: return "EXPIRE_MAKER";
    case SelfTradePrevention::kExpireTaker: return "EXPIRE_TAKER";
    case SelfTradePrevention::kExpireBoth: return "EXPIRE_BOTH";
  }
  return "?";
}

}  // namespace replex::exchange
