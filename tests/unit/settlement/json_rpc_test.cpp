// The JSON-RPC client against a scripted HTTP server on a free loopback port
// (Beast, on a thread of the test): results, JSON-RPC errors with revert
// data, retries of 503/429 and transport failures, garbage, wrong ids,
// oversized answers, stalls past the deadline, keep-alive reuse, and the
// typed EthClient's reading of results.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

// GCC 12 reports -Wnull-dereference inside Asio's scheduler when it inlines
// it (a false positive; include/replex/p2p/asio.hpp does the same).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#if REPLEX_TEST_TLS
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#endif
#pragma GCC diagnostic pop

#include <cstdio>
#include <filesystem>
#include <utility>

#include <unistd.h>

#include "replex/settlement/eth_client.hpp"
#include "replex/settlement/json_rpc.hpp"

namespace replex::settlement {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// What the scripted server answers to one request.
struct Reply {
  unsigned status = 200;
  std::string body;
  milliseconds delay{0};     // wait this long before answering
  bool close_after = false;  // close the socket after answering, without saying so
  std::string retry_after;   // a Retry-After header, if not empty
  bool chunked = false;      // send the body chunked instead of with a Content-Length
};

Reply reply(unsigned status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Reply result_reply(const json& request, const json& result) {
  return reply(200, json{{"jsonrpc", "2.0"}, {"id", request["id"]}, {"result", result}}.dump());
}

Reply error_reply(const json& request, int code, const std::string& message, const json& data = nullptr) {
  json error = {{"code", code}, {"message", message}};
  if (!data.is_null()) error["data"] = data;
  return reply(200, json{{"jsonrpc", "2.0"}, {"id", request["id"]}, {"error", error}}.dump());
}

// request (parsed JSON body) and its 0-based index among all requests -> the answer.
using Script = std::function<Reply(const json& request, std::size_t index)>;

// An HTTP/1.1 server on 127.0.0.1 and a port the OS picks, answering every
// POST by the script on its own thread. Keeps connections alive.
class ScriptedServer {
 public:
  explicit ScriptedServer(Script script) : script_(std::move(script)), acceptor_(ioc_) {
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~ScriptedServer() {
    ioc_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/rpc"; }
  std::string authority() const { return "127.0.0.1:" + std::to_string(port_); }
  std::size_t requests() const { return requests_.load(); }
  std::size_t connections() const { return connections_.load(); }
  json last_request() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_request_;
  }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    Session(ScriptedServer& s, tcp::socket socket)
        : server(s), stream(std::move(socket)), timer(stream.get_executor()) {}

    void read() {
      request = {};
      http::async_read(stream, buffer, request, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (!ec) self->answer();
      });
    }

    void answer() {
      const json parsed = json::parse(request.body(), nullptr, false);
      const std::size_t index = server.requests_.fetch_add(1);
      {
        std::lock_guard<std::mutex> lock(server.mu_);
        server.last_request_ = parsed;
      }
      reply = server.script_(parsed, index);
      timer.expires_after(reply.delay);
      timer.async_wait([self = shared_from_this()](beast::error_code) { self->write(); });
    }

    void write() {
      response = {};
      response.version(11);
      response.result(reply.status);
      response.set(http::field::content_type, "application/json");
      if (!reply.retry_after.empty()) response.set(http::field::retry_after, reply.retry_after);
      response.keep_alive(true);
      response.body() = reply.body;
      if (reply.chunked) {
        response.chunked(true);
      } else {
        response.prepare_payload();
      }
      http::async_write(stream, response, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return;
        if (self->reply.close_after) {
          beast::error_code ignored;
          self->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
          self->stream.socket().close(ignored);
          return;
        }
        self->read();
      });
    }

    ScriptedServer& server;
    beast::tcp_stream stream;
    asio::steady_timer timer;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
    Reply reply;
  };

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      connections_.fetch_add(1);
      std::make_shared<Session>(*this, std::move(socket))->read();
      accept();
    });
  }

  Script script_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<std::size_t> requests_{0};
  std::atomic<std::size_t> connections_{0};
  mutable std::mutex mu_;
  json last_request_;
};

// Fast retries so the tests stay short; everything else at its default.
JsonRpcConfig config_for(const std::string& url) {
  JsonRpcConfig config;
  config.url = url;
  config.request_timeout_ms = 2'000;
  config.max_attempts = 3;
  config.retry_backoff_ms = 5;
  config.max_retry_backoff_ms = 20;
  config.max_call_ms = 10'000;
  config.jitter_seed = 1;
  return config;
}

JsonRpcClient open_client(const JsonRpcConfig& config) {
  auto client = JsonRpcClient::open(config);
  EXPECT_TRUE(client.is_ok()) << client.status().to_string();
  return std::move(client).value();
}

EthClient open_eth(const JsonRpcConfig& config) {
  auto client = EthClient::open(config);
  EXPECT_TRUE(client.is_ok()) << client.status().to_string();
  return std::move(client).value();
}

