// Private to p2p: libsodium must be initialised before the first call.
#pragma once

namespace replex::p2p::detail {
// Thread-safe and idempotent; aborts if libsodium cannot initialise.
void ensure_sodium_ready();
}  // namespace replex::p2p::detail
