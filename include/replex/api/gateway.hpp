// Gateway: every API of one node, built and run together: the read model
// fed from executed blocks, the gRPC server (NodeService, ExchangeService,
// health, reflection) and the REST + WebSocket server (docs/api.md).
//
// Lifetime, from the node's controlling thread: create() (after recovery:
// it backfills the read model from the store) -> start() -> shutdown()
// (refuse new calls, end waits and streams) -> wait() (join every thread).
// feed() is the execution thread's, once per executed block.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "replex/api/context.hpp"
#include "replex/api/gateway_stats.hpp"
#include "replex/api/read_model.hpp"
#include "replex/core/status.hpp"

namespace replex::api {

class Gateway {
 public:
  // `home` resolves the keystore paths of api.custodial.
  static Result<std::unique_ptr<Gateway>> create(ApiContext context, const std::string& home);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Binds gRPC (api.grpc_enabled) and REST (api.rest_enabled) and starts every thread.
  Status start(NodeIdentity identity);
  void feed(BlockDigest digest);
  void shutdown();
  void wait();

  std::uint16_t grpc_port() const;  // 0 when disabled
  std::uint16_t rest_port() const;  // 0 when disabled
  ReadModel& read_model();
  const GatewayStats& stats() const;

  struct Impl;

 private:
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace replex::api
