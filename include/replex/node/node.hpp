// Node: one Replex daemon, validator or observer (docs/node.md).
//
// Threads, all owned here and joined by stop():
//  - p2p: the Network's own thread (handlers only route and hand off);
//  - consensus: one thread owns the replica host (consensus core, mempool,
//    WAL) and feeds it one input at a time: messages, transactions, timers
//    (Asio steady_timer), block/state answers, executed blocks;
//  - workers: a pool verifying consensus message signatures and transaction
//    envelopes before they reach the consensus thread;
//  - execution: one thread applies committed blocks (the host's
//    BlockExecutor), stores them, publishes the read views and posts
//    BlockExecuted back to the consensus thread;
//  - gRPC: the API's server threads (src/api), which read only read views,
//    the Store and the peer list, and submit through the admission path.
// Public methods are called from one controlling thread (main, or a test).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "replex/core/status.hpp"
#include "replex/api/read_views.hpp"
#include "replex/config/genesis_file.hpp"
#include "replex/config/node_config.hpp"

namespace replex::node {

class Node {
 public:
  // Loads the genesis and keys (refusing key files others may read), opens
  // the store and rebuilds the state from it (snapshot, replayed blocks,
  // WAL). Binds nothing yet. `home` resolves the config's relative paths.
  static Result<std::unique_ptr<Node>> open(const std::string& home, config::NodeConfig node_config);
  ~Node();  // stop()s
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Called once, from the consensus or execution thread, when the node hits
  // an error it cannot continue after (the store failed): the controller
  // should stop() the node; a restart recovers from the store. Set before start().
  void set_fatal_handler(std::function<void(const Status&)> handler);
  // Ok, or the fatal error.
  Status failure() const;

  // Binds p2p, gRPC and REST, starts every thread. Once.
  Status start();
  // Graceful shutdown: stop accepting (gRPC shutdown with a deadline, p2p
  // stop), finish the block in hand, flush the store. Idempotent.
  void stop();

  std::uint16_t p2p_port() const;
  std::uint16_t grpc_port() const;  // 0 when the gRPC API is disabled
  std::uint16_t rest_port() const;  // 0 when the REST API is disabled
  const api::ReadViews& views() const;
  const config::GenesisFile& genesis() const;
  const config::NodeConfig& config() const;
  std::string node_id_hex() const;

 private:
  class Impl;
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace replex::node
