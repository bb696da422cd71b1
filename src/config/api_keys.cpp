#include "replex/config/api_keys.hpp"

#include <yaml-cpp/yaml.h>

#include <array>

#include "replex/config/files.hpp"
#include "replex/core/assert.hpp"
#include "replex/core/hash.hpp"
#include "replex/core/random.hpp"
#include "yaml_reader.hpp"

namespace replex::config {
namespace {

constexpr std::string_view kKeyPrefix = "rpx_";
constexpr std::size_t kKeyBytes = 32;

}  // namespace

Hash256 api_key_hash(std::string_view key) { return sha256(key); }

NewApiKey make_api_key(const PublicKey& account, std::string label, std::uint64_t created_ms) {
  std::array<std::uint8_t, kKeyBytes> secret;
  random_bytes(secret);
  NewApiKey out;
  out.key = std::string(kKeyPrefix) + to_hex(ByteView(secret.data(), secret.size()));
  out.entry.key_sha256 = api_key_hash(out.key);
  // Built with append: GCC 12 warns falsely about "literal" + std::string.
  out.entry.id = std::string("k").append(out.entry.key_sha256.hex().substr(0, 12));
  out.entry.account = account;
  out.entry.label = std::move(label);
  out.entry.created_ms = created_ms;
  return out;
}

Result<std::vector<ApiKeyEntry>> load_api_keys(const std::string& path) {
  auto text = read_text_file(path, 16u << 20);
  if (!text) {
    if (text.status().code() == StatusCode::kNotFound) return std::vector<ApiKeyEntry>{};
    return text.status();
  }
  YamlErrors errors(path);
  auto doc = parse_yaml(*text, errors);
  if (!doc) return errors.status();
  std::vector<ApiKeyEntry> out;
  auto root = YamlMap::as_map(*doc, "", errors);
  if (!root) return errors.status();
  if (auto list = root->sequence("api_keys")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string at = "api_keys[" + std::to_string(i) + "]";
      auto item = YamlMap::as_map((*list)[i], at, errors);
      if (!item) continue;
      ApiKeyEntry e;
      std::string hash_hex, account_hex;
      item->require("id");
      item->require("key_sha256");
      item->require("account");
      item->string("id", e.id, false);
      item->string("key_sha256", hash_hex, false);
      item->string("account", account_hex, false);
      item->string("label", e.label);
      item->u64("created_ms", e.created_ms);
      item->finish();
      if (auto h = Hash256::from_hex(hash_hex)) {
        e.key_sha256 = *h;
      } else if (!hash_hex.empty()) {
        item->error("key_sha256", h.status().message());
      }
      if (auto a = PublicKey::from_hex(account_hex)) {
        e.account = *a;
      } else if (!account_hex.empty()) {
        item->error("account", a.status().message());
      }
      out.push_back(std::move(e));
    }
  }
  root->finish();
  if (!errors.empty()) return errors.status();
  return out;
}

Status save_api_keys(const std::string& path, const std::vector<ApiKeyEntry>& entries) {
  YAML::Emitter out;
  out << YAML::Comment("Replex API keys of this node (custodial mode): X-API-Key -> account. Only each key's "
                       "SHA-256 is kept; `replex apikey create|list|revoke` edits this file.")
      << YAML::Newline;
  out << YAML::BeginMap << YAML::Key << "api_keys" << YAML::Value << YAML::BeginSeq;
  for (const ApiKeyEntry& e : entries) {
    out << YAML::BeginMap;
    out << YAML::Key << "id" << YAML::Value << e.id;
    out << YAML::Key << "key_sha256" << YAML::Value << YAML::DoubleQuoted << e.key_sha256.hex();
    out << YAML::Key << "account" << YAML::Value << YAML::DoubleQuoted << e.account.hex();
    out << YAML::Key << "label" << YAML::Value << YAML::DoubleQuoted << e.label;
    out << YAML::Key << "created_ms" << YAML::Value << e.created_ms;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  REPLEX_ASSERT_MSG(out.good(), out.GetLastError().c_str());
  return replace_file(path, std::string(out.c_str()) + "\n", 0600);
}

std::string keystore_path(const std::string& keystore_dir, const PublicKey& account) {
  return keystore_dir + "/" + account.hex() + ".hex";
}

}  // namespace replex::config
