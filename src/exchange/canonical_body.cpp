#include "canonical_body.hpp"

namespace replex::exchange::canonical {

namespace {

constexpr std::uint8_t kVarint = 0;
constexpr std::uint8_t kLengthDelimited = 2;

// Reads the fields of one message in increasing field order; any step it
// cannot take with certainty fails, and the caller gives up on the fast path.
class Fields {
 public:
  explicit Fields(ByteView in) : in_(in) {}

  bool done() const { return at_ == in_.size(); }

  // The next field's number if its tag is one byte (numbers below 16) with
  // `wire_type`, and its number is above the previous field's.
  std::optional<std::uint32_t> next(std::uint8_t wire_type_of(std::uint32_t)) {
    if (done()) return std::nullopt;
    const std::uint8_t tag = in_[at_++];
    const std::uint32_t number = tag >> 3;
    if ((tag & 0x80) != 0 || number <= last_ || (tag & 7) != wire_type_of(number)) return std::nullopt;
    last_ = number;
    return number;
  }

  // A varint of at most 9 bytes (values below 2^63): protobuf reads it the same.
  std::optional<std::uint64_t> varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 63 && at_ < in_.size(); shift += 7) {
      const std::uint8_t byte = in_[at_++];
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return std::nullopt;
  }

  template <typename Enum>
  std::optional<Enum> enum_value() {
    const auto v = varint();
    if (!v || *v > INT32_MAX) return std::nullopt;
    return static_cast<Enum>(*v);
  }

  std::optional<ByteView> bytes() {
    const auto length = varint();
    if (!length || *length > in_.size() - at_) return std::nullopt;
    const ByteView out = in_.subspan(at_, *length);
    at_ += *length;
    return out;
  }

  // ASCII only: protobuf rejects a proto3 string that is not UTF-8, and
  // ASCII is UTF-8 without checking further.
  std::optional<std::string_view> ascii() {
    const auto b = bytes();
    if (!b) return std::nullopt;
    for (const std::uint8_t c : *b) {
      if (c >= 0x80) return std::nullopt;
    }
    return std::string_view(reinterpret_cast<const char*>(b->data()), b->size());
  }

 private:
  ByteView in_;
  std::size_t at_ = 0;
  std::uint32_t last_ = 0;
};

std::uint8_t place_order_wire_type(std::uint32_t number) {
  return number == 1 || number == 12 ? kLengthDelimited : kVarint;  // market, client_order_id
}

std::optional<PlaceOrderFields> read_place_order(ByteView in) {
  PlaceOrderFields f;
  Fields r(in);
  while (!r.done()) {
    const auto number = r.next(place_order_wire_type);
    if (!number) return std::nullopt;
    bool ok = true;
    auto set = [&ok](auto& field, const auto& value) {
      if (value) {
        field = *value;
      } else {
        ok = false;
      }
    };
    switch (*number) {
      case 1: set(f.market_, r.ascii()); break;
      case 2: set(f.side_, r.enum_value<v1::Side>()); break;
      case 3: set(f.type_, r.enum_value<v1::OrderType>()); break;
      case 4: set(f.time_in_force_, r.enum_value<v1::TimeInForce>()); break;
      case 5: {
        const auto v = r.varint();
        set(f.post_only_, v ? std::optional<bool>(*v != 0) : std::nullopt);  // protobuf: any non-zero
        break;
      }
      case 6: set(f.price_, r.varint()); break;
      case 7: set(f.quantity_, r.varint()); break;
      case 8: set(f.stop_price_, r.varint()); break;
      case 9: set(f.display_quantity_, r.varint()); break;
      case 10: set(f.protection_price_, r.varint()); break;
      case 11: set(f.quote_budget_, r.varint()); break;
      case 12: set(f.client_order_id_, r.ascii()); break;
      case 13: set(f.self_trade_prevention_, r.enum_value<v1::SelfTradePrevention>()); break;
      default: return std::nullopt;  // unknown to this reader
    }
    if (!ok) return std::nullopt;
  }
  return f;
}

std::uint8_t cancel_order_wire_type(std::uint32_t number) {
  return number == 2 ? kVarint : kLengthDelimited;  // order_id; market, client_order_id
}

std::optional<CancelOrderFields> read_cancel_order(ByteView in) {
  CancelOrderFields f;
  Fields r(in);
  while (!r.done()) {
    const auto number = r.next(cancel_order_wire_type);
    if (!number) return std::nullopt;
    if (*number == 1) {
      const auto market = r.ascii();
      if (!market) return std::nullopt;
      f.market_ = *market;
    } else if (*number == 2 || *number == 3) {
      // Both members of the oneof: the last would win; leave that to protobuf.
      if (f.target_case_ != v1::CancelOrder::TARGET_NOT_SET) return std::nullopt;
      if (*number == 2) {
        const auto id = r.varint();
        if (!id) return std::nullopt;
        f.order_id_ = *id;
        f.target_case_ = v1::CancelOrder::kOrderId;
      } else {
        const auto id = r.ascii();
        if (!id) return std::nullopt;
        f.client_order_id_ = *id;
        f.target_case_ = v1::CancelOrder::kClientOrderId;
      }
    } else {
      return std::nullopt;
    }
  }
  return f;
}

constexpr std::uint32_t kPlaceOrderField = 10;
constexpr std::uint32_t kCancelOrderField = 11;

std::uint8_t body_wire_type(std::uint32_t number) {
  return number == kPlaceOrderField || number == kCancelOrderField ? kLengthDelimited : kVarint;
}

}  // namespace

std::optional<Body> read_body(ByteView bytes) {
  Body body;
  bool has_kind = false;
  Fields r(bytes);
  while (!r.done()) {
    const auto number = r.next(body_wire_type);
    if (!number) return std::nullopt;
    if (*number == 1 || *number == 2) {
      const auto v = r.varint();
      if (!v) return std::nullopt;
      (*number == 1 ? body.nonce : body.good_til_height) = *v;
    } else if (*number == kPlaceOrderField || *number == kCancelOrderField) {
      // A second kind would replace the first; leave that to protobuf.
      if (has_kind) return std::nullopt;
      const auto message = r.bytes();
      if (!message) return std::nullopt;
      if (*number == kPlaceOrderField) {
        const auto place = read_place_order(*message);
        if (!place) return std::nullopt;
        body.kind = *place;
      } else {
        const auto cancel = read_cancel_order(*message);
        if (!cancel) return std::nullopt;
        body.kind = *cancel;
      }
      has_kind = true;
    } else {
      return std::nullopt;
    }
  }
  if (!has_kind) return std::nullopt;
  return body;
}

}  // namespace replex::exchange::canonical
