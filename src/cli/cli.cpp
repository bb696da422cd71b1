#include "cli.hpp"

#include "commands.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "replex/client/bench_command.hpp"
#include "replex/config/files.hpp"
#include "replex/config/node_config.hpp"
#include "replex/config/genesis_file.hpp"
#include "replex/config/key_file.hpp"
#include "replex/node/logging.hpp"
#include "replex/node/node.hpp"
#include "replex/client/node_client.hpp"
#include "replex/config/testnet.hpp"

namespace replex::cli {
namespace {

// The command line drives every layer; these are the names it uses.
using client::NodeClient;
using config::GenesisFile;
using config::load_genesis_file;
using config::load_node_config;
using config::load_or_create_key_file;
using config::make_directories;
using config::NodeConfigTemplate;
using config::NodeMode;
using config::node_mode_name;
using config::parse_genesis_file;
using config::parse_node_config;
using config::read_key_file;
using config::read_text_file;
using config::render_node_config;
using config::resolve_path;
using config::TestnetOptions;
using config::generate_testnet;
using config::write_key_file;
using config::write_new_file;
using node::Node;
using node::setup_logging;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int fail(const Status& status) {
  std::cerr << "error: " << status.message() << "\n";
  return kExitFailure;
}

std::string config_path_of(const std::string& home) { return home + "/config.yaml"; }

// --- testnet -------------------------------------------------------------------

int cmd_testnet(const TestnetOptions& options) {
  auto layout = generate_testnet(options);
  if (!layout) return fail(layout.status());
  std::cout << "testnet '" << layout->genesis.chain_id() << "' in " << options.out_dir << "\n"
            << "genesis: " << options.out_dir << "/genesis.yaml (hash " << layout->genesis.hash().hex() << ")\n";
  for (const auto& node : layout->nodes) {
    std::cout << node.name << ": " << node_mode_name(node.mode) << " home=" << node.home
              << " p2p=" << options.host << ":" << node.p2p_port << " grpc=" << options.host << ":"
              << node.grpc_port << " rest=" << options.host << ":" << node.rest_port
              << " node_id=" << node.node_id.hex() << "\n";
  }
  std::cout << "accounts: " << layout->account_key_files.size() << " funded demo traders in " << options.out_dir
            << "/accounts (keys and API keys in accounts.yaml)\n"
            << "start a node: replex start --home " << options.out_dir << "/node0\n";
  return kExitOk;
}

// --- init --------------------------------------------------------------------------

struct InitOptions {
  std::string home;
  std::string moniker = "replex";
  std::string mode = "validator";
  std::string genesis;
  std::string p2p_listen = "0.0.0.0:26656";
  std::string grpc_listen = "127.0.0.1:9090";
  std::vector<std::string> persistent_peers;
  std::vector<std::string> seeds;
};

int cmd_init(const InitOptions& o) {
  std::error_code ec;
  if (std::filesystem::exists(config_path_of(o.home), ec)) {
    return fail(Status::already_exists(config_path_of(o.home) + ": exists; init never overwrites a node"));
  }
  if (Status s = make_directories(o.home + "/keys", 0700); !s) return fail(s);
  NodeConfigTemplate t;
  t.mode = o.mode == "observer" ? NodeMode::kObserver : NodeMode::kValidator;
  t.moniker = o.moniker;
  t.p2p_listen = o.p2p_listen;
  t.grpc_listen = o.grpc_listen;
  t.persistent_peers = o.persistent_peers;
  t.seeds = o.seeds;
  const std::string text = render_node_config(t);
  if (auto parsed = parse_node_config(text, "config.yaml"); !parsed) return fail(parsed.status());

  auto node_key = load_or_create_key_file(o.home + "/keys/node_key.hex", "node key");
  if (!node_key) return fail(node_key.status());
  std::cout << "node_id: " << node_key->public_key().hex() << "\n";
  if (t.mode == NodeMode::kValidator) {
    const std::string path = o.home + "/keys/validator_key.hex";
    auto key = read_key_file(path, "validator key");
    if (!key && key.status().code() == StatusCode::kNotFound) {
      KeyPair fresh = KeyPair::generate();
      if (Status s = write_key_file(path, fresh, "validator key"); !s) return fail(s);
      key = std::move(fresh);
    }
    if (!key) return fail(key.status());
    std::cout << "consensus_key: " << key->public_key().hex() << "\n";
  }
  if (!o.genesis.empty()) {
    auto genesis_text = read_text_file(o.genesis);
    if (!genesis_text) return fail(genesis_text.status());
    if (auto g = parse_genesis_file(*genesis_text, o.genesis); !g) return fail(g.status());
    if (Status s = write_new_file(o.home + "/genesis.yaml", *genesis_text); !s) return fail(s);
  }
  if (Status s = write_new_file(config_path_of(o.home), text); !s) return fail(s);
  std::cout << "initialised " << o.home << " (" << node_mode_name(t.mode) << ")"
            << (o.genesis.empty() ? "; put the chain's genesis.yaml there before starting" : "") << "\n";
  return kExitOk;
}

// --- start -------------------------------------------------------------------------

int cmd_start(const std::string& home) {
  auto config = load_node_config(config_path_of(home));
  if (!config) return fail(config.status());
  if (Status s = setup_logging(config->logging, home); !s) return fail(s);

  // Every thread the node starts inherits this mask, so SIGINT/SIGTERM reach
  // only the sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto node = Node::open(home, std::move(*config));
  if (!node) {
    spdlog::critical("cannot open the node: {}", node.status().to_string());
    return kExitFailure;
  }
  // A fatal error (the store failed) wakes the sigwait below like a SIGTERM.
  (*node)->set_fatal_handler([](const Status&) { ::kill(::getpid(), SIGTERM); });
  if (Status s = (*node)->start(); !s) {
    spdlog::critical("cannot start the node: {}", s.to_string());
    return kExitFailure;
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("received {}: shutting down (a second signal forces exit)", strsignal(signal_number));
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    (*node)->stop();
    stopped.store(true);
  });
  const timespec poll{0, 100'000'000};
  while (!stopped.load()) {
    if (sigtimedwait(&signals, nullptr, &poll) > 0) {
      spdlog::warn("second signal: exiting without finishing the shutdown");
      spdlog::default_logger()->flush();
      std::_Exit(kExitFailure);
    }
  }
  stopper.join();
  const Status failure = (*node)->failure();
  node->reset();
  if (!failure) {
    spdlog::critical("stopped after a fatal error: {}", failure.to_string());
    return kExitFailure;
  }
  spdlog::info("stopped cleanly");
  return kExitOk;
}

// --- keys ----------------------------------------------------------------------------

int cmd_keys_generate(const std::string& out) {
  KeyPair key = KeyPair::generate();
  if (Status s = write_key_file(out, key, "key"); !s) return fail(s);
  std::cout << "public_key: " << key.public_key().hex() << "\n";
  return kExitOk;
}

int cmd_keys_show(const std::string& path) {
  auto key = read_key_file(path, "key");
  if (!key) return fail(key.status());
  // One Ed25519 key serves as a node id (p2p), a consensus key or an account.
  std::cout << "public_key: " << key->public_key().hex() << "\n";
  return kExitOk;
}

// --- status --------------------------------------------------------------------------

int cmd_status(const std::string& target, std::uint32_t timeout_ms) {
  auto status = NodeClient(target).status(std::chrono::milliseconds(timeout_ms));
  if (!status) return fail(status.status());
  const v1::GetStatusResponse& response = *status;
  auto hex = [](const std::string& b) { return to_hex(as_bytes(b)); };
  std::cout << "chain_id: " << response.chain_id() << "\n"
            << "moniker: " << response.moniker() << "\n"
            << "mode: " << (response.mode() == v1::NODE_MODE_OBSERVER ? "observer" : "validator") << "\n"
            << "node_id: " << hex(response.node_id()) << "\n";
  if (response.has_validator_index()) std::cout << "validator_index: " << response.validator_index() << "\n";
  std::cout << "validators: " << response.validator_count() << "\n"
            << "height: " << response.height() << "\n"
            << "block_hash: " << hex(response.block_hash()) << "\n"
            << "app_hash: " << hex(response.app_hash()) << "\n"
            << "block_time_ms: " << response.block_time_ms() << "\n"
            << "committed_height: " << response.committed_height() << "\n"
            << "view: " << response.view() << "\n"
            << "primary: " << response.primary() << "\n"
            << "in_view_change: " << (response.in_view_change() ? "true" : "false") << "\n"
            << "mempool_size: " << response.mempool_size() << "\n"
            << "p2p_listen: " << response.p2p_listen() << "\n"
            << "grpc_listen: " << response.grpc_listen() << "\n"
            << "peers: " << response.peers_size() << "\n";
  for (const auto& peer : response.peers()) {
    std::cout << "  - " << hex(peer.node_id()) << " " << peer.address();
    if (peer.has_validator_index()) std::cout << " validator " << peer.validator_index();
    std::cout << "\n";
  }
  return kExitOk;
}

// --- config check -----------------------------------------------------------------------

int cmd_config_check(const std::string& path) {
  auto config = load_node_config(path);
  if (!config) {
    std::cout << config.status().message() << "\n";
    return kExitFailure;
  }
  // The genesis it names, when present beside it, is checked too.
  const std::string home = std::filesystem::path(path).parent_path().string();
  const std::string genesis_path = resolve_path(home.empty() ? "." : home, config->node.genesis_file);
  std::error_code ec;
  if (std::filesystem::exists(genesis_path, ec)) {
    if (auto genesis = load_genesis_file(genesis_path); !genesis) {
      std::cout << genesis.status().message() << "\n";
      return kExitFailure;
    }
  }
  std::cout << "OK\n";
  return kExitOk;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"replex: a replicated exchange node (docs/node.md)"};
  app.require_subcommand(1);
  int code = kExitOk;

