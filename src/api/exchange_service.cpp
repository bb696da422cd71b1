#include "exchange_service.hpp"

#include "replex/core/decimal.hpp"
#include "replex/exchange/reason.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <type_traits>

namespace replex::api {
namespace {

using std::chrono::milliseconds;

// How often a stream looks at cancellation and shutdown while idle.
constexpr milliseconds kStreamSlice{100};

Caller caller_of(const grpc::ServerContextBase& context) {
  Caller caller;
  const auto& metadata = context.client_metadata();
  if (const auto it = metadata.find("x-api-key"); it != metadata.end()) {
    caller.api_key = std::string(it->second.data(), it->second.size());
  }
  // "ipv4:127.0.0.1:5555" / "ipv6:[::1]:5555"
  std::string peer = context.peer();
  if (const auto colon = peer.find(':'); colon != std::string::npos) peer = peer.substr(colon + 1);
  if (const auto last = peer.rfind(':'); last != std::string::npos) peer = peer.substr(0, last);
  caller.ip = peer;
  return caller;
}

v1::OrderSide to_proto(exchange::Side s) { return s == exchange::Side::kBuy ? v1::ORDER_SIDE_BUY : v1::ORDER_SIDE_SELL; }

std::string side_text(v1::OrderSide s) {
  switch (s) {
    case v1::ORDER_SIDE_BUY: return "buy";
    case v1::ORDER_SIDE_SELL: return "sell";
    default: return s == v1::ORDER_SIDE_UNSPECIFIED ? "" : "unknown";
  }
}

std::string kind_text(v1::OrderKind k) {
  switch (k) {
    case v1::ORDER_KIND_UNSPECIFIED: return "";
    case v1::ORDER_KIND_LIMIT: return "limit";
    case v1::ORDER_KIND_MARKET: return "market";
    case v1::ORDER_KIND_STOP_MARKET: return "stop_market";
    case v1::ORDER_KIND_STOP_LIMIT: return "stop_limit";
    default: return "unknown";
  }
}

std::string tif_text(v1::OrderTimeInForce t) {
  switch (t) {
    case v1::ORDER_TIME_IN_FORCE_UNSPECIFIED: return "";
    case v1::ORDER_TIME_IN_FORCE_GTC: return "gtc";
    case v1::ORDER_TIME_IN_FORCE_IOC: return "ioc";
    case v1::ORDER_TIME_IN_FORCE_FOK: return "fok";
    default: return "unknown";
  }
}

std::string stp_text(v1::OrderSelfTradePrevention s) {
  switch (s) {
    case v1::ORDER_SELF_TRADE_PREVENTION_UNSPECIFIED: return "";
    case v1::ORDER_SELF_TRADE_PREVENTION_EXPIRE_MAKER: return "expire_maker";
    case v1::ORDER_SELF_TRADE_PREVENTION_EXPIRE_TAKER: return "expire_taker";
    case v1::ORDER_SELF_TRADE_PREVENTION_EXPIRE_BOTH: return "expire_both";
    default: return "unknown";
  }
}

v1::OrderStatus to_proto(OrderStatus s) {
  switch (s) {
    case OrderStatus::kNew: return v1::ORDER_STATUS_NEW;
    case OrderStatus::kPendingStop: return v1::ORDER_STATUS_PENDING_STOP;
    case OrderStatus::kPartiallyFilled: return v1::ORDER_STATUS_PARTIALLY_FILLED;
    case OrderStatus::kFilled: return v1::ORDER_STATUS_FILLED;
    case OrderStatus::kCanceled: return v1::ORDER_STATUS_CANCELED;
    case OrderStatus::kExpired: return v1::ORDER_STATUS_EXPIRED;
    case OrderStatus::kRejected: return v1::ORDER_STATUS_REJECTED;
  }
  return v1::ORDER_STATUS_UNSPECIFIED;
}

void fill(const ExchangeApi& api, const OrderRecord& o, v1::Order* out) {
  const exchange::MarketIndex m = o.market;
  out->set_order_id(o.id);
  out->set_market(api.rules().market_spec(m).symbol);
  out->set_account(o.account.hex());
  out->set_side(to_proto(o.side));
  out->set_kind(static_cast<v1::OrderKind>(static_cast<int>(o.type)));
  out->set_time_in_force(static_cast<v1::OrderTimeInForce>(static_cast<int>(o.time_in_force)));
  out->set_post_only(o.post_only);
  out->set_self_trade_prevention(
      static_cast<v1::OrderSelfTradePrevention>(static_cast<int>(o.self_trade_prevention)));
  if (o.price != 0) out->set_price(api.price_text(m, o.price));
  out->set_quantity(api.quantity_text(m, o.quantity));
  if (o.stop_price != 0) out->set_stop_price(api.price_text(m, o.stop_price));
  if (o.display_quantity != 0) out->set_display_quantity(api.quantity_text(m, o.display_quantity));
  out->set_client_order_id(o.client_order_id);
  out->set_status(to_proto(o.status));
  out->set_filled_quantity(api.quantity_text(m, o.filled_quantity));
  out->set_open_quantity(api.quantity_text(m, o.open_quantity));
  out->set_reason(o.reason);
  out->set_tx_hash(o.tx_hash.hex());
  out->set_created_height(o.created_height);
  out->set_created_time_ms(o.created_time_ms);
  out->set_updated_height(o.updated_height);
  out->set_updated_time_ms(o.updated_time_ms);
  for (const Fill& f : o.fills) {
    v1::Fill* p = out->add_fills();
    p->set_trade_id(f.trade_id);
    p->set_price(api.price_text(m, f.price));
    p->set_quantity(api.quantity_text(m, f.quantity));
    p->set_fee(api.quote_text(m, f.fee));
    p->set_maker(f.maker);
    p->set_height(f.height);
    p->set_time_ms(f.time_ms);
  }
}

void fill(const ExchangeApi& api, const TradeRecord& t, v1::Trade* out) {
  out->set_trade_id(t.id);
  out->set_market(api.rules().market_spec(t.market).symbol);
  out->set_price(api.price_text(t.market, t.price));
  out->set_quantity(api.quantity_text(t.market, t.quantity));
  out->set_aggressor(to_proto(t.aggressor));
  out->set_maker_order_id(t.maker_order_id);
  out->set_taker_order_id(t.taker_order_id);
  out->set_maker(t.maker.hex());
  out->set_taker(t.taker.hex());
  out->set_maker_fee(api.quote_text(t.market, t.maker_fee));
  out->set_taker_fee(api.quote_text(t.market, t.taker_fee));
  out->set_height(t.height);
  out->set_time_ms(t.time_ms);
}

void fill(const ExchangeApi& api, exchange::MarketIndex m, CandleInterval interval, const Candle& c, v1::Candle* out) {
  out->set_market(api.rules().market_spec(m).symbol);
  out->set_interval(std::string(candle_interval_name(interval)));
  out->set_open_time_ms(c.open_time_ms);
  out->set_open(api.price_text(m, c.open));
  out->set_high(api.price_text(m, c.high));
  out->set_low(api.price_text(m, c.low));
  out->set_close(api.price_text(m, c.close));
  out->set_volume(api.quantity_text(m, c.volume));
  out->set_trades(c.trades);
}

template <typename Levels>
void fill_levels(const ExchangeApi& api, exchange::MarketIndex m, const std::vector<exchange::DepthLevel>& levels,
                 Levels* out) {
  for (const auto& l : levels) {
    v1::BookLevel* level = out->Add();
    level->set_price(api.price_text(m, l.price));
    level->set_quantity(api.quantity_text(m, l.quantity));
  }
}

void fill(const ExchangeApi& api, const BookState& b, v1::Book* out) {
  out->set_market(api.rules().market_spec(b.market).symbol);
  out->set_height(b.height);
  out->set_last_update_id(b.last_update_id);
  fill_levels(api, b.market, b.depth.bids, out->mutable_bids());
  fill_levels(api, b.market, b.depth.asks, out->mutable_asks());
}

void fill(const TxReceipt& r, v1::TransactionReceipt* out) {
  out->set_tx_hash(r.tx_hash.hex());
  out->set_account(r.account.hex());
  out->set_duplicate(r.duplicate || r.existing);
  if (r.height) {
    out->set_height(*r.height);
    out->set_result(std::string(exchange::reason_name(r.code)));
  }
  out->set_client_order_id(r.client_order_id);
}

grpc::Status shutting_down() { return {grpc::StatusCode::UNAVAILABLE, "the node is shutting down"}; }

// Decrements a counter when the stream ends.
class StreamSlot {
 public:
  StreamSlot(std::atomic<std::uint32_t>& counter, std::uint32_t limit) : counter_(counter) {
    acquired_ = counter_.fetch_add(1) < limit;
  }
  ~StreamSlot() { counter_.fetch_sub(1); }
  StreamSlot(const StreamSlot&) = delete;
  StreamSlot& operator=(const StreamSlot&) = delete;
  bool acquired() const { return acquired_; }

