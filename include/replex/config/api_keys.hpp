// API keys of a custodial node (docs/api.md, "Authentication"): each key maps
// to an account whose key file the node holds in its keystore and signs with.
//
// Keys are 32 random bytes shown once as "rpx_" + 64 hex digits; the file
// stores only their SHA-256, so reading it does not reveal a key. File:
// YAML, mode 0600, replaced atomically (`api_keys_file`, default
// keys/api_keys.yaml); account keys are key files named <account hex>.hex in
// the keystore folder (`keystore_dir`, default keys/accounts). Plain functions
// over values; `replex apikey create|list|revoke` and the gateway use them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/core/ed25519.hpp"
#include "replex/core/status.hpp"

namespace replex::config {

inline constexpr std::size_t kMaxApiKeyLabelBytes = 64;

struct ApiKeyEntry {
  std::string id;         // short public handle ("k" + 12 hex digits), for list/revoke and logs
  Hash256 key_sha256;     // SHA-256 of the key text
  PublicKey account;
  std::string label;
  std::uint64_t created_ms = 0;
  friend bool operator==(const ApiKeyEntry&, const ApiKeyEntry&) = default;
};

// The key's SHA-256, as stored.
Hash256 api_key_hash(std::string_view key);

struct NewApiKey {
  ApiKeyEntry entry;
  std::string key;  // shown once; never stored
};
NewApiKey make_api_key(const PublicKey& account, std::string label, std::uint64_t created_ms);

// A missing file is an empty list; anything malformed names the file and line.
Result<std::vector<ApiKeyEntry>> load_api_keys(const std::string& path);
Status save_api_keys(const std::string& path, const std::vector<ApiKeyEntry>& entries);

// The keystore file of `account` in `keystore_dir`.
std::string keystore_path(const std::string& keystore_dir, const PublicKey& account);

}  // namespace replex::config
