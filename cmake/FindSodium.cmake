# libsodium (Ed25519, X25519, AEAD, SHA-256): Debian ships only a .pc file.
include(ReplexPkgConfig)
replex_pkg_config_target(Sodium::sodium libsodium sodium.h)
set(Sodium_FOUND TRUE)
