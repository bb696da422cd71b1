#include "replex/config/node_config.hpp"

#include <algorithm>

#include "replex/config/files.hpp"
#include "replex/settlement/eth_address.hpp"
#include "yaml_reader.hpp"

namespace replex::config {
namespace {

constexpr std::uint32_t kMaxWorkerThreads = 256;
constexpr std::uint64_t kMaxTimeoutMs = 3'600'000;  // one hour bounds every timeout

// "[i] ", the prefix of an error about one list entry. (Built with append:
// GCC 12 warns falsely about `"[" + std::string`.)
std::string list_item(std::size_t i) { return std::string("[").append(std::to_string(i)).append("] "); }

void read_node(YamlMap& m, NodeSection& s) {
  m.choice_of("mode", s.mode, {{"validator", NodeMode::kValidator}, {"observer", NodeMode::kObserver}});
  m.string("moniker", s.moniker, false);
  m.string("genesis_file", s.genesis_file, false);
  m.string("node_key_file", s.node_key_file, false);
  m.string("validator_key_file", s.validator_key_file, false);
}

void read_p2p(YamlMap& m, P2pSection& s) {
  auto& n = s.network;
  m.string("listen", s.listen, false);
  if (!s.listen.empty() && m.has("listen")) {
    if (auto parsed = parse_listen_address(s.listen); !parsed) m.error("listen", parsed.status().message());
  }
  m.strings("persistent_peers", n.persistent_peers);
  for (std::size_t i = 0; i < n.persistent_peers.size(); ++i) {
    if (auto peer = p2p::PeerAddress::parse(n.persistent_peers[i]); !peer) {
      m.error("persistent_peers", list_item(i) + peer.status().message());
    } else if (!peer->id) {
      m.error("persistent_peers", list_item(i) + "needs the peer's node id: <node_id>@host:port");
    }
  }
  m.strings("seeds", n.seeds);
  for (std::size_t i = 0; i < n.seeds.size(); ++i) {
    if (auto peer = p2p::PeerAddress::parse(n.seeds[i]); !peer) {
      m.error("seeds", list_item(i) + peer.status().message());
    }
  }
  m.boolean("pex_enabled", n.pex_enabled);
  m.strings("allowed_peers", n.allowed_peers);
  for (std::size_t i = 0; i < n.allowed_peers.size(); ++i) {
    if (auto id = PublicKey::from_hex(n.allowed_peers[i]); !id) {
      m.error("allowed_peers", list_item(i) + "not a node id (64 hex digits): " + id.status().message());
    }
  }
  m.boolean("private_validator", n.private_validator);
  m.u32("max_peers", n.max_peers, 1, 10'000);
  m.u32("max_inbound_peers_per_ip", n.max_inbound_peers_per_ip, 1, 10'000);
  m.u32("max_pending_handshakes", n.max_pending_handshakes, 1, 10'000);
  m.u32("max_pending_handshakes_per_ip", n.max_pending_handshakes_per_ip, 1, 10'000);
  m.u32("max_frame_bytes", n.max_frame_bytes, p2p::kMinFrameBytes, p2p::kMaxFrameBytesLimit);
  m.u32("connect_timeout_ms", n.connect_timeout_ms, 1, kMaxTimeoutMs);
  m.u32("handshake_timeout_ms", n.handshake_timeout_ms, 1, kMaxTimeoutMs);
  m.u32("inbound_handshake_timeout_ms", n.inbound_handshake_timeout_ms, 1, kMaxTimeoutMs);
  m.u32("ping_interval_ms", n.ping_interval_ms, 1, kMaxTimeoutMs);
  m.u32("pong_timeout_ms", n.pong_timeout_ms, 1, kMaxTimeoutMs);
  m.u32("reconnect_backoff_min_ms", n.reconnect_backoff_min_ms, 1, kMaxTimeoutMs);
  m.u32("reconnect_backoff_max_ms", n.reconnect_backoff_max_ms, 1, kMaxTimeoutMs);
  m.u64("recv_rate_bytes_per_s", n.recv_rate_bytes_per_s, 1);
  m.u64("recv_burst_bytes", n.recv_burst_bytes, 1);
  m.u32("recv_rate_messages_per_s", n.recv_rate_messages_per_s, 1);
  m.u32("recv_burst_messages", n.recv_burst_messages, 1);
  m.u64("max_send_queue_bytes", n.max_send_queue_bytes, 1);
  m.u32("ban_duration_ms", n.ban_duration_ms, 0, 24 * kMaxTimeoutMs);
  m.u32("max_peer_log_lines_per_s", n.max_peer_log_lines_per_s, 1, 1'000'000);
  m.u32("max_peer_log_burst_lines", n.max_peer_log_burst_lines, 1, 1'000'000);
  m.u32("max_seen_messages", n.max_seen_messages, 1, 100'000'000);
  m.u32("gossip_batch_delay_us", n.gossip_batch_delay_us, 0, 1'000'000);
  m.u32("max_gossip_batch_bytes", n.max_gossip_batch_bytes, 1, p2p::kMaxFrameBytesLimit);
  m.u32("pex_interval_ms", n.pex_interval_ms, 1, kMaxTimeoutMs);
  m.u32("max_pex_addresses", n.max_pex_addresses, 1, 100'000);
  m.u32("max_known_addresses", n.max_known_addresses, 1, 1'000'000);
  m.u32("max_known_addresses_per_source", n.max_known_addresses_per_source, 1, 1'000'000);
  m.u32("max_pending_requests", n.max_pending_requests, 1, 1'000'000);
  m.u32("request_timeout_ms", s.request_timeout_ms, 1, kMaxTimeoutMs);
}

void read_consensus(YamlMap& m, ConsensusSection& s) {
  auto& c = s.local;
  m.u64("max_block_delay_ms", c.max_block_delay_ms, 1, kMaxTimeoutMs);
  m.u64("idle_block_delay_ms", c.idle_block_delay_ms, 0, kMaxTimeoutMs);
  m.u64("view_timeout_ms", c.view_timeout_ms, 1, kMaxTimeoutMs);
  m.u64("retransmit_interval_ms", c.retransmit_interval_ms, 0, kMaxTimeoutMs);
  m.u64("view_timeout_max_ms", c.view_timeout_max_ms, 1, 24 * kMaxTimeoutMs);
  m.u64("censorship_timeout_ms", c.censorship_timeout_ms, 0, kMaxTimeoutMs);
  m.u32("censorship_blocks", c.censorship_blocks, 1, 1'000'000);
  m.u32("max_future_views", c.max_future_views, 1, 1'000'000);
  m.u64("max_mempool_txs", c.max_mempool_txs, 1);
  m.u64("max_mempool_bytes", c.max_mempool_bytes, 1);
  m.u64("max_mempool_txs_per_sender", c.max_mempool_txs_per_sender, 0);
  m.u32("max_block_txs_per_sender", c.max_block_txs_per_sender, 0);
  m.u64("max_message_bytes", c.max_message_bytes, 1024);
  m.u32("max_fetch_blocks", c.max_fetch_blocks, 1, 100'000);
  m.u64("fetch_timeout_ms", c.fetch_timeout_ms, 1, kMaxTimeoutMs);
  m.u32("state_chunk_bytes", c.state_chunk_bytes, 4096, 1u << 30);
  m.u64("max_state_bytes", c.max_state_bytes, 1, std::uint64_t{1} << 40);
  m.u32("worker_threads", s.worker_threads, 0, kMaxWorkerThreads);
  m.u32("max_pending_verifications", s.max_pending_verifications, 1, 10'000'000);
  m.u32("max_pending_jobs_per_peer", s.max_pending_jobs_per_peer, 1, 10'000'000);
  m.u32("max_queued_block_pushes", s.max_queued_block_pushes, 1, 1'000'000);
  m.u32("unknown_account_gossip_per_s", s.unknown_account_gossip_per_s, 1, 1'000'000);
  m.u32("unknown_account_gossip_burst", s.unknown_account_gossip_burst, 1, 10'000'000);
}

void read_storage(YamlMap& m, StorageSection& s) {
  auto& r = s.rocks;
  m.string("path", s.path, false);
  m.u32("snapshot_keep", s.snapshot_keep, 1, 1000);
  m.choice_of("sync_policy", r.store.sync_policy,
              {{"as_requested", storage::SyncPolicy::kAsRequested}, {"always", storage::SyncPolicy::kAlways}});
  m.u64("max_record_bytes", r.store.max_record_bytes, 1024, (std::uint64_t{1} << 32) - 1);
  m.u32("open_check_blocks", r.store.open_check_blocks, 1, 1'000'000);
  m.boolean("create_if_missing", r.create_if_missing);
  m.size("block_cache_bytes", r.block_cache_bytes);
  m.i32("max_open_files", r.max_open_files, -1, 1'000'000);
  m.i32("max_background_jobs", r.max_background_jobs, 1, 256);
  m.size("write_buffer_bytes", r.write_buffer_bytes, 1);
  m.size("db_write_buffer_bytes", r.db_write_buffer_bytes, 1);
  m.u64("max_rocksdb_log_bytes", r.max_rocksdb_log_bytes, 1);
  m.size("max_info_log_file_bytes", r.max_info_log_file_bytes, 1);
  m.size("info_log_files_kept", r.info_log_files_kept, 1, 1000);
  m.choice_of("background_cpu_priority", r.background_cpu_priority,
              {{"low", storage::BackgroundCpuPriority::kLow}, {"normal", storage::BackgroundCpuPriority::kNormal}});
  // Renamed to the one rule for limits: max_ first, the unit last.
  m.renamed("record_bytes_max", "max_record_bytes");
  m.renamed("open_files_max", "max_open_files");
  m.renamed("background_jobs_max", "max_background_jobs");
  m.renamed("rocksdb_log_bytes_max", "max_rocksdb_log_bytes");
  m.renamed("info_log_file_bytes_max", "max_info_log_file_bytes");
}

void read_api(YamlMap& m, ApiSection& s) {
  m.boolean("grpc_enabled", s.grpc_enabled);
  m.string("grpc_listen", s.grpc_listen, false);
  if (m.has("grpc_listen")) {
    if (auto parsed = parse_listen_address(s.grpc_listen); !parsed) {
      m.error("grpc_listen", parsed.status().message());
    }
  }
  m.u32("max_message_bytes", s.max_message_bytes, 1024, 1u << 30);
  m.u64("submit_wait_timeout_ms", s.submit_wait_timeout_ms, 1, kMaxTimeoutMs);
  m.u32("max_threads", s.max_threads, 4, 100'000);
  m.u32("max_pending_submissions", s.max_pending_submissions, 1, 100'000);
  m.u32("max_submit_batch", s.max_submit_batch, 1, 100'000);
  m.u32("max_block_streams", s.max_block_streams, 1, 100'000);
  m.u32("max_stream_lag_blocks", s.max_stream_lag_blocks, 1, 100'000'000);
  m.u32("shutdown_grace_ms", s.shutdown_grace_ms, 0, kMaxTimeoutMs);
  m.boolean("rest_enabled", s.rest_enabled);
  m.string("rest_listen", s.rest_listen, false);
  if (m.has("rest_listen")) {
    if (auto parsed = parse_listen_address(s.rest_listen); !parsed) m.error("rest_listen", parsed.status().message());
  }
  m.u32("rest_threads", s.rest_threads, 1, 256);
  m.u32("max_connections", s.max_connections, 1, 1'000'000);
  m.u32("max_body_bytes", s.max_body_bytes, 1024, 64u << 20);
  m.u32("max_header_bytes", s.max_header_bytes, 1024, 1u << 20);
  m.u32("idle_timeout_ms", s.idle_timeout_ms, 100, kMaxTimeoutMs);
  m.u32("max_key_requests_per_s", s.max_key_requests_per_s, 1, 10'000'000);
  m.u32("max_key_burst_requests", s.max_key_burst_requests, 1, 10'000'000);
  m.u32("max_ip_requests_per_s", s.max_ip_requests_per_s, 1, 10'000'000);
  m.u32("max_ip_burst_requests", s.max_ip_burst_requests, 1, 10'000'000);
  m.u32("max_rate_limited_clients", s.max_rate_limited_clients, 16, 100'000'000);
  m.u32("max_ws_subscriptions", s.max_ws_subscriptions, 1, 100'000);
  m.u64("max_ws_send_queue_bytes", s.max_ws_send_queue_bytes, 4096, 1ull << 34);
  m.u32("max_ws_message_bytes", s.max_ws_message_bytes, 256, 16u << 20);
  m.boolean("custodial", s.custodial);
  m.string("api_keys_file", s.api_keys_file, false);
  m.string("keystore_dir", s.keystore_dir, false);
  m.u32("custodial_ttl_blocks", s.custodial_ttl_blocks, 1, 1'000'000);
  m.u32("max_trades_kept", s.max_trades_kept, 1, 100'000'000);
  m.u32("max_candles_kept", s.max_candles_kept, 1, 100'000'000);
  m.u32("max_orders_kept", s.max_orders_kept, 1, 100'000'000);
  m.u32("max_account_orders_kept", s.max_account_orders_kept, 1, 100'000'000);
  m.u32("max_queued_blocks", s.max_queued_blocks, 1, 1'000'000);
  m.u32("max_account_trades_kept", s.max_account_trades_kept, 1, 100'000'000);
  m.u32("max_history_blocks", s.max_history_blocks, 0, 100'000'000);
  m.u32("max_page_size", s.max_page_size, 1, 1'000'000);
}

void read_settlement(YamlMap& m, SettlementSection& s) {
  auto& c = s.settler;
  m.boolean("enabled", s.enabled);
  m.string("eth_key_file", s.eth_key_file, false);
  m.u32("interval_blocks", c.interval_blocks, 1, 1'000'000);
  m.u32("max_batch_items", c.max_batch_items, 1, 1'000'000);
  m.u32("submit_timeout_ms", c.submit_timeout_ms, 100, kMaxTimeoutMs);
  m.u32("poll_interval_ms", c.poll_interval_ms, 10, kMaxTimeoutMs);
  m.u32("stuck_after_ms", c.stuck_after_ms, 100, kMaxTimeoutMs);
  m.u32("resend_signatures_ms", c.resend_signatures_ms, 100, kMaxTimeoutMs);
  m.u64("max_gas_per_batch", c.max_gas_per_batch, 21'000, 1'000'000'000);
  m.u32("gas_margin_percent", c.gas_margin_percent, 0, 1000);
  m.u32("max_log_blocks", c.max_log_blocks, 1, 1'000'000);
  m.u32("max_queued_blocks", c.max_queued_blocks, 1, 10'000'000);
  m.u32("max_queued_messages", c.max_queued_messages, 1, 10'000'000);
  m.u32("max_future_batches", c.max_future_batches, 1, 1'000'000);
  m.u32("max_settled_batches_kept", c.max_settled_batches_kept, 1, 100'000'000);
  m.u32("rpc_request_timeout_ms", c.rpc.request_timeout_ms, 1, kMaxTimeoutMs);
  m.u32("rpc_max_attempts", c.rpc.max_attempts, 1, 100);
  m.u32("rpc_retry_backoff_ms", c.rpc.retry_backoff_ms, 1, kMaxTimeoutMs);
  m.u32("rpc_max_retry_backoff_ms", c.rpc.max_retry_backoff_ms, 1, kMaxTimeoutMs);
  m.u32("rpc_max_call_ms", c.rpc.max_call_ms, 1, kMaxTimeoutMs);
  m.size("max_rpc_response_bytes", c.rpc.max_response_bytes, 1024, 1u << 30);
  m.string("rpc_tls_ca_file", c.rpc.tls_ca_file);
  if (auto list = m.sequence("chains")) {
    const std::string path = m.child_path("chains");
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto cm = YamlMap::as_map((*list)[i], path + "[" + std::to_string(i) + "]", m.errors());
      if (!cm) continue;
      settlement::ChainConfig chain;
      std::string contract;
      for (const char* key : {"chain_id", "rpc_url", "contract", "assets"}) cm->require(key);
      cm->u64("chain_id", chain.chain_id, 1);
      cm->string("rpc_url", chain.rpc_url, false);
      cm->string("contract", contract, false);
      if (!contract.empty()) {
        if (auto parsed = settlement::parse_eth_address(contract)) {
          chain.contract = *parsed;
        } else {
          cm->error("contract", parsed.status().message());
        }
      }
      cm->u32("confirmations", chain.confirmations, 1, 10'000);
      cm->u64("start_block", chain.start_block);
      if (auto assets = cm->map("assets")) {
        for (auto it = assets->node().begin(); it != assets->node().end(); ++it) {
          const std::string symbol = it->first.as<std::string>("");
          auto am = assets->map(symbol);
          if (!am) continue;
          settlement::TokenConfig token;
          std::string address;
          am->require("token");
          am->require("decimals");
          am->string("token", address, false);
          if (address != "native" && !address.empty()) {
            if (auto parsed = settlement::parse_eth_address(address)) {
              token.token = *parsed;
            } else {
              am->error("token", "'" + address + "': an ERC-20 address or native: " + parsed.status().message());
            }
          }
          am->u32("decimals", token.decimals, 0, settlement::kMaxTokenDecimals);
          am->finish();
          chain.assets[symbol] = token;
        }
        assets->finish();
      }
      cm->finish();
      c.chains.push_back(std::move(chain));
    }
  }
  if (s.enabled) {
    if (c.chains.empty()) m.error("chains", "settlement is enabled: at least one chain is required");
    if (Status valid = c.validate(); !valid && !c.chains.empty()) m.error("chains", valid.message());
  }
}

void read_markets(YamlMap& m, MarketsSection& s) {
  m.u32("book_depth_levels", s.book_depth_levels, 1, 10'000);
}

void read_logging(YamlMap& m, LoggingSection& s) {
  m.choice("level", s.level, {"trace", "debug", "info", "warn", "error", "critical", "off"});
  m.choice("format", s.format, {"text", "json"});
  m.string("pattern", s.pattern, false);
  m.string("file", s.file);
}

// Cross-field rules of the module configs, reported without a line.
void validate_sections(const NodeConfig& c, YamlErrors& errors) {
  p2p::NetworkConfig network = c.p2p.network;
  network.node_key = std::make_shared<const KeyPair>(KeyPair::from_label("config-check"));
  network.chain_id = "config-check";
  if (auto listen = parse_listen_address(c.p2p.listen)) {
    network.listen_host = listen->host;
    network.listen_port = listen->port;
  }
  if (Status s = network.validate(); !s) errors.add("p2p", s.message());
  if (Status s = c.consensus.local.validate(); !s) errors.add("consensus", s.message());
  if (Status s = c.storage.rocks.validate(); !s) errors.add("storage", s.message());
  // A block stream holds a server thread while it runs (submissions do not:
  // they are on the callback API); status and block reads must still find one.
  if (c.api.max_threads <= c.api.max_block_streams) {
    errors.add("api.max_threads", std::to_string(c.api.max_threads) + " must exceed max_block_streams (" +
                                      std::to_string(c.api.max_block_streams) + ")");
  }
}

void read_sections(YamlMap& root, NodeConfig& config) {
  if (auto m = root.map("node")) { read_node(*m, config.node); m->finish(); }
  if (auto m = root.map("p2p")) { read_p2p(*m, config.p2p); m->finish(); }
  if (auto m = root.map("consensus")) { read_consensus(*m, config.consensus); m->finish(); }
  if (auto m = root.map("storage")) { read_storage(*m, config.storage); m->finish(); }
  if (auto m = root.map("api")) { read_api(*m, config.api); m->finish(); }
  if (auto m = root.map("settlement")) { read_settlement(*m, config.settlement); m->finish(); }
  if (auto m = root.map("markets")) { read_markets(*m, config.markets); m->finish(); }
  if (auto m = root.map("logging")) { read_logging(*m, config.logging); m->finish(); }
}

}  // namespace

std::vector<std::string> node_config_keys() {
  // Every section present and empty: each section reader asks for each of its keys.
  const std::string yaml =
      "node: {}\np2p: {}\nconsensus: {}\nstorage: {}\napi: {}\nsettlement: {}\nmarkets: {}\nlogging: {}\n";
  YamlErrors errors{"keys"};
  NodeConfig config;
  auto doc = parse_yaml(yaml, errors);
  REPLEX_ASSERT(doc.has_value());
  YamlMap root(*doc, "", errors);
  read_sections(root, config);
  std::vector<std::string> keys;
  for (const std::string& path : errors.asked()) {
    if (path.find('.') != std::string::npos && std::find(keys.begin(), keys.end(), path) == keys.end()) {
      keys.push_back(path);
    }
  }
  return keys;
}

std::string_view node_mode_name(NodeMode mode) {
  return mode == NodeMode::kObserver ? "observer" : "validator";
}

Result<NodeConfig> parse_node_config(std::string_view yaml, std::string_view source) {
  YamlErrors errors{std::string(source)};
  NodeConfig config;
  auto doc = parse_yaml(yaml, errors);
  if (!doc) return errors.status();
  auto root = YamlMap::as_map(*doc, "", errors);
  if (!root) return errors.status();
  read_sections(*root, config);
  root->finish();
  if (errors.empty()) validate_sections(config, errors);
  if (!errors.empty()) return errors.status();
  return config;
}

Result<SettlementSection> parse_settlement_section(std::string_view yaml, std::string_view source) {
  YamlErrors errors{std::string(source)};
  auto doc = parse_yaml(yaml, errors);
  if (!doc) return errors.status();
  auto root = YamlMap::as_map(*doc, "settlement", errors);
  if (!root) return errors.status();
  SettlementSection section;
  read_settlement(*root, section);
  root->finish();
  if (!errors.empty()) return errors.status();
  return section;
}

Result<NodeConfig> load_node_config(const std::string& path) {
  REPLEX_ASSIGN_OR_RETURN(std::string text, read_text_file(path, 1u << 20));
  return parse_node_config(text, path);
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  return parse_host_port(text, HostPortRules{.ip_literal_only = true, .allow_port_zero = true});
}

std::string resolve_path(const std::string& home, const std::string& path) {
  if (path.empty() || path.front() == '/' || home.empty()) return path;
  return home + "/" + path;
}

}  // namespace replex::config
