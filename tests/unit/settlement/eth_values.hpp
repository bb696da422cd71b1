// Value helpers the settlement tests share: a hash of one repeated byte, an
// address from its text, an address as 0x-hex.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "replex/core/bytes.hpp"
#include "replex/settlement/eth_address.hpp"

namespace replex::settlement::testing {

inline Hash256 filled(std::uint8_t b) {
  Hash256 h;
  h.bytes.fill(b);
  return h;
}

inline EthAddress address_of(std::string_view text) { return parse_eth_address(text).value(); }

inline std::string hex_of(const EthAddress& a) { return "0x" + to_hex(ByteView(a.data(), a.size())); }

}  // namespace replex::settlement::testing
