#include "cluster.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "replex/config/node_config.hpp"
#include "replex/config/genesis_file.hpp"

#ifndef REPLEX_BINARY
#error "REPLEX_BINARY (the path of the replex executable) must be defined by the build"
#endif

namespace replex::cluster {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kFolderPrefix = "replex-cluster-";
constexpr std::chrono::milliseconds kPoll{100};
constexpr std::size_t kLogTailLines = 40;

// Heartbeats and redials fast enough that a killed, isolated or healed node
// is noticed within seconds, not the production defaults' tens of seconds.
constexpr std::uint32_t kPingIntervalMs = 500;
constexpr std::uint32_t kPongTimeoutMs = 3'000;
constexpr std::uint32_t kReconnectBackoffMinMs = 100;
constexpr std::uint32_t kReconnectBackoffMaxMs = 1'000;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::io_error(path + ": cannot write");
  return Status::ok();
}

std::string tail(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  for (std::size_t n = 0; n <= lines && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

// Folders of earlier test processes that died without cleaning up (killed by
// a CTest timeout): their name carries the owner's pid.
void remove_stale_folders() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kFolderPrefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + kFolderPrefix.size(), nullptr, 10);
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove_all(entry.path(), ec);
  }
}

Result<std::string> make_folder() {
  remove_stale_folders();
  std::string pattern =
      (fs::temp_directory_path() / (std::string(kFolderPrefix) + std::to_string(::getpid()) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) return Status::io_error("mkdtemp " + pattern + ": " + std::strerror(errno));
  return pattern;
}

std::uint16_t port_of(const std::string& address) {
  return static_cast<std::uint16_t>(std::stoul(address.substr(address.rfind(':') + 1)));
}

std::string current_test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return info == nullptr ? "unknown" : std::string(info->test_suite_name()) + "." + info->name();
}

bool same_block(const v1::Block& a, const v1::Block& b) {
  return a.block_hash() == b.block_hash() && a.prev_block_hash() == b.prev_block_hash() &&
         a.app_hash() == b.app_hash() && a.transactions_size() == b.transactions_size() &&
         a.block_bytes() == b.block_bytes();
}

std::string short_hex(const std::string& bytes) { return to_hex(as_bytes(bytes)).substr(0, 16); }

// One line per harness action on stderr, in the nodes' log time format (UTC),
// so a failure's output lines up with the node logs.
void note(const std::string& what) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%H:%M:%S", &utc);
  std::fprintf(stderr, "[cluster] %s.%03lldZ %s\n", stamp, static_cast<long long>(millis), what.c_str());
}

}  // namespace

Result<std::unique_ptr<Cluster>> Cluster::create(ClusterOptions options) {
  std::unique_ptr<Cluster> cluster(new Cluster(options));
  REPLEX_ASSIGN_OR_RETURN(cluster->dir_, make_folder());
  REPLEX_RETURN_IF_ERROR(cluster->generate());
  return cluster;
}

