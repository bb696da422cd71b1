// Status and Result<T>: the error channel across module boundaries.
//
// Expected failures (bad input, junk from peers, disk errors) travel as values;
// exceptions never cross a module boundary. A Status is either ok or carries a
// code and a message that names what was wrong ("price: 12 decimals, market
// allows 2"). Both types are [[nodiscard]] so an ignored error is a warning.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "replex/core/assert.hpp"

namespace replex {

enum class StatusCode : std::uint8_t {
  kOk = 0,
  kInvalidArgument,    // the caller's input is malformed or out of range
  kNotFound,           // the thing asked for does not exist
  kAlreadyExists,      // a duplicate (nonce, client order id, key)
  kFailedPrecondition, // valid input, but the current state refuses it
  kResourceExhausted,  // a named limit was hit (queue full, rate)
  kPermissionDenied,   // authenticated, but not allowed
  kUnauthenticated,    // bad or missing signature
  kCorruption,         // stored or received data fails its own checks
  kIoError,            // the disk or the network failed
  kUnavailable,        // try again later (peer down, shutting down)
  kDeadlineExceeded,   // a wait ran out
  kInternal,           // a bug; details in the message
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  static Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status failed_precondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status resource_exhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status permission_denied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
  static Status unauthenticated(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
  static Status corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status deadline_exceeded(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "INVALID_ARGUMENT: price: more decimals than the tick allows" (or "OK").
  std::string to_string() const;

  // Prefixes the message with context, e.g. "config.yaml:12: " + message.
  Status with_context(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Holds either a value or a non-ok Status. Accessing the wrong side is a bug
// and aborts with the status message.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    REPLEX_ASSERT_MSG(!std::get<Status>(v_).is_ok(), "Result built from an ok Status");
  }

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }

  const T& value() const& {
    REPLEX_ASSERT_MSG(is_ok(), std::get<Status>(v_).to_string());
    return std::get<T>(v_);
  }
  T& value() & {
    REPLEX_ASSERT_MSG(is_ok(), std::get<Status>(v_).to_string());
    return std::get<T>(v_);
  }
  T&& value() && {
    REPLEX_ASSERT_MSG(is_ok(), std::get<Status>(v_).to_string());
    return std::get<T>(std::move(v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // The error; Status::ok() when a value is held.
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace replex

// Returns early from the enclosing function when `expr` is a non-ok Status.
#define REPLEX_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::replex::Status replex_status_ = (expr);        \
    if (!replex_status_.is_ok()) return replex_status_; \
  } while (0)

#define REPLEX_CONCAT_INNER_(a, b) a##b
#define REPLEX_CONCAT_(a, b) REPLEX_CONCAT_INNER_(a, b)

// Declares `lhs` from a Result expression, or returns its Status on error.
#define REPLEX_ASSIGN_OR_RETURN(lhs, expr) \
  REPLEX_ASSIGN_OR_RETURN_IMPL_(REPLEX_CONCAT_(replex_result_, __LINE__), lhs, expr)
#define REPLEX_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.is_ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
