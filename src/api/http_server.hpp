// HttpServer: the REST and WebSocket endpoint (Boost.Beast) on api.rest_listen.
//
// One session per connection, on its own strand of the gateway's
// io_context: read a request (bounded by api.max_header_bytes and
// api.max_body_bytes), hand it to the routes, write the answer, keep the
// connection alive until api.idle_timeout_ms passes without a request. A
// request for /api/v1/stream upgrades to a WebSocket session (ws_session.hpp).
// At most api.max_connections connections; one more is answered 503 and closed.
// Thread-safe: sessions run on the io_context's threads; stop() from any thread.
#pragma once

#include "beast.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "replex/config/node_config.hpp"
#include "replex/core/status.hpp"

namespace replex::api {

class ExchangeApi;
class ReadModel;

using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using Respond = std::function<void(HttpResponse)>;

// A parsed request as the routes see it.
struct HttpRequest {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string method_text;
  std::string path;                          // without the query
  std::map<std::string, std::string> query;  // decoded; a repeated key keeps the last value
  std::string api_key;                       // X-API-Key
  std::string ip;                            // the peer's address
  std::string content_type;
  std::string body;
};

// Answers one request; `respond` may be called later, from any thread, exactly once.
using RequestHandler = std::function<void(HttpRequest request, Respond respond)>;

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, const config::ApiSection& config, RequestHandler handler,
             ExchangeApi& api, ReadModel& model);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting; the bound port.
  Result<std::uint16_t> listen(const config::ListenAddress& address);
  // Stops accepting and closes every connection. Idempotent.
  void stop();

  std::size_t connections() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Parses "a=1&b=x%20y" (percent-decoding, '+' as space).
std::map<std::string, std::string> parse_query(std::string_view query);

}  // namespace replex::api
