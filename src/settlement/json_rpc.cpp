#include "replex/settlement/json_rpc.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <utility>

#include "http_transport.hpp"
#include "json_rpc_internal.hpp"

namespace replex::settlement {
namespace {

using nlohmann::json;
using detail::Clock;
using std::chrono::milliseconds;

// How much of a node's message and non-hex error data an error text keeps.
constexpr std::size_t kMaxQuotedChars = 512;

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string attempts_suffix(std::uint32_t attempts) {
  return attempts == 1 ? " (1 attempt)" : " (" + std::to_string(attempts) + " attempts)";
}

std::uint64_t elapsed_ms(Clock::time_point from, Clock::time_point to) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<milliseconds>(to - from).count());
}

// The data of a JSON-RPC error: revert data when it is hex (geth, anvil:
// "data":"0x..."; Hardhat-style {"data":"0x..."}), else its JSON, quoted.
void read_error_data(const json& data, RpcError& err) {
  const json* hex = nullptr;
  if (data.is_string()) hex = &data;
  if (data.is_object() && data.contains("data") && data["data"].is_string()) hex = &data["data"];
  if (hex != nullptr) {
    const std::string& text = hex->get_ref<const std::string&>();
    if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
      if (auto bytes = from_hex(text); bytes.is_ok()) {
        err.revert_data = std::move(bytes).value();
        err.text += " (data 0x" + to_hex(err.revert_data) + ")";
        return;
      }
    }
  }
  err.text += " (data " +
              detail::printable(data.dump(-1, ' ', false, json::error_handler_t::replace), kMaxQuotedChars) + ")";
}

// A JSON-RPC error object as an RpcError, or nullopt when `error` is not one.
std::optional<RpcError> rpc_error_of(std::string_view method, const json& error) {
  if (!error.is_object() || !error.contains("code") || !error["code"].is_number_integer() ||
      !error.contains("message") || !error["message"].is_string()) {
    return std::nullopt;
  }
  RpcError err;
  err.method = std::string(method);
  err.rpc_code = error["code"].get<std::int64_t>();
  err.rpc_message = error["message"].get<std::string>();
  err.kind = detail::classify_rpc_error(err.rpc_code, err.rpc_message);
  err.text = std::string(method) + ": JSON-RPC error " + std::to_string(err.rpc_code) + ": " +
             detail::printable(err.rpc_message, kMaxQuotedChars);
  if (error.contains("data") && !error["data"].is_null()) read_error_data(error["data"], err);
  return err;
}

// The outcome of a 2xx answer's body: the result, the node's error, or a
// malformed response. Never retried.
RpcResult<json> read_response(std::string_view method, std::uint64_t id, std::string_view body) {
  json response = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (response.is_discarded()) return detail::malformed_response(method, "not JSON");
  if (!response.is_object()) return detail::malformed_response(method, "not a JSON object");
  if (!response.contains("jsonrpc") || response["jsonrpc"] != "2.0") {
    return detail::malformed_response(method, "jsonrpc is not \"2.0\"");
  }
  const json& got_id = response.contains("id") ? response["id"] : json();
  const bool id_matches = got_id.is_number_unsigned() && got_id.get<std::uint64_t>() == id;
  // A server that could not read our id answers an error with id null.
  if (response.contains("error") && (id_matches || got_id.is_null())) {
    if (auto err = rpc_error_of(method, response["error"])) return std::move(*err);
    return detail::malformed_response(method, "error is not a {code, message} object");
  }
  if (!id_matches) {
    return detail::malformed_response(
        method, "id " + detail::printable(got_id.dump(-1, ' ', false, json::error_handler_t::replace), 64) +
                    ", expected " + std::to_string(id));
  }
  if (!response.contains("result")) return detail::malformed_response(method, "neither result nor error");
  return std::move(response["result"]);
}

RpcResult<json> with_attempts(RpcResult<json> result, std::uint32_t attempts) {
  if (result.is_ok()) return result;
  RpcError err = result.error();
  err.attempts = attempts;
  return err;
}

RpcError make_error(RpcErrorKind kind, std::string_view method, std::string text) {
  RpcError err;
  err.kind = kind;
  err.method = std::string(method);
  err.text = std::move(text);
  return err;
}

}  // namespace

