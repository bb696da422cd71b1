// NodeClient: blocking calls to one node's replex.v1.NodeService, each with
// a deadline, errors as Status values naming the target; for `replex status`,
// `replex bench` and the cluster tests. Its channel redials a restarted node
// within a second. Thread-safe (gRPC channels and generated clients are).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"
#include "replex/v1/node.grpc.pb.h"

namespace replex::client {

// A gRPC status as a replex Status (same code numbers where they exist).
Status from_grpc(const grpc::Status& status, const std::string& context);

// A channel to a node for any of its services. Nodes restart (operators,
// cluster tests): it redials every 100 ms to 1 s instead of gRPC's default
// back-off (1 s growing to 120 s).
std::shared_ptr<grpc::Channel> make_node_channel(const std::string& target);

class NodeClient {
 public:
  explicit NodeClient(std::string target);

  const std::string& target() const { return target_; }
  v1::NodeService::Stub& stub() { return *stub_; }

  Result<v1::GetStatusResponse> status(std::chrono::milliseconds timeout = std::chrono::seconds(2)) const;
  // 0: the latest executed block.
  Result<v1::Block> block(std::uint64_t height, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  Result<v1::SubmitTransactionResponse> submit(const Bytes& tx, bool wait_for_commit,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

 private:
  std::string target_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::NodeService::Stub> stub_;
};

}  // namespace replex::client
