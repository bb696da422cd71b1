#include "replex/settlement/keccak.hpp"

#include <crypto++/keccak.h>

namespace replex::settlement {

static_assert(CryptoPP::Keccak_256::DIGESTSIZE == Hash256::kSize);

Hash256 keccak256(ByteView data) {
  Hash256 h;
  CryptoPP::Keccak_256().CalculateDigest(h.bytes.data(), data.data(), data.size());
  return h;
}

Hash256 keccak256(ByteView a, ByteView b) {
  CryptoPP::Keccak_256 k;
  k.Update(a.data(), a.size());
  k.Update(b.data(), b.size());
  Hash256 h;
  k.Final(h.bytes.data());
  return h;
}

}  // namespace replex::settlement
