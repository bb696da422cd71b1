#include "replex/client/gateway_load.hpp"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "client_slack.hpp"
#include "json_scan.hpp"
#include "replex/client/http_pool.hpp"
#include "replex/client/node_client.hpp"
#include "replex/client/order_flow.hpp"
#include "replex/core/bytes.hpp"
#include "replex/v1/exchange.grpc.pb.h"
#include "replex/v1/node.grpc.pb.h"
#include "rest_batch_entry.hpp"

namespace replex::client {
namespace {

using Clock = std::chrono::steady_clock;

// The levels of the resting orders: buys from 1000.00 up, sells from 90000.00
// up, kRestingLevelsPerSide ticks of 0.01 each; far from the crossing flow's prices.
constexpr std::uint64_t kRestingBuyPrice = 100'000;
constexpr std::uint64_t kRestingSellPrice = 9'000'000;
// On the lot of both BTC-USDT (0.0001) and ETH-USDT (0.001).
constexpr const char* kRestingQuantity = "0.001";

// "RATE_LIMITED" out of "RATE_LIMITED: too many requests", else "".
std::string reason_prefix(const std::string& message) {
  const auto colon = message.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 40) return {};
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = message[i];
    if (!((c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9'))) return {};
  }
  return message.substr(0, colon);
}

RequestOutcome grpc_failure(const grpc::Status& status, const std::string& target) {
  RequestOutcome out;
  out.failure = "gRPC " + std::to_string(status.error_code());
  if (const std::string reason = reason_prefix(status.error_message()); !reason.empty()) out.failure += " " + reason;
  out.message = target + ": " + status.error_message();
  return out;
}

RequestOutcome http_failure(const HttpReply& reply, const std::string& target) {
  RequestOutcome out;
  if (reply.status == 0) {
    out.failure = "HTTP transport";
    out.message = target + ": " + reply.error;
    return out;
  }
  out.failure = "HTTP " + std::to_string(reply.status);
  if (const auto code = scan_string(reply.body, "code")) out.failure += " " + std::string(*code);
  out.message = target + ": " + reply.body;
  return out;
}

void raise_to(std::atomic<std::uint64_t>& highest, std::uint64_t height) {
  std::uint64_t known = highest.load();
  while (height > known && !highest.compare_exchange_weak(known, height)) {
  }
}

// --- gRPC: one completion queue and its reader thread ---------------------------------------

class GrpcCall {
 public:
  virtual ~GrpcCall() = default;
  virtual void finish(bool ok) = 0;
};

class CompletionThread {
 public:
  CompletionThread() : thread_([this] { loop(); }) {}
  // Every call has a deadline, so the wait is bounded.
  ~CompletionThread() {
    {
      std::unique_lock lock(mutex_);
      idle_.wait(lock, [this] { return pending_ == 0; });
    }
    queue_.Shutdown();
    thread_.join();
  }
  CompletionThread(const CompletionThread&) = delete;
  CompletionThread& operator=(const CompletionThread&) = delete;

  grpc::CompletionQueue* queue() { return &queue_; }
  void started() {
    std::lock_guard lock(mutex_);
    ++pending_;
  }

 private:
  void loop() {
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) {
      std::unique_ptr<GrpcCall> call(static_cast<GrpcCall*>(tag));
      call->finish(ok);
      call.reset();
      std::lock_guard lock(mutex_);
      --pending_;
      idle_.notify_all();
    }
  }

  grpc::CompletionQueue queue_;
  std::mutex mutex_;
  std::condition_variable idle_;
  std::size_t pending_ = 0;  // guarded by mutex_
  std::thread thread_;       // last: starts once the rest exists
};

// --- node: NodeService.SubmitTransaction -------------------------------------------------------

class NodeEntry final : public LoadSource {
 public:
  NodeEntry(const EntryContext& c, CrossingOrderFlow flow)
      : context_(c), flow_(std::move(flow)), stub_(v1::NodeService::NewStub(make_node_channel(c.grpc_target))),
        height_(c.start_height) {}

