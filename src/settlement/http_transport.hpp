// Private: one keep-alive HTTP/1.1 (or HTTPS) connection that POSTs a body and
// reads the answer, synchronously on the calling thread, each request under a
// deadline (Beast's async operations driven by a private io_context, so the
// stream's timer can cancel them). Used by one thread at a time. Beast and
// Asio stay in http_transport.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "http_url.hpp"
#include "replex/core/status.hpp"

namespace replex::settlement::detail {

struct HttpResponse {
  unsigned status = 0;
  std::string reason;
  std::string body;
  std::uint32_t retry_after_ms = 0;  // Retry-After in seconds, converted; 0 if absent
};

struct HttpFailure {
  enum class Kind : std::uint8_t { kTransport, kTimeout, kTooLarge };
  Kind kind = Kind::kTransport;
  std::string step;    // "resolve", "connect", "TLS handshake", "send", "receive", "TLS setup"
  std::string detail;  // the system's words, e.g. "Connection refused"; empty for kTimeout
  // False when trying again cannot help: TLS setup, a certificate that fails verification.
  bool retryable = true;
};

using Clock = std::chrono::steady_clock;

struct HttpTransportOptions {
  std::size_t max_response_bytes = 0;
  std::string tls_ca_file;  // empty: the system's CA store
};

class HttpTransport {
 public:
  HttpTransport(HttpUrl url, HttpTransportOptions options);
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;
  ~HttpTransport();

  // POSTs `body` (application/json) and returns the complete response, or
  // why none came before `deadline`. Reuses the open connection; if a reused
  // connection turns out closed by the server before any answer, reconnects
  // once. After a failure the connection is dropped.
  std::variant<HttpResponse, HttpFailure> post(std::string_view body, Clock::time_point deadline);

  const HttpUrl& url() const;
  std::uint64_t connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace replex::settlement::detail
