#include "submit_call.hpp"

#include <algorithm>

#include "exchange_service.hpp"
#include "node_service.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/exchange/reason.hpp"

namespace replex::api {
grpc::Status shutting_down() { return {grpc::StatusCode::UNAVAILABLE, "the node is shutting down"}; }

std::optional<grpc::Status> state_diverged(const ApiContext& ctx) {
  auto diverged = divergence_error(ctx.views);
  if (!diverged) return std::nullopt;
  return to_grpc_status(*diverged);
}

grpc::Status admission_failure(const Status& status) {
  return {status.code() == StatusCode::kResourceExhausted ? grpc::StatusCode::RESOURCE_EXHAUSTED
                                                          : grpc::StatusCode::UNAVAILABLE,
          status.message()};
}

void fill_commit(const CommitInfo& info, v1::TransactionCommit* commit) {
  commit->set_height(info.height);
  commit->set_index(info.index);
  commit->set_result_code(info.code);
  commit->set_result(std::string(exchange::reason_name(info.code)));
}

std::uint64_t submit_timeout_ms(const ApiContext& ctx, std::uint32_t requested_ms) {
  return requested_ms == 0 ? ctx.api.submit_wait_timeout_ms
                           : std::min<std::uint64_t>(requested_ms, ctx.api.submit_wait_timeout_ms);
}

grpc::Status verdict_status(const consensus::TxStatusReport& report) {
  using consensus::TxVerdict;
  switch (report.verdict) {
    case TxVerdict::kAccepted:
    case TxVerdict::kDuplicate:
    case TxVerdict::kHeld:      // in the mempool (only relayed transactions are held)
    case TxVerdict::kReleased:  // (never an admission's answer)
      return grpc::Status::OK;
    case TxVerdict::kMempoolFull:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, "MEMPOOL_FULL: " + report.message + "; retry later"};
    case TxVerdict::kTooLarge:
      return {grpc::StatusCode::INVALID_ARGUMENT, "TX_TOO_LARGE: " + report.message};
    case TxVerdict::kRejected:
    case TxVerdict::kEvicted:
      return {grpc::StatusCode::INVALID_ARGUMENT,
              std::string(exchange::reason_name(report.app_code)) + ": " + report.message};
  }
  return {grpc::StatusCode::INTERNAL, "unknown mempool verdict"};
}

grpc::Status refusal_after_lookup(const grpc::Status& refusal, bool indexed) {
  if (indexed) return refusal;
  return {grpc::StatusCode::UNAVAILABLE, std::string(kIndexIncomplete) + refusal.error_message()};
}

grpc::Status no_commit_status(const CommitWaiters::Answer& answer) {
  if (const auto* evicted = std::get_if<consensus::TxStatusReport>(&answer)) {
    const grpc::Status status = verdict_status(*evicted);
    return {status.error_code(), std::string(kEvictedAfterAdmission) + status.error_message()};
  }
  return shutting_down();
}

namespace {

void fill_commit(const CommitInfo& info, v1::SubmitTransactionResponse* response) {
  response->set_status(v1::SUBMIT_STATUS_COMMITTED);
  fill_commit(info, response->mutable_commit());
}

}  // namespace

grpc::ServerUnaryReactor* SubmitCall::start(const ApiContext& ctx, std::atomic<std::uint32_t>& pending,
                                            bool accepting, const v1::SubmitTransactionRequest& request,
                                            v1::SubmitTransactionResponse* response) {
  auto call = std::make_shared<SubmitCall>(ctx, pending, response);
  call->self_ = call;
  // Counted before any answer: finish() gives the unit back.
  const bool over_limit = pending.fetch_add(1, std::memory_order_acq_rel) >= ctx.api.max_pending_submissions;
  const auto diverged = state_diverged(ctx);
  if (!accepting || over_limit || diverged) {
    call->phase_ = Phase::kAnswered;
    call->finish(!accepting ? shutting_down()
                 : diverged ? *diverged
                            : grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                           "too many submissions in flight (api.max_pending_submissions = " +
                                               std::to_string(ctx.api.max_pending_submissions) + "); retry later"));
  } else {
    call->run(request);
  }
  return call.get();
}

SubmitCall::SubmitCall(const ApiContext& ctx, std::atomic<std::uint32_t>& pending,
                       v1::SubmitTransactionResponse* response)
    : ctx_(ctx), pending_(pending), response_(response) {}