// A loopback port nothing listens on (bound, then released).
std::uint16_t closed_port() {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

std::string hex_of(const Bytes& b) { return to_hex(b); }

TEST(JsonRpc, ReturnsTheResultOfAWellFormedRequest) {
  ScriptedServer server([](const json& req, std::size_t) { return result_reply(req, "0x1a"); });
  JsonRpcClient client = open_client(config_for(server.url()));
  auto result = client.call("eth_blockNumber", "[]");
  ASSERT_TRUE(result.is_ok()) << result.error().text;
  EXPECT_EQ(*result, "\"0x1a\"");
  const json req = server.last_request();
  EXPECT_EQ(req["jsonrpc"], "2.0");
  EXPECT_EQ(req["method"], "eth_blockNumber");
  EXPECT_EQ(req["params"], json::array());
  EXPECT_TRUE(req["id"].is_number_unsigned());

  auto with_params = client.call("eth_getBalance", R"(["0x00000000000000000000000000000000000000aa", "latest"])");
  ASSERT_TRUE(with_params.is_ok()) << with_params.error().text;
  EXPECT_EQ(server.last_request()["params"], json::array({"0x00000000000000000000000000000000000000aa", "latest"}));
}

TEST(JsonRpc, ReusesOneKeepAliveConnection) {
  ScriptedServer server([](const json& req, std::size_t) { return result_reply(req, "0x1"); });
  JsonRpcClient client = open_client(config_for(server.url()));
  for (int i = 0; i < 5; ++i) {
    auto result = client.call("eth_chainId", "[]");
    ASSERT_TRUE(result.is_ok()) << result.error().text;
  }
  EXPECT_EQ(server.connections(), 1u);
  EXPECT_EQ(client.stats().connections_opened, 1u);
  EXPECT_EQ(client.stats().calls, 5u);
  EXPECT_EQ(client.stats().attempts, 5u);
}

TEST(JsonRpc, ReconnectsWhenTheServerDroppedTheIdleConnection) {
  // The server closes every connection after answering without saying so:
  // each next call finds a dead socket, reconnects, and still takes one attempt.
  ScriptedServer server([](const json& req, std::size_t) {
    Reply r = result_reply(req, "0x1");
    r.close_after = true;
    return r;
  });
  JsonRpcClient client = open_client(config_for(server.url()));
  for (int i = 0; i < 3; ++i) {
    auto result = client.call("eth_chainId", "[]");
    ASSERT_TRUE(result.is_ok()) << result.error().text;
    // Let the server's close reach our side before the next call.
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(server.requests(), 3u);
  EXPECT_EQ(client.stats().attempts, 3u);
  EXPECT_EQ(server.connections(), 3u);
}

TEST(JsonRpc, SurfacesAJsonRpcErrorWithRevertDataWithoutRetrying) {
  ScriptedServer server([](const json& req, std::size_t) {
    return error_reply(req, 3, "execution reverted: custom error 0xdeadbeef", "0xdeadbeef");
  });
  EthClient client = open_eth(config_for(server.url()));
  auto result = client.call(EthAddress{}, from_hex("12345678").value());
  ASSERT_FALSE(result.is_ok());
  const RpcError& err = result.error();
  EXPECT_EQ(err.kind, RpcErrorKind::kExecutionReverted);
  EXPECT_EQ(err.text, "eth_call: JSON-RPC error 3: execution reverted: custom error 0xdeadbeef (data 0xdeadbeef)");
  EXPECT_EQ(err.method, "eth_call");
  EXPECT_EQ(err.rpc_code, 3);
  EXPECT_EQ(err.rpc_message, "execution reverted: custom error 0xdeadbeef");
  EXPECT_EQ(hex_of(err.revert_data), "deadbeef");
  EXPECT_TRUE(err.is_rpc_error());
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(result.status().message(), err.text);
  EXPECT_EQ(err.attempts, 1u);
  EXPECT_EQ(server.requests(), 1u) << "a JSON-RPC error is the node's answer, never retried";
}

TEST(JsonRpc, QuotesErrorDataThatIsNotHexAndEscapesControlBytes) {
  ScriptedServer server([](const json& req, std::size_t) {
    return error_reply(req, -32000, std::string("bad\x01thing"), json{{"reason", "why"}});
  });
  JsonRpcClient client = open_client(config_for(server.url()));
  auto result = client.call("eth_call", "[]");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.error().kind, RpcErrorKind::kRpc);
  EXPECT_EQ(result.error().text, R"(eth_call: JSON-RPC error -32000: bad\x01thing (data {"reason":"why"}))");
  EXPECT_TRUE(result.error().revert_data.empty());
}

TEST(JsonRpc, ClassifiesTheErrorsTheSubmitterReactsTo) {
  struct Case {
    int code;
    const char* message;
    RpcErrorKind kind;
    StatusCode status;
  };
  const Case cases[] = {
      {-32000, "already known", RpcErrorKind::kAlreadyKnown, StatusCode::kAlreadyExists},
      {-32003, "transaction already imported", RpcErrorKind::kAlreadyKnown, StatusCode::kAlreadyExists},
      {-32000, "nonce too low: next nonce 5, tx nonce 4", RpcErrorKind::kNonceTooLow, StatusCode::kFailedPrecondition},
      {-32000, "replacement transaction underpriced", RpcErrorKind::kReplacementUnderpriced,
       StatusCode::kFailedPrecondition},
      {-32000, "insufficient funds for gas * price + value", RpcErrorKind::kInsufficientFunds,
       StatusCode::kFailedPrecondition},
      {-32601, "the method eth_foo does not exist/is not available", RpcErrorKind::kRpc,
       StatusCode::kFailedPrecondition},
  };
  for (const Case& c : cases) {
    ScriptedServer server([&c](const json& req, std::size_t) { return error_reply(req, c.code, c.message); });
    EthClient client = open_eth(config_for(server.url()));
    auto result = client.send_raw_transaction(from_hex("02c0").value());
    ASSERT_FALSE(result.is_ok()) << c.message;
    EXPECT_EQ(result.error().kind, c.kind) << c.message;
    EXPECT_EQ(result.status().code(), c.status) << c.message;
    EXPECT_EQ(result.error().text,
              "eth_sendRawTransaction: JSON-RPC error " + std::to_string(c.code) + ": " + c.message);
    EXPECT_EQ(server.requests(), 1u) << c.message;
  }
}

TEST(JsonRpc, RetriesA503ThenSucceedsCountingAttempts) {
  ScriptedServer server([](const json& req, std::size_t index) {
    if (index < 2) return reply(503, "busy");
    return result_reply(req, "0x7a69");
  });
  EthClient client = open_eth(config_for(server.url()));
  auto chain = client.chain_id();
  ASSERT_TRUE(chain.is_ok()) << chain.error().text;
  EXPECT_EQ(*chain, 31337u);
  EXPECT_EQ(server.requests(), 3u);
  EXPECT_EQ(client.rpc().stats().attempts, 3u);
  EXPECT_EQ(client.rpc().stats().calls, 1u);
}

TEST(JsonRpc, GivesUpOn5xxAnd429AfterMaxAttempts) {
  ScriptedServer server([](const json&, std::size_t index) {
    return index % 2 == 0 ? reply(503, "busy") : reply(429, "slow down");
  });
  JsonRpcConfig config = config_for(server.url());
  config.max_attempts = 4;
  JsonRpcClient client = open_client(config);
  auto result = client.call("eth_chainId", "[]");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.error().kind, RpcErrorKind::kHttpStatus);
  EXPECT_EQ(result.error().text, "eth_chainId: " + server.authority() + ": HTTP 429 Too Many Requests (4 attempts)");
  EXPECT_EQ(result.error().attempts, 4u);
  EXPECT_EQ(result.error().http_status, 429u);
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(server.requests(), 4u);
}

