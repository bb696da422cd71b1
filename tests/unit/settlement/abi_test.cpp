// The Solidity ABI against cast calldata / cast abi-encode for every function
// the settlement contract exposes, plus the reader's refusals.
#include <gtest/gtest.h>

#include "cast.hpp"
#include "eth_values.hpp"
#include "replex/settlement/abi.hpp"
#include "replex/settlement/eip712.hpp"
#include "replex/settlement/keccak.hpp"
#include "replex/settlement/secp256k1.hpp"
#include "replex/settlement/withdrawal_tree.hpp"

namespace replex::settlement {
namespace {

using testing::cast;
using testing::filled;
using testing::address_of;
using testing::hex_of;
using testing::hex0x;

const EthAddress kAlice = address_of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
const EthAddress kToken = address_of("0x5FbDB2315678afecb367f032d93F642f64180aa3");

TEST(Abi, SelectorsAreTheFirstFourBytesOfKeccak) {
  // Well known: transfer(address,uint256) = 0xa9059cbb.
  EXPECT_EQ(to_hex(function_selector("transfer(address,uint256)")), "a9059cbb");
  EXPECT_EQ(event_topic("Transfer(address,address,uint256)").hex(),
            "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
}

TEST(Abi, StaticWordsMatchCastAbiEncode) {
  REPLEX_REQUIRE_CAST();
  const I256 min = -(I256(1) << 255);
  const I256 max = (I256(1) << 255) - 1;
  const Bytes ours = abi_encode({AbiValue::int256(min), AbiValue::int256(max), AbiValue::int256(-1),
                                 AbiValue::boolean(true), AbiValue::uint64(~std::uint64_t{0}),
                                 AbiValue::address(kAlice), AbiValue::bytes32(filled(0xab)),
                                 AbiValue::uint256(~U256(0)), AbiValue::string("hello world")});
  EXPECT_EQ(cast({"abi-encode", "f(int256,int256,int256,bool,uint64,address,bytes32,uint256,string)", "--",
                  to_decimal(min), to_decimal(max), "-1", "true", "18446744073709551615", hex_of(kAlice),
                  "0x" + filled(0xab).hex(), to_decimal(~U256(0)), "hello world"}),
            hex0x(ours));
}

TEST(Abi, BytesArePaddedToWholeWords) {
  for (std::size_t n : {0u, 1u, 31u, 32u, 33u, 64u}) {
    const Bytes enc = abi_encode({AbiValue::bytes(Bytes(n, 0xcd))});
    EXPECT_EQ(enc.size(), 64 + (n + 31) / 32 * 32) << n;
    EXPECT_EQ(AbiReader(enc).bytes(0).value(), Bytes(n, 0xcd)) << n;
  }
}

BatchHeader sample_batch() {
  return BatchHeader{.number = 7,
                     .from_height = 100,
                     .to_height = 199,
                     .prev_root = filled(0x11),
                     .trades_root = filled(0x22),
                     .deltas_hash = filled(0x33),
                     .withdrawals_root = filled(0x44)};
}

TEST(Abi, SubmitBatchCalldataMatchesCast) {
  REPLEX_REQUIRE_CAST();
  const BatchHeader batch = sample_batch();
  const std::vector<Delta> deltas = {
      {.account = filled(0x55), .token = kAlice, .amount = -5},
      {.account = filled(0x66), .token = {}, .amount = parse_i256("12345678901234567890").value()}};
  const EthKey k1 = EthKey::generate();
  const auto sig1 = k1.sign_digest(filled(0x77)).to_rsv65();
  std::vector<AbiValue> delta_values;
  for (const Delta& d : deltas) delta_values.push_back(to_abi(d));
  const char* signature =
      "submitBatch((uint64,uint64,uint64,bytes32,bytes32,bytes32,bytes32),(bytes32,address,int256)[],bytes[])";
  const Bytes ours = encode_call(
      signature, {to_abi(batch), AbiValue::array(delta_values),
                  AbiValue::array({AbiValue::bytes(Bytes(sig1.begin(), sig1.end())), AbiValue::bytes({0x01, 0x02}),
                                   AbiValue::bytes({})})});
  const std::string batch_arg = "(7,100,199,0x" + filled(0x11).hex() + ",0x" + filled(0x22).hex() + ",0x" +
                                filled(0x33).hex() + ",0x" + filled(0x44).hex() + ")";
  const std::string deltas_arg = "[(0x" + filled(0x55).hex() + "," + hex_of(kAlice) + ",-5),(0x" +
                                 filled(0x66).hex() + "," + hex_of(EthAddress{}) + ",12345678901234567890)]";
  const std::string sigs_arg = "[" + hex0x(ByteView(sig1.data(), sig1.size())) + ",0x0102,0x]";
  EXPECT_EQ(cast({"calldata", signature, batch_arg, deltas_arg, sigs_arg}), hex0x(ours));

  // No deltas and no signatures: empty arrays still carry offset and length.
  const Bytes empty = encode_call(signature, {to_abi(batch), AbiValue::array({}), AbiValue::array({})});
  EXPECT_EQ(cast({"calldata", signature, batch_arg, "[]", "[]"}), hex0x(empty));
}

TEST(Abi, ClaimCalldataMatchesCast) {
  REPLEX_REQUIRE_CAST();
  const Withdrawal w{.id = 42, .recipient = kAlice, .token = kToken, .amount = parse_u256("1000000000000000000000").value()};
  const std::vector<Hash256> proof = {filled(0x01), filled(0x02), filled(0x03)};
  std::vector<AbiValue> proof_values;
  for (const Hash256& h : proof) proof_values.push_back(AbiValue::bytes32(h));
  const char* signature = "claim(uint64,(uint64,address,address,uint256),bytes32[])";
  const Bytes ours = encode_call(signature, {AbiValue::uint64(9), to_abi(w), AbiValue::array(proof_values)});
  EXPECT_EQ(cast({"calldata", signature, "9",
                  "(42," + hex_of(kAlice) + "," + hex_of(kToken) + ",1000000000000000000000)",
                  "[0x" + filled(0x01).hex() + ",0x" + filled(0x02).hex() + ",0x" + filled(0x03).hex() + "]"}),
            hex0x(ours));
}

TEST(Abi, DepositCalldataMatchesCast) {
  REPLEX_REQUIRE_CAST();
  EXPECT_EQ(cast({"calldata", "depositEth(bytes32)", "0x" + filled(0x99).hex()}),
            hex0x(encode_call("depositEth(bytes32)", {AbiValue::bytes32(filled(0x99))})));
  EXPECT_EQ(cast({"calldata", "depositToken(address,uint256,bytes32)", hex_of(kToken), "123456789",
                  "0x" + filled(0x98).hex()}),
            hex0x(encode_call("depositToken(address,uint256,bytes32)",
                              {AbiValue::address(kToken), AbiValue::uint256(123456789),
                               AbiValue::bytes32(filled(0x98))})));
}

TEST(Abi, UpdateValidatorSetCalldataMatchesCast) {
  REPLEX_REQUIRE_CAST();
  const EthKey a = EthKey::generate();
  const EthKey b = EthKey::generate();
  const auto sa = a.sign_digest(filled(0x10)).to_rsv65();
  const auto sb = b.sign_digest(filled(0x10)).to_rsv65();
  const char* signature = "updateValidatorSet(address[],uint256,bytes[])";
  const Bytes ours = encode_call(
      signature,
      {AbiValue::array({AbiValue::address(a.address()), AbiValue::address(b.address()), AbiValue::address(kToken)}),
       AbiValue::uint256(3),
       AbiValue::array({AbiValue::bytes(Bytes(sa.begin(), sa.end())), AbiValue::bytes(Bytes(sb.begin(), sb.end()))})});
  EXPECT_EQ(cast({"calldata", signature,
                  "[" + hex_of(a.address()) + "," + hex_of(b.address()) + "," + hex_of(kToken) + "]", "3",
                  "[" + hex0x(ByteView(sa.data(), sa.size())) + "," + hex0x(ByteView(sb.data(), sb.size())) + "]"}),
            hex0x(ours));
}

TEST(Abi, EventTopicMatchesCastSigEvent) {
  REPLEX_REQUIRE_CAST();
  const char* deposit = "Deposit(address,uint256,bytes32,uint64)";  // contracts/src/Settlement.sol
  EXPECT_EQ(cast({"sig-event", deposit}), "0x" + event_topic(deposit).hex());
}

TEST(Abi, ReaderDecodesStaticWordsFromReturnDataAndTopics) {
  const Bytes data = abi_encode({AbiValue::uint64(77), AbiValue::address(kAlice), AbiValue::int256(-12),
                                 AbiValue::boolean(true), AbiValue::bytes32(filled(0x5a)),
                                 AbiValue::uint256(~U256(0)), AbiValue::bytes({1, 2, 3})});
  const AbiReader r(data);
  EXPECT_EQ(r.uint64(0).value(), 77u);
  EXPECT_EQ(r.address(1).value(), kAlice);
  EXPECT_EQ(r.int256(2).value(), I256(-12));
  EXPECT_TRUE(r.boolean(3).value());
  EXPECT_EQ(r.bytes32(4).value(), filled(0x5a));
  EXPECT_EQ(r.uint256(5).value(), ~U256(0));
  EXPECT_EQ(r.bytes(6).value(), (Bytes{1, 2, 3}));
  // A topic is one word: an indexed address.
  const Hash256 topic = r.bytes32(1).value();
  EXPECT_EQ(AbiReader(topic.view()).address(0).value(), kAlice);
}

TEST(Abi, ReaderRefusesWhatDoesNotFitTheType) {
  const Bytes data = abi_encode({AbiValue::uint256(~U256(0)), AbiValue::uint256(2), AbiValue::uint256(U256(1) << 64)});
  const AbiReader r(data);
  EXPECT_FALSE(r.address(0).is_ok()) << "dirty high bytes";
  EXPECT_FALSE(r.boolean(1).is_ok()) << "bool 2";
  EXPECT_FALSE(r.uint64(2).is_ok()) << "2^64";
  EXPECT_FALSE(r.word(3).is_ok()) << "past the end";
  EXPECT_FALSE(AbiReader(ByteView(data.data(), 31)).word(0).is_ok()) << "a partial word";
  EXPECT_FALSE(r.bytes(0).is_ok()) << "offset out of range";
  // A `bytes` whose length runs past the data.
  Bytes truncated = abi_encode({AbiValue::bytes(Bytes(40, 1))});
  truncated.resize(truncated.size() - 32);
  EXPECT_FALSE(AbiReader(truncated).bytes(0).is_ok());
}

}  // namespace
}  // namespace replex::settlement
