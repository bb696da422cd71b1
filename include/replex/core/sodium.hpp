// libsodium must be initialised once before any call; every module that
// calls it directly (core's keys, p2p's handshake and AEAD) goes through here.
#pragma once

namespace replex {
// Thread-safe, idempotent; aborts if libsodium cannot initialise.
void ensure_sodium();
}  // namespace replex