TEST(JsonRpc, HonoursRetryAfterUpToTheBackoffCeiling) {
  ScriptedServer server([](const json& req, std::size_t index) {
    if (index == 0) {
      Reply r = reply(429, "slow down");
      r.retry_after = "1";  // one second, capped to max_retry_backoff_ms
      return r;
    }
    return result_reply(req, "0x1");
  });
  JsonRpcConfig config = config_for(server.url());
  config.max_retry_backoff_ms = 300;
  JsonRpcClient client = open_client(config);
  const auto start = Clock::now();
  auto result = client.call("eth_chainId", "[]");
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(result.is_ok()) << result.error().text;
  EXPECT_GE(elapsed, milliseconds(300));
  EXPECT_LT(elapsed, milliseconds(950));
}

TEST(JsonRpc, DoesNotRetryOtherHttpErrors) {
  ScriptedServer server([](const json&, std::size_t) { return reply(404, "no such path"); });
  JsonRpcClient client = open_client(config_for(server.url()));
  auto result = client.call("eth_chainId", "[]");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.error().text, "eth_chainId: " + server.authority() + ": HTTP 404 Not Found (1 attempt)");
  EXPECT_EQ(server.requests(), 1u);
}

TEST(JsonRpc, TakesAJsonRpcErrorSentWithHttp400AsTheNodesAnswer) {
  ScriptedServer server([](const json& req, std::size_t) {
    Reply r = error_reply(req, -32602, "invalid argument 0: hex string has odd length");
    r.status = 400;
    return r;
  });
  JsonRpcClient client = open_client(config_for(server.url()));
  auto result = client.call("eth_getBalance", R"(["0x1"])");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.error().kind, RpcErrorKind::kRpc);
  EXPECT_EQ(result.error().text, "eth_getBalance: JSON-RPC error -32602: invalid argument 0: hex string has odd length");
  EXPECT_EQ(server.requests(), 1u);
}

TEST(JsonRpc, RefusesGarbageWithoutRetrying) {
  ScriptedServer server([](const json&, std::size_t) { return reply(200, "<html>not json</html>"); });
  EthClient client = open_eth(config_for(server.url()));
  auto result = client.block_number();
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.error().kind, RpcErrorKind::kMalformed);
  EXPECT_EQ(result.error().text, "eth_blockNumber: malformed response: not JSON");
  EXPECT_EQ(result.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(server.requests(), 1u);
}