  void start(std::uint64_t, RequestDone done) override {
    struct Call final : GrpcCall {
      grpc::ClientContext context;
      v1::SubmitTransactionRequest request;
      v1::SubmitTransactionResponse response;
      grpc::Status status;
      std::unique_ptr<grpc::ClientAsyncResponseReader<v1::SubmitTransactionResponse>> reader;
      RequestDone done;
      NodeEntry* entry = nullptr;
      void finish(bool ok) override {
        if (ok && status.ok() && response.status() == v1::SUBMIT_STATUS_COMMITTED) {
          raise_to(entry->height_, response.commit().height());
          return done(RequestOutcome{true, response.commit().result_code() == 0, {}, {}});
        }
        if (!ok) return done(RequestOutcome{false, true, "gRPC queue failed", entry->context_.grpc_target});
        if (!status.ok()) return done(grpc_failure(status, entry->context_.grpc_target));
        done(RequestOutcome{false, true, "status " + v1::SubmitStatus_Name(response.status()),
                            entry->context_.grpc_target});
      }
    };
    const FlowOrder order = flow_.next(height_.load() + context_.ttl_blocks);
    auto* call = new Call;
    call->done = std::move(done);
    call->entry = this;
    call->request.set_transaction(std::string(as_chars(order.tx)));
    call->request.set_wait_for_commit(true);
    call->request.set_timeout_ms(static_cast<std::uint32_t>(context_.commit_timeout.count()));
    call->context.set_deadline(std::chrono::system_clock::now() + context_.commit_timeout + kClientSlack);
    completions_.started();
    call->reader = stub_->PrepareAsyncSubmitTransaction(&call->context, call->request, completions_.queue());
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
  }

 private:
  const EntryContext context_;
  CrossingOrderFlow flow_;
  std::unique_ptr<v1::NodeService::Stub> stub_;
  std::atomic<std::uint64_t> height_;
  CompletionThread completions_;  // last: destroyed first, once every call is answered
};

// --- grpc: ExchangeService.PlaceOrder (custodial) ------------------------------------------------

class GrpcEntry final : public LoadSource {
 public:
  GrpcEntry(const EntryContext& c, std::vector<std::string> api_keys)
      : context_(c), api_keys_(std::move(api_keys)),
        stub_(v1::ExchangeService::NewStub(make_node_channel(c.grpc_target))) {}

  void start(std::uint64_t sequence, RequestDone done) override {
    struct Call final : GrpcCall {
      grpc::ClientContext context;
      v1::PlaceOrderRequest request;
      v1::PlaceOrderResponse response;
      grpc::Status status;
      std::unique_ptr<grpc::ClientAsyncResponseReader<v1::PlaceOrderResponse>> reader;
      RequestDone done;
      const std::string* target = nullptr;
      void finish(bool ok) override {
        if (!ok) return done(RequestOutcome{false, true, "gRPC queue failed", *target});
        if (!status.ok()) return done(grpc_failure(status, *target));
        if (response.receipt().height() == 0) {
          return done(RequestOutcome{false, true, "answered before commit", *target});
        }
        done(RequestOutcome{true, response.receipt().result() == "OK", {}, {}});
      }
    };
    const CrossingOrderSpec spec = crossing_order_spec(sequence, api_keys_.size());
    auto* call = new Call;
    call->done = std::move(done);
    call->target = &context_.grpc_target;
    call->request.set_market(spec.market);
    call->request.set_side(spec.side == exchange::Side::kBuy ? v1::ORDER_SIDE_BUY : v1::ORDER_SIDE_SELL);
    call->request.set_kind(v1::ORDER_KIND_LIMIT);
    call->request.set_price(spec.price_text());
    call->request.set_quantity(spec.quantity_text());
    call->request.set_wait_for_commit(true);
    call->context.AddMetadata("x-api-key", api_keys_[spec.trader]);
    call->context.set_deadline(std::chrono::system_clock::now() + context_.commit_timeout + kClientSlack);
    completions_.started();
    call->reader = stub_->PrepareAsyncPlaceOrder(&call->context, call->request, completions_.queue());
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
  }

 private:
  const EntryContext context_;
  std::vector<std::string> api_keys_;
  std::unique_ptr<v1::ExchangeService::Stub> stub_;
  CompletionThread completions_;
};

// --- rest: POST /api/v1/orders?wait=commit (custodial) ----------------------------------------

std::string order_body(const char* market, exchange::Side side, const std::string& price, const std::string& quantity) {
  std::string body;
  body.reserve(120);
  body += R"({"market":")";
  body += market;
  body += R"(","side":")";
  body += side == exchange::Side::kBuy ? "buy" : "sell";
  body += R"(","type":"limit","price":")";
  body += price;
  body += R"(","quantity":")";
  body += quantity;
  body += R"("})";
  return body;
}

