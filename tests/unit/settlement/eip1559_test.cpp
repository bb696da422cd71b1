// EIP-1559 transactions: published signed vectors (ethereumjs), cast mktx and
// cast decode-transaction, the decoder's refusals, and the replacement fee rule.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cast.hpp"
#include "eth_values.hpp"
#include "replex/settlement/abi.hpp"
#include "replex/settlement/eip1559.hpp"
#include "replex/settlement/keccak.hpp"
#include "replex/settlement/rlp.hpp"

namespace replex::settlement {
namespace {

using testing::cast;
using testing::address_of;

const char* kCastKey = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

EthKey key_of(std::string_view hex) { return EthKey::from_bytes(from_hex(hex).value()).value(); }

struct PublishedVector {
  std::uint64_t nonce, value, gas_limit, max_priority_fee, max_fee;
  const char* signed_rlp;  // the raw transaction wrapped in one more RLP string
};

// ethereumjs-monorepo packages/tx/test/json/eip1559.json (chain id 7822, to
// 0x...aaaa, key 0x8f2a...be63): one vector with y_parity 0, one with 1.
const PublishedVector kEthereumJs[] = {
    {819, 43203529, 35552, 75853, 121212,
     "b87302f870821e8e8203338301284d8301d97c828ae094000000000000000000000000000000000000aaaa8402933bc980c080a0d067"
     "f2167008c59219652f91cbf8788dbca5f771f6e91e2b7657e85b78b472e0a01d305af9fe81fdba43f0dfcd400ed24dcace0a7e30d4e8"
     "5701dcaaf484cd079e"},
    {353, 61901619, 32593, 38850, 136295,
     "b87202f86f821e8e8201618297c283021467827f5194000000000000000000000000000000000000aaaa8403b08b3380c001a004205678"
     "f13fc1d7b10feea6513dfa76e24418b6e08097d95c6f93a3b64e536da01d45ad61bfece43862de2cce7d2575a8c1d08c26c87f3cb5f26d"
     "7b0be54a91b2"},
};

TEST(Eip1559, SignsThePublishedEthereumJsVectors) {
  const EthKey key = key_of("8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63");
  for (const auto& v : kEthereumJs) {
    Eip1559Transaction tx;
    tx.chain_id = 7822;
    tx.nonce = v.nonce;
    tx.value = v.value;
    tx.gas_limit = v.gas_limit;
    tx.max_priority_fee_per_gas = v.max_priority_fee;
    tx.max_fee_per_gas = v.max_fee;
    tx.to = address_of("0x000000000000000000000000000000000000aaaa");
    const Bytes expected = rlp::decode(from_hex(v.signed_rlp).value()).value().bytes;
    EXPECT_EQ(to_hex(tx.sign(key)), to_hex(expected)) << "nonce " << v.nonce;

    auto decoded = decode_signed_eip1559(expected);
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(decoded->tx, tx);
    EXPECT_EQ(decoded->sender, key.address());
    EXPECT_EQ(decoded->hash, keccak256(expected));
  }
}

Eip1559Transaction deposit_call() {
  Eip1559Transaction tx;
  tx.chain_id = 31337;
  tx.nonce = 3;
  tx.max_priority_fee_per_gas = 1'000'000'000;
  tx.max_fee_per_gas = 2'000'000'000;
  tx.gas_limit = 500'000;
  tx.to = address_of("0x5FbDB2315678afecb367f032d93F642f64180aa3");
  tx.value = parse_u256("1000000000000000000").value();
  Hash256 account;
  account.bytes.fill(0x11);
  tx.data = encode_call("depositEth(bytes32)", {AbiValue::bytes32(account)});
  return tx;
}

TEST(Eip1559, MatchesCastMktx) {
  REPLEX_REQUIRE_CAST();
  const EthKey key = key_of(kCastKey);
  const Eip1559Transaction call = deposit_call();
  EXPECT_EQ(cast({"mktx", "--private-key", kCastKey, "--chain", "31337", "--nonce", "3", "--gas-limit", "500000",
                  "--gas-price", "2000000000", "--priority-gas-price", "1000000000", "--value",
                  "1000000000000000000", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "depositEth(bytes32)",
                  "0x1111111111111111111111111111111111111111111111111111111111111111"}),
            testing::hex0x(call.sign(key)));

  // Contract creation: no `to`, the code as data; and a huge nonce and fees.
  Eip1559Transaction create;
  create.chain_id = 1;
  create.nonce = 0xfffffffffffffffe;
  create.max_priority_fee_per_gas = parse_u256("123456789012345678901234567890").value();
  create.max_fee_per_gas = parse_u256("987654321098765432109876543210").value();
  create.gas_limit = 3'000'000;
  create.data = from_hex("6001600155").value();
  EXPECT_EQ(cast({"mktx", "--private-key", kCastKey, "--chain", "1", "--nonce", "18446744073709551614",
                  "--gas-limit", "3000000", "--gas-price", "987654321098765432109876543210",
                  "--priority-gas-price", "123456789012345678901234567890", "--create", "0x6001600155"}),
            testing::hex0x(create.sign(key)));
}

TEST(Eip1559, CastDecodesWhatWeSign) {
  REPLEX_REQUIRE_CAST();
  const EthKey key = key_of(kCastKey);
  const Eip1559Transaction tx = deposit_call();
  const Bytes raw = tx.sign(key);
  // cast prints the JSON as a JSON string.
  nlohmann::json j = nlohmann::json::parse(cast({"decode-transaction", testing::hex0x(raw)}));
  if (j.is_string()) j = nlohmann::json::parse(j.get<std::string>());
  EXPECT_EQ(j["type"], "0x2");
  EXPECT_EQ(j["chainId"], to_quantity_hex(tx.chain_id));
  EXPECT_EQ(j["nonce"], to_quantity_hex(tx.nonce));
  EXPECT_EQ(j["maxPriorityFeePerGas"], to_quantity_hex(tx.max_priority_fee_per_gas));
  EXPECT_EQ(j["maxFeePerGas"], to_quantity_hex(tx.max_fee_per_gas));
  EXPECT_EQ(j["gas"], to_quantity_hex(tx.gas_limit));
  EXPECT_EQ(j["to"], "0x" + to_hex(ByteView(tx.to->data(), tx.to->size())));
  EXPECT_EQ(j["value"], to_quantity_hex(tx.value));
  EXPECT_EQ(j["input"], testing::hex0x(tx.data));
  EXPECT_EQ(j["accessList"], nlohmann::json::array());
  EXPECT_EQ(j["signer"], "0x" + to_hex(ByteView(key.address().data(), key.address().size())));
  EXPECT_EQ(j["hash"], "0x" + transaction_hash(raw).hex());
}

TEST(Eip1559, DecodeRoundTripsAndRecoversTheSender) {
  const EthKey key = EthKey::generate();
  Eip1559Transaction tx = deposit_call();
  tx.to.reset();
  tx.data = Bytes(100, 0x60);
  const Bytes raw = tx.sign(key);
  auto decoded = decode_signed_eip1559(raw);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->tx, tx);
  EXPECT_EQ(decoded->sender, key.address());
  EXPECT_EQ(decoded->tx.encode_signed(decoded->signature), raw);
  EXPECT_EQ(decoded->hash, transaction_hash(raw));
  EXPECT_EQ(recover_address(tx.signing_hash(), decoded->signature).value(), key.address());
}

TEST(Eip1559, DecoderRefusesWhatItCannotRepresentOrTrust) {
  const EthKey key = key_of(kCastKey);
  const Bytes raw = deposit_call().sign(key);
  const rlp::Item body = rlp::decode(ByteView(raw).subspan(1)).value();
  auto typed = [](const rlp::Item& item) {
    Bytes out{kEip1559TxType};
    const Bytes e = rlp::encode(item);
    out.insert(out.end(), e.begin(), e.end());
    return out;
  };
  ASSERT_TRUE(decode_signed_eip1559(typed(body)).is_ok());

  EXPECT_FALSE(decode_signed_eip1559({}).is_ok());
  Bytes legacy = raw;
  legacy[0] = 0x01;
  EXPECT_FALSE(decode_signed_eip1559(legacy).is_ok()) << "type 1";
  Bytes trailing = raw;
  trailing.push_back(0);
  EXPECT_FALSE(decode_signed_eip1559(trailing).is_ok()) << "trailing byte";

  rlp::Item access_list = body;
  access_list.items[8] = rlp::Item::of_list(
      {rlp::Item::of_list({rlp::Item::of_bytes(Bytes(20, 1)), rlp::Item::of_list({})})});
  EXPECT_FALSE(decode_signed_eip1559(typed(access_list)).is_ok()) << "non-empty access list";

  rlp::Item short_to = body;
  short_to.items[5] = rlp::Item::of_bytes(Bytes(19, 1));
  EXPECT_FALSE(decode_signed_eip1559(typed(short_to)).is_ok()) << "19-byte to";

  rlp::Item big_nonce = body;
  big_nonce.items[1] = rlp::Item::of_bytes(Bytes(9, 1));
  EXPECT_FALSE(decode_signed_eip1559(typed(big_nonce)).is_ok()) << "nonce above 2^64";

  rlp::Item parity = body;
  parity.items[9] = rlp::Item::of_bytes(Bytes{2});
  EXPECT_FALSE(decode_signed_eip1559(typed(parity)).is_ok()) << "y_parity 2";

  rlp::Item missing = body;
  missing.items.pop_back();
  EXPECT_FALSE(decode_signed_eip1559(typed(missing)).is_ok()) << "11 fields";

  // A changed field still decodes, but the signature then names someone else.
  rlp::Item tampered = body;
  tampered.items[6] = rlp::Item::of_bytes(Bytes{0x05});
  auto other = decode_signed_eip1559(typed(tampered));
  if (other.is_ok()) {
    EXPECT_NE(other->sender, key.address());
  }
}

TEST(Eip1559, PriorityFeeAboveMaxFeeIsInvalid) {
  Eip1559Transaction tx = deposit_call();
  EXPECT_TRUE(tx.validate().is_ok());
  tx.max_priority_fee_per_gas = tx.max_fee_per_gas + 1;
  EXPECT_FALSE(tx.validate().is_ok());
}

// geth's txpool takes a replacement only if both caps are strictly higher and
// at least old * 1.1; bumped_fees must always clear that bar.
bool accepted_as_replacement(const FeeCaps& old, const FeeCaps& next) {
  auto clears = [](const U256& o, const U256& n) { return n > o && n * 100 >= o * 110; };
  return clears(old.max_fee_per_gas, next.max_fee_per_gas) &&
         clears(old.max_priority_fee_per_gas, next.max_priority_fee_per_gas);
}

TEST(Eip1559, BumpedFeesAreTenPercentUpRoundedUpOnBothFields) {
  const FeeCaps old{.max_fee_per_gas = 30'000'000'001, .max_priority_fee_per_gas = 1'000'000'001};
  const FeeCaps low_suggestion{.max_fee_per_gas = 1, .max_priority_fee_per_gas = 1};
  const FeeCaps bumped = bumped_fees(old, low_suggestion);
  EXPECT_EQ(bumped.max_fee_per_gas, U256(33'000'000'002));        // 33'000'000'001.1 rounded up
  EXPECT_EQ(bumped.max_priority_fee_per_gas, U256(1'100'000'002));  // 1'100'000'001.1 rounded up
  EXPECT_TRUE(accepted_as_replacement(old, bumped));
  // Exactly +10% is the smallest accepted value; one wei less is refused.
  const FeeCaps round{.max_fee_per_gas = 100, .max_priority_fee_per_gas = 10};
  EXPECT_EQ(bumped_fees(round, low_suggestion), (FeeCaps{.max_fee_per_gas = 110, .max_priority_fee_per_gas = 11}));
  EXPECT_FALSE(accepted_as_replacement(round, {.max_fee_per_gas = 109, .max_priority_fee_per_gas = 11}));
}

TEST(Eip1559, BumpedFeesFollowAHigherSuggestionPerField) {
  const FeeCaps old{.max_fee_per_gas = 100, .max_priority_fee_per_gas = 10};
  const FeeCaps suggested{.max_fee_per_gas = 500, .max_priority_fee_per_gas = 5};
  const FeeCaps bumped = bumped_fees(old, suggested);
  EXPECT_EQ(bumped.max_fee_per_gas, U256(500));        // the market moved up
  EXPECT_EQ(bumped.max_priority_fee_per_gas, U256(11));  // the suggestion is below the bump
  EXPECT_TRUE(accepted_as_replacement(old, bumped));
}

TEST(Eip1559, BumpedFeesAlwaysClearTheBarEvenForTinyAndHugeValues) {
  const FeeCaps zero_suggestion{};
  for (std::uint64_t v : {0ull, 1ull, 2ull, 9ull, 10ull, 11ull, 19ull, 99ull, 101ull, 12345678901ull}) {
    const FeeCaps old{.max_fee_per_gas = v * 3, .max_priority_fee_per_gas = v};
    const FeeCaps bumped = bumped_fees(old, zero_suggestion);
    EXPECT_TRUE(accepted_as_replacement(old, bumped)) << v;
    EXPECT_LE(bumped.max_priority_fee_per_gas, bumped.max_fee_per_gas) << v;
  }
  const U256 max = ~U256(0);
  const FeeCaps huge{.max_fee_per_gas = max - 1, .max_priority_fee_per_gas = max / 100};
  const FeeCaps bumped = bumped_fees(huge, zero_suggestion);
  EXPECT_EQ(bumped.max_fee_per_gas, max) << "saturates rather than wrapping";
  EXPECT_GT(bumped.max_priority_fee_per_gas, huge.max_priority_fee_per_gas);
}

}  // namespace
}  // namespace replex::settlement