Cluster::~Cluster() {
  report_failure();
  for (auto& node : nodes_) node.process.reset();  // SIGKILL and reap
  proxy_.reset();
  if (dir_.empty()) return;
  if (const char* keep = std::getenv("REPLEX_CLUSTER_KEEP"); keep != nullptr && std::string(keep) == "1") {
    std::cerr << "[cluster] REPLEX_CLUSTER_KEEP=1: kept " << dir_ << "\n";
    return;
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void Cluster::report_failure() {
  if (!::testing::Test::HasFailure() || nodes_.empty()) return;
  const std::string kept = "cluster-logs/" + current_test_name();
  std::error_code ec;
  fs::create_directories(kept, ec);
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    std::cerr << "[cluster] ---- " << nodes_[i].name << " (" << log_path(i) << "), last " << kLogTailLines
              << " lines ----\n"
              << tail(read_file(log_path(i)), kLogTailLines);
    fs::copy_file(log_path(i), kept + "/" + nodes_[i].name + ".log", fs::copy_options::overwrite_existing, ec);
  }
  std::cerr << "[cluster] full logs: " << fs::absolute(kept, ec).string() << "\n";
}

std::string Cluster::binary() {
  // Another build of the same protocol, for before/after measurements.
  if (const char* other = std::getenv("REPLEX_CLUSTER_BINARY"); other != nullptr && *other != '\0') return other;
  return REPLEX_BINARY;
}

int Cluster::pid(std::size_t node) const {
  const auto& process = nodes_.at(node).process;
  return process ? process->pid() : -1;
}

Status Cluster::generate() {
  const std::string net = dir_ + "/net";
  std::vector<std::string> argv{binary(),  "testnet",   "--validators", std::to_string(options_.validators),
                                "--observers",  std::to_string(options_.observers), "--accounts",
                                std::to_string(options_.accounts), "--rest-port", "0", "--out", net};
  if (!options_.settlement_file.empty()) {
    argv.push_back("--settlement");
    argv.push_back(options_.settlement_file);
  }
  REPLEX_ASSIGN_OR_RETURN(int code, run_to_completion(argv, dir_ + "/testnet.log", 60s));
  if (code != 0) return Status::internal("replex testnet exited " + std::to_string(code) + ": " + read_file(dir_ + "/testnet.log"));
  fs::create_directories(dir_ + "/logs");

  REPLEX_ASSIGN_OR_RETURN(config::GenesisFile genesis, config::load_genesis_file(net + "/genesis.yaml"));
  chain_id_ = genesis.chain_id();
  const std::size_t count = options_.validators + options_.observers;
  for (std::size_t i = 0; i < count; ++i) {
    Node node;
    node.name = "node" + std::to_string(i);
    node.home = net + "/" + node.name;
    REPLEX_ASSIGN_OR_RETURN(config::NodeConfig config, config::load_node_config(node.home + "/config.yaml"));
    node.validator = config.node.mode == config::NodeMode::kValidator;
    node.p2p_port = port_of(config.p2p.listen);
    node.grpc_target = config.api.grpc_listen;
    node.rest_target = config.api.rest_listen;
    node.client = std::make_unique<NodeClient>(node.grpc_target);
    nodes_.push_back(std::move(node));
  }
  // The demo traders' API keys (custodial on every node).
  try {
    const YAML::Node accounts = YAML::LoadFile(net + "/accounts/accounts.yaml");
    for (const auto& trader : accounts["accounts"]) api_keys_.push_back(trader["api_key"].as<std::string>());
  } catch (const YAML::Exception& e) {
    return Status::invalid_argument(net + "/accounts/accounts.yaml: " + e.what());
  }
  if (options_.proxied) {
    proxy_ = std::make_unique<FaultProxy>();
    links_.assign(options_.validators, std::vector<FaultProxy::LinkId>(options_.validators));
    for (std::size_t i = 0; i < options_.validators; ++i) {
      for (std::size_t j = 0; j < options_.validators; ++j) {
        if (i == j) continue;
        REPLEX_ASSIGN_OR_RETURN(links_[i][j], proxy_->add_link(nodes_[i].name + "->" + nodes_[j].name, nodes_[j].p2p_port));
      }
    }
  }
  REPLEX_RETURN_IF_ERROR(tune_genesis());
  return tune_configs();
}

Status Cluster::tune_genesis() {
  if (options_.checkpoint_interval == 0 && options_.max_open_orders_per_account == 0) return Status::ok();
  const std::string net = dir_ + "/net";
  REPLEX_ASSIGN_OR_RETURN(config::GenesisFile genesis, config::load_genesis_file(net + "/genesis.yaml"));
  if (options_.checkpoint_interval != 0) genesis.consensus.checkpoint_interval = options_.checkpoint_interval;
  if (options_.max_open_orders_per_account != 0) {
    genesis.exchange.params.max_open_orders_per_account = options_.max_open_orders_per_account;
  }
  const std::string text = config::render_genesis_file(genesis);
  // Every copy must be the same file: the genesis hash is the chain.
  REPLEX_RETURN_IF_ERROR(write_file(net + "/genesis.yaml", text));
  for (const auto& node : nodes_) REPLEX_RETURN_IF_ERROR(write_file(node.home + "/genesis.yaml", text));
  return Status::ok();
}

Status Cluster::tune_configs() {
  REPLEX_ASSIGN_OR_RETURN(config::GenesisFile genesis, config::load_genesis_file(dir_ + "/net/genesis.yaml"));
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const std::string path = nodes_[i].home + "/config.yaml";
    try {
      YAML::Node root = YAML::LoadFile(path);
      YAML::Node p2p = root["p2p"];
      p2p["ping_interval_ms"] = kPingIntervalMs;
      p2p["pong_timeout_ms"] = kPongTimeoutMs;
      p2p["reconnect_backoff_min_ms"] = kReconnectBackoffMinMs;
      p2p["reconnect_backoff_max_ms"] = kReconnectBackoffMaxMs;
      if (options_.state_chunk_bytes != 0) root["consensus"]["state_chunk_bytes"] = options_.state_chunk_bytes;
      if (options_.submit_wait_timeout_ms != 0) root["api"]["submit_wait_timeout_ms"] = options_.submit_wait_timeout_ms;
      if (options_.proxied && nodes_[i].validator) {
        p2p["pex_enabled"] = false;
        YAML::Node peers(YAML::NodeType::Sequence);
        for (std::size_t j = 0; j < options_.validators; ++j) {
          if (j == i) continue;
          peers.push_back(genesis.validators[j].node_id.hex() + "@127.0.0.1:" +
                          std::to_string(proxy_->listen_port(links_[i][j])));
        }
        p2p["persistent_peers"] = peers;
      }
      YAML::Emitter out;
      out << root;
      REPLEX_RETURN_IF_ERROR(write_file(path, std::string(out.c_str()) + "\n"));
    } catch (const YAML::Exception& e) {
      return Status::invalid_argument(path + ": " + e.what());
    }
    // What the node will read must pass its own strict check.
    REPLEX_RETURN_IF_ERROR(config::load_node_config(path).status());
  }
  return Status::ok();
}

