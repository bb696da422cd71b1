// NodeConfig: the node's one YAML file (docs/configuration.md).
//
// Sections node, p2p, consensus, storage, api, settlement, markets, logging.
// Every key is optional and has a default; unknown keys, wrong types and
// out-of-range values are errors naming the file, the line and the key path.
// Relative paths are relative to the node's home directory. Plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "replex/consensus/config.hpp"
#include "replex/core/host_port.hpp"
#include "replex/core/status.hpp"
#include "replex/p2p/config.hpp"
#include "replex/settlement/settler_config.hpp"
#include "replex/storage/rocks_store.hpp"

namespace replex::config {

enum class NodeMode : std::uint8_t { kValidator, kObserver };
std::string_view node_mode_name(NodeMode mode);

struct NodeSection {
  NodeMode mode = NodeMode::kValidator;
  std::string moniker = "replex";
  std::string genesis_file = "genesis.yaml";
  std::string node_key_file = "keys/node_key.hex";            // p2p identity
  std::string validator_key_file = "keys/validator_key.hex";  // consensus key (validators)
};

struct P2pSection {
  std::string listen = "0.0.0.0:26656";  // "ip:port"; port 0 lets the OS choose
  // persistent_peers, seeds and every limit; node_key and chain_id are set at start.
  p2p::NetworkConfig network;
  // Timeout of a block or state request to one peer.
  std::uint32_t request_timeout_ms = 10'000;
};

struct ConsensusSection {
  // Only the node-local fields are read from the config (timeouts, mempool,
  // fetch); the chain-wide ones come from the genesis (GenesisFile::consensus).
  consensus::Config local;
  // Signature-verification threads; 0 means one per hardware thread.
  std::uint32_t worker_threads = 0;
  // Messages and transactions waiting for (or in) verification; more are
  // refused (transactions: MEMPOOL_FULL-like RESOURCE_EXHAUSTED) or dropped
  // (consensus messages, which PBFT retransmits).
  std::uint32_t max_pending_verifications = 20'000;
  // Of the shared lane (transactions, peers' requests), what one peer may
  // hold; validators' consensus messages have a lane of their own.
  std::uint32_t max_pending_jobs_per_peer = 2'000;
  // Blocks pushed by peers waiting for the consensus thread; more are dropped
  // (a shortcut only: catch-up fetches whatever is missed).
  std::uint32_t max_queued_block_pushes = 64;
  // Gossiped transactions refused because their signer has no account, per
  // peer: a token bucket; a peer beyond it is banned like one relaying
  // transactions that fail verification (honest relays send these rarely).
  std::uint32_t unknown_account_gossip_per_s = 20;
  std::uint32_t unknown_account_gossip_burst = 200;
};

struct StorageSection {
  std::string path = "data";
  // Snapshots kept (checkpoint heights); older ones are deleted.
  std::uint32_t snapshot_keep = 3;
  storage::RocksStoreOptions rocks;
};

struct ApiSection {
  bool grpc_enabled = true;
  std::string grpc_listen = "127.0.0.1:9090";  // "ip:port"; port 0 lets the OS choose
  std::uint32_t max_message_bytes = 4u << 20;   // gRPC receive and send limit
  // Upper bound of SubmitTransaction's wait_for_commit (DEADLINE_EXCEEDED after).
  std::uint64_t submit_wait_timeout_ms = 30'000;
  // gRPC server threads. Synchronous calls (status, block reads, block
  // streams) hold a thread while they run; calls beyond them are refused with
  // RESOURCE_EXHAUSTED. Submissions use the callback API and hold none while
  // they wait. Must exceed max_block_streams, so status and block reads
  // always find a thread (checked when the config is read).
  std::uint32_t max_threads = 512;
  // Submissions waiting for verification, admission or their commit (a
  // batch counts each of its transactions).
  std::uint32_t max_pending_submissions = 384;
  // Transactions in one SubmitTransactions call.
  std::uint32_t max_submit_batch = 256;
  // Concurrent StreamBlocks calls.
  std::uint32_t max_block_streams = 64;
  // Blocks a StreamBlocks call may be behind the tip before it is ended
  // (RESOURCE_EXHAUSTED; the client resumes from its last height).
  std::uint32_t max_stream_lag_blocks = 10'000;
  // Time the server gives in-flight calls to finish at shutdown.
  std::uint32_t shutdown_grace_ms = 2'000;