  TestnetOptions testnet;
  testnet.rest_port = 8080;  // node0's REST where the README's examples expect it, when free
  auto* testnet_cmd = app.add_subcommand("testnet", "Generate keys, genesis and configs for a local cluster");
  testnet_cmd->add_option("--validators,-v", testnet.validators, "Validators")->capture_default_str();
  testnet_cmd->add_option("--observers", testnet.observers, "Observers")->capture_default_str();
  testnet_cmd->add_option("--out,-o", testnet.out_dir, "Output directory (new or empty)")->required();
  testnet_cmd->add_option("--chain-id", testnet.chain_id, "Chain id")->capture_default_str();
  testnet_cmd->add_option("--base-port", testnet.base_port, "First port; 0 finds free loopback ports")
      ->capture_default_str();
  testnet_cmd->add_option("--accounts", testnet.accounts, "Funded demo trader accounts")->capture_default_str();
  testnet_cmd->add_option("--settlement", testnet.settlement_file,
                          "YAML of the settlement section (chains, contracts, assets): enables settlement on Ethereum");
  testnet_cmd->add_option("--rest-port", testnet.rest_port, "node0's REST port when free (0: any free port)")
      ->capture_default_str();
  testnet_cmd->add_option("--host", testnet.host, "Listen address of every node")->capture_default_str();
  testnet_cmd->add_option("--log-level", testnet.log_level, "logging.level of every node")->capture_default_str();
  testnet_cmd->callback([&] { code = cmd_testnet(testnet); });