std::vector<std::size_t> Cluster::all() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) out.push_back(i);
  return out;
}

std::vector<std::size_t> Cluster::all_except(std::size_t node) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (i != node) out.push_back(i);
  }
  return out;
}

std::vector<std::string> Cluster::grpc_targets() const {
  std::vector<std::string> out;
  for (const auto& node : nodes_) out.push_back(node.grpc_target);
  return out;
}

std::string Cluster::log_path(std::size_t node) const { return dir_ + "/logs/" + nodes_.at(node).name + ".log"; }

Result<config::NodeConfig> Cluster::config(std::size_t node) const {
  return config::load_node_config(nodes_.at(node).home + "/config.yaml");
}

bool Cluster::log_contains(std::size_t node, const std::string& text) const {
  return log(node).find(text) != std::string::npos;
}

std::string Cluster::log(std::size_t node) const { return read_file(log_path(node)); }

Status Cluster::start(std::size_t node) {
  Node& n = nodes_.at(node);
  if (n.process && n.process->running()) return Status::failed_precondition(n.name + " is running");
  {
    std::ofstream log(log_path(node), std::ios::app);
    log << "==== cluster harness: replex start --home " << n.home << " ====\n";
  }
  REPLEX_ASSIGN_OR_RETURN(ChildProcess child, ChildProcess::spawn({binary(), "start", "--home", n.home}, log_path(node)));
  n.process.emplace(std::move(child));
  note("started " + n.name + " (pid " + std::to_string(n.process->pid()) + ")");
  return wait_ready(node, kStartTimeout);
}

Status Cluster::start_all() {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    {
      std::ofstream log(log_path(i), std::ios::app);
      log << "==== cluster harness: replex start --home " << n.home << " ====\n";
    }
    REPLEX_ASSIGN_OR_RETURN(ChildProcess child, ChildProcess::spawn({binary(), "start", "--home", n.home}, log_path(i)));
    n.process.emplace(std::move(child));
  }
  note("started " + std::to_string(nodes_.size()) + " nodes in " + dir_);
  for (std::size_t i = 0; i < nodes_.size(); ++i) REPLEX_RETURN_IF_ERROR(wait_ready(i, kStartTimeout));
  REPLEX_RETURN_IF_ERROR(wait_connected());
  note("every node is connected");
  return Status::ok();
}

Status Cluster::wait_ready(std::size_t node, std::chrono::milliseconds timeout) {
  Node& n = nodes_.at(node);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!n.process || !n.process->running()) {
      return Status::unavailable(n.name + " exited (code " +
                                 std::to_string(n.process && n.process->exit_code() ? *n.process->exit_code() : 0) +
                                 "); log tail:\n" + tail(read_file(log_path(node)), kLogTailLines));
    }
    if (n.client->status(1s).is_ok()) {
      note(n.name + " answers GetStatus");
      return Status::ok();
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::deadline_exceeded(n.name + " did not answer GetStatus on " + n.grpc_target);
    }
    std::this_thread::sleep_for(kPoll);
  }
}

