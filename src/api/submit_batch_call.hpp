// SubmitBatchCall: one SubmitTransactions on gRPC's callback API. The whole
// batch goes through admission at once (api::TxSubmitter), and each
// transaction gets its own result: its verdict, or with wait_for_commit its
// commit, its refusal, or the deadline. The call ends when every result is
// in, at the deadline, on the client's cancellation, or at shutdown. It holds
// one unit of api.max_pending_submissions per transaction while it runs.
// Owned by gRPC from start() until OnDone(); callbacks use weak pointers.
#pragma once

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "replex/api/commit_waiters.hpp"
#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/v1/node.grpc.pb.h"

namespace replex::api {

struct ApiContext;

class SubmitBatchCall final : public grpc::ServerUnaryReactor,
                              public std::enable_shared_from_this<SubmitBatchCall> {
 public:
  static grpc::ServerUnaryReactor* start(const ApiContext& ctx, std::atomic<std::uint32_t>& pending,
                                         bool accepting, const v1::SubmitTransactionsRequest& request,
                                         v1::SubmitTransactionsResponse* response);

  SubmitBatchCall(const ApiContext& ctx, std::atomic<std::uint32_t>& pending,
                  v1::SubmitTransactionsResponse* response);

  void OnCancel() override;
  void OnDone() override;

 private:
  // kLookingUp: as in SubmitCall.
  enum class Phase : std::uint8_t { kAdmitting, kLookingUp, kWaitingForCommit, kDone };
  struct Entry {
    Hash256 hash;
    Phase phase = Phase::kAdmitting;
    std::shared_ptr<CommitWaiters::Waiter> waiter;
  };
  using Clock = std::chrono::system_clock;

  void run(const v1::SubmitTransactionsRequest& request);
  void on_verdict(std::size_t index, Result<consensus::TxStatusReport> report);
  // A waiting entry's refusal, given once the tx index holds every block committed before it.
  void on_refusal(std::size_t index, const grpc::Status& status, bool indexed);
  void on_commit(std::size_t index, CommitWaiters::Answer answer);
  void on_deadline();
  // Under mutex_: entry `index` has its result.
  void done_locked(std::size_t index);
  void refuse_locked(std::size_t index, const grpc::Status& status);
  // Under mutex_: true once, when the call may end.
  bool answer_locked();
  void finish(const grpc::Status& status);

  const ApiContext& ctx_;
  std::atomic<std::uint32_t>& pending_;
  std::uint32_t units_ = 0;  // of pending_, given back by finish()
  v1::SubmitTransactionsResponse* response_;  // gRPC's; written under mutex_
  std::shared_ptr<SubmitBatchCall> self_;
  grpc::Alarm deadline_alarm_;
  std::uint64_t timeout_ms_ = 0;

  std::mutex mutex_;
  std::vector<Entry> entries_;    // guarded by mutex_
  std::size_t outstanding_ = 0;   // entries not kDone; guarded by mutex_
  bool answered_ = false;         // guarded by mutex_
};

}  // namespace replex::api
