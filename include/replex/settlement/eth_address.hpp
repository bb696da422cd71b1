// Ethereum addresses as text: EIP-55 checksummed output, case-insensitive
// input that refuses a mixed-case address whose checksum is wrong. The address
// itself is exchange::EthAddress (20 bytes), the type the state machine stores.
#pragma once

#include <string>
#include <string_view>

#include "replex/core/status.hpp"
#include "replex/exchange/types.hpp"

namespace replex::settlement {

using exchange::EthAddress;

// "0x" + 40 hex digits in EIP-55 mixed case.
std::string to_checksum_hex(const EthAddress& address);
// 40 hex digits with an optional "0x" prefix. All lower or all upper case is
// accepted as is; mixed case must be the EIP-55 checksum.
Result<EthAddress> parse_eth_address(std::string_view text);
// The zero address (0x00..00): the "no recipient"/ether marker in contracts.
inline constexpr EthAddress kZeroAddress{};

}  // namespace replex::settlement
