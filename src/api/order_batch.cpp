// ExchangeApi::place_orders: a batch of order entries (POST
// /api/v1/orders/batch). Each entry is answered as the single-order call
// would answer it; the entries admitted here cross into the node in one
// TxSubmitter::submit, so a batch pays one hand-off per thread instead of one
// per order (docs/PERFORMANCE.md, "Batched gossip and batched submission").
#include "exchange_api.hpp"

#include <mutex>

#include "replex/core/assert.hpp"

namespace replex::api {
namespace {

// Collects one answer per entry from whichever threads give them; the last
// one answers the batch. Shared by the entries' callbacks.
class BatchAnswers {
 public:
  BatchAnswers(std::size_t size, BatchDone done) : results_(size), outstanding_(size), done_(std::move(done)) {
    REPLEX_ASSERT(size > 0);
  }

  void set(std::size_t index, ApiResult<TxReceipt> result) {
    std::vector<ApiResult<TxReceipt>> all;
    {
      std::lock_guard lock(mutex_);
      REPLEX_ASSERT(index < results_.size() && !results_[index].has_value() && outstanding_ > 0);
      results_[index].emplace(std::move(result));
      if (--outstanding_ != 0) return;
      all.reserve(results_.size());
      for (auto& r : results_) all.push_back(std::move(*r));
    }
    done_(std::move(all));
  }

 private:
  std::mutex mutex_;
  std::vector<std::optional<ApiResult<TxReceipt>>> results_;  // guarded by mutex_
  std::size_t outstanding_;                                    // guarded by mutex_
  BatchDone done_;
};

}  // namespace

void ExchangeApi::place_orders(const Caller& caller, std::vector<OrderEntry> entries, bool wait, BatchDone done) {
  REPLEX_ASSERT(!entries.empty());
  const auto size = static_cast<std::uint32_t>(entries.size());
  // The request took one token of each limit (rest_routes.cpp); every
  // further entry takes one more, so batching buys no extra rate.
  std::uint32_t admitted = size;
  std::uint32_t retry_after_s = 0;
  const auto limit = [&](RateLimiter& limiter, const std::string& client) {
    if (admitted <= 1) return;
    const RateLimiter::Grant grant = limiter.admit_up_to(client, admitted - 1);
    if (grant.granted + 1 < admitted) {
      admitted = grant.granted + 1;
      retry_after_s = std::max(retry_after_s, grant.retry_after_s);
    }
  };
  if (!caller.ip.empty()) limit(per_ip_, caller.ip);
  if (!caller.api_key.empty()) limit(per_key_, "key:" + config::api_key_hash(caller.api_key).hex());

  auto answers = std::make_shared<BatchAnswers>(entries.size(), std::move(done));
  std::vector<Submission> batch;
  batch.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    ReceiptDone answer = [answers, i](ApiResult<TxReceipt> r) {
      if (!r) r = batch_item_error(i, r.error());
      answers->set(i, std::move(r));
    };
    if (i >= admitted) {
      answer(ApiError{ApiErrorKind::kRateLimited, "RATE_LIMITED",
                      "too many requests: a batch counts each order; retry later", "", retry_after_s});
      continue;
    }
    OrderEntry& entry = entries[i];
    if (auto* order = std::get_if<OrderFields>(&entry)) {
      place_order(caller, *order, wait, std::move(answer), &batch);
    } else if (auto* envelope = std::get_if<Bytes>(&entry)) {
      submit_signed(std::move(*envelope), wait, std::move(answer), &batch);
    } else {
      answers->set(i, std::get<ApiError>(std::move(entry)));  // named by the body's parser
    }
  }
  if (!batch.empty()) ctx_.submitter.submit(std::move(batch));
}

}  // namespace replex::api
