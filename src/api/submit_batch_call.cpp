#include "submit_batch_call.hpp"

#include <optional>

#include "node_service.hpp"
#include "replex/core/tx_envelope.hpp"
#include "submit_call.hpp"

namespace replex::api {

grpc::ServerUnaryReactor* SubmitBatchCall::start(const ApiContext& ctx, std::atomic<std::uint32_t>& pending,
                                                 bool accepting, const v1::SubmitTransactionsRequest& request,
                                                 v1::SubmitTransactionsResponse* response) {
  auto call = std::make_shared<SubmitBatchCall>(ctx, pending, response);
  call->self_ = call;
  const auto size = static_cast<std::uint32_t>(request.transactions_size());
  std::optional<grpc::Status> refusal;
  if (!accepting) {
    refusal = shutting_down();
  } else if (auto diverged = state_diverged(ctx)) {
    refusal = *diverged;
  } else if (size == 0 || size > ctx.api.max_submit_batch) {
    refusal = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                           "transactions: " + std::to_string(size) + " in the batch; 1.." +
                               std::to_string(ctx.api.max_submit_batch) + " allowed (api.max_submit_batch)");
  } else {
    // Counted before any answer: finish() gives the units back.
    call->units_ = size;
    if (pending.fetch_add(size, std::memory_order_acq_rel) + size > ctx.api.max_pending_submissions) {
      refusal = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                             "too many submissions in flight for a batch of " + std::to_string(size) +
                                 " (api.max_pending_submissions = " +
                                 std::to_string(ctx.api.max_pending_submissions) + "); retry later");
    }
  }
  if (refusal) {
    call->answered_ = true;
    call->finish(*refusal);
  } else {
    call->run(request);
  }
  return call.get();
}

SubmitBatchCall::SubmitBatchCall(const ApiContext& ctx, std::atomic<std::uint32_t>& pending,
                                 v1::SubmitTransactionsResponse* response)
    : ctx_(ctx), pending_(pending), response_(response) {}

void SubmitBatchCall::run(const v1::SubmitTransactionsRequest& request) {
  std::weak_ptr<SubmitBatchCall> weak = weak_from_this();
  timeout_ms_ = submit_timeout_ms(ctx_, request.timeout_ms());
  deadline_alarm_.Set(Clock::now() + std::chrono::milliseconds(timeout_ms_), [weak](bool fired) {
    if (!fired) return;  // cancelled: the call was answered
    if (auto self = weak.lock()) self->on_deadline();
  });
  std::vector<Submission> batch;
  bool all_done = false;
  {
    std::lock_guard lock(mutex_);
    const auto size = static_cast<std::size_t>(request.transactions_size());
    entries_.resize(size);
    outstanding_ = size;
    for (std::size_t i = 0; i < size; ++i) {
      const std::string& text = request.transactions(static_cast<int>(i));
      Bytes tx(text.begin(), text.end());
      Entry& entry = entries_[i];
      entry.hash = tx_hash(tx);
      auto* result = response_->add_results();
      result->set_tx_hash(std::string(as_chars(entry.hash.view())));
      if (request.wait_for_commit()) {
        if (auto location = ctx_.store.find_tx(entry.hash)) {
          // Already committed (a client retrying after a lost answer): say where.
          result->set_status(v1::SUBMIT_STATUS_COMMITTED);
          fill_commit({location->height, location->index, location->code}, result->mutable_commit());
          done_locked(i);
          continue;
        }
        // Registered before admission, so a commit racing this call is not missed.
        entry.waiter = ctx_.waiters.add(entry.hash, [weak, i](CommitWaiters::Answer answer) {
          if (auto self = weak.lock()) self->on_commit(i, answer);
        });
        if (!entry.waiter) {
          refuse_locked(i, shutting_down());
          continue;
        }
      }
      batch.push_back(Submission{std::move(tx), [weak, i](Result<consensus::TxStatusReport> report) {
                                   if (auto self = weak.lock()) self->on_verdict(i, std::move(report));
                                 }});
    }
    all_done = outstanding_ == 0 && answer_locked();
  }
  if (all_done) return finish(grpc::Status::OK);
  if (!batch.empty()) ctx_.submitter.submit(std::move(batch));
}

