#include "replex/config/testnet.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include <yaml-cpp/yaml.h>

#include "replex/config/api_keys.hpp"
#include "replex/config/files.hpp"
#include "replex/core/decimal.hpp"
#include "replex/config/key_file.hpp"
#include "replex/settlement/secp256k1.hpp"
#include "replex/core/assert.hpp"

namespace replex::config {
namespace {

constexpr std::string_view kConfigFile = "config.yaml";
constexpr std::string_view kGenesisFile = "genesis.yaml";

// The demo chain: four assets, three markets, every trader funded.
exchange::Genesis demo_exchange(const std::string& chain_id, const std::vector<PublicKey>& traders,
                                const PublicKey& fee_account) {
  exchange::Genesis g;
  g.chain_id = chain_id;
  g.assets = {{"BTC", 8}, {"ETH", 8}, {"USD", 6}, {"USDT", 6}};
  auto units = [](std::string_view text, unsigned scale) { return parse_decimal_unsigned(text, scale).value(); };
  // BTC-USDT: price in cents, lots of 0.0001 BTC (one tick-lot = 1 micro-USDT).
  g.markets.push_back({"BTC-USDT", "BTC", "USDT", 2, units("0.01", 2), units("0.0001", 8),
                       units("0.0001", 8), units("1000", 8), 10, 20});
  // ETH-USDT: price in cents, lots of 0.001 ETH.
  g.markets.push_back({"ETH-USDT", "ETH", "USDT", 2, units("0.01", 2), units("0.001", 8),
                       units("0.001", 8), units("10000", 8), 10, 20});
  // BTC-USD: the market of the README's first order.
  g.markets.push_back({"BTC-USD", "BTC", "USD", 2, units("0.01", 2), units("0.0001", 8),
                       units("0.0001", 8), units("1000", 8), 10, 20});
  g.fee_account = fee_account;
  for (const auto& trader : traders) {
    g.allocations.push_back({trader, "BTC", units("100", 8)});
    g.allocations.push_back({trader, "ETH", units("1000", 8)});
    g.allocations.push_back({trader, "USD", units("10000000", 6)});
    g.allocations.push_back({trader, "USDT", units("10000000", 6)});
  }
  return g;
}

Status check_out_dir(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return make_directories(dir);
  if (!std::filesystem::is_directory(dir, ec)) return Status::already_exists(dir + ": exists and is not a directory");
  if (!std::filesystem::is_empty(dir, ec)) {
    return Status::already_exists(dir + ": exists and is not empty; choose a new --out directory");
  }
  return Status::ok();
}

}  // namespace

std::string render_node_config(const NodeConfigTemplate& t) {
  YAML::Emitter out;
  auto key = [&](const char* name) -> YAML::Emitter& { return out << YAML::Key << name << YAML::Value; };
  out << YAML::Comment("Replex node configuration. Every key, its default and meaning: docs/configuration.md.")
      << YAML::Newline
      << YAML::Comment("Paths are relative to the node's home directory (the folder of this file).")
      << YAML::Newline;
  out << YAML::BeginMap;
  key("node") << YAML::BeginMap;
  key("mode") << std::string(node_mode_name(t.mode));
  key("moniker") << YAML::DoubleQuoted << t.moniker;
  key("genesis_file") << "genesis.yaml";
  key("node_key_file") << "keys/node_key.hex";
  if (t.mode == NodeMode::kValidator) key("validator_key_file") << "keys/validator_key.hex";
  out << YAML::EndMap;
  key("p2p") << YAML::BeginMap;
  key("listen") << YAML::DoubleQuoted << t.p2p_listen;
  key("persistent_peers") << YAML::BeginSeq;
  for (const auto& peer : t.persistent_peers) out << YAML::DoubleQuoted << peer;
  out << YAML::EndSeq;
  key("seeds") << YAML::BeginSeq;
  for (const auto& seed : t.seeds) out << YAML::DoubleQuoted << seed;
  out << YAML::EndSeq;
  key("max_peers") << 50;
  out << YAML::EndMap;
  key("consensus") << YAML::BeginMap;
  key("max_block_delay_ms") << 20;
  key("view_timeout_ms") << 2000;
  key("worker_threads") << 0 << YAML::Comment("one per hardware thread");
  out << YAML::EndMap;
  key("storage") << YAML::BeginMap;
  key("path") << "data";
  key("snapshot_keep") << 3;
  out << YAML::EndMap;
  key("api") << YAML::BeginMap;
  key("grpc_listen") << YAML::DoubleQuoted << t.grpc_listen;
  key("submit_wait_timeout_ms") << 30000;
  if (!t.rest_listen.empty()) key("rest_listen") << YAML::DoubleQuoted << t.rest_listen;
  key("custodial") << t.custodial;
  out << YAML::EndMap;
  key("settlement") << YAML::BeginMap;
  key("enabled") << t.settlement.has_value();
  if (t.settlement) {
    const settlement::SettlerConfig& c = t.settlement->settler;
    key("eth_key_file") << t.settlement->eth_key_file;
    key("interval_blocks") << c.interval_blocks;
    key("submit_timeout_ms") << c.submit_timeout_ms;
    key("poll_interval_ms") << c.poll_interval_ms;
    key("chains") << YAML::BeginSeq;
    for (const settlement::ChainConfig& chain : c.chains) {
      out << YAML::BeginMap;
      key("chain_id") << chain.chain_id;
      key("rpc_url") << YAML::DoubleQuoted << chain.rpc_url;
      key("contract") << YAML::DoubleQuoted << settlement::to_checksum_hex(chain.contract);
      key("confirmations") << chain.confirmations;
      key("start_block") << chain.start_block;
      key("assets") << YAML::BeginMap;
      for (const auto& [symbol, token] : chain.assets) {
        key(symbol.c_str()) << YAML::Flow << YAML::BeginMap;
        key("token") << YAML::DoubleQuoted << (token.token ? settlement::to_checksum_hex(*token.token) : "native");
        key("decimals") << token.decimals;
        out << YAML::EndMap;
      }
      out << YAML::EndMap << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  key("markets") << YAML::BeginMap;
  key("book_depth_levels") << 50;
  out << YAML::EndMap;
  key("logging") << YAML::BeginMap;
  key("level") << t.log_level;
  out << YAML::EndMap;
  out << YAML::EndMap;
  REPLEX_ASSERT_MSG(out.good(), out.GetLastError().c_str());
  return std::string(out.c_str()) + "\n";
}

namespace {

// A TCP socket bound to host:port (port 0: any free one), or an error.
Result<int> bind_socket(const std::string& host, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::io_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return Status::invalid_argument(host + ": not an IPv4 address");
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const Status failed = Status::io_error(host + ": bind port " + std::to_string(port) + ": " + std::strerror(errno));
    ::close(fd);
    return failed;
  }
  return fd;
}

bool port_is_free(const std::string& host, std::uint16_t port) {
  auto fd = bind_socket(host, port);
  if (!fd) return false;
  ::close(*fd);
  return true;
}

}  // namespace

Result<std::vector<std::uint16_t>> find_free_ports(const std::string& host, std::size_t count) {
  std::vector<int> sockets;
  std::vector<std::uint16_t> ports;
  Status status;
  for (std::size_t i = 0; i < count && status; ++i) {
    auto fd = bind_socket(host, 0);
    if (!fd) {
      status = fd.status();
      break;
    }
    // Every socket stays bound until all are found, so the ports are distinct.
    sockets.push_back(*fd);
    sockaddr_in addr{};
    socklen_t len = sizeof(addr);
    if (::getsockname(*fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      status = Status::io_error(host + ": getsockname: " + std::strerror(errno));
      break;
    }
    ports.push_back(ntohs(addr.sin_port));
  }
  for (const int fd : sockets) ::close(fd);
  if (!status) return status;
  return ports;
}

Result<TestnetLayout> generate_testnet(const TestnetOptions& o) {
  if (o.validators < 1) return Status::invalid_argument("validators: at least 1");
  if (o.validators + o.observers > kMaxTestnetNodes) {
    return Status::invalid_argument("validators + observers: at most " + std::to_string(kMaxTestnetNodes));
  }
  if (o.accounts > kMaxTestnetAccounts) {
    return Status::invalid_argument("accounts: at most " + std::to_string(kMaxTestnetAccounts));
  }
  if (o.out_dir.empty()) return Status::invalid_argument("out: an output directory is required");
  const std::size_t n = o.validators + o.observers;
  std::vector<std::uint16_t> ports;
  if (o.base_port == 0) {
    REPLEX_ASSIGN_OR_RETURN(ports, find_free_ports(o.host, 3 * n));
    // node0's REST on the preferred port when it is free (and not one just found).
    if (o.rest_port != 0 && std::find(ports.begin(), ports.end(), o.rest_port) == ports.end() &&
        port_is_free(o.host, o.rest_port)) {
      ports[2 * n] = o.rest_port;
    }
  } else {
    if (o.base_port + 3 * n - 1 > 65535) return Status::invalid_argument("base_port: the ports run past 65535");
    for (std::size_t i = 0; i < 3 * n; ++i) ports.push_back(static_cast<std::uint16_t>(o.base_port + i));
  }
  REPLEX_RETURN_IF_ERROR(check_out_dir(o.out_dir));

  std::optional<SettlementSection> settlement;
  if (!o.settlement_file.empty()) {
    REPLEX_ASSIGN_OR_RETURN(std::string text, read_text_file(o.settlement_file));
    REPLEX_ASSIGN_OR_RETURN(SettlementSection section, parse_settlement_section(text, o.settlement_file));
    section.enabled = true;
    if (section.settler.chains.empty()) {
      return Status::invalid_argument(o.settlement_file + ": settlement needs at least one chain");
    }
    settlement = std::move(section);
  }

  TestnetLayout layout;
  std::vector<KeyPair> validator_keys;
  for (std::size_t i = 0; i < n; ++i) {
    TestnetNode node;
    node.name = "node" + std::to_string(i);
    node.home = o.out_dir + "/" + node.name;
    node.mode = i < o.validators ? NodeMode::kValidator : NodeMode::kObserver;
    node.p2p_port = ports[2 * i];
    node.grpc_port = ports[2 * i + 1];
    node.rest_port = ports[2 * n + i];
    REPLEX_RETURN_IF_ERROR(make_directories(node.home + "/keys", 0700));
    KeyPair node_key = KeyPair::generate();
    node.node_id = node_key.public_key();
    REPLEX_RETURN_IF_ERROR(write_key_file(node.home + "/keys/node_key.hex", node_key, "node key"));
    if (node.mode == NodeMode::kValidator) {
      KeyPair validator_key = KeyPair::generate();
      REPLEX_RETURN_IF_ERROR(
          write_key_file(node.home + "/keys/validator_key.hex", validator_key, "validator key"));
      GenesisValidator entry{node.name, validator_key.public_key(), node.node_id};
      if (settlement) {
        // The validator's Ethereum key: it signs settlement batches.
        const settlement::EthKey eth_key = settlement::EthKey::generate();
        SecretBytes secret;
        std::copy(eth_key.secret().begin(), eth_key.secret().end(), secret.begin());
        REPLEX_RETURN_IF_ERROR(write_secret_file(node.home + "/keys/eth_key.hex", secret, "Ethereum key"));
        entry.eth_address = eth_key.address();
      }
      layout.genesis.validators.push_back(std::move(entry));
      validator_keys.push_back(std::move(validator_key));
    }
    layout.nodes.push_back(std::move(node));
  }

  const std::string accounts_dir = o.out_dir + "/accounts";
  REPLEX_RETURN_IF_ERROR(make_directories(accounts_dir, 0700));
  std::vector<PublicKey> traders;
  std::vector<KeyPair> trader_keys;
  std::vector<ApiKeyEntry> api_key_entries;
  const std::uint64_t now_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  YAML::Emitter account_list;
  account_list << YAML::Comment("Demo trader accounts funded in genesis.yaml; keys are the .hex files beside this "
                                "one. Every node signs for them on X-API-Key: <api_key> (custodial demo mode).")
               << YAML::Newline << YAML::BeginMap << YAML::Key << "accounts" << YAML::Value << YAML::BeginSeq;
  for (std::uint32_t i = 0; i < o.accounts; ++i) {
    KeyPair key = KeyPair::generate();
    const std::string name = "trader" + std::to_string(i);
    const std::string path = accounts_dir + "/" + name + ".hex";
    REPLEX_RETURN_IF_ERROR(write_key_file(path, key, "account key"));
    NewApiKey api_key = make_api_key(key.public_key(), name, now_ms);
    traders.push_back(key.public_key());
    layout.account_key_files.push_back(path);
    layout.api_keys.push_back(api_key.key);
    account_list << YAML::BeginMap << YAML::Key << "name" << YAML::Value << name << YAML::Key << "public_key"
                 << YAML::Value << YAML::DoubleQuoted << key.public_key().hex() << YAML::Key << "key_file"
                 << YAML::Value << name + ".hex" << YAML::Key << "api_key" << YAML::Value << api_key.key
                 << YAML::EndMap;
    api_key_entries.push_back(std::move(api_key.entry));
    trader_keys.push_back(std::move(key));
  }
  KeyPair fee_key = KeyPair::generate();
  REPLEX_RETURN_IF_ERROR(write_key_file(accounts_dir + "/fee_account.hex", fee_key, "account key"));
  account_list << YAML::EndSeq << YAML::Key << "fee_account" << YAML::Value << YAML::BeginMap << YAML::Key
               << "public_key" << YAML::Value << YAML::DoubleQuoted << fee_key.public_key().hex() << YAML::Key
               << "key_file" << YAML::Value << "fee_account.hex" << YAML::EndMap << YAML::EndMap;
  REPLEX_ASSERT_MSG(account_list.good(), account_list.GetLastError().c_str());
  REPLEX_RETURN_IF_ERROR(
      write_new_file(accounts_dir + "/accounts.yaml", std::string(account_list.c_str()) + "\n", 0600));

  layout.genesis.exchange = demo_exchange(o.chain_id, traders, fee_key.public_key());
  if (settlement) {
    // Deposits are credited at 2f+1 of the validators' attestations.
    exchange::GenesisSettlement section;
    for (const KeyPair& key : validator_keys) section.attesters.push_back(key.public_key());
    const auto validator_count = static_cast<std::uint32_t>(validator_keys.size());
    section.attestation_threshold = 2 * ((validator_count - 1) / 3) + 1;
    for (const settlement::ChainConfig& chain : settlement->settler.chains) {
      exchange::GenesisSettlementChain listed;
      listed.chain_id = chain.chain_id;
      for (const auto& [symbol, token] : chain.assets) listed.assets.push_back(symbol);
      section.chains.push_back(std::move(listed));
    }
    layout.genesis.exchange.settlement = std::move(section);
  }
  layout.genesis.genesis_time_ms =
      o.genesis_time_ms != 0
          ? o.genesis_time_ms
          : static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  const std::string genesis_text = render_genesis_file(layout.genesis);
  // Round trip through the parser: a generated genesis is always one the nodes accept.
  REPLEX_ASSIGN_OR_RETURN(GenesisFile parsed, parse_genesis_file(genesis_text, "generated genesis"));
  REPLEX_ASSERT(parsed == layout.genesis);
  REPLEX_RETURN_IF_ERROR(write_new_file(o.out_dir + "/" + std::string(kGenesisFile), genesis_text));

  std::vector<std::string> validator_addresses;
  for (const auto& node : layout.nodes) {
    if (node.mode != NodeMode::kValidator) continue;
    validator_addresses.push_back(node.node_id.hex() + "@" + o.host + ":" + std::to_string(node.p2p_port));
  }
  for (const auto& node : layout.nodes) {
    NodeConfigTemplate t;
    t.mode = node.mode;
    t.moniker = node.name;
    t.p2p_listen = o.host + ":" + std::to_string(node.p2p_port);
    t.grpc_listen = o.host + ":" + std::to_string(node.grpc_port);
    t.rest_listen = o.host + ":" + std::to_string(node.rest_port);
    t.custodial = true;
    t.settlement = settlement;
    t.log_level = o.log_level;
    // Validators keep every other validator connected; observers find them as seeds.
    if (node.mode == NodeMode::kValidator) {
      const std::string self = node.node_id.hex() + "@";
      for (const std::string& address : validator_addresses) {
        if (address.rfind(self, 0) != 0) t.persistent_peers.push_back(address);
      }
    } else {
      t.seeds = validator_addresses;
    }
    const std::string config_text = render_node_config(t);
    REPLEX_RETURN_IF_ERROR(parse_node_config(config_text, "generated config").status());
    REPLEX_RETURN_IF_ERROR(write_new_file(node.home + "/" + std::string(kConfigFile), config_text));
    REPLEX_RETURN_IF_ERROR(write_new_file(node.home + "/" + std::string(kGenesisFile), genesis_text));
    // The demo traders' keys and hashed API keys, for custodial signing.
    const std::string keystore = node.home + "/keys/accounts";
    REPLEX_RETURN_IF_ERROR(make_directories(keystore, 0700));
    for (const KeyPair& key : trader_keys) {
      REPLEX_RETURN_IF_ERROR(write_key_file(keystore_path(keystore, key.public_key()), key, "account key"));
    }
    REPLEX_RETURN_IF_ERROR(save_api_keys(node.home + "/keys/api_keys.yaml", api_key_entries));
  }
  return layout;
}

}  // namespace replex::config
