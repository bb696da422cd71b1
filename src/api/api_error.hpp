// ApiError: one failure of an API call, as REST and gRPC both report it.
//
// `code` is a stable machine-readable name (an exchange reason such as
// INSUFFICIENT_BALANCE, or a gateway one such as INVALID_ARGUMENT); `field`
// names the request field that was wrong, when one was. The kind picks the
// HTTP status and the gRPC status code (docs/api.md, "Errors").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace replex::api {

class ReadViews;

enum class ApiErrorKind : std::uint8_t {
  kBadRequest,     // 400 / INVALID_ARGUMENT: malformed or invalid input
  kUnauthorized,   // 401 / UNAUTHENTICATED: missing or bad API key or signature
  kForbidden,      // 403 / PERMISSION_DENIED: authenticated, but not for this account
  kNotFound,       // 404 / NOT_FOUND
  kConflict,       // 409 / ALREADY_EXISTS: replayed nonce, a client order id of another order
  kTooLarge,       // 413 / INVALID_ARGUMENT
  kRejected,       // 422 / FAILED_PRECONDITION: the exchange refused it, with its reason code
  kRateLimited,    // 429 / RESOURCE_EXHAUSTED, with Retry-After
  kUnavailable,    // 503 / UNAVAILABLE: not ready, shutting down, overloaded
  kTimeout,        // 504 / DEADLINE_EXCEEDED: waited for the commit in vain
  kInternal,       // 500 / INTERNAL
};

struct ApiError {
  ApiErrorKind kind = ApiErrorKind::kInternal;
  std::string code;
  std::string message;
  std::string field;
  std::uint32_t retry_after_s = 0;  // for kRateLimited and kUnavailable; 0: none

  static ApiError bad_request(std::string field, std::string message, std::string code = "INVALID_ARGUMENT") {
    return {ApiErrorKind::kBadRequest, std::move(code), std::move(message), std::move(field), 0};
  }
  static ApiError not_found(std::string message, std::string field = {}) {
    return {ApiErrorKind::kNotFound, "NOT_FOUND", std::move(message), std::move(field), 0};
  }
  static ApiError unauthorized(std::string message, std::string code = "UNAUTHENTICATED") {
    return {ApiErrorKind::kUnauthorized, std::move(code), std::move(message), {}, 0};
  }
  static ApiError unavailable(std::string message, std::uint32_t retry_after_s = 1) {
    return {ApiErrorKind::kUnavailable, "UNAVAILABLE", std::move(message), {}, retry_after_s};
  }
  static ApiError internal(std::string message) {
    return {ApiErrorKind::kInternal, "INTERNAL", std::move(message), {}, 0};
  }

  int http_status() const;
};

// A value or an ApiError.
template <typename T>
class ApiResult {
 public:
  ApiResult(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design, like Result
  ApiResult(ApiError error) : v_(std::move(error)) {}   // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const ApiError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

// STATE_DIVERGED (503) while a checkpoint quorum disagrees with this node's
// state (ReadViews' consensus view says since when): every API refuses then.
std::optional<ApiError> divergence_error(const ReadViews& views);

}  // namespace replex::api
