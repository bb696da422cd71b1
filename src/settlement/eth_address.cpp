#include "replex/settlement/eth_address.hpp"

#include <algorithm>

#include "replex/core/bytes.hpp"
#include "replex/settlement/keccak.hpp"

namespace replex::settlement {

// EIP-55: upper-case the i-th hex letter of the lower-case address when the
// i-th nibble of keccak256(lower-case hex, as ASCII) is 8 or more.
std::string to_checksum_hex(const EthAddress& address) {
  std::string hex = to_hex(ByteView(address.data(), address.size()));
  const Hash256 h = keccak256(std::string_view(hex));
  for (std::size_t i = 0; i < hex.size(); ++i) {
    const std::uint8_t nibble = (i % 2 == 0) ? (h.bytes[i / 2] >> 4) : (h.bytes[i / 2] & 0x0f);
    if (hex[i] >= 'a' && hex[i] <= 'f' && nibble >= 8) hex[i] = static_cast<char>(hex[i] - 'a' + 'A');
  }
  return "0x" + hex;
}

Result<EthAddress> parse_eth_address(std::string_view text) {
  std::string_view digits = text;
  if (digits.starts_with("0x") || digits.starts_with("0X")) digits.remove_prefix(2);
  if (digits.size() != 40) {
    return Status::invalid_argument("address: expected 40 hex digits, got " + std::to_string(digits.size()));
  }
  REPLEX_ASSIGN_OR_RETURN(const Bytes raw, from_hex(digits));
  EthAddress address{};
  std::copy(raw.begin(), raw.end(), address.begin());
  const bool has_lower = std::any_of(digits.begin(), digits.end(), [](char c) { return c >= 'a' && c <= 'f'; });
  const bool has_upper = std::any_of(digits.begin(), digits.end(), [](char c) { return c >= 'A' && c <= 'F'; });
  if (has_lower && has_upper && to_checksum_hex(address).substr(2) != digits) {
    return Status::invalid_argument("address: mixed case but not the EIP-55 checksum (expected " +
                                    to_checksum_hex(address) + ")");
  }
  return address;
}

}  // namespace replex::settlement
