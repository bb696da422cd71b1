#include "replex/client/order_load.hpp"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "replex/core/assert.hpp"
#include "client_slack.hpp"
#include "replex/client/node_client.hpp"

namespace replex::client {
namespace {

// How often a producer with no node up looks again.
constexpr std::chrono::milliseconds kIdleWait{50};

}  // namespace

class OrderLoad::Impl {
 public:
  Impl(std::vector<std::string> targets, CrossingOrderFlow flow, LoadOptions options);
  ~Impl();

  void start(std::uint64_t start_height);
  void stop();
  bool wait_done(std::chrono::milliseconds timeout);
  void set_up(std::size_t node, bool up);
  std::vector<Ack> acks() const;
  std::size_t ack_count() const;
  std::uint64_t sent() const { return sent_.load(); }
  std::optional<double> send_rate() const;
  std::uint64_t failures() const;
  std::string failure_summary() const;

 private:
  struct Call;
  struct BatchCall;
  void produce();
  std::vector<FlowOrder> make_orders(std::size_t count);
  void send_one(std::size_t node, FlowOrder order);
  void send_batch(std::size_t node, std::vector<FlowOrder> orders);
  void complete();
  void finish(Call* call, bool ok);
  void finish_batch(BatchCall* call, bool ok);
  // Under mutex_: one order committed (or failed with `code`).
  void record_commit(const Hash256& hash, std::size_t node, const v1::TransactionCommit& commit,
                     std::chrono::steady_clock::time_point submitted);
  void record_failure(const std::string& code, std::size_t node, const std::string& message);
  std::size_t pick_target();

  std::vector<std::unique_ptr<NodeClient>> clients_;
  CrossingOrderFlow flow_;
  const LoadOptions options_;
  grpc::CompletionQueue queue_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t in_flight_ = 0;    // guarded by mutex_
  std::vector<bool> up_;         // guarded by mutex_
  std::size_t next_target_ = 0;  // guarded by mutex_
  std::vector<Ack> acks_;        // guarded by mutex_
  std::map<std::string, std::pair<std::uint64_t, std::string>> failures_;  // guarded by mutex_
  bool stopping_ = false;        // guarded by mutex_
  bool producer_done_ = false;   // guarded by mutex_
  // When the first and the last call were sent, and the first's order count.
  std::chrono::steady_clock::time_point first_send_{};  // guarded by mutex_
  std::chrono::steady_clock::time_point last_send_{};   // guarded by mutex_
  std::size_t first_count_ = 0;                         // guarded by mutex_

  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> known_height_{0};
  std::thread producer_;
  std::thread completer_;
};

// The completion queue's tag: a single or a batch call.
struct CallTag {
  bool batch = false;
};

struct OrderLoad::Impl::Call : CallTag {
  grpc::ClientContext context;
  v1::SubmitTransactionRequest request;
  v1::SubmitTransactionResponse response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::SubmitTransactionResponse>> reader;
  Hash256 hash;
  std::size_t node = 0;
  std::chrono::steady_clock::time_point submitted;
};

struct OrderLoad::Impl::BatchCall : CallTag {
  grpc::ClientContext context;
  v1::SubmitTransactionsRequest request;
  v1::SubmitTransactionsResponse response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::SubmitTransactionsResponse>> reader;
  std::vector<Hash256> hashes;
  std::size_t node = 0;
  std::chrono::steady_clock::time_point submitted;
};

OrderLoad::Impl::Impl(std::vector<std::string> targets, CrossingOrderFlow flow, LoadOptions options)
    : flow_(std::move(flow)), options_(options), up_(targets.size(), true) {
  REPLEX_ASSERT(!targets.empty());
  REPLEX_ASSERT(options_.max_in_flight > 0);
  REPLEX_ASSERT(options_.batch >= 1 && options_.batch <= options_.max_in_flight);
  REPLEX_ASSERT(options_.sign_threads >= 1);
  for (auto& target : targets) clients_.push_back(std::make_unique<NodeClient>(std::move(target)));
}

OrderLoad::Impl::~Impl() { stop(); }

void OrderLoad::Impl::start(std::uint64_t start_height) {
  REPLEX_ASSERT_MSG(!producer_.joinable(), "OrderLoad started twice");
  known_height_.store(start_height);
  completer_ = std::thread([this] { complete(); });
  producer_ = std::thread([this] { produce(); });
}

void OrderLoad::Impl::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (producer_.joinable()) producer_.join();
  {
    // Every call has a deadline, so this wait is bounded.
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return in_flight_ == 0; });
  }
  if (completer_.joinable()) {
    queue_.Shutdown();
    completer_.join();
  }
}

