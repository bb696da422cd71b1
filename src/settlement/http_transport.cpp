#include "http_transport.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

// GCC 12 reports -Wnull-dereference inside Asio's scheduler when it inlines
// it into our code (a false positive, as include/replex/p2p/asio.hpp says);
// the pragma covers only the locations inside these headers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#if REPLEX_SETTLEMENT_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#endif
#pragma GCC diagnostic pop

namespace replex::settlement::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using beast::error_code;

// Headers of an Ethereum node's answer are a few hundred bytes.
constexpr std::uint32_t kMaxHeaderBytes = 16u << 10;

bool is_ip_literal(const std::string& host) {
  error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}


// An error that means the server closed an idle keep-alive connection.
bool is_stale_connection_error(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

std::uint32_t parse_retry_after_ms(std::string_view value) {
  std::uint64_t seconds = 0;
  const auto [end, err] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (err != std::errc() || end != value.data() + value.size()) return 0;  // an HTTP date: ignored
  const std::uint64_t ms = seconds * 1000;
  return seconds > std::numeric_limits<std::uint32_t>::max() / 1000
             ? std::numeric_limits<std::uint32_t>::max()
             : static_cast<std::uint32_t>(ms);
}

#if REPLEX_SETTLEMENT_TLS
bool is_certificate_failure(const error_code& ec) {
  return ec.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}
#endif

}  // namespace

struct HttpTransport::Impl {
  HttpUrl url;
  HttpTransportOptions options;
  std::string host_header;
  asio::io_context ioc;
  // Exactly one of these is set while a connection is open.
  std::optional<beast::tcp_stream> plain;
#if REPLEX_SETTLEMENT_TLS
  std::optional<asio::ssl::context> tls_context;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
#endif
  beast::flat_buffer buffer;
  std::uint64_t requests_on_connection = 0;
  std::uint64_t connections_opened = 0;

  Impl(HttpUrl u, HttpTransportOptions o) : url(std::move(u)), options(std::move(o)) {
    const bool default_port = url.port == (url.tls ? 443 : 80);
    host_header = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    if (!default_port) host_header += ":" + std::to_string(url.port);
  }

  bool connected() const {
#if REPLEX_SETTLEMENT_TLS
    if (tls) return true;
#endif
    return plain.has_value();
  }

  beast::tcp_stream& lowest() {
#if REPLEX_SETTLEMENT_TLS
    if (tls) return beast::get_lowest_layer(*tls);
#endif
    return *plain;
  }

  void disconnect() {
    if (!connected()) return;
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
#if REPLEX_SETTLEMENT_TLS
    tls.reset();
#endif
    plain.reset();
    buffer.consume(buffer.size());
    requests_on_connection = 0;
    // Handlers of cancelled operations may still be queued; drain them.
    ioc.restart();
    ioc.poll();
  }

