#include "replex/exchange/events.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "event_stream.hpp"
#include "replex/core/assert.hpp"

namespace replex::exchange {

namespace {

static_assert(std::variant_size_v<Event> == 16, "a new event needs a tag, encode and decode (wire-formats.md)");

// The tag of an event is its variant index + 1 (docs/wire-formats.md).
std::uint8_t tag_of(const Event& e) { return static_cast<std::uint8_t>(e.index() + 1); }

template <typename W>
void account(W& w, const AccountId& a) {
  w.raw(a.view());
}

template <typename W>
void order_head(W& w, OrderId id, MarketIndex market, const AccountId& a) {
  w.u64(id);
  w.u32(market);
  account(w, a);
}

template <typename W>
void put(W& w, const event::TxResult& e) {
  w.u32(e.tx_index);
  w.u32(e.code);
}
template <typename W>
void put(W& w, const event::OrderAccepted& e) {
  order_head(w, e.order_id, e.market, e.account);
  w.u8(static_cast<std::uint8_t>(e.side));
  w.u8(static_cast<std::uint8_t>(e.type));
  w.u8(static_cast<std::uint8_t>(e.time_in_force));
  w.boolean(e.post_only);
  w.u8(static_cast<std::uint8_t>(e.self_trade_prevention));
  w.u64(e.price);
  w.u64(e.quantity);
  w.u64(e.stop_price);
  w.u64(e.display_quantity);
  w.u64(e.protection_price);
  w.u64(e.quote_budget);
  w.str(e.client_order_id);
}
template <typename W>
void put(W& w, const event::OrderRejected& e) {
  order_head(w, e.order_id, e.market, e.account);
  w.u32(e.code);
}
template <typename W>
void put(W& w, const event::OrderTriggered& e) {
  order_head(w, e.order_id, e.market, e.account);
  w.u64(e.last_price);
}
template <typename W>
void put(W& w, const event::OrderPartiallyFilled& e) {
  order_head(w, e.order_id, e.market, e.account);
  w.u64(e.filled_quantity);
  w.u64(e.open_quantity);
}
template <typename W>
void put(W& w, const event::OrderFilled& e) {
  order_head(w, e.order_id, e.market, e.account);
  w.u64(e.filled_quantity);
}
template <typename W>
void put(W& w, const event::OrderCanceled& e) {
  order_head(w, e.order_id, e.market, e.account);
  w.u8(static_cast<std::uint8_t>(e.cause));
  w.u64(e.open_quantity);
}
template <typename W>
void put(W& w, const event::OrderExpired& e) {
  order_head(w, e.order_id, e.market, e.account);
  w.u8(static_cast<std::uint8_t>(e.cause));
  w.u64(e.open_quantity);
}
template <typename W>
void put(W& w, const event::OrderAmended& e) {
  order_head(w, e.order_id, e.market, e.account);
  w.u64(e.price);
  w.u64(e.open_quantity);
  w.boolean(e.requeued);
}
template <typename W>
void put(W& w, const event::Trade& e) {
  w.u64(e.trade_id);
  w.u32(e.market);
  w.u64(e.maker_order_id);
  w.u64(e.taker_order_id);
  account(w, e.maker);
  account(w, e.taker);
  w.u64(e.price);
  w.u64(e.quantity);
  w.u64(e.maker_fee);
  w.u64(e.taker_fee);
  w.u8(static_cast<std::uint8_t>(e.aggressor));
}
template <typename W>
void put(W& w, const event::BalanceChanged& e) {
  account(w, e.account);
  w.u32(e.asset);
  w.u64(e.available);
  w.u64(e.locked);
}
template <typename W>
void put_withdrawal(W& w, const PendingWithdrawal& p) {
  w.u64(p.id);
  account(w, p.account);
  w.u32(p.asset);
  w.u64(p.amount);
  w.raw(ByteView(p.eth_address.data(), p.eth_address.size()));
  w.u64(p.height);
}
template <typename W>
void put(W& w, const event::WithdrawalRecorded& e) {
  put_withdrawal(w, e.withdrawal);
}
template <typename W>
void put(W& w, const event::SettlementAddressRegistered& e) {
  account(w, e.account);
  w.raw(ByteView(e.eth_address.data(), e.eth_address.size()));
}

template <typename W>
void put(W& w, const event::DepositAttested& e) {
  w.u64(e.chain_id);
  w.u64(e.deposit_id);
  account(w, e.attester);
  w.u32(e.attestations);
}
template <typename W>
void put(W& w, const event::DepositCredited& e) {
  w.u64(e.chain_id);
  w.u64(e.deposit_id);
  account(w, e.account);
  w.u32(e.asset);
  w.u64(e.amount);
}
template <typename W>
void put(W& w, const event::WithdrawalRecordedOnChain& e) {
  put_withdrawal(w, e.withdrawal);
  w.u64(e.withdrawal.chain_id);
}

template <typename W>
void put_event(W& w, const Event& e) {
  w.u8(tag_of(e));
  std::visit([&w](const auto& ev) { put(w, ev); }, e);
}

// ByteWriter's layout written straight into a buffer with room for the
// event (see encode_events), without ByteWriter's capacity check and growth
// per field, which cost more than the writes. Overrunning is a bug, and asserts.
class SpanWriter {
 public:
  explicit SpanWriter(std::span<std::uint8_t> out) : at_(out.data()), end_(out.data() + out.size()) {}
  void u8(std::uint8_t v) { put_raw(&v, 1); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void u32(std::uint32_t v) { put_big_endian(__builtin_bswap32(v)); }
  void u64(std::uint64_t v) { put_big_endian(__builtin_bswap64(v)); }
  void raw(ByteView b) { put_raw(b.data(), b.size()); }
  void str(std::string_view s) {
    REPLEX_ASSERT_MSG(s.size() <= UINT32_MAX, "field longer than a u32 length prefix");
    u32(static_cast<std::uint32_t>(s.size()));
    put_raw(s.data(), s.size());
  }
  std::uint8_t* at() const { return at_; }

 private:
  template <typename T>
  void put_big_endian(T swapped) {
    static_assert(std::endian::native == std::endian::little);
    put_raw(&swapped, sizeof(T));
  }
  void put_raw(const void* p, std::size_t n) {
    REPLEX_ASSERT(static_cast<std::size_t>(end_ - at_) >= n);
    std::memcpy(at_, p, n);
    at_ += n;
  }

  std::uint8_t* at_;
  std::uint8_t* end_;
};

// An upper bound of an event's encoded size: the largest fixed layout (Trade,
// 126 bytes) plus the only variable field; SpanWriter asserts if a layout
// ever outgrows it.
std::size_t max_encoded_size(const Event& e) {
  constexpr std::size_t kMaxFixedEventBytes = 128;
  const auto* accepted = std::get_if<event::OrderAccepted>(&e);
  return kMaxFixedEventBytes + (accepted != nullptr ? accepted->client_order_id.size() : 0);
}

// ---- decoding ----

AccountId get_account(ByteReader& r, std::string_view field) {
  AccountId a;
  const ByteView v = r.raw(PublicKey::kSize, field);
  if (r.ok()) std::copy(v.begin(), v.end(), a.bytes.begin());
  return a;
}

EthAddress get_address(ByteReader& r, std::string_view field) {
  EthAddress a{};
  const ByteView v = r.raw(a.size(), field);
  if (r.ok()) std::copy(v.begin(), v.end(), a.begin());
  return a;
}

template <typename E>
E get_enum(ByteReader& r, std::string_view field, std::uint8_t max) {
  const std::uint8_t v = r.u8(field);
  if (r.ok() && (v < 1 || v > max)) r.fail(field, "value " + std::to_string(v) + " out of range");
  return static_cast<E>(v);
}

Event decode_one(ByteReader& r, std::uint8_t tag) {
  switch (tag) {
    case 1: {
      event::TxResult e;
      e.tx_index = r.u32("tx_result.tx_index");
      e.code = r.u32("tx_result.code");
      return e;
    }
    case 2: {
      event::OrderAccepted e;
      e.order_id = r.u64("order_accepted.order_id");
      e.market = r.u32("order_accepted.market");
      e.account = get_account(r, "order_accepted.account");
      e.side = get_enum<Side>(r, "order_accepted.side", 2);
      e.type = get_enum<OrderType>(r, "order_accepted.type", 4);
      e.time_in_force = get_enum<TimeInForce>(r, "order_accepted.time_in_force", 3);
      e.post_only = r.boolean("order_accepted.post_only");
      e.self_trade_prevention = get_enum<SelfTradePrevention>(r, "order_accepted.self_trade_prevention", 3);
      e.price = r.u64("order_accepted.price");
      e.quantity = r.u64("order_accepted.quantity");
      e.stop_price = r.u64("order_accepted.stop_price");
      e.display_quantity = r.u64("order_accepted.display_quantity");
      e.protection_price = r.u64("order_accepted.protection_price");
      e.quote_budget = r.u64("order_accepted.quote_budget");
      e.client_order_id = r.str("order_accepted.client_order_id");
      return e;
    }
    case 3: {
      event::OrderRejected e;
      e.order_id = r.u64("order_rejected.order_id");
      e.market = r.u32("order_rejected.market");
      e.account = get_account(r, "order_rejected.account");
      e.code = r.u32("order_rejected.code");
      return e;
    }
    case 4: {
      event::OrderTriggered e;
      e.order_id = r.u64("order_triggered.order_id");
      e.market = r.u32("order_triggered.market");
      e.account = get_account(r, "order_triggered.account");
      e.last_price = r.u64("order_triggered.last_price");
      return e;
    }
    case 5: {
      event::OrderPartiallyFilled e;
      e.order_id = r.u64("order_partially_filled.order_id");
      e.market = r.u32("order_partially_filled.market");
      e.account = get_account(r, "order_partially_filled.account");
      e.filled_quantity = r.u64("order_partially_filled.filled_quantity");
      e.open_quantity = r.u64("order_partially_filled.open_quantity");
      return e;
    }
    case 6: {
      event::OrderFilled e;
      e.order_id = r.u64("order_filled.order_id");
      e.market = r.u32("order_filled.market");
      e.account = get_account(r, "order_filled.account");
      e.filled_quantity = r.u64("order_filled.filled_quantity");
      return e;
    }
    case 7: {
      event::OrderCanceled e;
      e.order_id = r.u64("order_canceled.order_id");
      e.market = r.u32("order_canceled.market");
      e.account = get_account(r, "order_canceled.account");
      e.cause = get_enum<CancelCause>(r, "order_canceled.cause", 4);
      e.open_quantity = r.u64("order_canceled.open_quantity");
      return e;
    }
    case 8: {
      event::OrderExpired e;
      e.order_id = r.u64("order_expired.order_id");
      e.market = r.u32("order_expired.market");
      e.account = get_account(r, "order_expired.account");
      e.cause = get_enum<ExpireCause>(r, "order_expired.cause", 2);
      e.open_quantity = r.u64("order_expired.open_quantity");
      return e;
    }
    case 9: {
      event::OrderAmended e;
      e.order_id = r.u64("order_amended.order_id");
      e.market = r.u32("order_amended.market");
      e.account = get_account(r, "order_amended.account");
      e.price = r.u64("order_amended.price");
      e.open_quantity = r.u64("order_amended.open_quantity");
      e.requeued = r.boolean("order_amended.requeued");
      return e;
    }
    case 10: {
      event::Trade e;
      e.trade_id = r.u64("trade.trade_id");
      e.market = r.u32("trade.market");
      e.maker_order_id = r.u64("trade.maker_order_id");
      e.taker_order_id = r.u64("trade.taker_order_id");
      e.maker = get_account(r, "trade.maker");
      e.taker = get_account(r, "trade.taker");
      e.price = r.u64("trade.price");
      e.quantity = r.u64("trade.quantity");
      e.maker_fee = r.u64("trade.maker_fee");
      e.taker_fee = r.u64("trade.taker_fee");
      e.aggressor = get_enum<Side>(r, "trade.aggressor", 2);
      return e;
    }
    case 11: {
      event::BalanceChanged e;
      e.account = get_account(r, "balance_changed.account");
      e.asset = r.u32("balance_changed.asset");
      e.available = r.u64("balance_changed.available");
      e.locked = r.u64("balance_changed.locked");
      return e;
    }
    case 12: {
      event::WithdrawalRecorded e;
      PendingWithdrawal& p = e.withdrawal;
      p.id = r.u64("withdrawal_recorded.id");
      p.account = get_account(r, "withdrawal_recorded.account");
      p.asset = r.u32("withdrawal_recorded.asset");
      p.amount = r.u64("withdrawal_recorded.amount");
      p.eth_address = get_address(r, "withdrawal_recorded.eth_address");
      p.height = r.u64("withdrawal_recorded.height");
      return e;
    }
    case 16: {
      event::WithdrawalRecordedOnChain e;
      PendingWithdrawal& p = e.withdrawal;
      p.id = r.u64("withdrawal_recorded_on_chain.id");
      p.account = get_account(r, "withdrawal_recorded_on_chain.account");
      p.asset = r.u32("withdrawal_recorded_on_chain.asset");
      p.amount = r.u64("withdrawal_recorded_on_chain.amount");
      p.eth_address = get_address(r, "withdrawal_recorded_on_chain.eth_address");
      p.height = r.u64("withdrawal_recorded_on_chain.height");
      p.chain_id = r.u64("withdrawal_recorded_on_chain.chain_id");
      return e;
    }
    case 13: {
      event::SettlementAddressRegistered e;
      e.account = get_account(r, "settlement_address_registered.account");
      e.eth_address = get_address(r, "settlement_address_registered.eth_address");
      return e;
    }
    case 14: {
      event::DepositAttested e;
      e.chain_id = r.u64("deposit_attested.chain_id");
      e.deposit_id = r.u64("deposit_attested.deposit_id");
      e.attester = get_account(r, "deposit_attested.attester");
      e.attestations = r.u32("deposit_attested.attestations");
      return e;
    }
    case 15: {
      event::DepositCredited e;
      e.chain_id = r.u64("deposit_credited.chain_id");
      e.deposit_id = r.u64("deposit_credited.deposit_id");
      e.account = get_account(r, "deposit_credited.account");
      e.asset = r.u32("deposit_credited.asset");
      e.amount = r.u64("deposit_credited.amount");
      return e;
    }
    default:
      r.fail("event.tag", "unknown tag " + std::to_string(tag));
      return event::TxResult{};
  }
}

}  // namespace

void encode_event(ByteWriter& out, const Event& e) { put_event(out, e); }

EventStream::EventStream(std::size_t expected_bytes) {
  out_.reserve(4 + expected_bytes);
  out_.resize(4);
}

void EventStream::append(std::span<const Event> events) {
  // Written in place. The buffer is zero-filled a kilobyte at a time just
  // ahead of the writes (in cache), not a block's worth up front.
  constexpr std::size_t kGrowBytes = 1024;
  for (const Event& e : events) {
    const std::size_t room = max_encoded_size(e);
    if (out_.size() - used_ < room) out_.resize(used_ + std::max(room, kGrowBytes));
    SpanWriter w(std::span<std::uint8_t>(out_).subspan(used_));
    put_event(w, e);
    used_ = static_cast<std::size_t>(w.at() - out_.data());
  }
  count_ += events.size();
}

Bytes EventStream::finish() && {
  REPLEX_ASSERT(count_ <= UINT32_MAX);
  out_.resize(used_);
  SpanWriter w(std::span<std::uint8_t>(out_).first(4));
  w.u32(static_cast<std::uint32_t>(count_));
  return std::move(out_);
}

Bytes encode_events(std::span<const Event> events) {
  EventStream stream(events.size() * 64);
  stream.append(events);
  return std::move(stream).finish();
}

Result<std::vector<Event>> decode_events(ByteView bytes) {
  ByteReader r(bytes, 1024);
  const std::uint32_t count = r.u32("events.count");
  std::vector<Event> out;
  // Each event takes at least 9 bytes, which bounds a hostile count.
  if (r.ok() && count > r.remaining() / 9 + 1) r.fail("events.count", "larger than the input can hold");
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    const std::uint8_t tag = r.u8("event.tag");
    if (!r.ok()) break;
    out.push_back(decode_one(r, tag));
  }
  REPLEX_RETURN_IF_ERROR(r.finish());
  return out;
}

}  // namespace replex::exchange
