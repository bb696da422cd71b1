#include "keystore.hpp"

#include "replex/config/key_file.hpp"

namespace replex::api {
namespace {

constexpr auto kRecheckInterval = std::chrono::seconds(1);

}  // namespace

Keystore::Keystore(std::string api_keys_file, std::string keystore_dir)
    : api_keys_file_(std::move(api_keys_file)), keystore_dir_(std::move(keystore_dir)) {}

Status Keystore::reload_if_changed() {
  const auto now = std::chrono::steady_clock::now();
  if (loaded_ && now - checked_ < kRecheckInterval) return Status::ok();
  checked_ = now;
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(api_keys_file_, ec);
  if (loaded_ && !ec && mtime == loaded_mtime_) return Status::ok();
  REPLEX_ASSIGN_OR_RETURN(std::vector<config::ApiKeyEntry> entries, config::load_api_keys(api_keys_file_));
  std::map<Hash256, config::ApiKeyEntry> by_hash;
  std::map<PublicKey, std::shared_ptr<const KeyPair>> keys;
  for (config::ApiKeyEntry& entry : entries) {
    if (!keys.count(entry.account)) {
      // A key whose account file is missing stays unusable until it appears.
      auto key = config::read_key_file(config::keystore_path(keystore_dir_, entry.account), "account key");
      if (key && key->public_key() == entry.account) {
        keys.emplace(entry.account, std::make_shared<const KeyPair>(std::move(*key)));
      }
    }
    by_hash.emplace(entry.key_sha256, std::move(entry));
  }
  by_hash_ = std::move(by_hash);
  keys_ = std::move(keys);
  loaded_mtime_ = ec ? std::filesystem::file_time_type{} : mtime;
  loaded_ = true;
  return Status::ok();
}

ApiResult<Custodian> Keystore::authenticate(std::string_view api_key) {
  std::lock_guard lock(mutex_);
  if (Status s = reload_if_changed(); !s) return ApiError::unavailable("the keystore cannot be read: " + s.message());
  const auto it = by_hash_.find(config::api_key_hash(api_key));
  if (it == by_hash_.end()) return ApiError::unauthorized("X-API-Key: unknown or revoked key", "BAD_API_KEY");
  const auto key = keys_.find(it->second.account);
  if (key == keys_.end()) {
    return ApiError::unauthorized("X-API-Key: this node holds no key for account " + it->second.account.hex(),
                                  "NO_ACCOUNT_KEY");
  }
  return Custodian{it->second.account, key->second, it->second.id};
}

std::uint64_t Keystore::next_nonce(const PublicKey& account) {
  const auto now_us = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::lock_guard lock(mutex_);
  std::uint64_t& last = last_nonce_[account];
  const std::uint64_t candidate = (now_us << 4) | salt_;
  last = candidate > last ? candidate : last + 16;  // keeps the salt in the low bits
  return last;
}

}  // namespace replex::api
