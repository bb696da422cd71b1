// SubmitCall: one SubmitTransaction on gRPC's callback API. It admits the
// transaction (verification on the worker pool, then the mempool) and, when
// asked, waits for its block through CommitWaiters, holding no thread while
// it waits. Exactly one of these ends it: the answer, the deadline (a gRPC
// alarm), the client's cancellation, or shutdown. Owned by gRPC from
// start() until OnDone(); callbacks reach it through weak pointers.
#pragma once

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "replex/api/commit_waiters.hpp"
#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/v1/node.grpc.pb.h"

namespace replex::api {

struct ApiContext;

// Shared by SubmitCall and SubmitBatchCall.
grpc::Status shutting_down();
// UNAVAILABLE (STATE_DIVERGED) once this node's state diverged; nullopt before.
std::optional<grpc::Status> state_diverged(const ApiContext& ctx);
// The gRPC answer to a mempool verdict; OK for accepted and duplicate.
grpc::Status verdict_status(const consensus::TxStatusReport& report);
// Why a waiter's answer holds no commit (an eviction, shutdown).
grpc::Status no_commit_status(const CommitWaiters::Answer& answer);
// A refusal whose lookup found no commit: itself, or, when the index could not
// tell (CommitWaiters::when_indexed's `indexed` false), UNAVAILABLE saying so.
grpc::Status refusal_after_lookup(const grpc::Status& refusal, bool indexed);
// The answer when admission itself failed (queue full, shutting down).
grpc::Status admission_failure(const Status& status);
void fill_commit(const CommitInfo& info, v1::TransactionCommit* commit);
// The deadline's answer while a refused call waits for the tx index.
inline constexpr std::string_view kRefusedLookupPending =
    "refused, and the deadline passed before the tx index told whether an earlier submission of it committed "
    "(look it up by hash)";
// The request's timeout_ms under api.submit_wait_timeout_ms (0: the limit).
std::uint64_t submit_timeout_ms(const ApiContext& ctx, std::uint32_t requested_ms);

class SubmitCall final : public grpc::ServerUnaryReactor, public std::enable_shared_from_this<SubmitCall> {
 public:
  // `pending` counts calls in flight (bounded by api.max_pending_submissions);
  // a call holds one unit from start() until it is answered.
  static grpc::ServerUnaryReactor* start(const ApiContext& ctx, std::atomic<std::uint32_t>& pending,
                                         bool accepting, const v1::SubmitTransactionRequest& request,
                                         v1::SubmitTransactionResponse* response);

  SubmitCall(const ApiContext& ctx, std::atomic<std::uint32_t>& pending, v1::SubmitTransactionResponse* response);

  void OnCancel() override;
  void OnDone() override;

 private:
  // kLookingUp: refused, and waiting for the tx index to tell whether an
  // earlier submission of it committed.
  enum class Phase : std::uint8_t { kAdmitting, kLookingUp, kWaitingForCommit, kAnswered };
  using Clock = std::chrono::system_clock;

  void run(const v1::SubmitTransactionRequest& request);
  void on_verdict(Result<consensus::TxStatusReport> report);
  // A waiting call's refusal, given once the tx index holds every block committed before it.
  void on_refusal(grpc::Status status, bool indexed);
  void on_commit(CommitWaiters::Answer answer);
  void on_deadline();
  // Under mutex_: marks the call answered; false if it already was.
  bool answer_locked();
  // Outside mutex_, once, after answer_locked(): ends the call.
  void finish(const grpc::Status& status);

  const ApiContext& ctx_;
  std::atomic<std::uint32_t>& pending_;
  v1::SubmitTransactionResponse* response_;  // gRPC's; written under mutex_
  std::shared_ptr<SubmitCall> self_;         // keeps the call alive until OnDone
  grpc::Alarm deadline_alarm_;
  Hash256 hash_;
  std::uint64_t timeout_ms_ = 0;

  std::mutex mutex_;
  Phase phase_ = Phase::kAdmitting;                   // guarded by mutex_
  std::shared_ptr<CommitWaiters::Waiter> waiter_;     // guarded by mutex_
};

}  // namespace replex::api