Status Cluster::wait_connected(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string missing;
  for (;;) {
    missing.clear();
    std::vector<std::size_t> up;
    for (std::size_t i = 0; i < options_.validators; ++i) {
      if (running(i)) up.push_back(i);
    }
    for (const std::size_t i : up) {
      auto s = client(i).status();
      if (!s) {
        missing += nodes_[i].name + ": " + s.status().message() + "; ";
        continue;
      }
      for (const std::size_t j : up) {
        if (i == j) continue;
        bool connected = false;
        for (const auto& peer : s->peers()) connected |= peer.has_validator_index() && peer.validator_index() == j;
        if (!connected) missing += nodes_[i].name + " lacks " + nodes_[j].name + "; ";
      }
    }
    // An observer needs at least one validator to follow.
    for (std::size_t i = options_.validators; i < nodes_.size(); ++i) {
      if (!running(i)) continue;
      auto s = client(i).status();
      bool follows = false;
      if (s) {
        for (const auto& peer : s->peers()) follows |= peer.has_validator_index();
      }
      if (!follows) missing += nodes_[i].name + " (observer) has no validator peer; ";
    }
    if (missing.empty()) return Status::ok();
    if (std::chrono::steady_clock::now() > deadline) return Status::deadline_exceeded("not connected: " + missing);
    std::this_thread::sleep_for(kPoll);
  }
}

void Cluster::kill(std::size_t node) {
  nodes_.at(node).process.reset();
  note("killed " + nodes_[node].name + " (SIGKILL)");
}

Status Cluster::stop(std::size_t node) {
  Node& n = nodes_.at(node);
  if (!n.process) return Status::failed_precondition(n.name + " is not running");
  auto code = n.process->terminate(30s);
  n.process.reset();
  note("stopped " + n.name + " (SIGTERM)");
  if (!code) return code.status().with_context(n.name + ": ");
  if (*code != 0) return Status::internal(n.name + " exited " + std::to_string(*code) + " on SIGTERM");
  return Status::ok();
}

bool Cluster::running(std::size_t node) {
  Node& n = nodes_.at(node);
  return n.process && n.process->running();
}

void Cluster::isolate(std::size_t validator) {
  REPLEX_ASSERT_MSG(proxy_ != nullptr, "isolate needs ClusterOptions::proxied");
  for (std::size_t j = 0; j < options_.validators; ++j) {
    if (j == validator) continue;
    proxy_->set_mode(links_[validator][j], FaultProxy::Mode::kDrop);
    proxy_->set_mode(links_[j][validator], FaultProxy::Mode::kDrop);
  }
  note("isolated " + nodes_[validator].name);
}

void Cluster::heal(std::size_t validator) {
  REPLEX_ASSERT_MSG(proxy_ != nullptr, "heal needs ClusterOptions::proxied");
  for (std::size_t j = 0; j < options_.validators; ++j) {
    if (j == validator) continue;
    proxy_->set_mode(links_[validator][j], FaultProxy::Mode::kForward);
    proxy_->set_mode(links_[j][validator], FaultProxy::Mode::kForward);
  }
  note("healed " + nodes_[validator].name);
}

Status Cluster::wait_partitioned(std::size_t validator, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string still;
    for (std::size_t i = 0; i < options_.validators; ++i) {
      if (!running(i)) continue;
      auto s = client(i).status();
      if (!s) return s.status();
      for (const auto& peer : s->peers()) {
        if (!peer.has_validator_index()) continue;
        const std::size_t j = peer.validator_index();
        if ((i == validator) != (j == validator)) still += nodes_[i].name + " sees " + nodes_[j].name + "; ";
      }
    }
    if (still.empty()) {
      note(nodes_[validator].name + " is cut off");
      return Status::ok();
    }
    if (std::chrono::steady_clock::now() > deadline) return Status::deadline_exceeded("still connected: " + still);
    std::this_thread::sleep_for(kPoll);
  }
}

Result<client::CrossingOrderFlow> Cluster::order_flow() {
  REPLEX_ASSIGN_OR_RETURN(std::vector<KeyPair> traders, client::load_testnet_traders(dir_ + "/net"));
  // Distinct nonce ranges per flow: 2^32 orders each.
  const std::uint64_t base = (++flows_made_ << 32);
  return client::CrossingOrderFlow::create(chain_id_, std::move(traders), base);
}

Result<std::unique_ptr<OrderLoad>> Cluster::make_load(LoadOptions options) {
  REPLEX_ASSIGN_OR_RETURN(client::CrossingOrderFlow flow, order_flow());
  return std::make_unique<OrderLoad>(grpc_targets(), std::move(flow), options);
}

Result<std::uint64_t> Cluster::height(std::size_t node) {
  REPLEX_ASSIGN_OR_RETURN(v1::GetStatusResponse s, client(node).status());
  return s.height();
}

