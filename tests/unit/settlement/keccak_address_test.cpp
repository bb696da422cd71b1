// Keccak-256, EIP-55 addresses and key -> address, against published vectors
// and against cast.
#include <gtest/gtest.h>

#include "cast.hpp"
#include "replex/settlement/eth_address.hpp"
#include "replex/settlement/keccak.hpp"
#include "replex/settlement/secp256k1.hpp"

namespace replex::settlement {
namespace {

using testing::cast;

TEST(Keccak256, PublishedVectorsAreEthereumsKeccakNotSha3) {
  EXPECT_EQ(keccak256("").hex(), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(keccak256("abc").hex(), "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  // NIST SHA3-256("") would be a7ffc6f8bf1ed766...; Ethereum's padding differs.
  EXPECT_NE(keccak256("").hex(), "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
}

TEST(Keccak256, TwoPartFormEqualsTheConcatenation) {
  EXPECT_EQ(keccak256(as_bytes("ab"), as_bytes("c")), keccak256("abc"));
  EXPECT_EQ(keccak256(as_bytes(""), as_bytes("")), keccak256(""));
}

TEST(Keccak256, MatchesCastOnLongerInputs) {
  REPLEX_REQUIRE_CAST();
  Bytes data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<std::uint8_t>(i * 7 + 3));  // > one 136-byte block
  EXPECT_EQ(cast({"keccak", testing::hex0x(data)}), "0x" + keccak256(data).hex());
  EXPECT_EQ(cast({"keccak", "submitBatch"}), "0x" + keccak256("submitBatch").hex());
}

// The examples of EIP-55 itself.
TEST(EthAddress, Eip55ExamplesRoundTrip) {
  for (const char* text : {
           "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
           "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
           "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
           "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"}) {
    auto parsed = parse_eth_address(text);
    ASSERT_TRUE(parsed.is_ok()) << text << ": " << parsed.status().to_string();
    EXPECT_EQ(to_checksum_hex(*parsed), text);
  }
}

TEST(EthAddress, InputIsCaseInsensitiveUnlessMixedCaseIsAWrongChecksum) {
  const std::string good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
  const EthAddress a = parse_eth_address(good).value();
  EXPECT_EQ(parse_eth_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").value(), a);
  EXPECT_EQ(parse_eth_address("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED").value(), a);
  EXPECT_EQ(parse_eth_address("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").value(), a);
  // One letter's case flipped: mixed case whose checksum is wrong.
  auto wrong = parse_eth_address("0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
  ASSERT_FALSE(wrong.is_ok());
  EXPECT_NE(wrong.status().message().find("EIP-55"), std::string::npos) << wrong.status().to_string();
  EXPECT_FALSE(parse_eth_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea").is_ok());    // 19 bytes
  EXPECT_FALSE(parse_eth_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedaa").is_ok());  // 21 bytes
  EXPECT_FALSE(parse_eth_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg").is_ok());    // not hex
}

TEST(EthAddress, ChecksumMatchesCast) {
  REPLEX_REQUIRE_CAST();
  EthAddress a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint8_t>(0xa5 ^ (i * 29));
  EXPECT_EQ(cast({"to-check-sum-address", "0x" + to_hex(ByteView(a.data(), a.size()))}), to_checksum_hex(a));
}

TEST(EthKey, KnownPrivateKeyGivesItsPublishedAddress) {
  const Bytes secret = from_hex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318").value();
  const EthKey key = EthKey::from_bytes(secret).value();
  EXPECT_EQ(to_checksum_hex(key.address()), "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
  EXPECT_EQ(to_hex(ByteView(key.secret().data(), key.secret().size())), to_hex(secret));
}

TEST(EthKey, AddressMatchesCastForFreshKeys) {
  REPLEX_REQUIRE_CAST();
  for (int i = 0; i < 3; ++i) {
    const EthKey key = EthKey::generate();
    const std::string secret_hex = testing::hex0x(ByteView(key.secret().data(), key.secret().size()));
    EXPECT_EQ(cast({"wallet", "address", "--private-key", secret_hex}), to_checksum_hex(key.address()));
  }
}

TEST(EthKey, RefusesSecretsOutsideTheGroup) {
  EXPECT_FALSE(EthKey::from_bytes(Bytes(32, 0)).is_ok());
  EXPECT_FALSE(EthKey::from_bytes(Bytes(31, 1)).is_ok());
  // n, the group order, is not a valid secret; n - 1 is.
  const Bytes n = from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141").value();
  EXPECT_FALSE(EthKey::from_bytes(n).is_ok());
  const Bytes n_minus_1 = from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140").value();
  EXPECT_TRUE(EthKey::from_bytes(n_minus_1).is_ok());
}

TEST(EthKey, GeneratedKeysDifferAndMovesKeepTheAddress) {
  EthKey a = EthKey::generate();
  const EthKey b = EthKey::generate();
  EXPECT_NE(a.address(), b.address());
  const EthAddress before = a.address();
  EthKey moved = std::move(a);
  EXPECT_EQ(moved.address(), before);
}

}  // namespace
}  // namespace replex::settlement