 private:
  std::atomic<std::uint32_t>& counter_;
  bool acquired_ = false;
};

// A stream's queue: the read model pushes, the stream's thread pops.
class QueueSink final : public StreamSink {
 public:
  explicit QueueSink(std::size_t max_items) : max_items_(max_items) {}

  bool push(std::shared_ptr<const StreamItem> item) override {
    {
      std::lock_guard lock(mutex_);
      if (items_.size() >= max_items_) {
        overflowed_ = true;
        return false;
      }
      items_.push_back(std::move(item));
    }
    changed_.notify_one();
    return true;
  }

  // The next item, or null after `slice` with nothing (or after an overflow).
  std::shared_ptr<const StreamItem> pop(milliseconds slice) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, slice, [this] { return !items_.empty() || overflowed_; });
    if (items_.empty()) return nullptr;
    auto item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  bool overflowed() {
    std::lock_guard lock(mutex_);
    return overflowed_ && items_.empty();
  }

 private:
  const std::size_t max_items_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<const StreamItem>> items_;
  bool overflowed_ = false;
};

}  // namespace

grpc::Status to_grpc_status(const ApiError& e) {
  grpc::StatusCode code = grpc::StatusCode::INTERNAL;
  switch (e.kind) {
    case ApiErrorKind::kBadRequest:
    case ApiErrorKind::kTooLarge: code = grpc::StatusCode::INVALID_ARGUMENT; break;
    case ApiErrorKind::kUnauthorized: code = grpc::StatusCode::UNAUTHENTICATED; break;
    case ApiErrorKind::kForbidden: code = grpc::StatusCode::PERMISSION_DENIED; break;
    case ApiErrorKind::kNotFound: code = grpc::StatusCode::NOT_FOUND; break;
    case ApiErrorKind::kConflict: code = grpc::StatusCode::ALREADY_EXISTS; break;
    case ApiErrorKind::kRejected: code = grpc::StatusCode::FAILED_PRECONDITION; break;
    case ApiErrorKind::kRateLimited: code = grpc::StatusCode::RESOURCE_EXHAUSTED; break;
    case ApiErrorKind::kUnavailable: code = grpc::StatusCode::UNAVAILABLE; break;
    case ApiErrorKind::kTimeout: code = grpc::StatusCode::DEADLINE_EXCEEDED; break;
    case ApiErrorKind::kInternal: code = grpc::StatusCode::INTERNAL; break;
  }
  return {code, e.code + ": " + e.message};
}