// A committed receipt: 200 with "status":"committed"; applied when "result":"OK".
RequestOutcome receipt_outcome(const HttpReply& reply, const std::string& target, bool wait,
                               std::atomic<std::uint64_t>* height) {
  if (wait && reply.status == 200 && reply.body.find(R"("status":"committed")") != std::string::npos) {
    if (height != nullptr) {
      if (const auto h = scan_u64(reply.body, "height")) raise_to(*height, *h);
    }
    return RequestOutcome{true, reply.body.find(R"("result":"OK")") != std::string::npos, {}, {}};
  }
  if (!wait && (reply.status == 202 || reply.status == 200)) return RequestOutcome{true, true, {}, {}};
  return http_failure(reply, target);
}

class RestEntry final : public LoadSource {
 public:
  RestEntry(const EntryContext& c, std::vector<std::string> api_keys)
      : context_(c), api_keys_(std::move(api_keys)),
        pool_(c.rest_target, c.max_in_flight, c.io_threads, c.commit_timeout + kClientSlack) {}

  void start(std::uint64_t sequence, RequestDone done) override {
    const CrossingOrderSpec spec = crossing_order_spec(sequence, api_keys_.size());
    HttpCall call;
    call.method = "POST";
    call.target = "/api/v1/orders?wait=commit";
    call.body = order_body(spec.market, spec.side, spec.price_text(), spec.quantity_text());
    call.headers.emplace_back("X-API-Key", api_keys_[spec.trader]);
    pool_.send(std::move(call), [this, done = std::move(done)](HttpReply reply) {
      done(receipt_outcome(reply, context_.rest_target, true, nullptr));
    });
  }

 private:
  const EntryContext context_;
  std::vector<std::string> api_keys_;
  HttpPool pool_;  // last: destroyed first
};

// --- rest-signed: POST /api/v1/transactions?wait=commit ---------------------------------------

class RestSignedEntry final : public LoadSource {
 public:
  RestSignedEntry(const EntryContext& c, CrossingOrderFlow flow)
      : context_(c), flow_(std::move(flow)), height_(c.start_height),
        pool_(c.rest_target, c.max_in_flight, c.io_threads, c.commit_timeout + kClientSlack) {}

  void start(std::uint64_t, RequestDone done) override {
    const FlowOrder order = flow_.next(height_.load() + context_.ttl_blocks);
    HttpCall call;
    call.method = "POST";
    call.target = "/api/v1/transactions?wait=commit";
    call.body = R"({"transaction":")" + to_base64(order.tx) + R"("})";
    pool_.send(std::move(call), [this, done = std::move(done)](HttpReply reply) {
      done(receipt_outcome(reply, context_.rest_target, true, &height_));
    });
  }

 private:
  const EntryContext context_;
  CrossingOrderFlow flow_;
  std::atomic<std::uint64_t> height_;
  HttpPool pool_;
};

// --- resting orders (the WebSocket fan-out's load) ----------------------------------------------

class RestingOrders final : public LoadSource {
 public:
  RestingOrders(const EntryContext& c, std::vector<std::string> api_keys, std::string market, bool wait)
      : context_(c), api_keys_(std::move(api_keys)), market_(std::move(market)), wait_(wait),
        pool_(c.rest_target, c.max_in_flight, c.io_threads, c.commit_timeout + kClientSlack) {}

  void start(std::uint64_t sequence, RequestDone done) override {
    // Buys and sells alternate; each walks its kRestingLevelsPerSide levels.
    const bool buy = sequence % 2 == 0;
    const std::uint64_t level = (sequence / 2) % kRestingLevelsPerSide;
    const std::uint64_t price = (buy ? kRestingBuyPrice : kRestingSellPrice) + level;
    HttpCall call;
    call.method = "POST";
    call.target = wait_ ? "/api/v1/orders?wait=commit" : "/api/v1/orders";
    call.body = order_body(market_.c_str(), buy ? exchange::Side::kBuy : exchange::Side::kSell,
                           format_price(price), kRestingQuantity);
    call.headers.emplace_back("X-API-Key", api_keys_[sequence % api_keys_.size()]);
    pool_.send(std::move(call), [this, done = std::move(done)](HttpReply reply) {
      done(receipt_outcome(reply, context_.rest_target, wait_, nullptr));
    });
  }

 private:
  static std::string format_price(std::uint64_t cents) {
    std::string fraction = std::to_string(cents % 100);
    if (fraction.size() < 2) fraction.insert(0, "0");
    return std::to_string(cents / 100) + "." + fraction;
  }

  const EntryContext context_;
  std::vector<std::string> api_keys_;
  const std::string market_;
  const bool wait_;
  HttpPool pool_;
};

// --- book queries ----------------------------------------------------------------------------

