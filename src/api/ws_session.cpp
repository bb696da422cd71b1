#include "ws_session.hpp"

#include "beast.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <set>

#include "exchange_api.hpp"
#include "json_body.hpp"
#include "json_views.hpp"
#include "replex/api/read_model.hpp"
#include "replex/core/ed25519.hpp"

namespace replex::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;

// How far a login's time may be from the node's clock.
constexpr std::uint64_t kWsAuthWindowMs = 60'000;

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

class WsSession final : public StreamSink, public Closable, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(beast::tcp_stream stream, WsContext context) : ws_(std::move(stream)), ctx_(std::move(context)) {
    ctx_.api.stats().ws_sessions_open.fetch_add(1);
  }
  ~WsSession() override { ctx_.api.stats().ws_sessions_open.fetch_sub(1); }

  void run(http::request<http::string_body> upgrade) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(ctx_.config.max_ws_message_bytes);
    upgrade_api_key_ = std::string(upgrade["X-API-Key"]);
    ws_.async_accept(upgrade, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->ctx_.registry.add(self);
      self->read();
    });
  }

  // Any thread, with the read model's lock held: only enqueue.
  bool push(std::shared_ptr<const StreamItem> item) override {
    if (closing_.load()) return false;
    if (queued_bytes_.load() > ctx_.config.max_ws_send_queue_bytes) {
      ctx_.api.stats().ws_slow_consumers.fetch_add(1);
      close_with("slow consumer", websocket::close_code::policy_error);
      return false;
    }
    queued_bytes_.fetch_add(kItemEstimateBytes);
    asio::post(ws_.get_executor(), [self = shared_from_this(), item = std::move(item)] {
      self->queued_bytes_.fetch_sub(kItemEstimateBytes);
      const std::string& text = item->render_once(
          [&api = self->ctx_.api](const StreamItem& i) { return render_stream_item(api, i); });
      self->send(std::make_shared<const std::string>(text));
    });
    return true;
  }

  void close() override { close_with("the node is shutting down", websocket::close_code::going_away); }

 private:
  // What an item costs in the queue before it is rendered on the strand.
  static constexpr std::size_t kItemEstimateBytes = 256;

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return end();
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    handle(text);
    if (!closing_.load()) read();
  }

  void reply(const Json& id, Json body) {
    body["id"] = id;
    send(std::make_shared<const std::string>(body.dump()));
  }

  void reply_error(const Json& id, const ApiError& error) { reply(id, Json{{"error", to_json(error)}}); }

  void handle(const std::string& text) {
    auto parsed = parse_json_body(text);
    if (!parsed) return reply_error(nullptr, parsed.error());
    const Json& message = *parsed;
    JsonFields fields(message);
    const auto op = fields.string("op");
    Json id = nullptr;
    if (message.is_object() && message.contains("id")) {
      const Json& raw = message["id"];
      // A numeric id comes back as the same number (its text is valid JSON).
      id = number_text(raw) ? Json::parse(*number_text(raw), nullptr, false) : raw;
    }
    fields.has("id");
    std::vector<std::string> channels;
    if (message.is_object() && message.contains("channels")) {
      fields.has("channels");
      const Json& list = message["channels"];
      if (!list.is_array()) return reply_error(id, ApiError::bad_request("channels", "channels: expected an array"));
      for (const Json& c : list) {
        if (!c.is_string()) return reply_error(id, ApiError::bad_request("channels", "channels: expected strings"));
        channels.push_back(c.get<std::string>());
      }
    }
    const auto api_key = fields.string("api_key");
    std::optional<Json> auth;
    if (message.is_object() && message.contains("auth")) {
      fields.has("auth");
      auth = message["auth"];
    }
    if (auto error = fields.finish()) return reply_error(id, *error);
    if (!op) return reply_error(id, ApiError::bad_request("op", "op: required (subscribe, unsubscribe or ping)"));
    if (*op == "ping") return reply(id, Json{{"result", "pong"}});
    if (*op != "subscribe" && *op != "unsubscribe") {
      return reply_error(id, ApiError::bad_request("op", "op: '" + *op + "', expected subscribe, unsubscribe or ping"));
    }
    if (channels.empty()) return reply_error(id, ApiError::bad_request("channels", "channels: at least one"));
    if (*op == "unsubscribe") {
      for (const auto& channel : channels) {
        ctx_.model.unsubscribe(channel, this);
        subscribed_.erase(channel);
      }
      return reply(id, Json{{"result", "unsubscribed"}, {"channels", channels}});
    }
    for (const auto& channel : channels) {
      if (subscribed_.count(channel)) continue;
      if (subscribed_.size() >= ctx_.config.max_ws_subscriptions) {
        return reply_error(id, ApiError{ApiErrorKind::kRateLimited, "TOO_MANY_SUBSCRIPTIONS",
                                        "at most api.max_ws_subscriptions = " +
                                            std::to_string(ctx_.config.max_ws_subscriptions) + " per connection",
                                        "channels", 0});
      }
      if (Status s = ctx_.model.check_channel(channel); !s) {
        return reply_error(id, s.code() == StatusCode::kNotFound ? ApiError::not_found(s.message(), "channels")
                                                                 : ApiError::bad_request("channels", s.message()));
      }
      if (channel.rfind("orders.", 0) == 0) {
        if (auto error = authorize(channel.substr(7), api_key.value_or(upgrade_api_key_), auth)) {
          return reply_error(id, *error);
        }
      }
      // The reply goes first, so a book snapshot follows its confirmation.
      reply(id, Json{{"result", "subscribed"}, {"channel", channel}});
      if (Status s = ctx_.model.subscribe(channel, shared_from_this()); !s) {
        return reply_error(id, ApiError::bad_request("channels", s.message()));
      }
      subscribed_.insert(channel);
    }
  }

  // orders.<account> needs that account's API key, or a login signed by its key.
  std::optional<ApiError> authorize(const std::string& account_hex, const std::string& api_key,
                                    const std::optional<Json>& auth) {
    auto account = PublicKey::from_hex(account_hex);
    if (!account) return ApiError::bad_request("channels", "orders.<account>: not an account key");
    if (!api_key.empty()) {
      auto who = ctx_.api.api_key_account(api_key);
      if (!who) return who.error();
      if (*who != *account) {
        return ApiError{ApiErrorKind::kForbidden, "NOT_YOUR_ACCOUNT", "this API key is not for account " + account_hex,
                        "api_key", 0};
      }
      return std::nullopt;
    }
    if (!auth) {
      return ApiError::unauthorized("orders.<account> needs \"api_key\", or \"auth\": {\"time_ms\", \"signature\"} "
                                    "signed by the account's key");
    }
    JsonFields f(*auth, "auth");
    const auto time_ms = f.u64("time_ms");
    const auto signature_hex = f.string("signature");
    if (auto error = f.finish()) return error;
    if (!time_ms || !signature_hex) return ApiError::bad_request("auth", "auth: time_ms and signature are required");
    const std::uint64_t now = now_ms();
    if ((*time_ms > now ? *time_ms - now : now - *time_ms) > kWsAuthWindowMs) {
      return ApiError::unauthorized("auth.time_ms: more than 60 s from the node's clock", "AUTH_EXPIRED");
    }
    auto raw = from_hex(*signature_hex);
    auto signature = raw ? Signature::from_bytes(*raw) : Result<Signature>(raw.status());
    const std::string message = account_hex + ":" + std::to_string(*time_ms);
    if (!signature || !verify(*account, domain::kStreamLogin, ctx_.api.context().genesis.chain_id(), as_bytes(message),
                              *signature)) {
      return ApiError::unauthorized("auth.signature: does not verify for this account", "BAD_SIGNATURE");
    }
    return std::nullopt;
  }

  void send(std::shared_ptr<const std::string> text) {
    if (closing_.load()) return;
    queued_bytes_.fetch_add(text->size());
    outbox_.push_back(std::move(text));
    if (queued_bytes_.load() > ctx_.config.max_ws_send_queue_bytes) {
      ctx_.api.stats().ws_slow_consumers.fetch_add(1);
      return close_with("slow consumer", websocket::close_code::policy_error);
    }
    if (!writing_) write_next();
  }

  void write_next() {
    if (outbox_.empty() || closing_.load()) {
      writing_ = false;
      return;
    }
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(*outbox_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->queued_bytes_.fetch_sub(self->outbox_.front()->size());
      self->outbox_.pop_front();
      if (ec) return self->end();
      self->ctx_.api.stats().ws_messages_sent.fetch_add(1, std::memory_order_relaxed);
      self->write_next();
    });
  }

  void close_with(std::string reason, websocket::close_code code) {
    if (closing_.exchange(true)) return;
    asio::post(ws_.get_executor(), [self = shared_from_this(), reason = std::move(reason), code] {
      self->unsubscribe_all();
      self->ws_.async_close(websocket::close_reason(code, reason), [self](beast::error_code) {});
    });
  }

  void end() {
    closing_.store(true);
    unsubscribe_all();
  }

  void unsubscribe_all() {
    for (const auto& channel : subscribed_) ctx_.model.unsubscribe(channel, this);
    subscribed_.clear();
  }

  websocket::stream<beast::tcp_stream> ws_;
  WsContext ctx_;
  beast::flat_buffer buffer_;
  std::string upgrade_api_key_;
  std::set<std::string> subscribed_;                  // strand only
  std::deque<std::shared_ptr<const std::string>> outbox_;  // strand only
  bool writing_ = false;                              // strand only
  std::atomic<std::size_t> queued_bytes_{0};
  std::atomic<bool> closing_{false};
};

}  // namespace

void run_ws_session(beast::tcp_stream stream, http::request<http::string_body> upgrade, WsContext context) {
  auto session = std::make_shared<WsSession>(std::move(stream), std::move(context));
  session->run(std::move(upgrade));
}

}  // namespace replex::api