Result<std::uint64_t> Cluster::max_height(const std::vector<std::size_t>& nodes) {
  std::uint64_t best = 0;
  for (const std::size_t node : nodes) {
    REPLEX_ASSIGN_OR_RETURN(std::uint64_t h, height(node));
    best = std::max(best, h);
  }
  return best;
}

Status Cluster::wait_for_height(const std::vector<std::size_t>& nodes, std::uint64_t target,
                                std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string behind;
    for (const std::size_t node : nodes) {
      auto h = height(node);
      if (!h || *h < target) {
        behind += nodes_[node].name + " at " + (h ? std::to_string(*h) : h.status().message()) + "; ";
      }
    }
    if (behind.empty()) return Status::ok();
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::deadline_exceeded("height " + std::to_string(target) + " not reached: " + behind);
    }
    std::this_thread::sleep_for(kPoll);
  }
}

Result<std::uint64_t> Cluster::wait_caught_up(const std::vector<std::size_t>& nodes, std::chrono::milliseconds timeout) {
  REPLEX_ASSIGN_OR_RETURN(std::uint64_t target, max_height(nodes));
  REPLEX_RETURN_IF_ERROR(wait_for_height(nodes, target, timeout));
  return target;
}

Status Cluster::check_agreement(const std::vector<std::size_t>& nodes, std::uint64_t height,
                                const std::vector<Ack>& acks, std::uint64_t from) {
  std::map<std::size_t, std::uint64_t> first_height;
  for (const std::size_t node : nodes) {
    REPLEX_ASSIGN_OR_RETURN(v1::GetStatusResponse s, client(node).status());
    if (s.height() < height) {
      return Status::failed_precondition(nodes_[node].name + " is at height " + std::to_string(s.height()) +
                                         ", below " + std::to_string(height));
    }
    first_height[node] = std::max<std::uint64_t>(1, s.first_height());
  }
  std::multimap<std::uint64_t, const Ack*> acks_at;
  for (const Ack& ack : acks) {
    if (ack.height < std::max<std::uint64_t>(from, 1) || ack.height > height) {
      return Status::failed_precondition("an acknowledged transaction names height " + std::to_string(ack.height) +
                                         ", outside " + std::to_string(std::max<std::uint64_t>(from, 1)) + ".." +
                                         std::to_string(height));
    }
    acks_at.emplace(ack.height, &ack);
  }
  for (std::uint64_t h = std::max<std::uint64_t>(from, 1); h <= height; ++h) {
    std::optional<v1::Block> reference;
    std::size_t reference_node = 0;
    for (const std::size_t node : nodes) {
      if (h < first_height[node]) continue;
      REPLEX_ASSIGN_OR_RETURN(v1::Block block, client(node).block(h));
      if (block.height() != h) return Status::internal(nodes_[node].name + " answered block " + std::to_string(block.height()) + " for " + std::to_string(h));
      if (!reference) {
        reference = std::move(block);
        reference_node = node;
      } else if (!same_block(*reference, block)) {
        return Status::corruption("fork at height " + std::to_string(h) + ": " + nodes_[reference_node].name +
                                  " has block " + short_hex(reference->block_hash()) + " app_hash " +
                                  short_hex(reference->app_hash()) + ", " + nodes_[node].name + " has " +
                                  short_hex(block.block_hash()) + " app_hash " + short_hex(block.app_hash()));
      }
    }
    if (!reference) {
      if (acks_at.count(h) == 0) continue;
      return Status::not_found("no node holds block " + std::to_string(h) + " any more to check its acknowledged transactions");
    }
    for (auto [it, end] = acks_at.equal_range(h); it != end; ++it) {
      const Ack& ack = *it->second;
      if (ack.index >= static_cast<std::uint32_t>(reference->results_size()) ||
          reference->results(static_cast<int>(ack.index)).tx_hash() != std::string(as_chars(ack.hash.view()))) {
        return Status::not_found("acknowledged transaction " + ack.hash.hex() + " (committed at height " +
                                 std::to_string(h) + " index " + std::to_string(ack.index) + " per " +
                                 nodes_[ack.node].name + ") is not in that block");
      }
      if (reference->results(static_cast<int>(ack.index)).result_code() != ack.result_code) {
        return Status::corruption("transaction " + ack.hash.hex() + ": acknowledged with result " +
                                  std::to_string(ack.result_code) + ", the block records " +
                                  std::to_string(reference->results(static_cast<int>(ack.index)).result_code()));
      }
    }
  }
  return Status::ok();
}

}  // namespace replex::cluster