class BookQueries final : public LoadSource {
 public:
  BookQueries(const std::string& rest_target, const std::string& market, std::uint32_t depth,
              std::size_t connections, std::size_t io_threads)
      : target_path_("/api/v1/markets/" + market + "/book?depth=" + std::to_string(depth)),
        pool_(rest_target, connections, io_threads, std::chrono::seconds(10)) {}

  void start(std::uint64_t, RequestDone done) override {
    HttpCall call;
    call.target = target_path_;
    pool_.send(std::move(call), [this, done = std::move(done)](HttpReply reply) {
      if (reply.status == 200) return done(RequestOutcome{true, true, {}, {}});
      done(http_failure(reply, pool_.target()));
    });
  }

 private:
  const std::string target_path_;
  HttpPool pool_;
};

// The demo API keys, an even count of them (the crossing pairs' pairing).
Result<std::vector<std::string>> pairing_api_keys(const std::string& testnet_dir) {
  REPLEX_ASSIGN_OR_RETURN(std::vector<std::string> keys, load_testnet_api_keys(testnet_dir));
  if (keys.size() < 2) return Status::invalid_argument("a crossing flow needs at least 2 demo API keys");
  if (keys.size() % 2 != 0) keys.pop_back();
  return keys;
}

Result<CrossingOrderFlow> signing_flow(const EntryContext& c) {
  REPLEX_ASSIGN_OR_RETURN(std::vector<KeyPair> traders, load_testnet_traders(c.testnet_dir));
  // A fresh random nonce range per run: runs against one chain never reuse a nonce.
  std::random_device random;
  const std::uint64_t base = (std::uint64_t{random()} << 32) ^ (std::uint64_t{random()} << 16);
  return CrossingOrderFlow::create(c.chain_id, std::move(traders), base);
}

}  // namespace

std::string_view entry_api_name(EntryApi api) {
  switch (api) {
    case EntryApi::kNode: return "node";
    case EntryApi::kGrpc: return "grpc";
    case EntryApi::kRest: return "rest";
    case EntryApi::kRestSigned: return "rest-signed";
  }
  return "?";
}

std::optional<EntryApi> parse_entry_api(std::string_view name) {
  for (const EntryApi api : {EntryApi::kNode, EntryApi::kGrpc, EntryApi::kRest, EntryApi::kRestSigned}) {
    if (entry_api_name(api) == name) return api;
  }
  return std::nullopt;
}

Result<std::unique_ptr<LoadSource>> make_order_entry(EntryApi api, const EntryContext& context) {
  switch (api) {
    case EntryApi::kNode: {
      REPLEX_ASSIGN_OR_RETURN(CrossingOrderFlow flow, signing_flow(context));
      return std::unique_ptr<LoadSource>(std::make_unique<NodeEntry>(context, std::move(flow)));
    }
    case EntryApi::kGrpc: {
      REPLEX_ASSIGN_OR_RETURN(std::vector<std::string> keys, pairing_api_keys(context.testnet_dir));
      return std::unique_ptr<LoadSource>(std::make_unique<GrpcEntry>(context, std::move(keys)));
    }
    case EntryApi::kRest: {
      REPLEX_ASSIGN_OR_RETURN(std::vector<std::string> keys, pairing_api_keys(context.testnet_dir));
      if (context.batch > 1) return make_rest_batch_entry(context, std::move(keys));
      return std::unique_ptr<LoadSource>(std::make_unique<RestEntry>(context, std::move(keys)));
    }
    case EntryApi::kRestSigned: {
      REPLEX_ASSIGN_OR_RETURN(CrossingOrderFlow flow, signing_flow(context));
      if (context.batch > 1) return make_rest_signed_batch_entry(context, std::move(flow));
      return std::unique_ptr<LoadSource>(std::make_unique<RestSignedEntry>(context, std::move(flow)));
    }
  }
  return Status::invalid_argument("unknown order-entry API");
}

Result<std::unique_ptr<LoadSource>> make_resting_orders(const EntryContext& context, const std::string& market,
                                                        bool wait) {
  REPLEX_ASSIGN_OR_RETURN(std::vector<std::string> keys, load_testnet_api_keys(context.testnet_dir));
  return std::unique_ptr<LoadSource>(std::make_unique<RestingOrders>(context, std::move(keys), market, wait));
}

std::unique_ptr<LoadSource> make_book_queries(const std::string& rest_target, const std::string& market,
                                              std::uint32_t depth, std::size_t connections, std::size_t io_threads) {
  return std::make_unique<BookQueries>(rest_target, market, depth, connections, io_threads);
}

}  // namespace replex::client
