// Private to core: libsodium must be initialised once before any call.
#pragma once

namespace replex::detail {
// Thread-safe, idempotent; aborts if libsodium cannot initialise.
void ensure_sodium();
}  // namespace replex::detail
