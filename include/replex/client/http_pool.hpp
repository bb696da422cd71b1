// HttpPool: asynchronous HTTP/1.1 requests to one REST gateway over at most
// `max_connections` keep-alive connections (Boost.Beast), for `replex bench`.
// A request goes out on an idle connection, else on a new one while fewer
// than max_connections are open, else waits its turn in arrival order; HTTP
// has no pipelining here, so the connections bound the requests in flight.
// A connection is opened on first use and again after an error or a
// "Connection: close"; a request that finds its reused connection closed by
// the server is retried once on a fresh one. Never throws: transport
// failures are answers with status 0 and the error in `error`.
// Owns `io_threads` threads; send() is thread-safe; `done` runs on a pool
// thread and may call send(). The destructor closes every connection and
// drops the requests not answered yet without calling their `done`.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace replex::client {

struct HttpCall {
  std::string method = "GET";  // GET, POST, ...
  std::string target;          // "/api/v1/markets/BTC-USDT/book?depth=20"
  std::string body;            // sent as application/json when not empty
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpReply {
  int status = 0;      // 0: no answer (see error)
  std::string body;
  std::string error;   // the transport error when status is 0
};

class HttpPool {
 public:
  using Done = std::function<void(HttpReply)>;

  // `host_port`: "127.0.0.1:8080". `timeout` bounds each connect, write and read.
  HttpPool(std::string host_port, std::size_t max_connections, std::size_t io_threads,
           std::chrono::milliseconds timeout);
  ~HttpPool();
  HttpPool(const HttpPool&) = delete;
  HttpPool& operator=(const HttpPool&) = delete;

  void send(HttpCall call, Done done);

  const std::string& target() const;
  // Connections opened so far (a reconnect counts again).
  std::size_t connects() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace replex::client
