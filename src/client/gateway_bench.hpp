// Private to client: `replex bench`'s gateway measurements (docs/PERFORMANCE.md,
// "Gateway"): order entry into one node over each of its APIs in one run,
// book queries against a REST gateway, and WebSocket book fan-out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace replex::client {

struct GatewayBenchOptions {
  std::string testnet_dir;
  std::string grpc_target;  // the node's gRPC (NodeService and ExchangeService)
  std::string rest_target;  // the same node's REST gateway
  std::vector<std::string> apis;  // node, grpc, rest, rest-signed; empty: no order entry
  std::vector<double> rates;      // offered orders/s per phase; 0: saturation (closed loop)
  double duration_s = 10;
  std::size_t max_in_flight = 256;
  std::uint32_t commit_timeout_ms = 30'000;
  std::size_t client_threads = 1;
  std::size_t batch = 1;         // orders per request (rest, rest-signed): POST /api/v1/orders/batch
  std::size_t sign_threads = 1;  // threads signing a batch (rest-signed)
  double pause_s = 2;  // between phases, for the node to settle
  std::vector<int> node_pids;  // optional: CPU of these processes per phase

  std::size_t book_clients = 0;  // 0: no book queries
  std::string book_target;       // default rest_target
  std::string book_market = "BTC-USDT";
  std::uint32_t book_depth = 20;

  std::size_t ws_subscribers = 0;  // 0: no fan-out
  std::string ws_target;           // default rest_target
  std::string ws_market = "BTC-USDT";
  double ws_drive_rate = 200;      // resting orders/s through rest_target while measuring
};

// Prints what it measures; the exit code (0, 1 failure, 2 bad usage).
int run_gateway_bench(const GatewayBenchOptions& options);

}  // namespace replex::client
