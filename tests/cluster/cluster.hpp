// Cluster: a real multi-process Replex cluster on 127.0.0.1 for the cluster
// tests. It runs the real `replex testnet` into a fresh temporary folder,
// adjusts the generated genesis and configs (faster heartbeats and redials;
// optionally a small checkpoint interval, and validator links routed through
// a FaultProxy), starts `replex start` processes (one log file each), talks
// to them over gRPC, kills and restarts them, and checks what they agree on.
//
// Teardown (the destructor, so also after a failed assertion or an
// exception) SIGKILLs every node and removes the folder. When the test has
// failed, each node's log tail is printed and the logs are copied to
// cluster-logs/<Suite.Test>/ in the working directory (the build tree);
// REPLEX_CLUSTER_KEEP=1 keeps the whole folder instead. The binary is the
// REPLEX_BINARY compile definition, or REPLEX_CLUSTER_BINARY when set (another
// build, for before/after measurements). Use from the test's thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "fault_proxy.hpp"
#include "replex/config/node_config.hpp"
#include "replex/client/node_client.hpp"
#include "replex/client/order_flow.hpp"
#include "replex/client/order_load.hpp"

namespace replex::cluster {

using namespace std::chrono_literals;
using client::Ack;
using client::LoadOptions;
using client::NodeClient;
using client::OrderLoad;

struct ClusterOptions {
  std::uint32_t validators = 4;
  std::uint32_t observers = 0;
  std::uint32_t accounts = 4;
  // Genesis consensus.checkpoint_interval; 0 keeps the testnet's (100).
  std::uint64_t checkpoint_interval = 0;
  // consensus.state_chunk_bytes of every node; 0 keeps the default (1 MiB).
  std::uint32_t state_chunk_bytes = 0;
  // Genesis params.max_open_orders_per_account; 0 keeps the testnet's.
  std::uint32_t max_open_orders_per_account = 0;
  // api.submit_wait_timeout_ms of every node; 0 keeps the default (30 s).
  std::uint64_t submit_wait_timeout_ms = 0;
  // Route every validator-to-validator connection through a FaultProxy link
  // (and turn peer exchange off, so nodes never learn each other's real
  // address), so isolate() / heal() can partition one validator.
  bool proxied = false;
  // A settlement section (scripts/settlement-devnet prepare) for
  // `replex testnet --settlement`: every validator settles on its chains.
  std::string settlement_file{};
};

class Cluster {
 public:
  // Generous bounds for conditions on a loaded 2-core machine.
  static constexpr std::chrono::milliseconds kStartTimeout = 60s;
  static constexpr std::chrono::milliseconds kProgressTimeout = 90s;

  static Result<std::unique_ptr<Cluster>> create(ClusterOptions options);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  std::size_t size() const { return nodes_.size(); }
  std::size_t validator_count() const { return options_.validators; }
  std::vector<std::size_t> all() const;
  std::vector<std::size_t> all_except(std::size_t node) const;
  const std::string& dir() const { return dir_; }
  const std::string& chain_id() const { return chain_id_; }
  NodeClient& client(std::size_t node) { return *nodes_.at(node).client; }
  std::vector<std::string> grpc_targets() const;
  // "127.0.0.1:<port>" of the node's gRPC and REST servers.
  const std::string& grpc_target(std::size_t node) const { return nodes_.at(node).grpc_target; }
  const std::string& rest_target(std::size_t node) const { return nodes_.at(node).rest_target; }
  // The custodial API key of demo trader i (accounts/accounts.yaml).
  const std::string& api_key(std::size_t trader) const { return api_keys_.at(trader); }
  std::uint16_t p2p_port(std::size_t node) const { return nodes_.at(node).p2p_port; }
  std::string log_path(std::size_t node) const;
  // The node's home folder (config.yaml, keys/, data/).
  const std::string& home(std::size_t node) const { return nodes_.at(node).home; }
  // The `replex testnet` folder (genesis, accounts/, node homes) and the binary under test.
  std::string testnet_dir() const { return dir_ + "/net"; }
  static std::string binary();
  // The node's process id while it runs, else -1.
  int pid(std::size_t node) const;
  // The node's config as the node reads it.
  Result<config::NodeConfig> config(std::size_t node) const;

  // Starts the process and waits until it answers GetStatus.
  Status start(std::size_t node);
  Status start_all();
  // Waits until every running validator is connected to every other running
  // one, and every running observer to at least one validator.
  Status wait_connected(std::chrono::milliseconds timeout = kStartTimeout);
  // kill -9: no shutdown, no flush.
  void kill(std::size_t node);
  // SIGTERM; the node must exit 0.
  Status stop(std::size_t node);
  bool running(std::size_t node);

  // Cuts one validator off from every other validator (both directions) / reconnects it.
  void isolate(std::size_t validator);
  void heal(std::size_t validator);
  // Waits until the isolated validator and the others have noticed (heartbeat
  // timeouts): neither side lists the other as a connected peer.
  Status wait_partitioned(std::size_t validator, std::chrono::milliseconds timeout = kStartTimeout);

  // Signed crossing orders from the demo traders; each flow has its own nonces.
  Result<client::CrossingOrderFlow> order_flow();
  // An OrderLoad over every node's gRPC target.
  Result<std::unique_ptr<OrderLoad>> make_load(LoadOptions options);

  Result<v1::GetStatusResponse> status(std::size_t node) { return client(node).status(); }
  Result<std::uint64_t> height(std::size_t node);
  // The highest height any of `nodes` reports.
  Result<std::uint64_t> max_height(const std::vector<std::size_t>& nodes);
  Status wait_for_height(const std::vector<std::size_t>& nodes, std::uint64_t height,
                         std::chrono::milliseconds timeout = kProgressTimeout);
  // Waits until every one of `nodes` has executed the highest height any of
  // them had when called; that height.
  Result<std::uint64_t> wait_caught_up(const std::vector<std::size_t>& nodes,
                                       std::chrono::milliseconds timeout = kProgressTimeout);

  // Every block of from..height (from each node's first held block, after a
  // state transfer) is the same on every one of `nodes`: hash, parent,
  // app_hash and transactions; and each ack names its transaction at its
  // height and index there, with the acknowledged result (acks below `from`
  // are not allowed).
  Status check_agreement(const std::vector<std::size_t>& nodes, std::uint64_t height,
                         const std::vector<Ack>& acks = {}, std::uint64_t from = 1);

  // True when the node's log contains `text`.
  bool log_contains(std::size_t node, const std::string& text) const;
  // The node's log so far.
  std::string log(std::size_t node) const;

 private:
  struct Node {
    std::string name;
    std::string home;
    bool validator = true;
    std::uint16_t p2p_port = 0;
    std::string grpc_target;
    std::string rest_target;
    std::unique_ptr<NodeClient> client;
    std::optional<ChildProcess> process;
  };

  explicit Cluster(ClusterOptions options) : options_(options) {}
  Status generate();
  Status tune_genesis();
  Status tune_configs();
  Status wait_ready(std::size_t node, std::chrono::milliseconds timeout);
  void report_failure();

  ClusterOptions options_;
  std::string dir_;
  std::string chain_id_;
  std::vector<Node> nodes_;
  std::vector<std::string> api_keys_;
  std::unique_ptr<FaultProxy> proxy_;
  // links_[i][j]: the proxy link that validator i dials to reach validator j.
  std::vector<std::vector<FaultProxy::LinkId>> links_;
  std::uint64_t flows_made_ = 0;
};

}  // namespace replex::cluster
