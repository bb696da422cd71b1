// Settlement config validation (include/replex/settlement/settler_config.hpp,
// json_rpc.hpp). Apart from the runtime so config users (the fuzz target of
// the node config) compile it without Beast, OpenSSL or nlohmann_json.
#include "replex/settlement/settler_config.hpp"

#include <set>

#include "http_url.hpp"

namespace replex::settlement {
namespace {

// Sanity ceilings for the config; nothing settlement does needs more.
constexpr std::uint32_t kCeilingTimeoutMs = 600'000;
constexpr std::uint32_t kCeilingAttempts = 100;
constexpr std::size_t kFloorResponseBytes = 1024;
constexpr std::size_t kCeilingResponseBytes = std::size_t{1} << 30;

Status field_error(const std::string& field, const std::string& what) {
  return Status::invalid_argument(field + ": " + what);
}

}  // namespace

Status JsonRpcConfig::validate() const {
  auto url_parts = detail::parse_http_url(url);
  if (!url_parts.is_ok()) return url_parts.status();
  if (url_parts->tls && !detail::http_transport_has_tls()) {
    return Status::invalid_argument("url: https needs TLS, and this build has no OpenSSL");
  }
  if (request_timeout_ms == 0 || request_timeout_ms > kCeilingTimeoutMs) {
    return Status::invalid_argument("request_timeout_ms: must be 1.." + std::to_string(kCeilingTimeoutMs));
  }
  if (max_attempts == 0 || max_attempts > kCeilingAttempts) {
    return Status::invalid_argument("max_attempts: must be 1.." + std::to_string(kCeilingAttempts));
  }
  if (max_retry_backoff_ms > kCeilingTimeoutMs) {
    return Status::invalid_argument("max_retry_backoff_ms: at most " + std::to_string(kCeilingTimeoutMs));
  }
  if (retry_backoff_ms > max_retry_backoff_ms) {
    return Status::invalid_argument("retry_backoff_ms: above max_retry_backoff_ms");
  }
  if (max_call_ms < request_timeout_ms || max_call_ms > 10 * kCeilingTimeoutMs) {
    return Status::invalid_argument("max_call_ms: must be request_timeout_ms.." +
                                    std::to_string(10 * kCeilingTimeoutMs));
  }
  if (max_response_bytes < kFloorResponseBytes || max_response_bytes > kCeilingResponseBytes) {
    return Status::invalid_argument("max_response_bytes: must be " + std::to_string(kFloorResponseBytes) + ".." +
                                    std::to_string(kCeilingResponseBytes));
  }
  return Status::ok();
}

Status SettlerConfig::validate() const {
  if (interval_blocks == 0) return field_error("interval_blocks", "must be >= 1");
  if (max_batch_items == 0) return field_error("max_batch_items", "must be >= 1");
  if (submit_timeout_ms == 0) return field_error("submit_timeout_ms", "must be >= 1");
  if (poll_interval_ms == 0) return field_error("poll_interval_ms", "must be >= 1");
  if (stuck_after_ms == 0) return field_error("stuck_after_ms", "must be >= 1");
  if (resend_signatures_ms == 0) return field_error("resend_signatures_ms", "must be >= 1");
  if (max_gas_per_batch < 21'000) return field_error("max_gas_per_batch", "must be >= 21000");
  if (gas_margin_percent > 1'000) return field_error("gas_margin_percent", "must be <= 1000");
  if (max_log_blocks == 0 || max_log_blocks > 100'000) return field_error("max_log_blocks", "must be 1..100000");
  if (max_queued_blocks == 0) return field_error("max_queued_blocks", "must be >= 1");
  if (max_queued_messages == 0) return field_error("max_queued_messages", "must be >= 1");
  if (max_future_batches == 0) return field_error("max_future_batches", "must be >= 1");
  if (max_settled_batches_kept == 0) return field_error("max_settled_batches_kept", "must be >= 1");
  if (chains.empty()) return field_error("chains", "at least one chain");
  std::set<std::uint64_t> ids;
  for (std::size_t i = 0; i < chains.size(); ++i) {
    const ChainConfig& c = chains[i];
    const std::string at = "chains[" + std::to_string(i) + "]";
    if (c.chain_id == 0) return field_error(at + ".chain_id", "must be > 0");
    if (!ids.insert(c.chain_id).second) return field_error(at + ".chain_id", "duplicate chain " + std::to_string(c.chain_id));
    JsonRpcConfig rpc_for_chain = rpc;
    rpc_for_chain.url = c.rpc_url;
    if (Status s = rpc_for_chain.validate(); !s.is_ok()) {
      return s.message().starts_with("url") ? s.with_context(at + ".rpc_") : s.with_context("rpc.");
    }
    if (c.contract == kZeroAddress) return field_error(at + ".contract", "must not be the zero address");
    if (c.confirmations == 0 || c.confirmations > 10'000) return field_error(at + ".confirmations", "must be 1..10000");
    if (c.assets.empty()) return field_error(at + ".assets", "at least one asset");
    for (const auto& [symbol, token] : c.assets) {
      const std::string asset_at = at + ".assets[" + symbol + "]";
      if (token.decimals > kMaxTokenDecimals) {
        return field_error(asset_at + ".decimals", "at most " + std::to_string(kMaxTokenDecimals));
      }
      if (token.token && *token.token == kZeroAddress) {
        return field_error(asset_at + ".token", "the zero address; leave it out for native ether");
      }
    }
  }
  return Status::ok();
}

}  // namespace replex::settlement
