// Metrics: the node's Prometheus metrics (prometheus-cpp's registry and text
// format), served as /metrics by the REST gateway. Every name, type and
// label is listed in docs/metrics.md; the Grafana dashboard and the tests
// read that list.
//
// Threads: on_consensus / on_view_change from the consensus thread,
// on_block and on_block_answered from the execution thread, render from the gateway's threads at
// each scrape (it samples what others own: p2p peers, gateway counters).
// prometheus-cpp's metrics are thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "replex/api/gateway_stats.hpp"
#include "replex/api/read_model.hpp"
#include "replex/api/read_views.hpp"
#include "replex/exchange/chain_rules.hpp"
#include "replex/p2p/network.hpp"

namespace replex::node {

// What the node samples at each scrape from parts it does not own.
struct MetricsSources {
  const p2p::Network* network = nullptr;
  const api::ReadViews* views = nullptr;
  std::function<bool(const p2p::NodeId&)> is_validator;
  // Samplers of what other owners count (the gateway's counters,
  // settlement's lag): each updates its own families in the registry.
  std::vector<std::function<void(prometheus::Registry&)>> samplers;
};

class Metrics {
 public:
  explicit Metrics(std::shared_ptr<const exchange::ChainRules> rules);

  // Consensus thread.
  void on_consensus(const api::ConsensusView& view);
  void on_view_change();
  // Network thread: blocks pushed by a peer, queued for the core or dropped
  // over consensus.max_queued_block_pushes.
  void on_block_push(bool queued) { (queued ? block_pushes_queued_ : block_pushes_dropped_).Increment(); }
  // Execution thread: a verified snapshot chunk of a state transfer spooled.
  void on_state_chunk(std::uint64_t bytes) {
    state_chunks_.Increment();
    state_chunk_bytes_.Increment(static_cast<double>(bytes));
  }
  // Execution thread: a block executed locally `now_ms` after its header time.
  void on_block(const api::BlockDigest& digest, std::uint64_t now_ms);
  // Execution thread: a block was executed, stored and its waiters answered
  // `since_commit` after it committed here (a steady clock's interval).
  void on_block_answered(std::chrono::steady_clock::duration since_commit) {
    execution_latency_.Observe(std::chrono::duration<double>(since_commit).count());
  }

  // Before the first render: the gateway whose counters each scrape samples.
  void attach_gateway(const api::GatewayStats* stats) { gateway_ = stats; }

  // Any thread: the text exposition format (version 0.0.4).
  std::string render(const MetricsSources& sources);

  prometheus::Registry& registry() { return *registry_; }

 private:
  std::shared_ptr<const exchange::ChainRules> rules_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Gauge& committed_height_;
  prometheus::Gauge& executed_height_;
  prometheus::Gauge& view_;
  prometheus::Gauge& in_view_change_;
  prometheus::Gauge& state_diverged_;
  prometheus::Counter& view_changes_;
  prometheus::Gauge& mempool_txs_;
  prometheus::Gauge& mempool_bytes_;
  prometheus::Histogram& commit_latency_;
  prometheus::Histogram& execution_latency_;
  prometheus::Histogram& block_txs_;
  prometheus::Family<prometheus::Counter>& transactions_;
  prometheus::Family<prometheus::Counter>& orders_;
  prometheus::Family<prometheus::Counter>& trades_;
  prometheus::Family<prometheus::Counter>& volume_;
  prometheus::Gauge& peers_;
  prometheus::Gauge& validator_peers_;
  prometheus::Counter& peers_banned_;
  prometheus::Counter& gossip_delivered_;
  prometheus::Counter& gossip_duplicates_;
  prometheus::Family<prometheus::Counter>& block_pushes_;
  prometheus::Counter& block_pushes_queued_;
  prometheus::Counter& block_pushes_dropped_;
  prometheus::Counter& state_chunks_;
  prometheus::Counter& state_chunk_bytes_;
  const api::GatewayStats* gateway_ = nullptr;
  prometheus::Family<prometheus::Counter>& http_responses_;
  prometheus::Gauge& ws_sessions_;
  prometheus::Counter& ws_messages_;
  prometheus::Counter& ws_slow_consumers_;
  std::mutex sample_mutex_;                 // serialises render's sampling
  std::array<std::uint64_t, api::GatewayStats::kStatuses.size()> last_responses_{};  // guarded by sample_mutex_
  std::uint64_t last_ws_messages_ = 0;      // guarded by sample_mutex_
  std::uint64_t last_ws_slow_ = 0;          // guarded by sample_mutex_
  std::uint64_t last_banned_ = 0;           // guarded by sample_mutex_
  std::uint64_t last_delivered_ = 0;        // guarded by sample_mutex_
  std::uint64_t last_duplicates_ = 0;       // guarded by sample_mutex_
};

}  // namespace replex::node
