# libsecp256k1 (Ethereum signatures): Debian ships only a .pc file.
include(ReplexPkgConfig)
replex_pkg_config_target(Secp256k1::secp256k1 libsecp256k1 secp256k1_recovery.h)
set(Secp256k1_FOUND TRUE)
