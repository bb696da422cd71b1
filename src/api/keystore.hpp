// Keystore: the custodial side of the gateway. Maps an X-API-Key to the
// account it stands for and the key the node signs that account's
// transactions with, and hands out nonces for them.
//
// Sources: the api keys file (hashed keys, config/api_keys.hpp) and one key
// file per account in the keystore folder. Both are re-read when the api
// keys file changes (checked at most once a second), so `replex apikey
// revoke` takes effect on a running node. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "api_error.hpp"
#include "replex/config/api_keys.hpp"
#include "replex/core/ed25519.hpp"

namespace replex::api {

struct Custodian {
  PublicKey account;
  std::shared_ptr<const KeyPair> key;
  std::string key_id;  // the API key's public id, for logs
};

class Keystore {
 public:
  Keystore(std::string api_keys_file, std::string keystore_dir);

  // The account and signing key behind `api_key`; kUnauthorized when the key
  // is unknown or revoked, or its account's key file is missing.
  ApiResult<Custodian> authenticate(std::string_view api_key);

  // A nonce this node has not used for `account`: time-based (microseconds,
  // shifted, with this node's salt in the low bits) and strictly increasing,
  // so two nodes signing for one account rarely collide, and a collision is
  // refused as DUPLICATE_NONCE rather than replayed.
  std::uint64_t next_nonce(const PublicKey& account);

  void set_node_salt(std::uint8_t salt) { salt_ = salt & 0x0f; }

 private:
  Status reload_if_changed();  // under mutex_

  const std::string api_keys_file_;
  const std::string keystore_dir_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point checked_{};           // guarded by mutex_
  std::filesystem::file_time_type loaded_mtime_{};            // guarded by mutex_
  bool loaded_ = false;                                       // guarded by mutex_
  std::map<Hash256, config::ApiKeyEntry> by_hash_;            // guarded by mutex_
  std::map<PublicKey, std::shared_ptr<const KeyPair>> keys_;  // guarded by mutex_
  std::map<PublicKey, std::uint64_t> last_nonce_;             // guarded by mutex_
  std::uint8_t salt_ = 0;
};

}  // namespace replex::api
