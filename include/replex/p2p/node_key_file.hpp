// The node identity key file: one line, the 64 lower-case hex digits of the
// Ed25519 seed, then a newline; created with mode 0600 and refused when group
// or others may read or write it (like ssh does with private keys).
#pragma once

#include <string>

#include "replex/core/ed25519.hpp"
#include "replex/core/status.hpp"

namespace replex::p2p {

// Creates `path` with mode 0600; kAlreadyExists if it exists (never overwrites).
Status write_node_key_file(const std::string& path, const KeyPair& key);

// kNotFound, kPermissionDenied (mode allows group/other access), or
// kCorruption (not one line of 64 hex digits), each naming the path.
Result<KeyPair> read_node_key_file(const std::string& path);

// Reads `path`, or creates it with a fresh key when it does not exist.
Result<KeyPair> load_or_create_node_key_file(const std::string& path);

}  // namespace replex::p2p