bool OrderLoad::Impl::wait_done(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return producer_done_ && in_flight_ == 0; });
}

void OrderLoad::Impl::set_up(std::size_t node, bool up) {
  {
    std::lock_guard lock(mutex_);
    REPLEX_ASSERT(node < up_.size());
    up_[node] = up;
  }
  changed_.notify_all();
}

std::vector<Ack> OrderLoad::Impl::acks() const {
  std::lock_guard lock(mutex_);
  return acks_;
}

std::size_t OrderLoad::Impl::ack_count() const {
  std::lock_guard lock(mutex_);
  return acks_.size();
}

std::uint64_t OrderLoad::Impl::failures() const {
  std::lock_guard lock(mutex_);
  std::uint64_t total = 0;
  for (const auto& [code, entry] : failures_) total += entry.first;
  return total;
}

std::string OrderLoad::Impl::failure_summary() const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  for (const auto& [code, entry] : failures_) out << code << " x" << entry.first << " (first: " << entry.second << "); ";
  return out.str();
}

std::size_t OrderLoad::Impl::pick_target() {
  // Called with mutex_ held and at least one node up.
  for (std::size_t tries = 0; tries < up_.size(); ++tries) {
    const std::size_t node = next_target_++ % up_.size();
    if (up_[node]) return node;
  }
  REPLEX_ASSERT_MSG(false, "pick_target with every node down");
  return 0;
}

void OrderLoad::Impl::produce() {
  using Clock = std::chrono::steady_clock;
  const auto period = options_.rate_per_s > 0
                          ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / options_.rate_per_s))
                          : Clock::duration::zero();
  auto next_send = Clock::now();
  for (;;) {
    std::size_t count = options_.batch;
    if (options_.total != 0) {
      const std::uint64_t left = options_.total - std::min(options_.total, sent_.load());
      if (left == 0) break;
      count = static_cast<std::size_t>(std::min<std::uint64_t>(count, left));
    }
    std::size_t node = 0;
    {
      std::unique_lock lock(mutex_);
      const auto any_up = [this] {
        for (const bool up : up_) {
          if (up) return true;
        }
        return false;
      };
      while (!stopping_ && (in_flight_ + count > options_.max_in_flight || !any_up())) {
        changed_.wait_for(lock, kIdleWait);
      }
      if (stopping_) break;
      if (period != Clock::duration::zero()) {
        const auto batch_period = period * static_cast<long>(count);
        next_send = std::max(next_send + batch_period, Clock::now() - 10 * batch_period);
        if (changed_.wait_until(lock, next_send, [this] { return stopping_; })) break;
        if (!any_up()) continue;
      }
      node = pick_target();
      in_flight_ += count;
      last_send_ = Clock::now();
      if (first_count_ == 0) {
        first_send_ = last_send_;
        first_count_ = count;
      }
    }
    std::vector<FlowOrder> orders = make_orders(count);
    if (options_.batch == 1) {
      send_one(node, std::move(orders.front()));
    } else {
      send_batch(node, std::move(orders));
    }
    sent_.fetch_add(count);
  }
  {
    std::lock_guard lock(mutex_);
    producer_done_ = true;
  }
  changed_.notify_all();
}

std::vector<FlowOrder> OrderLoad::Impl::make_orders(std::size_t count) {
  return sign_orders(flow_, count, known_height_.load() + options_.ttl_blocks, options_.sign_threads);
}

void OrderLoad::Impl::send_one(std::size_t node, FlowOrder order) {
  auto* call = new Call;
  call->hash = order.hash;
  call->node = node;
  call->submitted = std::chrono::steady_clock::now();
  call->request.set_transaction(std::string(as_chars(order.tx)));
  call->request.set_wait_for_commit(true);
  call->request.set_timeout_ms(static_cast<std::uint32_t>(options_.commit_timeout.count()));
  call->context.set_deadline(std::chrono::system_clock::now() + options_.commit_timeout + kClientSlack);
  call->reader = clients_[node]->stub().PrepareAsyncSubmitTransaction(&call->context, call->request, &queue_);
  call->reader->StartCall();
  call->reader->Finish(&call->response, &call->status, call);
}

void OrderLoad::Impl::send_batch(std::size_t node, std::vector<FlowOrder> orders) {
  auto* call = new BatchCall;
  call->batch = true;
  call->node = node;
  for (FlowOrder& order : orders) {
    call->hashes.push_back(order.hash);
    call->request.add_transactions(std::string(as_chars(order.tx)));
  }
  call->request.set_wait_for_commit(true);
  call->request.set_timeout_ms(static_cast<std::uint32_t>(options_.commit_timeout.count()));
  call->submitted = std::chrono::steady_clock::now();
  call->context.set_deadline(std::chrono::system_clock::now() + options_.commit_timeout + kClientSlack);
  call->reader = clients_[node]->stub().PrepareAsyncSubmitTransactions(&call->context, call->request, &queue_);
  call->reader->StartCall();
  call->reader->Finish(&call->response, &call->status, call);
}

