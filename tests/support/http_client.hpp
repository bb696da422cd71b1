// A small synchronous HTTP and WebSocket client (Boost.Beast) for tests that
// talk to a node's REST gateway on loopback. Never throws: transport
// failures come back as status 0 with the error in the body.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace replex::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpAnswer {
  int status = 0;  // 0: no answer (the body says why)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  nlohmann::json json() const;  // null when the body is not JSON
};

// One request on a fresh connection to "host:port".
HttpAnswer http_request(const std::string& target_host_port, const std::string& method, const std::string& target,
                        const std::string& body = {}, const Headers& headers = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));

class WsClient {
 public:
  WsClient();
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Connects and upgrades; false (and error()) on failure.
  bool connect(const std::string& host_port, const std::string& target = "/api/v1/stream", const Headers& headers = {});
  bool send(const std::string& text);
  // The next message, or nullopt after `timeout` or when the server closed (see close_reason()).
  std::optional<std::string> receive(std::chrono::milliseconds timeout);
  // Messages until one satisfies `match` (returned) or `timeout` passes.
  std::optional<nlohmann::json> receive_until(const std::function<bool(const nlohmann::json&)>& match,
                                              std::chrono::milliseconds timeout);
  const std::string& error() const { return error_; }
  std::string close_reason() const;
  bool closed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string error_;
};

}  // namespace replex::testing
