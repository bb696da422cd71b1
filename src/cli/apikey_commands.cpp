// `replex apikey create|list|revoke --home DIR`: the API keys a custodial node
// maps to account keys it holds (config/api_keys.hpp). The key is printed
// once, at creation; the node stores only its hash and notices changes to
// the file while it runs.
#include <chrono>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "replex/config/api_keys.hpp"
#include "replex/config/files.hpp"
#include "replex/config/key_file.hpp"
#include "replex/config/node_config.hpp"

namespace replex::cli {
namespace {

struct HomePaths {
  std::string api_keys;
  std::string keystore;
};

Result<HomePaths> paths_of(const std::string& home) {
  REPLEX_ASSIGN_OR_RETURN(config::NodeConfig node, config::load_node_config(home + "/config.yaml"));
  return HomePaths{config::resolve_path(home, node.api.api_keys_file),
                   config::resolve_path(home, node.api.keystore_dir)};
}

int report(const Status& s) {
  if (s) return 0;
  std::cerr << "error: " << s.message() << "\n";
  return 1;
}

// `account` is a key file (imported into the keystore) or an account key
// whose key file the keystore already holds.
Status create(const std::string& home, const std::string& account, const std::string& label) {
  if (label.size() > config::kMaxApiKeyLabelBytes) {
    return Status::invalid_argument("--label: at most " + std::to_string(config::kMaxApiKeyLabelBytes) + " bytes");
  }
  REPLEX_ASSIGN_OR_RETURN(HomePaths paths, paths_of(home));
  PublicKey public_key;
  if (std::filesystem::exists(account)) {
    REPLEX_ASSIGN_OR_RETURN(KeyPair key, config::read_key_file(account, "account key"));
    public_key = key.public_key();
    REPLEX_RETURN_IF_ERROR(config::make_directories(paths.keystore, 0700));
    const std::string stored = config::keystore_path(paths.keystore, public_key);
    if (!std::filesystem::exists(stored)) {
      REPLEX_RETURN_IF_ERROR(config::write_key_file(stored, key, "account key"));
    }
  } else {
    auto parsed = PublicKey::from_hex(account);
    if (!parsed) return Status::invalid_argument("--account: neither a key file nor an account key: " + account);
    public_key = *parsed;
    const std::string stored = config::keystore_path(paths.keystore, public_key);
    if (!std::filesystem::exists(stored)) {
      return Status::not_found("the keystore holds no key for " + public_key.hex() + " (" + stored +
                               "); pass the account's key file to --account instead");
    }
  }
  REPLEX_ASSIGN_OR_RETURN(std::vector<config::ApiKeyEntry> entries, config::load_api_keys(paths.api_keys));
  const auto now = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  config::NewApiKey key = config::make_api_key(public_key, label, now);
  entries.push_back(key.entry);
  REPLEX_RETURN_IF_ERROR(config::save_api_keys(paths.api_keys, entries));
  std::cout << "id: " << key.entry.id << "\n"
            << "account: " << public_key.hex() << "\n"
            << "api_key: " << key.key << "\n"
            << "(shown once; the node keeps only its SHA-256)\n";
  return Status::ok();
}

Status list(const std::string& home) {
  REPLEX_ASSIGN_OR_RETURN(HomePaths paths, paths_of(home));
  REPLEX_ASSIGN_OR_RETURN(std::vector<config::ApiKeyEntry> entries, config::load_api_keys(paths.api_keys));
  std::cout << "id             account                                                           label\n";
  for (const auto& e : entries) std::cout << e.id << "  " << e.account.hex() << "  " << e.label << "\n";
  return Status::ok();
}

Status revoke(const std::string& home, const std::string& id) {
  REPLEX_ASSIGN_OR_RETURN(HomePaths paths, paths_of(home));
  REPLEX_ASSIGN_OR_RETURN(std::vector<config::ApiKeyEntry> entries, config::load_api_keys(paths.api_keys));
  const auto before = entries.size();
  std::erase_if(entries, [&](const config::ApiKeyEntry& e) { return e.id == id; });
  if (entries.size() == before) return Status::not_found("no API key with id " + id + " (see replex apikey list)");
  REPLEX_RETURN_IF_ERROR(config::save_api_keys(paths.api_keys, entries));
  std::cout << "revoked " << id << "\n";
  return Status::ok();
}

}  // namespace

void add_apikey_commands(CLI::App& app, int& code) {
  auto* apikey = app.add_subcommand("apikey", "API keys of a custodial node (X-API-Key -> an account key it holds)");
  apikey->require_subcommand(1);
  // The options live as long as the callbacks that read them (owned by `app`).
  struct Options {
    std::string home, account, label, id;
  };
  auto o = std::make_shared<Options>();
  auto* create_cmd = apikey->add_subcommand("create", "Create an API key for an account (printed once)");
  create_cmd->add_option("--home", o->home, "Node home directory")->required();
  create_cmd->add_option("--account", o->account, "The account's key file (imported) or its public key")->required();
  create_cmd->add_option("--label", o->label, "A name to recognise the key by");
  create_cmd->callback([o, &code] { code = report(create(o->home, o->account, o->label)); });
  auto* list_cmd = apikey->add_subcommand("list", "List API keys (ids and accounts; never the keys)");
  list_cmd->add_option("--home", o->home, "Node home directory")->required();
  list_cmd->callback([o, &code] { code = report(list(o->home)); });
  auto* revoke_cmd = apikey->add_subcommand("revoke", "Revoke an API key by id (a running node notices)");
  revoke_cmd->add_option("--home", o->home, "Node home directory")->required();
  revoke_cmd->add_option("id", o->id, "The key's id (replex apikey list)")->required();
  revoke_cmd->callback([o, &code] { code = report(revoke(o->home, o->id)); });
}

}  // namespace replex::cli