namespace detail {

RpcError malformed_response(std::string_view method, std::string_view what) {
  return make_error(RpcErrorKind::kMalformed, method,
                    std::string(method) + ": malformed response: " + std::string(what));
}

RpcError invalid_request(std::string_view method, std::string_view what) {
  return make_error(RpcErrorKind::kInvalidRequest, method,
                    std::string(method) + ": invalid request: " + std::string(what));
}

RpcErrorKind classify_rpc_error(std::int64_t code, std::string_view message) {
  const std::string m = lowercase(message);
  // Code 3 is the execution-apis code for a revert with data.
  if (code == 3 || contains(m, "execution reverted")) return RpcErrorKind::kExecutionReverted;
  if (contains(m, "insufficient funds")) return RpcErrorKind::kInsufficientFunds;
  if (contains(m, "already known") || contains(m, "known transaction") || contains(m, "already imported") ||
      contains(m, "alreadyknown")) {
    return RpcErrorKind::kAlreadyKnown;
  }
  if (contains(m, "nonce too low") || contains(m, "nonce is too low") || contains(m, "nonce_too_low") ||
      contains(m, "oldnonce")) {
    return RpcErrorKind::kNonceTooLow;
  }
  if (contains(m, "replacement transaction underpriced") || contains(m, "replacement underpriced") ||
      contains(m, "replacement_underpriced")) {
    return RpcErrorKind::kReplacementUnderpriced;
  }
  return RpcErrorKind::kRpc;
}

std::string printable(std::string_view text, std::size_t max_chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : text) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace detail

std::string_view rpc_error_kind_name(RpcErrorKind kind) {
  switch (kind) {
    case RpcErrorKind::kInvalidRequest: return "invalid request";
    case RpcErrorKind::kTransport: return "transport";
    case RpcErrorKind::kTimeout: return "timeout";
    case RpcErrorKind::kHttpStatus: return "HTTP status";
    case RpcErrorKind::kTooLarge: return "too large";
    case RpcErrorKind::kMalformed: return "malformed";
    case RpcErrorKind::kRpc: return "JSON-RPC error";
    case RpcErrorKind::kExecutionReverted: return "execution reverted";
    case RpcErrorKind::kInsufficientFunds: return "insufficient funds";
    case RpcErrorKind::kAlreadyKnown: return "already known";
    case RpcErrorKind::kNonceTooLow: return "nonce too low";
    case RpcErrorKind::kReplacementUnderpriced: return "replacement underpriced";
  }
  return "unknown";
}

Status RpcError::to_status() const {
  switch (kind) {
    case RpcErrorKind::kInvalidRequest: return Status::invalid_argument(text);
    case RpcErrorKind::kTransport:
    case RpcErrorKind::kHttpStatus: return Status::unavailable(text);
    case RpcErrorKind::kTimeout: return Status::deadline_exceeded(text);
    case RpcErrorKind::kTooLarge: return Status::resource_exhausted(text);
    case RpcErrorKind::kMalformed: return Status::corruption(text);
    case RpcErrorKind::kAlreadyKnown: return Status::already_exists(text);
    case RpcErrorKind::kRpc:
    case RpcErrorKind::kExecutionReverted:
    case RpcErrorKind::kInsufficientFunds:
    case RpcErrorKind::kNonceTooLow:
    case RpcErrorKind::kReplacementUnderpriced: return Status::failed_precondition(text);
  }
  return Status::internal(text);
}

struct JsonRpcClient::Impl {
  JsonRpcConfig config;
  detail::HttpTransport transport;
  std::mt19937_64 jitter;
  std::uint64_t next_id = 1;
  JsonRpcStats stats;

  Impl(JsonRpcConfig c, detail::HttpUrl url)
      : config(std::move(c)),
        transport(std::move(url), detail::HttpTransportOptions{config.max_response_bytes, config.tls_ca_file}),
        jitter(config.jitter_seed != 0 ? config.jitter_seed : std::random_device{}()) {}

  // Uniform in [d/2, d], d = min(retry_backoff_ms * 2^(retry-1), max_retry_backoff_ms).
  milliseconds backoff(std::uint32_t retry) {
    REPLEX_ASSERT(retry >= 1);
    const std::uint64_t shift = std::min<std::uint64_t>(retry - 1, 32);
    const std::uint64_t d = std::min<std::uint64_t>(std::uint64_t{config.retry_backoff_ms} << shift,
                                                    config.max_retry_backoff_ms);
    std::uniform_int_distribution<std::uint64_t> pick(d / 2, d);
    return milliseconds(pick(jitter));
  }

  RpcResult<json> call(std::string_view method, const json& params) {
    REPLEX_ASSERT(params.is_array());
    if (method.empty()) return detail::invalid_request("(empty)", "no method name");
    for (char c : method) {
      if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) {
        return detail::invalid_request(detail::printable(method, 64), "method name must be printable ASCII");
      }
    }
    const std::uint64_t id = next_id++;
    ++stats.calls;
    const json request = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
    const std::string body = request.dump(-1, ' ', false, json::error_handler_t::replace);
    const std::string where = std::string(method) + ": " + transport.url().authority() + ": ";