  // Runs one asynchronous operation to completion on this thread. The
  // stream's expiry (set by the caller) cancels it at the deadline.
  template <typename Start>
  error_code run(Start&& start) {
    error_code result = asio::error::would_block;
    std::forward<Start>(start)([&result](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  static HttpFailure failure(const char* step, const error_code& ec) {
    if (ec == beast::error::timeout) return {HttpFailure::Kind::kTimeout, step, {}};
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      return {HttpFailure::Kind::kTooLarge, step, ec.message()};
    }
    return {HttpFailure::Kind::kTransport, step, ec.message()};
  }

  std::optional<HttpFailure> connect(Clock::time_point deadline) {
    REPLEX_ASSERT(!connected());
    if (Clock::now() >= deadline) return HttpFailure{HttpFailure::Kind::kTimeout, "connect", {}};
    // Name resolution is synchronous (getaddrinfo) and bounded by the system
    // resolver's own timeouts; IP literals skip it.
    error_code ec;
    std::vector<tcp::endpoint> endpoints;
    if (is_ip_literal(url.host)) {
      endpoints.emplace_back(asio::ip::make_address(url.host, ec), url.port);
    } else {
      tcp::resolver resolver(ioc);
      const auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
      if (ec) return failure("resolve", ec);
      for (const auto& entry : results) endpoints.push_back(entry.endpoint());
      if (endpoints.empty()) return HttpFailure{HttpFailure::Kind::kTransport, "resolve", "no address"};
    }
#if REPLEX_SETTLEMENT_TLS
    if (url.tls) {
      if (auto failed = make_tls_context()) return failed;
      tls.emplace(ioc, *tls_context);
    } else {
      plain.emplace(ioc);
    }
#else
    REPLEX_ASSERT_MSG(!url.tls, "https without TLS support passed validation");
    plain.emplace(ioc);
#endif
    ++connections_opened;
    lowest().expires_at(deadline);
    ec = run([&](auto handler) { lowest().async_connect(endpoints, std::move(handler)); });
    if (ec) {
      disconnect();
      return failure("connect", ec);
    }
    error_code ignored;
    lowest().socket().set_option(tcp::no_delay(true), ignored);
#if REPLEX_SETTLEMENT_TLS
    if (tls) {
      if (!is_ip_literal(url.host)) {
        // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
        SSL_ctrl(tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(url.host.c_str()));
      }
      tls->set_verify_callback(asio::ssl::host_name_verification(url.host), ec);
      if (!ec) {
        lowest().expires_at(deadline);
        ec = run([&](auto handler) { tls->async_handshake(asio::ssl::stream_base::client, std::move(handler)); });
      }
      if (ec) {
        disconnect();
        HttpFailure failed = failure("TLS handshake", ec);
        failed.retryable = !is_certificate_failure(ec);
        return failed;
      }
    }
#endif
    return std::nullopt;
  }

#if REPLEX_SETTLEMENT_TLS
  std::optional<HttpFailure> make_tls_context() {
    if (tls_context) return std::nullopt;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    error_code ec;
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1,
                    ec);
    if (!ec) {
      if (options.tls_ca_file.empty()) {
        ctx.set_default_verify_paths(ec);
      } else {
        ctx.load_verify_file(options.tls_ca_file, ec);
      }
    }
    if (!ec) ctx.set_verify_mode(asio::ssl::verify_peer, ec);
    if (ec) return HttpFailure{HttpFailure::Kind::kTransport, "TLS setup", ec.message(), /*retryable=*/false};
    tls_context.emplace(std::move(ctx));
    return std::nullopt;
  }
#endif

  // One request on the open connection. `stale` is set when the failure
  // looks like a keep-alive connection the server had already closed.
  std::variant<HttpResponse, HttpFailure> exchange(std::string_view body, Clock::time_point deadline,
                                                   bool& stale) {
    stale = false;
    http::request<http::string_body> req{http::verb::post, url.target, 11};
    req.set(http::field::host, host_header);
    req.set(http::field::user_agent, "replex-settlement");
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json");
    req.keep_alive(true);
    req.body() = std::string(body);
    req.prepare_payload();

    const bool reused = requests_on_connection > 0;
    ++requests_on_connection;
    lowest().expires_at(deadline);
    error_code ec = run([&](auto handler) {
#if REPLEX_SETTLEMENT_TLS
      if (tls) return http::async_write(*tls, req, std::move(handler));
#endif
      return http::async_write(*plain, req, std::move(handler));
    });
    if (ec) {
      stale = reused && is_stale_connection_error(ec);
      return failure("send", ec);
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(kMaxHeaderBytes, options.max_response_bytes)));
    lowest().expires_at(deadline);
    ec = run([&](auto handler) {
#if REPLEX_SETTLEMENT_TLS
      if (tls) return http::async_read_header(*tls, buffer, parser, std::move(handler));
#endif
      return http::async_read_header(*plain, buffer, parser, std::move(handler));
    });
    if (ec) {
      stale = reused && !parser.got_some() && is_stale_connection_error(ec);
      return failure("receive", ec);
    }
    // Beast 1.74 loses the body_limit error of a Content-Length above the
    // limit when the body arrives with the header; check it here. Chunked and
    // read-to-close bodies are counted by the parser as they arrive.
    if (const auto length = parser.content_length(); length && *length > options.max_response_bytes) {
      return HttpFailure{HttpFailure::Kind::kTooLarge, "receive", "Content-Length above the limit"};
    }
    if (!parser.is_done()) {
      ec = run([&](auto handler) {
#if REPLEX_SETTLEMENT_TLS
        if (tls) return http::async_read(*tls, buffer, parser, std::move(handler));
#endif
        return http::async_read(*plain, buffer, parser, std::move(handler));
      });
      if (ec) return failure("receive", ec);
    }
    http::response<http::string_body> res = parser.release();
    HttpResponse out;
    out.status = res.result_int();
    const auto reason = res.reason();
    out.reason.assign(reason.data(), reason.size());
    if (auto it = res.find(http::field::retry_after); it != res.end()) {
      const auto value = it->value();
      out.retry_after_ms = parse_retry_after_ms(std::string_view(value.data(), value.size()));
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) disconnect();
    return out;
  }
};

HttpTransport::HttpTransport(HttpUrl url, HttpTransportOptions options)
    : impl_(std::make_unique<Impl>(std::move(url), std::move(options))) {
  REPLEX_ASSERT(impl_->options.max_response_bytes > 0);
}

HttpTransport::~HttpTransport() { impl_->disconnect(); }

const HttpUrl& HttpTransport::url() const { return impl_->url; }

std::uint64_t HttpTransport::connections_opened() const { return impl_->connections_opened; }

std::variant<HttpResponse, HttpFailure> HttpTransport::post(std::string_view body, Clock::time_point deadline) {
  Impl& s = *impl_;
  // A fresh connection is tried once more only when a reused one failed as a
  // closed keep-alive connection does; anything else goes back to the caller.
  for (int round = 0; round < 2; ++round) {
    if (!s.connected()) {
      if (auto failed = s.connect(deadline)) return std::move(*failed);
    }
    bool stale = false;
    auto result = s.exchange(body, deadline, stale);
    if (std::holds_alternative<HttpResponse>(result)) return result;
    s.disconnect();
    if (!stale) return result;
  }
  return HttpFailure{HttpFailure::Kind::kTransport, "receive", "connection closed by the server twice"};
}

}  // namespace replex::settlement::detail
