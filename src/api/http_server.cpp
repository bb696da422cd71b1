#include "http_server.hpp"

#include "beast.hpp"

#include <chrono>

#include "json_body.hpp"
#include "json_views.hpp"
#include "ws_session.hpp"

namespace replex::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::string_view kStreamPath = "/api/v1/stream";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%' && i + 2 < in.size() && hex_digit(in[i + 1]) >= 0 && hex_digit(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(in[i + 1]) * 16 + hex_digit(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

HttpResponse error_response(unsigned version, const ApiError& error, bool keep_alive) {
  HttpResponse res{static_cast<http::status>(error.http_status()), version};
  res.set(http::field::content_type, "application/json");
  if (error.retry_after_s > 0) res.set(http::field::retry_after, std::to_string(error.retry_after_s));
  res.keep_alive(keep_alive);
  res.body() = to_json(error).dump();
  res.prepare_payload();
  return res;
}

// Counts a connection while it lives.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::atomic<std::size_t>& count) : count_(count) { count_.fetch_add(1); }
  ~ConnectionSlot() { count_.fetch_sub(1); }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  std::atomic<std::size_t>& count_;
};

}  // namespace

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      out[percent_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_context, const config::ApiSection& cfg, RequestHandler h, ExchangeApi& a, ReadModel& m)
      : io(io_context), config(cfg), handler(std::move(h)), api(a), model(m), acceptor(asio::make_strand(io_context)) {}

  void accept();

  asio::io_context& io;
  const config::ApiSection& config;
  RequestHandler handler;
  ExchangeApi& api;
  ReadModel& model;
  tcp::acceptor acceptor;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopped{false};
  SessionRegistry sessions;
};

namespace {

class HttpSession final : public Closable, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)),
        slot_(std::make_shared<ConnectionSlot>(server_->connections)) {}

  void run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

  void close() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      self->stream_.close();
    });
  }

  // Over the connection limit: answer 503 and close.
  void refuse() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->write(error_response(11,
                                 ApiError::unavailable("too many connections (api.max_connections = " +
                                                       std::to_string(self->server_->config.max_connections) + ")"),
                                 false));
    });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(server_->config.max_body_bytes);
    parser_->header_limit(server_->config.max_header_bytes);
    stream_.expires_after(std::chrono::milliseconds(server_->config.idle_timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted) {
      return shutdown();
    }
    if (ec == http::error::body_limit) {
      return write(error_response(11,
                                  ApiError{ApiErrorKind::kTooLarge, "BODY_TOO_LARGE",
                                           "the request body exceeds api.max_body_bytes = " +
                                               std::to_string(server_->config.max_body_bytes),
                                           "", 0},
                                  false));
    }
    if (ec == http::error::header_limit) {
      HttpResponse res = error_response(11,
                                        ApiError::bad_request("", "the request headers exceed api.max_header_bytes = " +
                                                                      std::to_string(server_->config.max_header_bytes),
                                                              "HEADERS_TOO_LARGE"),
                                        false);
      res.result(http::status::request_header_fields_too_large);
      return write(std::move(res));
    }
    if (ec) {
      if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
        return write(error_response(11, ApiError::bad_request("", "malformed HTTP request: " + ec.message()), false));
      }
      return shutdown();
    }
    http::request<http::string_body> req = parser_->release();
    const std::string target(req.target());
    const auto question = target.find('?');
    const std::string path = target.substr(0, question);
    if (websocket::is_upgrade(req) && path == kStreamPath) {
      if (auto diverged = server_->api.divergence()) return write(error_response(req.version(), *diverged, false));
      stream_.expires_never();
      run_ws_session(std::move(stream_), std::move(req),
                     WsContext{server_->config, server_->api, server_->model, server_->sessions, slot_});
      return;
    }
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    HttpRequest request;
    request.method = req.method();
    request.method_text = std::string(req.method_string());
    request.path = path;
    if (question != std::string::npos) request.query = parse_query(std::string_view(target).substr(question + 1));
    request.api_key = std::string(req["X-API-Key"]);
    request.content_type = std::string(req[http::field::content_type]);
    beast::error_code endpoint_ec;
    const auto remote = stream_.socket().remote_endpoint(endpoint_ec);
    request.ip = endpoint_ec ? std::string() : remote.address().to_string();
    request.body = std::move(req.body());
    // The handler's answer keeps the session alive: it is called exactly once.
    server_->handler(std::move(request), [self = shared_from_this()](HttpResponse res) {
      asio::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        res.version(self->version_);
        res.keep_alive(self->keep_alive_ && res.keep_alive());
        self->write(std::move(res));
      });
    });
  }

  void write(HttpResponse res) {
    server_->api.stats().count_response(static_cast<int>(res.result_int()));
    auto shared = std::make_shared<HttpResponse>(std::move(res));
    const bool keep = shared->keep_alive() && !server_->stopped.load();
    http::async_write(stream_, *shared, [self = shared_from_this(), shared, keep](beast::error_code ec, std::size_t) {
      if (ec || !keep) return self->shutdown();
      self->read();
    });
  }

  void shutdown() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpServer::Impl> server_;
  std::shared_ptr<ConnectionSlot> slot_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped.load() || ec == asio::error::operation_aborted) return;
    if (!ec) {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      const bool over = self->connections.load() >= self->config.max_connections;
      auto session = std::make_shared<HttpSession>(std::move(socket), self);
      self->sessions.add(session);
      if (over) {
        session->refuse();
      } else {
        session->run();
      }
    }
    self->accept();
  });
}

HttpServer::HttpServer(asio::io_context& io, const config::ApiSection& config, RequestHandler handler,
                       ExchangeApi& api, ReadModel& model)
    : impl_(std::make_shared<Impl>(io, config, std::move(handler), api, model)) {}

HttpServer::~HttpServer() { stop(); }

Result<std::uint16_t> HttpServer::listen(const config::ListenAddress& address) {
  beast::error_code ec;
  const auto ip = asio::ip::make_address(address.host, ec);
  if (ec) return Status::invalid_argument("api.rest_listen: " + address.to_string() + ": " + ec.message());
  const tcp::endpoint endpoint(ip, address.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::io_error("api.rest_listen: cannot listen on " + address.to_string() + ": " + ec.message());
  const std::uint16_t port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  return port;
}

void HttpServer::stop() {
  if (impl_->stopped.exchange(true)) return;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->sessions.close_all();
}

std::size_t HttpServer::connections() const { return impl_->connections.load(); }

void SessionRegistry::add(const std::shared_ptr<Closable>& session) {
  std::lock_guard lock(mutex_);
  if (closed_) {
    session->close();
    return;
  }
  std::erase_if(sessions_, [](const std::weak_ptr<Closable>& s) { return s.expired(); });
  sessions_.push_back(session);
}

void SessionRegistry::close_all() {
  std::vector<std::weak_ptr<Closable>> sessions;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    sessions.swap(sessions_);
  }
  for (auto& weak : sessions) {
    if (auto session = weak.lock()) session->close();
  }
}

}  // namespace replex::api