void SubmitCall::run(const v1::SubmitTransactionRequest& request) {
  Bytes tx(request.transaction().begin(), request.transaction().end());
  hash_ = tx_hash(tx);
  std::weak_ptr<SubmitCall> weak = weak_from_this();
  // Armed before anything can answer, so only finish() ever cancels it.
  timeout_ms_ = submit_timeout_ms(ctx_, request.timeout_ms());
  deadline_alarm_.Set(Clock::now() + std::chrono::milliseconds(timeout_ms_), [weak](bool fired) {
    if (!fired) return;  // cancelled: the call was answered
    if (auto self = weak.lock()) self->on_deadline();
  });
  std::optional<grpc::Status> early;
  {
    std::lock_guard lock(mutex_);
    response_->set_tx_hash(std::string(as_chars(hash_.view())));
    if (request.wait_for_commit()) {
      if (auto location = ctx_.store.find_tx(hash_)) {
        // Already committed (a client retrying after a lost answer): say where.
        fill_commit({location->height, location->index, location->code}, response_);
        early = grpc::Status::OK;
      } else {
        // Registered before admission, so a commit racing this call is not missed.
        waiter_ = ctx_.waiters.add(hash_, [weak](CommitWaiters::Answer answer) {
          if (auto self = weak.lock()) self->on_commit(answer);
        });
        if (!waiter_) early = shutting_down();
      }
    }
    if (early) answer_locked();
  }
  if (early) return finish(*early);
  ctx_.submitter.submit(std::move(tx), [self = shared_from_this()](Result<consensus::TxStatusReport> r) {
    self->on_verdict(std::move(r));
  });
}

void SubmitCall::on_verdict(Result<consensus::TxStatusReport> report) {
  grpc::Status status;
  bool look_up_first = false;
  {
    std::lock_guard lock(mutex_);
    if (phase_ != Phase::kAdmitting) return;  // answered already (commit, deadline, cancel)
    if (!report) {
      status = admission_failure(report.status());
    } else if (status = verdict_status(*report); !status.ok()) {
      // It may have committed since the index lookup: a waiting caller
      // learns where, once it is indexed.
      look_up_first = waiter_ != nullptr && may_have_committed(*report);
    } else {
      response_->set_status(report->verdict == consensus::TxVerdict::kDuplicate ? v1::SUBMIT_STATUS_DUPLICATE
                                                                                 : v1::SUBMIT_STATUS_ACCEPTED);
      if (waiter_) {
        phase_ = Phase::kWaitingForCommit;
        return;
      }
    }
    if (look_up_first) {
      phase_ = Phase::kLookingUp;
    } else {
      answer_locked();
    }
  }
  // Not under mutex_: it may run at once.
  if (look_up_first) {
    return ctx_.waiters.when_indexed(
        [self = shared_from_this(), status](bool indexed) { self->on_refusal(status, indexed); });
  }
  finish(status);
}

void SubmitCall::on_refusal(grpc::Status status, bool indexed) {
  {
    std::lock_guard lock(mutex_);
    if (phase_ == Phase::kAnswered) return;  // the commit (or the deadline) answered
    if (auto location = ctx_.store.find_tx(hash_)) {
      fill_commit({location->height, location->index, location->code}, response_);
      status = grpc::Status::OK;
    } else {
      status = refusal_after_lookup(status, indexed);
    }
    answer_locked();
  }
  finish(status);
}

void SubmitCall::on_commit(CommitWaiters::Answer answer) {
  const auto* commit = std::get_if<CommitInfo>(&answer);
  {
    std::lock_guard lock(mutex_);
    if (phase_ == Phase::kAnswered) return;
    if (commit) fill_commit(*commit, response_);
    answer_locked();
  }
  finish(commit ? grpc::Status::OK : no_commit_status(answer));
}

void SubmitCall::on_deadline() {
  grpc::Status status;
  {
    std::lock_guard lock(mutex_);
    if (phase_ == Phase::kAnswered) return;
    status = phase_ == Phase::kAdmitting
                 ? grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "no admission verdict before the deadline")
             : phase_ == Phase::kLookingUp
                 ? grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, std::string(kRefusedLookupPending))
                 : grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                "not committed within " + std::to_string(timeout_ms_) +
                                    " ms (it may still commit: look it up by hash)");
    answer_locked();
  }
  finish(status);
}

void SubmitCall::OnCancel() {
  {
    std::lock_guard lock(mutex_);
    if (!answer_locked()) return;
  }
  finish({grpc::StatusCode::CANCELLED, "cancelled by the client"});
}

void SubmitCall::OnDone() { self_.reset(); }  // may destroy this

bool SubmitCall::answer_locked() {
  if (phase_ == Phase::kAnswered) return false;
  phase_ = Phase::kAnswered;
  return true;
}

void SubmitCall::finish(const grpc::Status& status) {
  std::shared_ptr<CommitWaiters::Waiter> waiter;
  {
    std::lock_guard lock(mutex_);
    waiter = std::move(waiter_);
  }
  if (waiter) ctx_.waiters.remove(waiter);
  deadline_alarm_.Cancel();
  pending_.fetch_sub(1, std::memory_order_acq_rel);
  Finish(status);
}

}  // namespace replex::api
