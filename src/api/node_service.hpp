// NodeServiceImpl: replex.v1.NodeService (proto/replex/v1/node.proto) over
// the node's read views, store and admission path.
//
// Threads: gRPC's server threads call it concurrently. It reads only
// thread-safe things (read views, the Store, the Network's peer list,
// immutable genesis and identity) and never takes a lock the consensus or
// execution thread holds. SubmitTransaction(s) are on gRPC's callback API
// (SubmitCall, SubmitBatchCall): a submission waiting for admission or its commit holds no
// thread. Every wait is bounded (api.* limits).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "replex/api/context.hpp"
#include "replex/v1/node.grpc.pb.h"

namespace replex::api {

class NodeServiceImpl final
    : public v1::NodeService::WithCallbackMethod_SubmitTransaction<
          v1::NodeService::WithCallbackMethod_SubmitTransactions<v1::NodeService::Service>> {
 public:
  explicit NodeServiceImpl(ApiContext context) : ctx_(context) {}

  // Set before the server starts, and again once the bound port is known.
  void set_identity(NodeIdentity identity) {
    identity_.store(std::make_shared<const NodeIdentity>(std::move(identity)), std::memory_order_release);
  }
  // Refuse new calls and end waits (shutdown).
  void stop_accepting() { accepting_.store(false, std::memory_order_release); }

  grpc::ServerUnaryReactor* SubmitTransaction(grpc::CallbackServerContext* context,
                                              const v1::SubmitTransactionRequest* request,
                                              v1::SubmitTransactionResponse* response) override;
  grpc::ServerUnaryReactor* SubmitTransactions(grpc::CallbackServerContext* context,
                                               const v1::SubmitTransactionsRequest* request,
                                               v1::SubmitTransactionsResponse* response) override;
  grpc::Status GetStatus(grpc::ServerContext* context, const v1::GetStatusRequest* request,
                         v1::GetStatusResponse* response) override;
  grpc::Status GetBlock(grpc::ServerContext* context, const v1::GetBlockRequest* request,
                        v1::GetBlockResponse* response) override;
  grpc::Status StreamBlocks(grpc::ServerContext* context, const v1::StreamBlocksRequest* request,
                            grpc::ServerWriter<v1::StreamBlocksResponse>* writer) override;

 private:
  grpc::Status load_block(std::uint64_t height, v1::Block* out) const;

  ApiContext ctx_;
  std::atomic<std::shared_ptr<const NodeIdentity>> identity_{std::make_shared<const NodeIdentity>()};
  std::atomic<bool> accepting_{true};
  std::atomic<std::uint32_t> pending_submissions_{0};
  std::atomic<std::uint32_t> block_streams_{0};
};

}  // namespace replex::api
