# Crypto++ (Keccak-256 for Ethereum): Debian ships only a .pc file.
include(ReplexPkgConfig)
replex_pkg_config_target(CryptoPP::cryptopp libcrypto++ crypto++/keccak.h)
set(CryptoPP_FOUND TRUE)