void OrderLoad::Impl::complete() {
  void* tag = nullptr;
  bool ok = false;
  while (queue_.Next(&tag, &ok)) {
    auto* call = static_cast<CallTag*>(tag);
    if (call->batch) {
      finish_batch(static_cast<BatchCall*>(call), ok);
    } else {
      finish(static_cast<Call*>(call), ok);
    }
  }
}

void OrderLoad::Impl::record_commit(const Hash256& hash, std::size_t node, const v1::TransactionCommit& commit,
                                    std::chrono::steady_clock::time_point submitted) {
  acks_.push_back(Ack{hash, node, commit.height(), commit.index(), commit.result_code(),
                      std::chrono::steady_clock::now() - submitted});
  std::uint64_t known = known_height_.load();
  while (commit.height() > known && !known_height_.compare_exchange_weak(known, commit.height())) {
  }
}

void OrderLoad::Impl::record_failure(const std::string& code, std::size_t node, const std::string& message) {
  auto& entry = failures_[code];
  if (entry.first++ == 0) entry.second = clients_[node]->target() + ": " + message;
}

void OrderLoad::Impl::finish(Call* call, bool ok) {
  std::unique_ptr<Call> owned(call);
  std::lock_guard lock(mutex_);
  if (ok && call->status.ok() && call->response.status() == v1::SUBMIT_STATUS_COMMITTED) {
    record_commit(call->hash, call->node, call->response.commit(), call->submitted);
  } else {
    record_failure(!ok                   ? "QUEUE_FAILED"
                   : !call->status.ok() ? "gRPC " + std::to_string(call->status.error_code())
                                        : "status " + v1::SubmitStatus_Name(call->response.status()),
                   call->node, call->status.error_message());
  }
  --in_flight_;
  changed_.notify_all();
}

void OrderLoad::Impl::finish_batch(BatchCall* call, bool ok) {
  std::unique_ptr<BatchCall> owned(call);
  std::lock_guard lock(mutex_);
  const std::size_t count = call->hashes.size();
  if (!ok || !call->status.ok() || call->response.results_size() != static_cast<int>(count)) {
    const std::string code = !ok ? "QUEUE_FAILED"
                             : !call->status.ok() ? "gRPC " + std::to_string(call->status.error_code())
                                                  : "RESULT_COUNT";
    for (std::size_t i = 0; i < count; ++i) record_failure(code, call->node, call->status.error_message());
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      const auto& result = call->response.results(static_cast<int>(i));
      if (result.status() == v1::SUBMIT_STATUS_COMMITTED) {
        record_commit(call->hashes[i], call->node, result.commit(), call->submitted);
      } else if (result.error_code() != 0) {
        record_failure("gRPC " + std::to_string(result.error_code()), call->node, result.error());
      } else {
        record_failure("status " + v1::SubmitStatus_Name(result.status()), call->node, result.error());
      }
    }
  }
  in_flight_ -= count;
  changed_.notify_all();
}

std::optional<double> OrderLoad::Impl::send_rate() const {
  std::lock_guard lock(mutex_);
  if (!producer_done_ || last_send_ <= first_send_) return std::nullopt;
  const double seconds = std::chrono::duration<double>(last_send_ - first_send_).count();
  return static_cast<double>(sent_.load() - first_count_) / seconds;
}

OrderLoad::OrderLoad(std::vector<std::string> targets, CrossingOrderFlow flow, LoadOptions options)
    : impl_(std::make_unique<Impl>(std::move(targets), std::move(flow), options)) {}
OrderLoad::~OrderLoad() = default;
void OrderLoad::start(std::uint64_t start_height) { impl_->start(start_height); }
void OrderLoad::stop() { impl_->stop(); }
bool OrderLoad::wait_done(std::chrono::milliseconds timeout) { return impl_->wait_done(timeout); }
void OrderLoad::set_up(std::size_t node, bool up) { impl_->set_up(node, up); }
std::vector<Ack> OrderLoad::acks() const { return impl_->acks(); }
std::size_t OrderLoad::ack_count() const { return impl_->ack_count(); }
std::uint64_t OrderLoad::sent() const { return impl_->sent(); }
std::optional<double> OrderLoad::send_rate() const { return impl_->send_rate(); }
std::uint64_t OrderLoad::failures() const { return impl_->failures(); }
std::string OrderLoad::failure_summary() const { return impl_->failure_summary(); }

}  // namespace replex::client