    const Clock::time_point call_deadline = Clock::now() + milliseconds(config.max_call_ms);
    for (std::uint32_t attempt = 1;; ++attempt) {
      const Clock::time_point attempt_start = Clock::now();
      const Clock::time_point deadline = std::min(attempt_start + milliseconds(config.request_timeout_ms), call_deadline);
      ++stats.attempts;
      const std::uint64_t connections_before = transport.connections_opened();
      auto outcome = transport.post(body, deadline);
      stats.connections_opened += transport.connections_opened() - connections_before;

      RpcError err;
      std::uint32_t retry_after_ms = 0;
      if (auto* failure = std::get_if<detail::HttpFailure>(&outcome)) {
        switch (failure->kind) {
          case detail::HttpFailure::Kind::kTooLarge:
            err = make_error(RpcErrorKind::kTooLarge, method,
                             where + "response larger than " + std::to_string(config.max_response_bytes) +
                                 " bytes (max_response_bytes)");
            err.attempts = attempt;
            return err;
          case detail::HttpFailure::Kind::kTimeout:
            err = make_error(RpcErrorKind::kTimeout, method,
                             where + failure->step + ": no answer within " +
                                 std::to_string(elapsed_ms(attempt_start, deadline)) + " ms");
            break;
          case detail::HttpFailure::Kind::kTransport:
            err = make_error(RpcErrorKind::kTransport, method, where + failure->step + ": " + failure->detail);
            break;
        }
        if (!failure->retryable) {
          err.attempts = attempt;
          err.text += attempts_suffix(attempt);
          return err;
        }
      } else {
        auto& response = std::get<detail::HttpResponse>(outcome);
        if (response.status >= 200 && response.status < 300) {
          return with_attempts(read_response(method, id, response.body), attempt);
        }
        const bool retryable = response.status >= 500 || response.status == 429;
        if (!retryable) {
          // Some providers answer a JSON-RPC error with HTTP 400; it is the node's answer.
          auto parsed = read_response(method, id, response.body);
          if (!parsed.is_ok() && parsed.error().is_rpc_error()) return with_attempts(std::move(parsed), attempt);
        }
        err = make_error(RpcErrorKind::kHttpStatus, method,
                         where + "HTTP " + std::to_string(response.status) +
                             (response.reason.empty() ? "" : " " + detail::printable(response.reason, 64)));
        err.http_status = response.status;
        if (!retryable) {
          err.attempts = attempt;
          err.text += attempts_suffix(attempt);
          return err;
        }
        retry_after_ms = std::min(response.retry_after_ms, config.max_retry_backoff_ms);
      }

      // A retryable failure: wait and go again while attempts and time remain.
      const milliseconds wait = std::max(backoff(attempt), milliseconds(retry_after_ms));
      if (attempt >= config.max_attempts || Clock::now() + wait >= call_deadline) {
        err.attempts = attempt;
        err.text += attempts_suffix(attempt);
        return err;
      }
      std::this_thread::sleep_for(wait);
    }
  }
};

JsonRpcClient::JsonRpcClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonRpcClient::JsonRpcClient(JsonRpcClient&& other) noexcept = default;
JsonRpcClient& JsonRpcClient::operator=(JsonRpcClient&& other) noexcept = default;
JsonRpcClient::~JsonRpcClient() = default;

Result<JsonRpcClient> JsonRpcClient::open(JsonRpcConfig config) {
  REPLEX_RETURN_IF_ERROR(config.validate());
  auto url = detail::parse_http_url(config.url);
  REPLEX_ASSERT(url.is_ok());
  return JsonRpcClient(std::make_unique<Impl>(std::move(config), std::move(url).value()));
}

RpcResult<std::string> JsonRpcClient::call(std::string_view method, std::string_view params_json) {
  REPLEX_ASSERT_MSG(impl_ != nullptr, "JsonRpcClient used after move");
  json params = json::parse(params_json, nullptr, /*allow_exceptions=*/false);
  if (params.is_discarded() || !params.is_array()) {
    return detail::invalid_request(method, "params: not a JSON array");
  }
  auto result = impl_->call(method, params);
  if (!result.is_ok()) return result.error();
  return result->dump(-1, ' ', false, json::error_handler_t::replace);
}

const JsonRpcConfig& JsonRpcClient::config() const {
  REPLEX_ASSERT_MSG(impl_ != nullptr, "JsonRpcClient used after move");
  return impl_->config;
}

JsonRpcStats JsonRpcClient::stats() const {
  REPLEX_ASSERT_MSG(impl_ != nullptr, "JsonRpcClient used after move");
  return impl_->stats;
}

RpcResult<json> JsonRpcAccess::call(JsonRpcClient& client, std::string_view method, const json& params) {
  REPLEX_ASSERT_MSG(client.impl_ != nullptr, "JsonRpcClient used after move");
  return client.impl_->call(method, params);
}

}  // namespace replex::settlement
