// Key files for every key a node holds: the Ed25519 p2p node key, consensus
// (validator) key and trader account keys (their 32-byte seeds), and the
// secp256k1 Ethereum key of settlement (its 32-byte secret).
//
// Format: one line of the 64 lower-case hex digits of the seed and a newline, mode 0600.
// A file that group or others may access is refused with a message saying
// so; `kind` ("validator key") names the file in every error.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "replex/core/ed25519.hpp"
#include "replex/core/status.hpp"

namespace replex::config {

// Creates `path` with mode 0600; kAlreadyExists if it exists (never overwrites).
Status write_key_file(const std::string& path, const KeyPair& key, std::string_view kind);

// kNotFound, kPermissionDenied (group/other access), or kCorruption (not one
// line of 64 hex digits), each naming the path and the kind.
Result<KeyPair> read_key_file(const std::string& path, std::string_view kind);

// The same file format for any 32-byte secret (an Ethereum key).
using SecretBytes = std::array<std::uint8_t, 32>;
Status write_secret_file(const std::string& path, const SecretBytes& secret, std::string_view kind);
Result<SecretBytes> read_secret_file(const std::string& path, std::string_view kind);

// Reads `path`, or creates it with a fresh key when it does not exist.
Result<KeyPair> load_or_create_key_file(const std::string& path, std::string_view kind);

}  // namespace replex::config