TEST(JsonRpc, RefusesAWrongId) {
  ScriptedServer server([](const json& req, std::size_t) {
    return reply(200, json{{"jsonrpc", "2.0"}, {"id", req["id"].get<std::uint64_t>() + 1000}, {"result", "0x1"}}.dump());
  });
  JsonRpcClient client = open_client(config_for(server.url()));
  auto result = client.call("eth_chainId", "[]");  // the client's first id is 1
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.error().kind, RpcErrorKind::kMalformed);
  EXPECT_EQ(result.error().text, "eth_chainId: malformed response: id 1001, expected 1");
}

TEST(JsonRpc, RefusesAResponseWithoutResult) {
  ScriptedServer server([](const json& req, std::size_t) {
    return reply(200, json{{"jsonrpc", "2.0"}, {"id", req["id"]}}.dump());
  });
  JsonRpcClient client = open_client(config_for(server.url()));
  auto result = client.call("eth_chainId", "[]");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.error().text, "eth_chainId: malformed response: neither result nor error");

  ScriptedServer no_version([](const json& req, std::size_t) {
    return reply(200, json{{"id", req["id"]}, {"result", "0x1"}}.dump());
  });
  JsonRpcClient client2 = open_client(config_for(no_version.url()));
  auto result2 = client2.call("eth_chainId", "[]");
  ASSERT_FALSE(result2.is_ok());
  EXPECT_EQ(result2.error().text, "eth_chainId: malformed response: jsonrpc is not \"2.0\"");
}