void SubmitBatchCall::on_verdict(std::size_t index, Result<consensus::TxStatusReport> report) {
  bool end = false;
  std::optional<grpc::Status> look_up_first;
  {
    std::lock_guard lock(mutex_);
    Entry& entry = entries_[index];
    if (answered_ || entry.phase != Phase::kAdmitting) return;
    auto* result = response_->mutable_results(static_cast<int>(index));
    if (!report) {
      refuse_locked(index, admission_failure(report.status()));
    } else if (grpc::Status status = verdict_status(*report); !status.ok()) {
      // It may have committed since the index lookup: a waiting caller
      // learns where, once it is indexed.
      if (entry.waiter && may_have_committed(*report)) {
        entry.phase = Phase::kLookingUp;
        look_up_first = std::move(status);
      } else {
        refuse_locked(index, status);
      }
    } else {
      result->set_status(report->verdict == consensus::TxVerdict::kDuplicate ? v1::SUBMIT_STATUS_DUPLICATE
                                                                              : v1::SUBMIT_STATUS_ACCEPTED);
      if (entry.waiter) {
        entry.phase = Phase::kWaitingForCommit;
      } else {
        done_locked(index);
      }
    }
    end = outstanding_ == 0 && answer_locked();
  }
  if (look_up_first) {
    // Not under mutex_: it may run at once.
    std::weak_ptr<SubmitBatchCall> weak = weak_from_this();
    return ctx_.waiters.when_indexed([weak, index, status = std::move(*look_up_first)](bool indexed) {
      if (auto self = weak.lock()) self->on_refusal(index, status, indexed);
    });
  }
  if (end) finish(grpc::Status::OK);
}

void SubmitBatchCall::on_refusal(std::size_t index, const grpc::Status& status, bool indexed) {
  bool end = false;
  {
    std::lock_guard lock(mutex_);
    if (answered_ || entries_[index].phase != Phase::kLookingUp) return;  // the commit answered
    if (auto location = ctx_.store.find_tx(entries_[index].hash)) {
      auto* result = response_->mutable_results(static_cast<int>(index));
      result->set_status(v1::SUBMIT_STATUS_COMMITTED);
      fill_commit({location->height, location->index, location->code}, result->mutable_commit());
      done_locked(index);
    } else {
      refuse_locked(index, refusal_after_lookup(status, indexed));
    }
    end = outstanding_ == 0 && answer_locked();
  }
  if (end) finish(grpc::Status::OK);
}

void SubmitBatchCall::on_commit(std::size_t index, CommitWaiters::Answer answer) {
  bool end = false;
  {
    std::lock_guard lock(mutex_);
    if (answered_ || entries_[index].phase == Phase::kDone) return;
    if (const auto* commit = std::get_if<CommitInfo>(&answer)) {
      auto* result = response_->mutable_results(static_cast<int>(index));
      result->set_status(v1::SUBMIT_STATUS_COMMITTED);
      fill_commit(*commit, result->mutable_commit());
      done_locked(index);
    } else {
      refuse_locked(index, no_commit_status(answer));
    }
    end = outstanding_ == 0 && answer_locked();
  }
  if (end) finish(grpc::Status::OK);
}

void SubmitBatchCall::on_deadline() {
  {
    std::lock_guard lock(mutex_);
    if (answered_) return;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      switch (entries_[i].phase) {
        case Phase::kDone:
          break;
        case Phase::kAdmitting:
          refuse_locked(i, {grpc::StatusCode::DEADLINE_EXCEEDED, "no admission verdict before the deadline"});
          break;
        case Phase::kLookingUp:
          refuse_locked(i, {grpc::StatusCode::DEADLINE_EXCEEDED, std::string(kRefusedLookupPending)});
          break;
        case Phase::kWaitingForCommit:
          refuse_locked(i, {grpc::StatusCode::DEADLINE_EXCEEDED,
                            "not committed within " + std::to_string(timeout_ms_) +
                                " ms (it may still commit: look it up by hash)"});
          break;
      }
    }
    if (!answer_locked()) return;
  }
  finish(grpc::Status::OK);
}

void SubmitBatchCall::OnCancel() {
  {
    std::lock_guard lock(mutex_);
    if (!answer_locked()) return;
  }
  finish({grpc::StatusCode::CANCELLED, "cancelled by the client"});
}

void SubmitBatchCall::OnDone() { self_.reset(); }  // may destroy this

void SubmitBatchCall::done_locked(std::size_t index) {
  Entry& entry = entries_[index];
  REPLEX_ASSERT(entry.phase != Phase::kDone && outstanding_ > 0);
  entry.phase = Phase::kDone;
  --outstanding_;
}

void SubmitBatchCall::refuse_locked(std::size_t index, const grpc::Status& status) {
  auto* result = response_->mutable_results(static_cast<int>(index));
  result->set_status(v1::SUBMIT_STATUS_UNSPECIFIED);
  result->set_error_code(static_cast<std::uint32_t>(status.error_code()));
  result->set_error(status.error_message());
  done_locked(index);
}

bool SubmitBatchCall::answer_locked() {
  if (answered_) return false;
  answered_ = true;
  return true;
}

void SubmitBatchCall::finish(const grpc::Status& status) {
  std::vector<std::shared_ptr<CommitWaiters::Waiter>> waiters;
  {
    std::lock_guard lock(mutex_);
    for (Entry& entry : entries_) {
      if (entry.waiter) waiters.push_back(std::move(entry.waiter));
    }
  }
  for (auto& waiter : waiters) ctx_.waiters.remove(waiter);
  deadline_alarm_.Cancel();
  pending_.fetch_sub(units_, std::memory_order_acq_rel);
  Finish(status);
}

}  // namespace replex::api
