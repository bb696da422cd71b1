#include "rest_batch_entry.hpp"

#include <algorithm>
#include <atomic>

#include "json_scan.hpp"
#include "replex/client/http_pool.hpp"
#include "replex/core/bytes.hpp"

namespace replex::client {
namespace {

// The client's deadline leaves the node time to answer COMMIT_TIMEOUT itself.
constexpr std::chrono::milliseconds kClientSlack{5'000};

std::size_t count_of(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// Answers each of the `count` orders of a batch from its reply: the counts
// of the answer ("committed", and "result":"OK" per applied order) and each
// rejected item's "error":{"code":...}, scanned rather than parsed, as
// json_scan.hpp does for single orders. Whole-request failures answer every order.
void answer_batch(const HttpReply& reply, std::size_t count, const std::string& target,
                  std::atomic<std::uint64_t>* height, const RequestDone& done) {
  if (reply.status != 200) {
    RequestOutcome failed;
    if (reply.status == 0) {
      failed.failure = "HTTP transport";
      failed.message = target + ": " + reply.error;
    } else {
      failed.failure = "HTTP " + std::to_string(reply.status);
      if (const auto code = scan_string(reply.body, "code")) failed.failure += " " + std::string(*code);
      failed.message = target + ": " + reply.body;
    }
    for (std::size_t i = 0; i < count; ++i) done(failed);
    return;
  }
  const std::string_view body = reply.body;
  const std::size_t committed = std::min<std::size_t>(count, scan_u64(body, "committed").value_or(0));
  const std::size_t applied = std::min(committed, count_of(body, R"("result":"OK")"));
  if (height != nullptr && committed > 0) {
    if (const auto h = scan_u64(body, "height")) {
      std::uint64_t known = height->load();
      while (*h > known && !height->compare_exchange_weak(known, *h)) {
      }
    }
  }
  std::size_t answered = 0;
  for (std::size_t i = 0; i < committed; ++i, ++answered) done(RequestOutcome{true, i < applied, {}, {}});
  // Each rejected item: "error":{"code":"<CODE>","field":...
  const std::string needle = R"("error":{"code":")";
  for (auto at = body.find(needle); at != std::string_view::npos && answered < count; at = body.find(needle, at + 1)) {
    const std::size_t begin = at + needle.size();
    const std::size_t end = body.find('"', begin);
    RequestOutcome failed;
    failed.failure = "HTTP 200 batch item " + std::string(body.substr(begin, end - begin));
    failed.message = target + ": " + std::string(body.substr(at, 200));
    done(std::move(failed));
    ++answered;
  }
  // Admitted but answered before their commit, or an answer this scan cannot read.
  for (; answered < count; ++answered) {
    done(RequestOutcome{false, true, "batch item not committed", target + ": " + std::string(body.substr(0, 200))});
  }
}

class RestBatchEntry final : public LoadSource {
 public:
  RestBatchEntry(const EntryContext& c, std::vector<std::string> api_keys)
      : context_(c), api_keys_(std::move(api_keys)),
        pool_(c.rest_target, c.max_in_flight, c.io_threads, c.commit_timeout + kClientSlack) {}

  std::size_t per_request() const override { return context_.batch; }

  void start(std::uint64_t sequence, RequestDone done) override {
    // One trader per request (one API key): request 2k buys, 2k + 1 is the
    // paired trader's crossing sell batch at the same price and quantity.
    const CrossingOrderSpec spec = crossing_order_spec(sequence, api_keys_.size());
    std::string order;
    order += R"({"market":")";
    order += spec.market;
    order += R"(","price":")";
    order += spec.price_text();
    order += R"(","quantity":")";
    order += spec.quantity_text();
    order += R"(","side":")";
    order += spec.side == exchange::Side::kBuy ? "buy" : "sell";
    order += R"("})";
    HttpCall call;
    call.method = "POST";
    call.target = "/api/v1/orders/batch?wait=commit";
    call.body.reserve(16 + (order.size() + 1) * context_.batch);
    call.body += R"({"orders":[)";
    for (std::size_t i = 0; i < context_.batch; ++i) {
      if (i > 0) call.body += ',';
      call.body += order;
    }
    call.body += "]}";
    call.headers.emplace_back("X-API-Key", api_keys_[spec.trader]);
    pool_.send(std::move(call), [this, done = std::move(done)](HttpReply reply) {
      answer_batch(reply, context_.batch, context_.rest_target, nullptr, done);
    });
  }

 private:
  const EntryContext context_;
  std::vector<std::string> api_keys_;
  HttpPool pool_;  // last: destroyed first
};

class RestSignedBatchEntry final : public LoadSource {
 public:
  RestSignedBatchEntry(const EntryContext& c, CrossingOrderFlow flow)
      : context_(c), flow_(std::move(flow)), height_(c.start_height),
        pool_(c.rest_target, c.max_in_flight, c.io_threads, c.commit_timeout + kClientSlack) {}

  std::size_t per_request() const override { return context_.batch; }

  void start(std::uint64_t, RequestDone done) override {
    const std::vector<FlowOrder> orders =
        sign_orders(flow_, context_.batch, height_.load() + context_.ttl_blocks, context_.sign_threads);
    HttpCall call;
    call.method = "POST";
    call.target = "/api/v1/orders/batch?wait=commit";
    call.body.reserve(16 + 320 * orders.size());
    call.body += R"({"orders":[)";
    for (std::size_t i = 0; i < orders.size(); ++i) {
      if (i > 0) call.body += ',';
      call.body += R"({"transaction":")";
      call.body += to_base64(orders[i].tx);
      call.body += R"("})";
    }
    call.body += "]}";
    pool_.send(std::move(call), [this, done = std::move(done)](HttpReply reply) {
      answer_batch(reply, context_.batch, context_.rest_target, &height_, done);
    });
  }

 private:
  const EntryContext context_;
  CrossingOrderFlow flow_;
  std::atomic<std::uint64_t> height_;
  HttpPool pool_;  // last: destroyed first
};

}  // namespace

std::unique_ptr<LoadSource> make_rest_batch_entry(const EntryContext& context, std::vector<std::string> api_keys) {
  return std::make_unique<RestBatchEntry>(context, std::move(api_keys));
}

std::unique_ptr<LoadSource> make_rest_signed_batch_entry(const EntryContext& context, CrossingOrderFlow flow) {
  return std::make_unique<RestSignedBatchEntry>(context, std::move(flow));
}

}  // namespace replex::client