TEST(JsonRpc, RefusesAResponseAboveTheSizeLimit) {
  ScriptedServer server([](const json& req, std::size_t) {
    return result_reply(req, "0x" + std::string(200'000, 'a'));
  });
  JsonRpcConfig config = config_for(server.url());
  config.max_response_bytes = 64 * 1024;
  JsonRpcClient client = open_client(config);
  auto result = client.call("eth_call", "[]");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.error().kind, RpcErrorKind::kTooLarge);
  EXPECT_EQ(result.error().text,
            "eth_call: " + server.authority() + ": response larger than 65536 bytes (max_response_bytes)");
  EXPECT_EQ(result.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(server.requests(), 1u);

  // Chunked, the size is only known as the chunks arrive.
  ScriptedServer chunked([](const json& req, std::size_t) {
    Reply r = result_reply(req, "0x" + std::string(200'000, 'a'));
    r.chunked = true;
    return r;
  });
  config.url = chunked.url();
  JsonRpcClient chunked_client = open_client(config);
  auto chunked_result = chunked_client.call("eth_call", "[]");
  ASSERT_FALSE(chunked_result.is_ok());
  EXPECT_EQ(chunked_result.error().kind, RpcErrorKind::kTooLarge);
  EXPECT_EQ(chunked.requests(), 1u);

  // A chunked answer under the limit is read whole.
  ScriptedServer small([](const json& req, std::size_t) {
    Reply r = result_reply(req, "0x" + std::string(1'000, 'b'));
    r.chunked = true;
    return r;
  });
  config.url = small.url();
  JsonRpcClient again = open_client(config);
  auto whole = again.call("eth_call", "[]");
  ASSERT_TRUE(whole.is_ok()) << whole.error().text;
  EXPECT_EQ(whole->size(), 1'004u);
}

TEST(JsonRpc, TimesOutAStalledServerWithinTheDeadline) {
  ScriptedServer server([](const json& req, std::size_t) {
    Reply r = result_reply(req, "0x1");
    r.delay = milliseconds(3'000);
    return r;
  });
  JsonRpcConfig config = config_for(server.url());
  config.request_timeout_ms = 300;
  config.max_attempts = 1;
  JsonRpcClient client = open_client(config);
  const auto start = Clock::now();
  auto result = client.call("eth_blockNumber", "[]");
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.error().kind, RpcErrorKind::kTimeout);
  EXPECT_EQ(result.error().text, "eth_blockNumber: " + server.authority() + ": receive: no answer within 300 ms (1 attempt)");
  EXPECT_EQ(result.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_GE(elapsed, milliseconds(295));
  EXPECT_LT(elapsed, milliseconds(1'000));
}

TEST(JsonRpc, BoundsAllAttemptsByMaxCallMs) {
  ScriptedServer server([](const json& req, std::size_t) {
    Reply r = result_reply(req, "0x1");
    r.delay = milliseconds(3'000);
    return r;
  });
  JsonRpcConfig config = config_for(server.url());
  config.request_timeout_ms = 300;
  config.max_attempts = 10;
  config.max_call_ms = 800;
  JsonRpcClient client = open_client(config);
  const auto start = Clock::now();
  auto result = client.call("eth_blockNumber", "[]");
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.error().kind, RpcErrorKind::kTimeout);
  EXPECT_GE(result.error().attempts, 2u);
  EXPECT_LT(result.error().attempts, 10u);
  EXPECT_EQ(result.error().attempts, client.stats().attempts);
  EXPECT_LT(elapsed, milliseconds(1'300));
}

TEST(JsonRpc, RetriesARefusedConnectionThenReportsIt) {
  const std::uint16_t port = closed_port();
  JsonRpcConfig config = config_for("http://127.0.0.1:" + std::to_string(port));
  JsonRpcClient client = open_client(config);
  auto result = client.call("eth_chainId", "[]");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.error().kind, RpcErrorKind::kTransport);
  EXPECT_EQ(result.error().text,
            "eth_chainId: 127.0.0.1:" + std::to_string(port) + ": connect: Connection refused (3 attempts)");
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(client.stats().attempts, 3u);
}

TEST(JsonRpc, RefusesBadParamsAndMethodsBeforeSending) {
  ScriptedServer server([](const json& req, std::size_t) { return result_reply(req, "0x1"); });
  JsonRpcClient client = open_client(config_for(server.url()));
  auto not_array = client.call("eth_chainId", R"({"a":1})");
  ASSERT_FALSE(not_array.is_ok());
  EXPECT_EQ(not_array.error().kind, RpcErrorKind::kInvalidRequest);
  EXPECT_EQ(not_array.error().text, "eth_chainId: invalid request: params: not a JSON array");
  EXPECT_EQ(not_array.error().attempts, 0u);
  auto bad_method = client.call("eth chainId", "[]");
  ASSERT_FALSE(bad_method.is_ok());
  EXPECT_EQ(bad_method.error().text, "eth chainId: invalid request: method name must be printable ASCII");
  EXPECT_EQ(server.requests(), 0u);
}

TEST(JsonRpc, ConfigValidationNamesTheField) {
  JsonRpcConfig config = config_for("http://127.0.0.1:8545");
  EXPECT_TRUE(config.validate().is_ok());

  auto refused = [](JsonRpcConfig c) { return c.validate().message(); };
  JsonRpcConfig c = config;
  c.url = "ws://127.0.0.1:8545";
  EXPECT_EQ(refused(c), "url: must start with http:// or https://");
  c.url = "http://user:pw@127.0.0.1:8545";
  EXPECT_EQ(refused(c), "url: user info (user:password@) is not supported");
  c.url = "http://127.0.0.1:99999";
  EXPECT_EQ(refused(c), "url: port must be 1..65535");
  c.url = "http://:8545";
  EXPECT_EQ(refused(c), "url: no host");
  c = config;
  c.max_attempts = 0;
  EXPECT_EQ(refused(c), "max_attempts: must be 1..100");
  c = config;
  c.request_timeout_ms = 0;
  EXPECT_EQ(refused(c), "request_timeout_ms: must be 1..600000");
  c = config;
  c.max_call_ms = c.request_timeout_ms - 1;
  EXPECT_EQ(refused(c), "max_call_ms: must be request_timeout_ms..6000000");
  c = config;
  c.retry_backoff_ms = c.max_retry_backoff_ms + 1;
  EXPECT_EQ(refused(c), "retry_backoff_ms: above max_retry_backoff_ms");
  c = config;
  c.max_response_bytes = 10;
  EXPECT_EQ(refused(c), "max_response_bytes: must be 1024..1073741824");
  EXPECT_FALSE(JsonRpcClient::open(c).is_ok());

  for (const char* ok : {"http://localhost", "http://[::1]:8545/", "https://node.example/v3/key?x=1",
                         "HTTP://127.0.0.1:1/a/b"}) {
    c = config;
    c.url = ok;
    const Status s = c.validate();
    EXPECT_TRUE(s.is_ok() || s.message() == "url: https needs TLS, and this build has no OpenSSL")
        << ok << ": " << s.to_string();
  }
}

TEST(JsonRpc, HttpsToAPlainHttpServerFailsTheHandshake) {
  ScriptedServer server([](const json& req, std::size_t) { return result_reply(req, "0x1"); });
  JsonRpcConfig config = config_for("https://127.0.0.1:" + server.authority().substr(server.authority().find(':') + 1));
  config.max_attempts = 1;
  const Status valid = config.validate();
  if (!valid.is_ok()) {
    // Built without OpenSSL: https is refused up front, saying why.
    EXPECT_EQ(valid.message(), "url: https needs TLS, and this build has no OpenSSL");
    return;
  }
  JsonRpcClient client = open_client(config);
  auto result = client.call("eth_chainId", "[]");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.error().kind, RpcErrorKind::kTransport);
  const std::string prefix = "eth_chainId: " + server.authority() + ": TLS handshake: ";
  EXPECT_EQ(result.error().text.substr(0, prefix.size()), prefix) << result.error().text;
}

#if REPLEX_TEST_TLS
// ---- https against a TLS server with a certificate made here ----

// A self-signed P-256 certificate for `subject_alt_name` ("IP:127.0.0.1"),
// its PEM written to a temporary file the client may trust.
class TestCertificate {
 public:
  explicit TestCertificate(const char* subject_alt_name) {
    key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    REPLEX_ASSERT(key_ != nullptr);
    cert_ = X509_new();
    X509_set_version(cert_, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert_), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert_), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert_), 3600);
    X509_set_pubkey(cert_, key_);
    X509_NAME* name = X509_get_subject_name(cert_);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("replex test"), -1,
                               -1, 0);
    X509_set_issuer_name(cert_, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert_, cert_, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, subject_alt_name},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      REPLEX_ASSERT(ext != nullptr);
      X509_add_ext(cert_, ext, -1);
      X509_EXTENSION_free(ext);
    }
    REPLEX_ASSERT(X509_sign(cert_, key_, EVP_sha256()) > 0);
    pem_path_ = std::filesystem::temp_directory_path() /
                ("replex-test-ca-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_) + ".pem");
    FILE* f = std::fopen(pem_path_.c_str(), "w");
    REPLEX_ASSERT(f != nullptr);
    PEM_write_X509(f, cert_);
    std::fclose(f);
  }
  TestCertificate(const TestCertificate&) = delete;
  TestCertificate& operator=(const TestCertificate&) = delete;
  ~TestCertificate() {
    std::error_code ignored;
    std::filesystem::remove(pem_path_, ignored);
    X509_free(cert_);
    EVP_PKEY_free(key_);
  }

  std::string pem_path() const { return pem_path_.string(); }
  void install(asio::ssl::context& ctx) const {
    REPLEX_ASSERT(SSL_CTX_use_certificate(ctx.native_handle(), cert_) == 1);
    REPLEX_ASSERT(SSL_CTX_use_PrivateKey(ctx.native_handle(), key_) == 1);
  }

 private:
  static inline int counter_ = 0;
  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
  std::filesystem::path pem_path_;
};

// Answers eth_chainId over TLS on 127.0.0.1, keeping connections alive.
class TlsServer {
 public:
  explicit TlsServer(const TestCertificate& cert) : tls_(asio::ssl::context::tls_server), acceptor_(ioc_) {
    cert.install(tls_);
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TlsServer() {
    ioc_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  std::size_t requests() const { return requests_.load(); }
  std::size_t connections() const { return connections_.load(); }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    Session(TlsServer& s, tcp::socket socket) : server(s), stream(std::move(socket), s.tls_) {}
    void start() {
      stream.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
        if (!ec) self->read();
      });
    }
    void read() {
      request = {};
      http::async_read(stream, buffer, request, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return;
        self->server.requests_.fetch_add(1);
        const json req = json::parse(self->request.body());
        self->response = {};
        self->response.version(11);
        self->response.result(200);
        self->response.keep_alive(true);
        self->response.body() = result_reply(req, "0x7a69").body;
        self->response.prepare_payload();
        http::async_write(self->stream, self->response, [self](beast::error_code wec, std::size_t) {
          if (!wec) self->read();
        });
      });
    }
    TlsServer& server;
    beast::ssl_stream<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
  };

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      connections_.fetch_add(1);
      std::make_shared<Session>(*this, std::move(socket))->start();
      accept();
    });
  }

  asio::ssl::context tls_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<std::size_t> requests_{0};
  std::atomic<std::size_t> connections_{0};
};

TEST(JsonRpcTls, CallsOverHttpsTrustingTheGivenCa) {
  const TestCertificate cert("IP:127.0.0.1");
  TlsServer server(cert);
  JsonRpcConfig config = config_for("https://127.0.0.1:" + std::to_string(server.port()));
  config.tls_ca_file = cert.pem_path();
  ASSERT_TRUE(config.validate().is_ok()) << config.validate().to_string();
  EthClient client = open_eth(config);
  for (int i = 0; i < 3; ++i) {
    auto chain = client.chain_id();
    ASSERT_TRUE(chain.is_ok()) << chain.error().text;
    EXPECT_EQ(*chain, 31337u);
  }
  EXPECT_EQ(server.requests(), 3u);
  EXPECT_EQ(server.connections(), 1u) << "one TLS session, kept alive";
}

TEST(JsonRpcTls, RefusesACertificateItCannotVerify) {
  const TestCertificate cert("IP:127.0.0.1");
  const TestCertificate elsewhere("DNS:elsewhere.test");
  TlsServer server(elsewhere);
  JsonRpcConfig config = config_for("https://127.0.0.1:" + std::to_string(server.port()));
  config.max_attempts = 3;  // a certificate that fails now fails again: not retried
  const std::string prefix = "eth_chainId: 127.0.0.1:" + std::to_string(server.port()) + ": TLS handshake: ";

  // Not in the system's store.
  EthClient untrusted = open_eth(config);
  auto refused = untrusted.chain_id();
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.error().kind, RpcErrorKind::kTransport);
  EXPECT_EQ(refused.error().text.substr(0, prefix.size()), prefix) << refused.error().text;
  EXPECT_EQ(refused.error().text, prefix + "certificate verify failed (1 attempt)");

  // Trusted, but made out to another name.
  config.tls_ca_file = elsewhere.pem_path();
  EthClient wrong_name = open_eth(config);
  auto mismatch = wrong_name.chain_id();
  ASSERT_FALSE(mismatch.is_ok());
  EXPECT_EQ(mismatch.error().text, prefix + "certificate verify failed (1 attempt)");

  // A CA file that does not exist.
  config.tls_ca_file = cert.pem_path() + ".missing";
  EthClient no_file = open_eth(config);
  auto setup = no_file.chain_id();
  ASSERT_FALSE(setup.is_ok());
  EXPECT_EQ(setup.error().text.substr(0, setup.error().text.find("TLS setup: ") + 11),
            "eth_chainId: 127.0.0.1:" + std::to_string(server.port()) + ": TLS setup: ")
      << setup.error().text;
  EXPECT_EQ(setup.error().attempts, 1u);
  EXPECT_EQ(server.requests(), 0u);
}
#endif  // REPLEX_TEST_TLS