  // --- REST + WebSocket gateway (docs/api.md) ---------------------------------
  bool rest_enabled = true;
  std::string rest_listen = "127.0.0.1:8080";  // "ip:port"; port 0 lets the OS choose
  std::uint32_t rest_threads = 2;               // HTTP and WebSocket I/O threads
  // Open HTTP/WebSocket connections; more are refused (503, then closed).
  std::uint32_t max_connections = 1024;
  std::uint32_t max_body_bytes = 64u << 10;    // request body; larger gets 413
  std::uint32_t max_header_bytes = 8u << 10;   // request line and headers; larger gets 431
  std::uint32_t idle_timeout_ms = 60'000;      // a keep-alive connection with no request is closed
  // Requests per second and burst, per API key (or signed account) and per
  // client IP; beyond them 429 with Retry-After. The tables hold at most
  // max_rate_limited_clients entries (the least recently seen are dropped).
  std::uint32_t max_key_requests_per_s = 200;
  std::uint32_t max_key_burst_requests = 400;
  std::uint32_t max_ip_requests_per_s = 500;
  std::uint32_t max_ip_burst_requests = 1000;
  std::uint32_t max_rate_limited_clients = 100'000;
  // WebSocket: subscriptions per connection, bytes queued for one slow
  // consumer before it is cut off (close reason "slow consumer"), largest
  // inbound message.
  std::uint32_t max_ws_subscriptions = 64;
  std::uint64_t max_ws_send_queue_bytes = 4u << 20;
  std::uint32_t max_ws_message_bytes = 16u << 10;
  // Custodial mode: the node signs for accounts whose keys it holds, found
  // by X-API-Key (keys stored hashed; `replex apikey`). Off by default.
  bool custodial = false;
  std::string api_keys_file = "keys/api_keys.yaml";
  std::string keystore_dir = "keys/accounts";
  // good_til_height of a custodial transaction without one: the next height plus this.
  std::uint32_t custodial_ttl_blocks = 100;
  // History the gateway keeps in memory, rebuilt at start from the last
  // max_history_blocks stored blocks' events.
  std::uint32_t max_trades_kept = 1'000;             // per market
  std::uint32_t max_candles_kept = 1'000;            // per market and interval
  std::uint32_t max_orders_kept = 100'000;           // order records, open and closed
  std::uint32_t max_account_orders_kept = 1'000;     // per account, newest first
  std::uint32_t max_account_trades_kept = 1'000;     // per account
  std::uint32_t max_history_blocks = 10'000;
  // Executed blocks waiting for the read model's thread; beyond, execution waits.
  std::uint32_t max_queued_blocks = 256;
  std::uint32_t max_page_size = 500;                 // list endpoints' `limit`
};

// Settlement on Ethereum (docs/settlement.md): off by default. The fields
// `settler` marks [consensus] must be equal on every validator.
struct SettlementSection {
  bool enabled = false;
  // The validator's Ethereum key (64 hex digits, 0600): signs batches and pays for submitting them.
  std::string eth_key_file = "keys/eth_key.hex";
  settlement::SettlerConfig settler;
};

// Node-local market-data options of the read views.
struct MarketsSection {
  // Price levels per side kept in each published book view.
  std::uint32_t book_depth_levels = 50;
};

struct LoggingSection {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  // text: one line per event, `pattern` (messages carry key=value fields);
  // json: one JSON object per line {"time","level","logger","msg"}.
  std::string format = "text";
  std::string pattern = "%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ [%n] %v";
  std::string file;  // empty: standard error
};

struct NodeConfig {
  NodeSection node;
  P2pSection p2p;
  ConsensusSection consensus;
  StorageSection storage;
  ApiSection api;
  SettlementSection settlement;
  MarketsSection markets;
  LoggingSection logging;
};

// Parses and validates; `source` names the file in errors ("config.yaml").
// The error lists every problem, one per line: "config.yaml:12: p2p.max_peers: ...".
Result<NodeConfig> parse_node_config(std::string_view yaml, std::string_view source);
// Reads and parses the file at `path`.
Result<NodeConfig> load_node_config(const std::string& path);

// Every key the config file may hold, as "section.key" paths in reading
// order (docs/configuration.md and config/*.example.yaml list the same set;
// a unit test keeps them equal).
std::vector<std::string> node_config_keys();
// A `settlement:` section on its own (the same keys and checks as in the
// config), e.g. the chains file of `replex testnet --settlement`.
Result<SettlementSection> parse_settlement_section(std::string_view yaml, std::string_view source);

// A listen address: "ip:port", the host an IP literal (IPv6 bracketed), port
// 0 letting the OS choose (core/host_port.hpp has the one syntax).
using ListenAddress = HostPort;
Result<ListenAddress> parse_listen_address(std::string_view text);

// `path` when absolute, else home/path.
std::string resolve_path(const std::string& home, const std::string& path);

}  // namespace replex::config
