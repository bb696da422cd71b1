// GrpcServer: the node's gRPC endpoint: replex.v1.NodeService, the services
// the gateway adds (ExchangeService), the standard grpc.health.v1 service and
// server reflection, on api.grpc_listen.
//
// Lifetime: start() binds and serves; shutdown() refuses new calls, gives
// in-flight ones api.shutdown_grace_ms, then cancels the rest; wait() joins
// gRPC's threads once the node has answered what it still held (admissions).
// Called from the node's controlling thread only; the destructor does both.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "replex/api/context.hpp"
#include "replex/core/status.hpp"

namespace grpc {
class Server;
class Service;
}

namespace replex::api {

class NodeServiceImpl;

class GrpcServer {
 public:
  // `identity.grpc_listen` is the address to bind ("ip:port", port 0 lets
  // the OS choose); GetStatus reports the bound one. `services` (owned by the
  // caller, outliving the server) are served beside NodeService.
  static Result<std::unique_ptr<GrpcServer>> start(ApiContext context, NodeIdentity identity,
                                                   const std::vector<grpc::Service*>& services = {});
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  std::uint16_t port() const { return port_; }
  void shutdown();
  void wait();

 private:
  GrpcServer() = default;

  std::uint32_t shutdown_grace_ms_ = 0;
  std::uint16_t port_ = 0;
  std::unique_ptr<NodeServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  bool shut_down_ = false;
  bool waited_ = false;
};

}  // namespace replex::api
