#include "support/http_client.hpp"

#include "replex/p2p/asio.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#pragma GCC diagnostic pop

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace replex::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::pair<std::string, std::string> split_host_port(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  return {host_port.substr(0, colon), host_port.substr(colon + 1)};
}

}  // namespace

nlohmann::json HttpAnswer::json() const {
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? nlohmann::json() : parsed;
}

HttpAnswer http_request(const std::string& host_port, const std::string& method, const std::string& target,
                        const std::string& body, const Headers& headers, std::chrono::milliseconds timeout) {
  HttpAnswer answer;
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  const auto [host, port] = split_host_port(host_port);
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, port, ec);
  if (!ec) {
    stream.expires_after(timeout);
    stream.connect(endpoints, ec);
  }
  if (ec) {
    answer.body = "connect: " + ec.message();
    return answer;
  }
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, host_port);
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty() && req[http::field::content_type].empty()) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  stream.expires_after(timeout);
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  if (!ec) http::read(stream, buffer, parser, ec);
  if (ec) {
    answer.body = "request: " + ec.message();
    return answer;
  }
  const auto& res = parser.get();
  answer.status = static_cast<int>(res.result_int());
  answer.body = res.body();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    answer.headers[name] = std::string(field.value());
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return answer;
}

// A reader thread fills a queue so receive() can wait with a timeout.
struct WsClient::Impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  std::thread reader;
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::string> inbox;
  bool closed = false;
  std::string close_reason;

  void read_loop() {
    for (;;) {
      beast::flat_buffer buffer;
      beast::error_code ec;
      ws.read(buffer, ec);
      std::lock_guard lock(mutex);
      if (ec) {
        closed = true;
        close_reason = ws.reason().reason.empty() ? ec.message() : std::string(ws.reason().reason.c_str());
        changed.notify_all();
        return;
      }
      inbox.push_back(beast::buffers_to_string(buffer.data()));
      changed.notify_all();
    }
  }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}

WsClient::~WsClient() {
  beast::error_code ec;
  beast::get_lowest_layer(impl_->ws).socket().shutdown(tcp::socket::shutdown_both, ec);
  beast::get_lowest_layer(impl_->ws).socket().close(ec);
  if (impl_->reader.joinable()) impl_->reader.join();
}

bool WsClient::connect(const std::string& host_port, const std::string& target, const Headers& headers) {
  beast::error_code ec;
  const auto [host, port] = split_host_port(host_port);
  tcp::resolver resolver(impl_->io);
  auto endpoints = resolver.resolve(host, port, ec);
  if (!ec) beast::get_lowest_layer(impl_->ws).connect(endpoints, ec);
  if (!ec) {
    impl_->ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      for (const auto& [name, value] : headers) req.set(name, value);
    }));
    impl_->ws.handshake(host_port, target, ec);
  }
  if (ec) {
    error_ = ec.message();
    return false;
  }
  impl_->reader = std::thread([impl = impl_.get()] { impl->read_loop(); });
  return true;
}

bool WsClient::send(const std::string& text) {
  beast::error_code ec;
  impl_->ws.text(true);
  impl_->ws.write(asio::buffer(text), ec);
  if (ec) error_ = ec.message();
  return !ec;
}

std::optional<std::string> WsClient::receive(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  impl_->changed.wait_for(lock, timeout, [this] { return !impl_->inbox.empty() || impl_->closed; });
  if (impl_->inbox.empty()) return std::nullopt;
  std::string next = std::move(impl_->inbox.front());
  impl_->inbox.pop_front();
  return next;
}

std::optional<nlohmann::json> WsClient::receive_until(const std::function<bool(const nlohmann::json&)>& match,
                                                      std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto text = receive(left);
    if (!text) return std::nullopt;
    auto message = nlohmann::json::parse(*text, nullptr, false);
    if (!message.is_discarded() && match(message)) return message;
  }
  return std::nullopt;
}

std::string WsClient::close_reason() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->close_reason;
}

bool WsClient::closed() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->closed;
}

}  // namespace replex::testing