// ---- The typed client's reading of results ----

TEST(EthClientParsing, ReadsAReceiptWithLogs) {
  const std::string tx = "0x" + std::string(64, '1');
  const std::string block = "0x" + std::string(64, '2');
  const std::string topic = "0x" + std::string(64, '3');
  ScriptedServer server([&](const json& req, std::size_t) {
    if (req["params"][0] != tx) return result_reply(req, nullptr);
    json log = {{"address", "0x5fbdb2315678afecb367f032d93f642f64180aa3"},
                {"topics", {topic}},
                {"data", "0x00ff"},
                {"blockNumber", "0x10"},
                {"blockHash", block},
                {"transactionHash", tx},
                {"transactionIndex", "0x0"},
                {"logIndex", "0x2"},
                {"removed", false}};
    return result_reply(req, {{"transactionHash", tx},
                              {"status", "0x1"},
                              {"blockNumber", "0x10"},
                              {"blockHash", block},
                              {"gasUsed", "0x5208"},
                              {"effectiveGasPrice", "0x3b9aca07"},
                              {"contractAddress", nullptr},
                              {"logs", {log}}});
  });
  EthClient client = open_eth(config_for(server.url()));
  auto receipt = client.transaction_receipt(Hash256::from_hex(tx).value());
  ASSERT_TRUE(receipt.is_ok()) << receipt.error().text;
  ASSERT_TRUE(receipt->has_value());
  const TransactionReceipt& r = **receipt;
  EXPECT_TRUE(r.succeeded());
  EXPECT_EQ(r.block_number, 16u);
  EXPECT_EQ(r.gas_used, 21000u);
  EXPECT_EQ(r.effective_gas_price, U256(1'000'000'007));
  EXPECT_FALSE(r.contract_address.has_value());
  ASSERT_EQ(r.logs.size(), 1u);
  EXPECT_EQ(to_checksum_hex(r.logs[0].address), "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  ASSERT_EQ(r.logs[0].topics.size(), 1u);
  EXPECT_EQ("0x" + r.logs[0].topics[0].hex(), topic);
  EXPECT_EQ(hex_of(r.logs[0].data), "00ff");
  EXPECT_EQ(r.logs[0].log_index, 2u);
  EXPECT_EQ(r.logs[0].block_number, 16u);

  auto pending = client.transaction_receipt(Hash256::from_hex(block).value());
  ASSERT_TRUE(pending.is_ok()) << pending.error().text;
  EXPECT_FALSE(pending->has_value());
}

TEST(EthClientParsing, NamesTheFieldOfAMalformedResult) {
  const std::string tx = "0x" + std::string(64, '1');
  ScriptedServer server([&](const json& req, std::size_t) {
    const std::string method = req["method"];
    if (method == "eth_getTransactionReceipt") {
      return result_reply(req, {{"transactionHash", tx},
                                {"status", "0x1"},
                                {"blockNumber", "0x10"},
                                {"blockHash", tx},
                                {"gasUsed", 21000},
                                {"effectiveGasPrice", "0x1"},
                                {"logs", json::array()}});
    }
    if (method == "eth_getLogs") {
      return result_reply(req, {{{"address", "0x5fbdb2315678afecb367f032d93f642f64180aa3"},
                                 {"topics", {"0x1234"}}}});
    }
    if (method == "eth_getBalance") return result_reply(req, "0x1" + std::string(64, '0'));
    if (method == "eth_blockNumber") return result_reply(req, "0x1" + std::string(16, '0'));
    return result_reply(req, "26");  // a decimal string, not a quantity
  });
  EthClient client = open_eth(config_for(server.url()));
  auto receipt = client.transaction_receipt(Hash256::from_hex(tx).value());
  ASSERT_FALSE(receipt.is_ok());
  EXPECT_EQ(receipt.error().text, "eth_getTransactionReceipt: malformed response: result.gasUsed: not a quantity");
  auto logs = client.get_logs(LogFilter{});
  ASSERT_FALSE(logs.is_ok());
  EXPECT_EQ(logs.error().text, "eth_getLogs: malformed response: result[0].topics[0]: not 32 bytes");
  auto balance = client.get_balance(EthAddress{});
  ASSERT_FALSE(balance.is_ok());
  EXPECT_EQ(balance.error().kind, RpcErrorKind::kMalformed);
  auto height = client.block_number();
  ASSERT_FALSE(height.is_ok());
  EXPECT_EQ(height.error().text, "eth_blockNumber: malformed response: result: quantity above 2^64 - 1");
  auto chain = client.chain_id();
  ASSERT_FALSE(chain.is_ok());
  EXPECT_EQ(chain.error().text, "eth_chainId: malformed response: result: not a quantity");
}

TEST(EthClientParsing, SendsTheFilterAndCallObjectsInTheSpecsShape) {
  ScriptedServer server([](const json& req, std::size_t) {
    if (req["method"] == "eth_getLogs") return result_reply(req, json::array());
    if (req["method"] == "eth_estimateGas") return result_reply(req, "0x5208");
    return result_reply(req, "0xabcd");
  });
  EthClient client = open_eth(config_for(server.url()));
  const EthAddress contract = parse_eth_address("0x5FbDB2315678afecb367f032d93F642f64180aa3").value();
  LogFilter filter;
  filter.addresses = {contract};
  filter.topics = {{Hash256{}}, {}, {Hash256{}, Hash256{}}};
  filter.from_block = BlockTag::number(16);
  filter.to_block = BlockTag::finalized();
  auto logs = client.get_logs(filter);
  ASSERT_TRUE(logs.is_ok()) << logs.error().text;
  const std::string zero = "0x" + std::string(64, '0');
  EXPECT_EQ(server.last_request()["params"],
            json::parse(R"([{"address":"0x5FbDB2315678afecb367f032d93F642f64180aa3","fromBlock":"0x10",)"
                        R"("toBlock":"finalized","topics":[")" + zero + R"(",null,[")" + zero + R"(",")" + zero +
                        R"("]]}])"));

  CallRequest call;
  call.from = contract;
  call.to = contract;
  call.value = U256(1) << 70;
  call.data = from_hex("a9059cbb").value();
  auto gas = client.estimate_gas(call);
  ASSERT_TRUE(gas.is_ok()) << gas.error().text;
  EXPECT_EQ(*gas, 21000u);
  EXPECT_EQ(server.last_request()["params"],
            json::parse(R"([{"from":"0x5FbDB2315678afecb367f032d93F642f64180aa3",)"
                        R"("to":"0x5FbDB2315678afecb367f032d93F642f64180aa3","value":"0x400000000000000000",)"
                        R"("data":"0xa9059cbb"}])"));

  auto out = client.call(contract, call.data, BlockTag::number(255));
  ASSERT_TRUE(out.is_ok()) << out.error().text;
  EXPECT_EQ(hex_of(*out), "abcd");
  EXPECT_EQ(server.last_request()["params"][1], "0xff");

  filter.topics.assign(5, {});
  auto refused = client.get_logs(filter);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.error().text, "eth_getLogs: invalid request: topics: at most 4 positions");
}

