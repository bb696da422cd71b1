// OrderLoad: crossing orders (CrossingOrderFlow) submitted with
// wait_for_commit through gRPC's asynchronous API (SubmitTransaction, or
// SubmitTransactions with options.batch > 1), round-robin over the
// targets currently marked up, with a bounded number of calls in flight and
// an optional rate. Every acknowledged commit is recorded with its
// submit-to-commit latency; refusals and failures (a node down, a view change
// outlasting the wait) are counted, never fatal. Used by `replex bench` and
// the cluster tests. Owns two threads (a producer that signs and sends, a
// completion-queue reader) and, while it signs a batch, sign_threads - 1
// helpers; public methods are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/client/order_flow.hpp"

namespace replex::client {

// A transaction a node answered COMMITTED for.
struct Ack {
  Hash256 hash;
  std::size_t node = 0;  // index of the target that answered
  std::uint64_t height = 0;
  std::uint32_t index = 0;
  std::uint32_t result_code = 0;  // 0: applied; else the exchange's rejection reason
  std::chrono::nanoseconds latency{0};  // submit to the COMMITTED answer
};

struct LoadOptions {
  std::size_t max_in_flight = 64;  // orders, not calls
  // Orders per call: 1 calls SubmitTransaction, more SubmitTransactions
  // (each order's latency still runs from the call's start to its commit).
  std::size_t batch = 1;
  // Threads signing a batch (the producer and sign_threads - 1 helpers).
  std::size_t sign_threads = 1;
  // Orders per second; 0 sends as fast as max_in_flight allows.
  double rate_per_s = 0;
  // Orders to send in all; 0 sends until stop().
  std::uint64_t total = 0;
  // Bound of each wait_for_commit (the node caps it at 30 s).
  std::chrono::milliseconds commit_timeout{20'000};
  // good_til_height = highest height seen + this; well inside the testnet's
  // max_tx_ttl_blocks (1000), so a node a few hundred blocks behind still admits it.
  std::uint64_t ttl_blocks = 300;
};

class OrderLoad {
 public:
  OrderLoad(std::vector<std::string> targets, CrossingOrderFlow flow, LoadOptions options);
  ~OrderLoad();  // stop()
  OrderLoad(const OrderLoad&) = delete;
  OrderLoad& operator=(const OrderLoad&) = delete;

  // Starts sending; `start_height` seeds good_til_height until the first commit.
  void start(std::uint64_t start_height);
  // Stops sending and waits for the calls in flight to be answered. Idempotent.
  void stop();
  // With options.total: true once every order was sent and answered.
  bool wait_done(std::chrono::milliseconds timeout);

  // Marks a target down (not sent to) or up again.
  void set_up(std::size_t node, bool up);

  std::vector<Ack> acks() const;
  std::size_t ack_count() const;
  std::uint64_t sent() const;
  // Orders sent per second from the first call to the last, once the
  // producer is done (nullopt before, or after one call). Below
  // options.rate_per_s when max_in_flight held the sending back, when
  // signing could not keep pace, or while no target was up.
  std::optional<double> send_rate() const;
  std::uint64_t failures() const;
  // Failures by gRPC code or submit status, with the first message of each.
  std::string failure_summary() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace replex::client