ExchangeServiceImpl::ExchangeServiceImpl(ExchangeApi& api, ReadModel& model, std::atomic<std::uint32_t>& streams)
    : api_(api), model_(model), streams_(streams) {}

// --- order entry (callback API) ----------------------------------------------------------

namespace {

// Starts an order-entry call: rate limit, then `run` with a completion that
// fills the response and finishes the reactor.
template <typename Response>
grpc::ServerUnaryReactor* order_call(grpc::CallbackServerContext* context, ExchangeApi& api, bool accepting,
                                     Response* response,
                                     const std::function<void(const Caller&, ReceiptDone)>& run) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!accepting) {
    reactor->Finish(shutting_down());
    return reactor;
  }
  if (auto diverged = api.divergence()) {
    reactor->Finish(to_grpc_status(*diverged));
    return reactor;
  }
  const Caller caller = caller_of(*context);
  if (const std::uint32_t wait_s = api.rate_limit(caller)) {
    reactor->Finish({grpc::StatusCode::RESOURCE_EXHAUSTED,
                     "RATE_LIMITED: too many requests; retry in " + std::to_string(wait_s) + " s"});
    return reactor;
  }
  run(caller, [reactor, response, &api](ApiResult<TxReceipt> r) {
    if (!r) return reactor->Finish(to_grpc_status(r.error()));
    fill(*r, response->mutable_receipt());
    if constexpr (requires { response->mutable_order(); }) {
      if (r->order) fill(api, *r->order, response->mutable_order());
    }
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* ExchangeServiceImpl::PlaceOrder(grpc::CallbackServerContext* context,
                                                          const v1::PlaceOrderRequest* r,
                                                          v1::PlaceOrderResponse* response) {
  OrderFields f;
  f.market = r->market();
  f.side = side_text(r->side());
  f.type = kind_text(r->kind());
  f.time_in_force = tif_text(r->time_in_force());
  f.price = r->price();
  f.quantity = r->quantity();
  f.stop_price = r->stop_price();
  f.display_quantity = r->display_quantity();
  f.protection_price = r->protection_price();
  f.quote_budget = r->quote_budget();
  f.self_trade_prevention = stp_text(r->self_trade_prevention());
  f.client_order_id = r->client_order_id();
  f.post_only = r->post_only();
  if (r->good_til_height() != 0) f.good_til_height = r->good_til_height();
  const bool wait = r->wait_for_commit();
  return order_call(context, api_, accepting_.load(), response, [this, f, wait](const Caller& c, ReceiptDone done) {
    api_.place_order(c, f, wait, std::move(done));
  });
}

grpc::ServerUnaryReactor* ExchangeServiceImpl::CancelOrder(grpc::CallbackServerContext* context,
                                                           const v1::CancelOrderRequest* r,
                                                           v1::CancelOrderResponse* response) {
  return order_call(context, api_, accepting_.load(), response,
                    [this, market = r->market(), id = r->order_id(), coid = r->client_order_id(),
                     wait = r->wait_for_commit()](const Caller& c, ReceiptDone done) {
                      api_.cancel_order(c, market, id, coid, wait, std::move(done));
                    });
}

grpc::ServerUnaryReactor* ExchangeServiceImpl::CancelAllOrders(grpc::CallbackServerContext* context,
                                                               const v1::CancelAllOrdersRequest* r,
                                                               v1::CancelAllOrdersResponse* response) {
  return order_call(context, api_, accepting_.load(), response,
                    [this, market = r->market(), wait = r->wait_for_commit()](const Caller& c, ReceiptDone done) {
                      api_.cancel_all(c, market, wait, std::move(done));
                    });
}

grpc::ServerUnaryReactor* ExchangeServiceImpl::AmendOrder(grpc::CallbackServerContext* context,
                                                          const v1::AmendOrderRequest* r,
                                                          v1::AmendOrderResponse* response) {
  AmendFields amend;
  amend.price = r->price();
  amend.quantity = r->quantity();
  return order_call(context, api_, accepting_.load(), response,
                    [this, id = r->order_id(), amend, wait = r->wait_for_commit()](const Caller& c, ReceiptDone done) {
                      api_.amend_order(c, id, amend, wait, std::move(done));
                    });
}

// --- reads ----------------------------------------------------------------------------------

grpc::Status ExchangeServiceImpl::GetOrder(grpc::ServerContext*, const v1::GetOrderRequest* r,
                                           v1::GetOrderResponse* response) {
  if (auto diverged = api_.divergence()) return to_grpc_status(*diverged);
  ApiResult<OrderRecord> order = ApiError::bad_request("order_id", "order_id: required (or account and client_order_id)");
  if (r->order_id() != 0) {
    order = api_.order(r->order_id());
  } else if (!r->client_order_id().empty()) {
    auto account = api_.account(r->account());
    if (!account) return to_grpc_status(account.error());
    order = api_.order_by_client_id(*account, r->client_order_id());
  }
  if (!order) return to_grpc_status(order.error());
  fill(api_, *order, response->mutable_order());
  return grpc::Status::OK;
}

grpc::Status ExchangeServiceImpl::ListOrders(grpc::ServerContext*, const v1::ListOrdersRequest* r,
                                             v1::ListOrdersResponse* response) {
  if (auto diverged = api_.divergence()) return to_grpc_status(*diverged);
  auto account = api_.account(r->account());
  if (!account) return to_grpc_status(account.error());
  std::optional<exchange::MarketIndex> market;
  if (!r->market().empty()) {
    auto m = api_.market(r->market());
    if (!m) return to_grpc_status(m.error());
    market = *m;
  }
  const OrderFilter filter = r->status() == v1::ORDER_STATUS_FILTER_OPEN     ? OrderFilter::kOpen
                             : r->status() == v1::ORDER_STATUS_FILTER_CLOSED ? OrderFilter::kClosed
                                                                             : OrderFilter::kAll;
  const std::size_t limit = api_.page_limit(r->limit() == 0 ? std::nullopt : std::optional<std::uint64_t>(r->limit()), 100);
  for (const auto& o : model_.account_orders(*account, filter, market, r->before_order_id(), limit)) {
    fill(api_, o, response->add_orders());
  }
  return grpc::Status::OK;
}

grpc::Status ExchangeServiceImpl::ListMarkets(grpc::ServerContext*, const v1::ListMarketsRequest*,
                                              v1::ListMarketsResponse* response) {
  if (auto diverged = api_.divergence()) return to_grpc_status(*diverged);
  for (const MarketInfo& m : api_.markets()) {
    v1::Market* out = response->add_markets();
    out->set_symbol(m.symbol);
    out->set_base(m.base);
    out->set_quote(m.quote);
    out->set_price_decimals(m.price_decimals);
    out->set_base_decimals(m.base_decimals);
    out->set_quote_decimals(m.quote_decimals);
    out->set_tick_size(format_decimal_unsigned(m.tick_size, m.price_decimals));
    out->set_lot_size(format_decimal_unsigned(m.lot_size, m.base_decimals));
    out->set_min_quantity(format_decimal_unsigned(m.min_quantity, m.base_decimals));
    out->set_max_quantity(format_decimal_unsigned(m.max_quantity, m.base_decimals));
    out->set_maker_fee_bps(m.maker_fee_bps);
    out->set_taker_fee_bps(m.taker_fee_bps);
    if (m.last_price) out->set_last_price(format_decimal_unsigned(*m.last_price, m.price_decimals));
  }
  return grpc::Status::OK;
}

grpc::Status ExchangeServiceImpl::GetBook(grpc::ServerContext*, const v1::GetBookRequest* r,
                                          v1::GetBookResponse* response) {
  if (auto diverged = api_.divergence()) return to_grpc_status(*diverged);
  auto m = api_.market(r->market());
  if (!m) return to_grpc_status(m.error());
  const std::size_t depth = std::min<std::size_t>(r->depth() == 0 ? 20 : r->depth(), api_.context().api.max_page_size);
  fill(api_, model_.book(*m, depth), response->mutable_book());
  return grpc::Status::OK;
}

grpc::Status ExchangeServiceImpl::ListTrades(grpc::ServerContext*, const v1::ListTradesRequest* r,
                                             v1::ListTradesResponse* response) {
  if (auto diverged = api_.divergence()) return to_grpc_status(*diverged);
  auto m = api_.market(r->market());
  if (!m) return to_grpc_status(m.error());
  const std::size_t limit = api_.page_limit(r->limit() == 0 ? std::nullopt : std::optional<std::uint64_t>(r->limit()), 100);
  for (const auto& t : model_.trades(*m, limit)) fill(api_, t, response->add_trades());
  return grpc::Status::OK;
}

grpc::Status ExchangeServiceImpl::ListAccountTrades(grpc::ServerContext*, const v1::ListAccountTradesRequest* r,
                                                    v1::ListAccountTradesResponse* response) {
  if (auto diverged = api_.divergence()) return to_grpc_status(*diverged);
  auto account = api_.account(r->account());
  if (!account) return to_grpc_status(account.error());
  const std::size_t limit = api_.page_limit(r->limit() == 0 ? std::nullopt : std::optional<std::uint64_t>(r->limit()), 100);
  for (const auto& t : model_.account_trades(*account, limit)) fill(api_, t, response->add_trades());
  return grpc::Status::OK;
}

grpc::Status ExchangeServiceImpl::ListCandles(grpc::ServerContext*, const v1::ListCandlesRequest* r,
                                              v1::ListCandlesResponse* response) {
  if (auto diverged = api_.divergence()) return to_grpc_status(*diverged);
  auto m = api_.market(r->market());
  if (!m) return to_grpc_status(m.error());
  const auto interval = parse_candle_interval(r->interval().empty() ? "1m" : r->interval());
  if (!interval) {
    return to_grpc_status(ApiError::bad_request("interval", "interval: '" + r->interval() + "', expected 1m, 5m, 1h or 1d"));
  }
  const std::size_t limit = api_.page_limit(r->limit() == 0 ? std::nullopt : std::optional<std::uint64_t>(r->limit()), 500);
  for (const auto& c : model_.candles(*m, *interval, r->from_ms(), r->to_ms() == 0 ? UINT64_MAX : r->to_ms(), limit)) {
    fill(api_, *m, *interval, c, response->add_candles());
  }
  return grpc::Status::OK;
}

grpc::Status ExchangeServiceImpl::GetBalances(grpc::ServerContext*, const v1::GetBalancesRequest* r,
                                              v1::GetBalancesResponse* response) {
  if (auto diverged = api_.divergence()) return to_grpc_status(*diverged);
  auto account = api_.account(r->account());
  if (!account) return to_grpc_status(account.error());
  auto balances = api_.balances(*account);
  if (!balances) return to_grpc_status(balances.error());
  response->set_account(account->hex());
  for (const BalanceLine& b : *balances) {
    v1::Balance* out = response->add_balances();
    out->set_asset(b.asset);
    out->set_available(format_decimal_unsigned(b.available, b.decimals));
    out->set_locked(format_decimal_unsigned(b.locked, b.decimals));
  }
  return grpc::Status::OK;
}

grpc::Status ExchangeServiceImpl::GetTransaction(grpc::ServerContext*, const v1::GetTransactionRequest* r,
                                                 v1::GetTransactionResponse* response) {
  if (auto diverged = api_.divergence()) return to_grpc_status(*diverged);
  auto hash = Hash256::from_hex(r->tx_hash());
  if (!hash) return to_grpc_status(ApiError::bad_request("tx_hash", "tx_hash: expected 64 hex digits"));
  auto tx = api_.transaction(*hash);
  if (!tx) return to_grpc_status(tx.error());
  response->set_tx_hash(tx->hash.hex());
  response->set_height(tx->height);
  response->set_index(tx->index);
  response->set_result_code(tx->code);
  response->set_result(std::string(exchange::reason_name(tx->code)));
  for (const TxEvent& e : tx->events) {
    v1::TransactionEvent* out = response->add_events();
    out->set_type(e.type);
    for (const auto& [key, value] : e.attributes) (*out->mutable_attributes())[key] = value;
  }
  return grpc::Status::OK;
}

// --- streams ---------------------------------------------------------------------------------

template <typename Response>
grpc::Status ExchangeServiceImpl::stream(grpc::ServerContext* context, const std::string& channel,
                                         grpc::ServerWriter<Response>* writer,
                                         const std::function<bool(const StreamItem&, Response&)>& fill_response) {
  if (auto diverged = api_.divergence()) return to_grpc_status(*diverged);
  if (!accepting_.load()) return shutting_down();
  StreamSlot slot(streams_, api_.context().api.max_block_streams);
  if (!slot.acquired()) {
    return {grpc::StatusCode::RESOURCE_EXHAUSTED, "too many streams (api.max_block_streams = " +
                                                      std::to_string(api_.context().api.max_block_streams) + ")"};
  }
  // The queue bound: the WebSocket byte bound over a generous item size.
  auto sink = std::make_shared<QueueSink>(std::max<std::size_t>(16, api_.context().api.max_ws_send_queue_bytes / 256));
  if (Status s = model_.subscribe(channel, sink); !s) {
    return {s.code() == StatusCode::kNotFound ? grpc::StatusCode::NOT_FOUND : grpc::StatusCode::INVALID_ARGUMENT,
            s.message()};
  }
  grpc::Status result{grpc::StatusCode::CANCELLED, "cancelled by the client"};
  while (!context->IsCancelled()) {
    if (!accepting_.load() || api_.context().views.closed()) {
      result = shutting_down();
      break;
    }
    auto item = sink->pop(kStreamSlice);
    if (!item) {
      if (sink->overflowed()) {
        result = {grpc::StatusCode::RESOURCE_EXHAUSTED, "the client fell too far behind; subscribe again"};
        break;
      }
      continue;
    }
    Response response;
    if (!fill_response(*item, response)) continue;
    if (!writer->Write(response)) break;
  }
  model_.unsubscribe(channel, sink.get());
  return result;
}

grpc::Status ExchangeServiceImpl::StreamBook(grpc::ServerContext* context, const v1::StreamBookRequest* r,
                                             grpc::ServerWriter<v1::StreamBookResponse>* writer) {
  auto m = api_.market(r->market());
  if (!m) return to_grpc_status(m.error());
  const std::string channel = "book." + api_.rules().market_spec(*m).symbol;
  return stream<v1::StreamBookResponse>(context, channel, writer, [this](const StreamItem& item, auto& out) {
    if (const auto* book = std::get_if<BookState>(&item.update)) {
      fill(api_, *book, out.mutable_snapshot());
      return true;
    }
    if (const auto* diff = std::get_if<BookDiff>(&item.update)) {
      v1::BookDiff* d = out.mutable_diff();
      d->set_market(api_.rules().market_spec(diff->market).symbol);
      d->set_height(diff->height);
      d->set_first_update_id(diff->first_update_id);
      d->set_last_update_id(diff->last_update_id);
      fill_levels(api_, diff->market, diff->bids, d->mutable_bids());
      fill_levels(api_, diff->market, diff->asks, d->mutable_asks());
      return true;
    }
    return false;
  });
}

grpc::Status ExchangeServiceImpl::StreamTrades(grpc::ServerContext* context, const v1::StreamTradesRequest* r,
                                               grpc::ServerWriter<v1::StreamTradesResponse>* writer) {
  auto m = api_.market(r->market());
  if (!m) return to_grpc_status(m.error());
  return stream<v1::StreamTradesResponse>(context, "trades." + api_.rules().market_spec(*m).symbol, writer,
                                          [this](const StreamItem& item, auto& out) {
                                            const auto* trade = std::get_if<TradeRecord>(&item.update);
                                            if (trade) fill(api_, *trade, out.mutable_trade());
                                            return trade != nullptr;
                                          });
}

grpc::Status ExchangeServiceImpl::StreamCandles(grpc::ServerContext* context, const v1::StreamCandlesRequest* r,
                                                grpc::ServerWriter<v1::StreamCandlesResponse>* writer) {
  auto m = api_.market(r->market());
  if (!m) return to_grpc_status(m.error());
  const std::string interval = r->interval().empty() ? "1m" : r->interval();
  return stream<v1::StreamCandlesResponse>(
      context, "candles." + api_.rules().market_spec(*m).symbol + "." + interval, writer,
      [this](const StreamItem& item, auto& out) {
        const auto* c = std::get_if<CandleUpdate>(&item.update);
        if (c) fill(api_, c->market, c->interval, c->candle, out.mutable_candle());
        return c != nullptr;
      });
}

grpc::Status ExchangeServiceImpl::StreamOrders(grpc::ServerContext* context, const v1::StreamOrdersRequest* r,
                                               grpc::ServerWriter<v1::StreamOrdersResponse>* writer) {
  auto account = api_.account(r->account());
  if (!account) return to_grpc_status(account.error());
  const Caller caller = caller_of(*context);
  auto who = api_.api_key_account(caller.api_key);
  if (!who) return to_grpc_status(who.error());
  if (*who != *account) {
    return to_grpc_status(ApiError{ApiErrorKind::kForbidden, "NOT_YOUR_ACCOUNT",
                                   "this API key is not for account " + account->hex(), "account", 0});
  }
  return stream<v1::StreamOrdersResponse>(context, "orders." + account->hex(), writer,
                                          [this](const StreamItem& item, auto& out) {
                                            const auto* order = std::get_if<OrderRecord>(&item.update);
                                            if (order) fill(api_, *order, out.mutable_order());
                                            return order != nullptr;
                                          });
}

}  // namespace replex::api