TEST(EthClientParsing, SuggestsFeesFromTheNextBaseFeeAndThePriorityFee) {
  // Next base fee 100 gwei; eth_maxPriorityFeePerGas 2 gwei.
  ScriptedServer server([](const json& req, std::size_t) {
    if (req["method"] == "eth_feeHistory") {
      EXPECT_EQ(req["params"][0], "0xa");
      EXPECT_EQ(req["params"][1], "latest");
      return result_reply(req, {{"oldestBlock", "0x1"},
                                {"baseFeePerGas", {"0x1", "0x174876e800"}},
                                {"gasUsedRatio", {0.5}},
                                {"reward", {{"0x5"}}}});
    }
    return result_reply(req, "0x77359400");
  });
  EthClient client = open_eth(config_for(server.url()));
  auto fees = client.suggest_fees();
  ASSERT_TRUE(fees.is_ok()) << fees.error().text;
  EXPECT_EQ(fees->max_priority_fee_per_gas, U256(2'000'000'000));
  EXPECT_EQ(fees->max_fee_per_gas, U256(202'000'000'000));
}

TEST(EthClientParsing, FallsBackToTheFeeHistoryWithoutMaxPriorityFee) {
  ScriptedServer server([](const json& req, std::size_t) {
    if (req["method"] == "eth_feeHistory") {
      return result_reply(req, {{"oldestBlock", "0x1"},
                                {"baseFeePerGas", {"0x1", "0x2", "0x3", "0x64"}},
                                {"gasUsedRatio", {0.5, 0.1, 0.9}},
                                {"reward", {{"0x7"}, {"0x3"}, {"0x9"}}}});
    }
    return error_reply(req, -32601, "Method not found");
  });
  EthClient client = open_eth(config_for(server.url()));
  auto fees = client.suggest_fees();
  ASSERT_TRUE(fees.is_ok()) << fees.error().text;
  EXPECT_EQ(fees->max_priority_fee_per_gas, U256(7));  // median of 7, 3, 9
  EXPECT_EQ(fees->max_fee_per_gas, U256(2 * 100 + 7));
}

TEST(EthClientParsing, RefusesFeeHistoryArgumentsOutOfRange) {
  EthClient client = open_eth(config_for("http://127.0.0.1:1"));
  const double descending[] = {50.0, 10.0};
  auto refused = client.fee_history(4, BlockTag::latest(), descending);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.error().text, "eth_feeHistory: invalid request: reward_percentiles: must ascend within 0..100");
  auto too_many = client.fee_history(1025, BlockTag::latest(), {});
  ASSERT_FALSE(too_many.is_ok());
  EXPECT_EQ(too_many.error().text, "eth_feeHistory: invalid request: block_count: must be 1..1024");
  EXPECT_EQ(client.rpc().stats().attempts, 0u);
}

}  // namespace
}  // namespace replex::settlement