  InitOptions init;
  auto* init_cmd = app.add_subcommand("init", "Create a node home: keys and config.yaml");
  init_cmd->add_option("--home", init.home, "Node home directory")->required();
  init_cmd->add_option("--moniker", init.moniker, "Node name")->capture_default_str();
  init_cmd->add_option("--mode", init.mode, "validator or observer")
      ->check(CLI::IsMember({"validator", "observer"}))
      ->capture_default_str();
  init_cmd->add_option("--genesis", init.genesis, "Genesis file to copy into the home");
  init_cmd->add_option("--p2p-listen", init.p2p_listen, "p2p ip:port")->capture_default_str();
  init_cmd->add_option("--grpc-listen", init.grpc_listen, "gRPC ip:port")->capture_default_str();
  init_cmd->add_option("--persistent-peer", init.persistent_peers, "<node_id>@host:port (repeatable)");
  init_cmd->add_option("--seed", init.seeds, "host:port or <node_id>@host:port (repeatable)");
  init_cmd->callback([&] { code = cmd_init(init); });

  std::string start_home;
  auto* start_cmd = app.add_subcommand("start", "Run the node until SIGTERM/SIGINT");
  start_cmd->add_option("--home", start_home, "Node home directory (holds config.yaml)")->required();
  start_cmd->callback([&] { code = cmd_start(start_home); });

  auto* keys_cmd = app.add_subcommand("keys", "Key files (Ed25519, hex seed, mode 0600)");
  keys_cmd->require_subcommand(1);
  std::string keys_out;
  auto* keys_generate = keys_cmd->add_subcommand("generate", "Write a new key file");
  keys_generate->add_option("--out,-o", keys_out, "Key file to create (never overwritten)")->required();
  keys_generate->callback([&] { code = cmd_keys_generate(keys_out); });
  std::string keys_file;
  auto* keys_show = keys_cmd->add_subcommand("show", "Print a key file's public key (node id)");
  keys_show->add_option("file", keys_file, "Key file")->required();
  keys_show->callback([&] { code = cmd_keys_show(keys_file); });

  std::string status_target = "127.0.0.1:9090";
  std::uint32_t status_timeout_ms = 5000;
  auto* status_cmd = app.add_subcommand("status", "Print a node's status (gRPC GetStatus)");
  status_cmd->add_option("--target,-t", status_target, "gRPC host:port")->capture_default_str();
  status_cmd->add_option("--timeout-ms", status_timeout_ms, "Deadline of the call")->capture_default_str();
  status_cmd->callback([&] { code = cmd_status(status_target, status_timeout_ms); });

  auto* config_cmd = app.add_subcommand("config", "Configuration files");
  config_cmd->require_subcommand(1);
  std::string config_file;
  auto* config_check = config_cmd->add_subcommand("check", "Validate a config (and its genesis) without starting");
  config_check->add_option("file", config_file, "config.yaml")->required();
  config_check->callback([&] { code = cmd_config_check(config_file); });

  client::add_bench_command(app, code);
  add_trading_commands(app, code);
  add_apikey_commands(app, code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int exit = app.exit(e);
    return exit == 0 ? kExitOk : kExitUsage;
  }
  return code;
}

}  // namespace replex::cli
