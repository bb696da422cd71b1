// 256-bit integers for Ethereum quantities: U256 (wei, gas prices, uint256
// arguments) and I256 (int256 balance deltas). Plain values (Boost.Multiprecision);
// U256 arithmetic wraps modulo 2^256, so callers that add or multiply check bounds.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/multiprecision/cpp_int.hpp>

#include "replex/core/bytes.hpp"

namespace replex::settlement {

using U256 = boost::multiprecision::uint256_t;
// Sign and 256-bit magnitude: wider than Solidity's int256, so a value is
// checked with fits_int256() before it is encoded.
using I256 = boost::multiprecision::int256_t;

// One 32-byte big-endian EVM word.
using Word = std::array<std::uint8_t, 32>;

Word to_word(const U256& v);
U256 u256_from_word(const Word& w);
// Big-endian bytes of any length up to 32 (RLP quantities, hex quantities).
Result<U256> u256_from_be_bytes(ByteView be);
// Minimal big-endian bytes: empty for zero, no leading zero byte otherwise.
Bytes to_minimal_be_bytes(const U256& v);

// True if -2^255 <= v < 2^255 (Solidity's int256 range).
bool fits_int256(const I256& v);
// Two's complement word. Precondition: fits_int256(v).
Word int256_to_word(const I256& v);
I256 int256_from_word(const Word& w);

// Decimal digits, or hex digits after "0x" (as JSON-RPC quantities and cast
// print them). Refuses empty input, other characters and values above 2^256 - 1.
Result<U256> parse_u256(std::string_view text);
// Decimal, optionally with a leading '-'; refuses values outside int256.
Result<I256> parse_i256(std::string_view text);
std::string to_decimal(const U256& v);
std::string to_decimal(const I256& v);
// "0x" + minimal lower-case hex ("0x0" for zero), the JSON-RPC quantity format.
std::string to_quantity_hex(const U256& v);

}  // namespace replex::settlement
