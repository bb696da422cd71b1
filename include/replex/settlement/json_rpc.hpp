// A JSON-RPC 2.0 client over HTTP(S) for Ethereum nodes: one synchronous call
// at a time on the calling thread, each attempt under a deadline, transport
// failures and HTTP 5xx/429 retried with exponential back-off and jitter
// within bounded attempts and total time, JSON-RPC error objects never
// retried. Failures come back as RpcError (kind, method, node code, message,
// revert data), convertible to Status. The connection is kept alive and reused.
//
// Thread-safety: a JsonRpcClient (and an EthClient built on it) is used by one
// thread at a time; it blocks that thread for up to max_call_ms per call, so
// it never runs on the consensus or execution threads. No threads of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"

namespace replex::settlement {

struct JsonRpcConfig {
  // http://host[:port][/path] or https://...; the path may hold a provider's
  // API key, so error texts name only host:port.
  std::string url;
  // https only: a PEM file of the CAs to trust instead of the system's
  // (a private node's self-signed certificate). Empty: the system store.
  std::string tls_ca_file;
  // One attempt (connect, TLS, send, receive) must finish within this. Name
  // resolution (getaddrinfo) is bounded by the system resolver instead; IP
  // literals skip it.
  std::uint32_t request_timeout_ms = 10'000;
  // Attempts per call, the first included (1: no retry).
  std::uint32_t max_attempts = 4;
  // The back-off before retry n (n >= 1) is drawn uniformly from
  // [d/2, d] with d = min(retry_backoff_ms * 2^(n-1), max_retry_backoff_ms),
  // or a server's Retry-After (seconds) if longer, capped the same way. A
  // certificate that fails verification is not retried.
  std::uint32_t retry_backoff_ms = 250;
  std::uint32_t max_retry_backoff_ms = 5'000;
  // All attempts and back-offs of one call end within this.
  std::uint32_t max_call_ms = 30'000;
  // A response body above this (or headers above min(this, 16 KiB)) is
  // refused, not retried.
  std::size_t max_response_bytes = 32u << 20;
  // Seeds the jitter; 0 seeds it from the OS.
  std::uint64_t jitter_seed = 0;

  // Refuses an unparsable URL, https when built without TLS, and limits
  // outside sane ranges; the text names the field.
  Status validate() const;
};

// Why a call failed. kRpc and the kinds after it are the node's JSON-RPC error
// objects, never retried; the five after kRpc are recognized from the node's
// message (geth, anvil, Besu, Nethermind and Erigon wordings) because the
// settlement submitter reacts to each differently.
enum class RpcErrorKind : std::uint8_t {
  kInvalidRequest,          // refused before sending: the caller's arguments are malformed
  kTransport,               // could not connect, send or receive (TLS included)
  kTimeout,                 // an attempt's deadline or max_call_ms ran out
  kHttpStatus,              // a non-2xx HTTP answer without a JSON-RPC error
  kTooLarge,                // the response exceeded max_response_bytes
  kMalformed,               // not JSON-RPC 2.0: not JSON, wrong id, no result, a field of the wrong shape
  kRpc,                     // a JSON-RPC error object none of the kinds below matches
  kExecutionReverted,       // "execution reverted" (code 3); revert_data holds the data, if any
  kInsufficientFunds,       // "insufficient funds for gas * price + value"
  kAlreadyKnown,            // the node already has this very transaction
  kNonceTooLow,             // the nonce was used: by this transaction (mined) or another
  kReplacementUnderpriced,  // same nonce pending with fees too close to the new ones
};
std::string_view rpc_error_kind_name(RpcErrorKind kind);

// One failed call. `text` is the whole story for logs and Status, e.g.
// "eth_call: JSON-RPC error 3: execution reverted: custom error 0xdeadbeef (data 0xdeadbeef)".
struct RpcError {
  RpcErrorKind kind = RpcErrorKind::kTransport;
  std::string method;
  std::string text;
  std::int64_t rpc_code = 0;  // the JSON-RPC error code, when the node sent one
  std::string rpc_message;    // the node's message as sent
  Bytes revert_data;          // error.data when it is hex (revert data); else empty
  unsigned http_status = 0;   // the last HTTP status seen, 0 if none
  std::uint32_t attempts = 0; // attempts made; 0 if refused before sending or by EthClient's reader

  // True for kinds that come from the node's JSON-RPC error object.
  bool is_rpc_error() const { return kind >= RpcErrorKind::kRpc; }
  // The Status form: text as the message; the code by kind (kAlreadyKnown is
  // kAlreadyExists, kTimeout kDeadlineExceeded, transport and HTTP
  // kUnavailable, malformed kCorruption, ...).
  Status to_status() const;
};

// A value or an RpcError. Works with REPLEX_ASSIGN_OR_RETURN (status(),
// value()); error() gives the structured failure. Accessing the wrong side aborts.
template <typename T>
class [[nodiscard]] RpcResult {
 public:
  RpcResult(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  RpcResult(RpcError error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }

  const T& value() const& {
    REPLEX_ASSERT_MSG(is_ok(), std::get<RpcError>(v_).text);
    return std::get<T>(v_);
  }
  T& value() & {
    REPLEX_ASSERT_MSG(is_ok(), std::get<RpcError>(v_).text);
    return std::get<T>(v_);
  }
  T&& value() && {
    REPLEX_ASSERT_MSG(is_ok(), std::get<RpcError>(v_).text);
    return std::get<T>(std::move(v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const RpcError& error() const {
    REPLEX_ASSERT_MSG(!is_ok(), "RpcResult::error() on a value");
    return std::get<RpcError>(v_);
  }
  Status status() const { return is_ok() ? Status::ok() : error().to_status(); }

 private:
  std::variant<T, RpcError> v_;
};

// Counters since the client was opened, for tests and metrics.
struct JsonRpcStats {
  std::uint64_t calls = 0;
  std::uint64_t attempts = 0;
  std::uint64_t connections_opened = 0;
};

class JsonRpcClient {
 public:
  // Validates the config; connects lazily, on the first call.
  static Result<JsonRpcClient> open(JsonRpcConfig config);

  JsonRpcClient(JsonRpcClient&& other) noexcept;
  JsonRpcClient& operator=(JsonRpcClient&& other) noexcept;
  JsonRpcClient(const JsonRpcClient&) = delete;
  JsonRpcClient& operator=(const JsonRpcClient&) = delete;
  ~JsonRpcClient();

  // Calls `method` with `params_json`, the text of a JSON array (e.g.
  // R"(["0x1", false])"), and returns the text of the response's `result`
  // ("null" included). Safe to retry means the method must be idempotent on
  // the node, as Ethereum's reads and eth_sendRawTransaction are.
  RpcResult<std::string> call(std::string_view method, std::string_view params_json);

  const JsonRpcConfig& config() const;
  JsonRpcStats stats() const;

 private:
  struct Impl;
  explicit JsonRpcClient(std::unique_ptr<Impl> impl);
  friend struct JsonRpcAccess;  // src/settlement/json_rpc_internal.hpp
  std::unique_ptr<Impl> impl_;
};

}  // namespace replex::settlement
