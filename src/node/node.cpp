// Node and Node::Impl: opening, starting and stopping (docs/node.md).
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "node_impl.hpp"
#include "replex/consensus/messages.hpp"
#include "replex/config/key_file.hpp"
#include "replex/consensus/block.hpp"
#include "replex/p2p/frame.hpp"
#include "replex/p2p/message.hpp"

namespace replex::node {
namespace {

constexpr std::string_view kGenesisHashKey = "node/genesis_hash";
// Room for what a message carries besides its block or snapshot: signed
// parts, certificates and proofs, length prefixes.
constexpr std::uint64_t kMessageOverheadBytes = 256u << 10;
// A chunk answer's fields besides the chunk (docs/wire-formats.md).
constexpr std::uint64_t kChunkOverheadBytes = 64;

std::uint32_t worker_count(std::uint32_t configured) {
  if (configured != 0) return configured;
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

std::uint64_t unix_now_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

// --- Node ----------------------------------------------------------------------------

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() { stop(); }

Result<std::unique_ptr<Node>> Node::open(const std::string& home, config::NodeConfig node_config) {
  const std::string genesis_path = config::resolve_path(home, node_config.node.genesis_file);
  REPLEX_ASSIGN_OR_RETURN(config::GenesisFile genesis, config::load_genesis_file(genesis_path));
  auto impl = std::make_unique<Impl>(home, std::move(node_config), std::move(genesis));
  REPLEX_RETURN_IF_ERROR(impl->open());
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

void Node::set_fatal_handler(std::function<void(const Status&)> handler) {
  impl_->fatal_handler_ = std::move(handler);
}
Status Node::failure() const {
  std::lock_guard lock(impl_->failure_mutex_);
  return impl_->failure_;
}
Status Node::start() { return impl_->start(); }
void Node::stop() { impl_->stop(); }
std::uint16_t Node::p2p_port() const { return impl_->p2p_port_; }
std::uint16_t Node::grpc_port() const { return impl_->grpc_port_; }
std::uint16_t Node::rest_port() const { return impl_->rest_port_; }
const api::ReadViews& Node::views() const { return impl_->views_; }
const config::GenesisFile& Node::genesis() const { return impl_->genesis_; }
const config::NodeConfig& Node::config() const { return impl_->config_; }
std::string Node::node_id_hex() const { return impl_->node_id_hex_; }

// --- Impl: open ------------------------------------------------------------------------

Node::Impl::Impl(std::string home, config::NodeConfig node_config, config::GenesisFile genesis)
    : home_(std::move(home)),
      config_(std::move(node_config)),
      genesis_(std::move(genesis)),
      waiters_(config_.api.max_pending_submissions) {}

Node::Impl::~Impl() { stop(); }

Status Node::Impl::open() {
  const config::NodeSection& n = config_.node;
  // Keys first: a misconfigured node should fail before it touches the store.
  REPLEX_ASSIGN_OR_RETURN(KeyPair node_key, config::read_key_file(config::resolve_path(home_, n.node_key_file), "node key"));
  node_key_ = std::make_shared<const KeyPair>(std::move(node_key));
  node_id_hex_ = node_key_->public_key().hex();
  REPLEX_ASSIGN_OR_RETURN(consensus::ValidatorSet validators, genesis_.validator_set());
  validators_.emplace(std::move(validators));
  std::optional<KeyPair> validator_key;  // the host takes it
  if (n.mode == config::NodeMode::kValidator) {
    REPLEX_ASSIGN_OR_RETURN(KeyPair key, config::read_key_file(config::resolve_path(home_, n.validator_key_file), "validator key"));
    self_index_ = genesis_.index_of_key(key.public_key());
    if (!self_index_) {
      return Status::failed_precondition("validator key " + key.public_key().hex() +
                                         " is not a validator of the genesis; run this node with node.mode: observer");
    }
    const config::GenesisValidator& entry = genesis_.validators[*self_index_];
    if (entry.node_id != node_key_->public_key()) {
      return Status::failed_precondition("validator '" + entry.name + "' has node_id " + entry.node_id.hex() +
                                         " in the genesis, but this node's key is " + node_id_hex_ +
                                         ": peers would refuse its consensus messages");
    }
    validator_key.emplace(std::move(key));
  }
  consensus_config_ = genesis_.consensus_config(config_.consensus.local);
  REPLEX_RETURN_IF_ERROR(consensus_config_.validate_for(genesis_.validators.size()).with_context("consensus: "));
  host_options_.consensus = consensus_config_;
  host_options_.snapshots_kept = config_.storage.snapshot_keep;
  REPLEX_RETURN_IF_ERROR(fit_to_frames());
  REPLEX_RETURN_IF_ERROR(host_options_.validate());

  const std::string store_path = config::resolve_path(home_, config_.storage.path);
  REPLEX_ASSIGN_OR_RETURN(store_, storage::RocksStore::open(store_path, config_.storage.rocks));
  snapshot_server_ = std::make_unique<host::SnapshotServer>(*store_, host_options_.serve);
  // A data directory belongs to one chain: refuse to mix chains in one store.
  const Hash256 genesis_hash = genesis_.hash();
  if (auto stored = store_->get(storage::Column::kMeta, kGenesisHashKey)) {
    if (Bytes(genesis_hash.view().begin(), genesis_hash.view().end()) != *stored) {
      return Status::failed_precondition(store_path + " holds another chain (genesis hash " + to_hex(*stored) +
                                         ", this genesis is " + genesis_hash.hex() + ")");
    }
  } else if (stored.status().code() == StatusCode::kNotFound) {
    REPLEX_RETURN_IF_ERROR(store_->put(storage::Column::kMeta, kGenesisHashKey, genesis_hash.view(), true));
  } else {
    return stored.status();
  }

  REPLEX_ASSIGN_OR_RETURN(exchange_, exchange::ExchangeApp::create(genesis_.exchange));
  app_ = std::make_unique<host::SynchronizedApplication>(*exchange_);
  REPLEX_ASSIGN_OR_RETURN(std::shared_ptr<const exchange::ChainRules> rules,
                          exchange::ChainRules::create(genesis_.exchange));
  metrics_ = std::make_unique<Metrics>(rules);
  chain_views_ = std::make_unique<api::ChainViewBuilder>(*exchange_, config_.markets.book_depth_levels);

  const auto started = std::chrono::steady_clock::now();
  REPLEX_ASSIGN_OR_RETURN(
      host_, host::ReplicaHost::open(host_options_, genesis_.chain_info(), *validators_, std::move(validator_key), *app_,
                                        *store_, host::ReplicaHost::Ports{*this, *this, *this, this}));
  const auto& recovered = host_->recovery();
  spdlog::info("recovered height {} from {} (snapshot at {}, {} blocks and {} txs replayed in {} ms)",
               app_->last_height(), store_path, recovered.snapshot_height, recovered.replayed_blocks,
               recovered.replayed_txs,
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
  publish_recovered_view();
  publish_consensus_view();
  REPLEX_RETURN_IF_ERROR(open_settlement(rules));

  workers_ = std::make_unique<WorkerPool>(worker_count(config_.consensus.worker_threads),
                                          config_.consensus.max_pending_verifications,
                                          config_.consensus.max_pending_jobs_per_peer);
  return Status::ok();
}

Status Node::Impl::fit_to_frames() {
  // Every consensus message and every answer to a peer travels as one p2p
  // message, so each must fit the payload of one frame.
  const std::uint64_t payload =
      config_.p2p.network.max_frame_bytes - p2p::kFrameTagBytes - p2p::kMaxMessageHeaderBytes;
  const std::uint64_t largest_message =
      std::max(consensus::max_new_view_bytes(genesis_.validators.size(), consensus_config_),
               consensus_config_.max_block_bytes + kMessageOverheadBytes);
  if (largest_message > payload) {
    return Status::invalid_argument("p2p.max_frame_bytes: " + std::to_string(config_.p2p.network.max_frame_bytes) +
                                    " cannot carry the largest consensus message of this chain (" +
                                    std::to_string(largest_message) + " bytes)");
  }
  // Blocks answers get a quarter of a frame (at least one block always
  // travels); a state answer's snapshot gets the rest.
  host::ServeLimits& serve = host_options_.serve;
  serve.max_answer_bytes = std::min<std::uint64_t>(serve.max_answer_bytes, payload / 4);
  serve.max_snapshot_bytes = payload - serve.max_answer_bytes - kMessageOverheadBytes;
  // A snapshot chunk travels alone in an answer; the state it belongs to has
  // no ceiling but consensus.max_state_bytes.
  serve.max_chunk_bytes = static_cast<std::uint32_t>((payload - kChunkOverheadBytes) / 64 * 64);
  if (consensus_config_.state_chunk_bytes > serve.max_chunk_bytes) {
    return Status::invalid_argument("consensus.state_chunk_bytes: " +
                                    std::to_string(consensus_config_.state_chunk_bytes) +
                                    " does not fit one p2p.max_frame_bytes frame (" +
                                    std::to_string(config_.p2p.network.max_frame_bytes) + "); at most " +
                                    std::to_string(serve.max_chunk_bytes));
  }
  return Status::ok();
}

consensus::BlockLimits Node::Impl::block_limits() const {
  return {consensus_config_.max_block_txs, consensus_config_.max_block_bytes, consensus_config_.max_tx_bytes};
}

// --- Impl: start -----------------------------------------------------------------------

Status Node::Impl::start() {
  if (started_.exchange(true)) return Status::failed_precondition("the node was started before");
  REPLEX_ASSIGN_OR_RETURN(config::ListenAddress listen, config::parse_listen_address(config_.p2p.listen));
  p2p::NetworkConfig network = config_.p2p.network;
  network.listen_host = listen.host;
  network.listen_port = listen.port;
  network.node_key = node_key_;
  network.chain_id = genesis_.chain_id();
  // Validators get peer and handshake slots strangers cannot take (docs/p2p.md).
  for (const config::GenesisValidator& validator : genesis_.validators) {
    network.validator_ids.push_back(validator.node_id);
  }
  p2p::Handlers handlers;
  handlers.on_message = [this](p2p::InboundMessage message) { on_message(std::move(message)); };
  handlers.on_gossip = [this](const p2p::NodeId& from, p2p::Channel channel, std::vector<Bytes> payloads) {
    on_gossip(from, channel, std::move(payloads));
  };
  handlers.on_request = [this](p2p::InboundRequest request) { on_request(std::move(request)); };
  REPLEX_ASSIGN_OR_RETURN(network_, p2p::Network::create(std::move(network), std::move(handlers)));

  const bool validator = host_->is_validator();
  admission_ = std::make_unique<TxAdmission>(
      *workers_, *app_, consensus_config_.max_tx_bytes,
      [this, validator](std::vector<VerifiedTx> batch, bool relayed) {
        if (!validator) {
          // An observer has no mempool: it checks the transactions against its
          // committed state (on this worker) and relays them to the validators.
          for (VerifiedTx& item : batch) {
            const abci::TxCheck check = app_->check_tx(item.tx, app_->last_height() + 1);
            if (!check.ok()) {
              item.done(
                  consensus::TxStatusReport{item.hash, consensus::TxVerdict::kRejected, check.code, check.message});
            } else {
              item.done(consensus::TxStatusReport{item.hash, consensus::TxVerdict::kAccepted, 0,
                                                  "relayed to the validators"});
            }
          }
          return;
        }
        consensus_loop_.post(
            [this, batch = std::move(batch), relayed]() mutable { admit(std::move(batch), relayed); });
      },
      network_.get());
  // Before any block executes, so the gateway's read model misses none.
  api::ApiContext context{genesis_,       config_.api,    *store_,
                          views_,         waiters_,       *admission_,
                          network_.get(), block_limits(), [this] { return render_metrics(); },
                          settler_.get()};
  REPLEX_ASSIGN_OR_RETURN(gateway_, api::Gateway::create(context, home_));
  metrics_->attach_gateway(&gateway_->stats());

  for (std::size_t i = 0; i < consensus::kTimerKinds; ++i) {
    timers_.push_back(std::make_unique<boost::asio::steady_timer>(consensus_loop_.context()));
  }
  execution_loop_.start();
  consensus_loop_.start();
  std::promise<Status> host_started;
  consensus_loop_.post([this, &host_started] {
    const Status s = host_->start(unix_now_ms());
    publish_consensus_view();
    host_started.set_value(s);
  });
  REPLEX_RETURN_IF_ERROR(host_started.get_future().get());
  REPLEX_RETURN_IF_ERROR(network_->start());
  p2p_port_ = network_->listen_port();
  if (settler_) settler_->start();
  REPLEX_RETURN_IF_ERROR(start_api());

  const auto address = [](const std::string& configured, std::uint16_t port) {
    return config::ListenAddress{config::parse_listen_address(configured)->host, port}.to_string();
  };
  // One line with everything a script needs to drive the node.
  spdlog::info("replex started: moniker={} mode={} node_id={} {} chain={} height={} p2p={} grpc={} rest={}",
               config_.node.moniker, config::node_mode_name(config_.node.mode), node_id_hex_,
               self_index_ ? "validator_index=" + std::to_string(*self_index_) : std::string("observer"),
               genesis_.chain_id(), views_.chain()->height, config::ListenAddress{listen.host, p2p_port_}.to_string(),
               config_.api.grpc_enabled ? address(config_.api.grpc_listen, grpc_port_) : "disabled",
               config_.api.rest_enabled ? address(config_.api.rest_listen, rest_port_) : "disabled");
  return Status::ok();
}

Status Node::Impl::start_api() {
  api::NodeIdentity identity{config_.node.moniker, config_.node.mode, node_key_->public_key(), self_index_,
                             config::ListenAddress{config::parse_listen_address(config_.p2p.listen)->host, p2p_port_}
                                 .to_string(),
                             config_.api.grpc_listen};
  REPLEX_RETURN_IF_ERROR(gateway_->start(std::move(identity)));
  grpc_port_ = gateway_->grpc_port();
  rest_port_ = gateway_->rest_port();
  return Status::ok();
}

std::string Node::Impl::render_metrics() {
  MetricsSources sources;
  sources.network = network_.get();
  sources.views = &views_;
  sources.is_validator = [this](const p2p::NodeId& id) { return genesis_.index_of_node(id).has_value(); };
  if (settler_ && settlement_metrics_) {
    sources.samplers.push_back([this](prometheus::Registry&) { settlement_metrics_->sample(settler_->status()); });
  }
  return metrics_->render(sources);
}

// --- Impl: stop ------------------------------------------------------------------------

void Node::Impl::stop() {
  if (!started_.load() || stopped_.exchange(true)) return;
  spdlog::info("stopping: refusing new calls");
  // 1. Stop accepting: API callers get UNAVAILABLE, waits end.
  if (gateway_) gateway_->shutdown();
  views_.close();
  waiters_.close();
  // 2. Settlement's threads (they broadcast and attest), then no more peer
  //    input; verifications already accepted finish.
  if (settler_) settler_->stop();
  if (network_) network_->stop();
  workers_->stop();
  // 3. Consensus stops between two inputs (everything it persisted is synced);
  //    the execution thread finishes the blocks in hand, then the store is flushed.
  consensus_loop_.stop();
  execution_loop_.drain();
  if (Status s = store_->sync(); !s) {
    spdlog::error("store sync at shutdown failed: {}", s.to_string());
  }
  for (auto& [hash, callbacks] : pending_admissions_) {
    for (auto& done : callbacks) done(Status::unavailable("the node is shutting down"));
  }
  pending_admissions_.clear();
  if (gateway_) gateway_->wait();
  spdlog::info("stopped at height {}", views_.chain()->height);
}

void Node::Impl::fatal(const Status& status) {
  {
    std::lock_guard lock(failure_mutex_);
    if (!failure_.is_ok()) return;
    failure_ = status;
  }
  failed_.store(true);
  spdlog::critical("fatal: {}; the node must stop (a restart recovers from the store)", status.to_string());
  if (fatal_handler_) fatal_handler_(status);
}

}  // namespace replex::node
