// EIP-712: the EIP's own "Mail" example through our generic pieces, and the
// contract's Batch and ValidatorSetUpdate checked by cast wallet sign --data.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cast.hpp"
#include "eth_values.hpp"
#include "replex/settlement/eip712.hpp"
#include "replex/settlement/keccak.hpp"
#include "replex/settlement/secp256k1.hpp"
#include "support/temp_dir.hpp"

namespace replex::settlement {
namespace {

using testing::cast;
using testing::filled;
using testing::address_of;
using testing::hex_of;
using testing::hex0x;

TEST(Eip712, MailExampleOfTheEip) {
  constexpr std::string_view kPerson = "Person(string name,address wallet)";
  constexpr std::string_view kMail = "Mail(Person from,Person to,string contents)Person(string name,address wallet)";
  auto person = [&](std::string_view name, std::string_view wallet) {
    return hash_struct(kPerson, {AbiValue::bytes32(keccak256(name)), AbiValue::address(address_of(wallet))});
  };
  const Hash256 mail =
      hash_struct(kMail, {AbiValue::bytes32(person("Cow", "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826")),
                          AbiValue::bytes32(person("Bob", "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB")),
                          AbiValue::bytes32(keccak256("Hello, Bob!"))});
  const Hash256 domain =
      domain_separator("Ether Mail", "1", 1, address_of("0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"));
  EXPECT_EQ(domain.hex(), "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
  EXPECT_EQ(mail.hex(), "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e");
  const Hash256 digest = typed_data_digest(domain, mail);
  EXPECT_EQ(digest.hex(), "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");

  // The EIP signs it with keccak256("cow"), the key of the "from" wallet.
  const EthKey cow = EthKey::from_bytes(keccak256("cow").view()).value();
  EXPECT_EQ(to_checksum_hex(cow.address()), "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826");
  const EthSignature sig = cow.sign_digest(digest);
  EXPECT_EQ(sig.recovery_id + 27, 28);
  EXPECT_EQ(to_hex(ByteView(sig.r.data(), sig.r.size())),
            "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d");
  EXPECT_EQ(to_hex(ByteView(sig.s.data(), sig.s.size())),
            "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562");
  EXPECT_EQ(recover_address(digest, sig).value(), cow.address());
}

TEST(Eip712, TypeStringsAreTheContracts) {
  EXPECT_EQ(kBatchType,
            "Batch(uint64 number,uint64 fromHeight,uint64 toHeight,bytes32 prevRoot,bytes32 tradesRoot,"
            "bytes32 deltasHash,bytes32 withdrawalsRoot)");
  EXPECT_EQ(kValidatorSetUpdateType, "ValidatorSetUpdate(uint64 setId,address[] validators,uint256 threshold)");
  EXPECT_EQ(type_hash(kEip712DomainType).hex(),
            "8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f");  // the well-known domain typehash
}

const EthAddress kContract = address_of("0x5FbDB2315678afecb367f032d93F642f64180aa3");
constexpr std::uint64_t kChainId = 31337;

nlohmann::json domain_json() {
  return {{"name", kSettlementDomainName},
          {"version", kSettlementDomainVersion},
          {"chainId", kChainId},
          {"verifyingContract", hex_of(kContract)}};
}

nlohmann::json domain_types() {
  return nlohmann::json::array({{{"name", "name"}, {"type", "string"}},
                                {{"name", "version"}, {"type", "string"}},
                                {{"name", "chainId"}, {"type", "uint256"}},
                                {{"name", "verifyingContract"}, {"type", "address"}}});
}

// cast's signature of typed data (JSON in a file) with `key`, as r||s||v hex.
std::string cast_sign_typed(const EthKey& key, const nlohmann::json& typed_data) {
  replex::testing::TempDir dir;
  const std::string path = dir.file("typed.json");
  std::ofstream(path) << typed_data.dump();
  return cast({"wallet", "sign", "--private-key", hex0x(ByteView(key.secret().data(), key.secret().size())),
               "--data", "--from-file", path});
}

std::string rsv_hex(const EthSignature& sig) {
  const auto rsv = sig.to_rsv65();
  return hex0x(ByteView(rsv.data(), rsv.size()));
}

TEST(Eip712, BatchDigestAndSignatureMatchCast) {
  REPLEX_REQUIRE_CAST();
  const BatchHeader batch{.number = 12,
                         .from_height = 1101,
                         .to_height = 1200,
                         .prev_root = filled(0xa1),
                         .trades_root = keccak256("trades"),
                         .deltas_hash = keccak256("deltas"),
                         .withdrawals_root = Hash256{}};
  const nlohmann::json typed = {
      {"types",
       {{"EIP712Domain", domain_types()},
        {"Batch", nlohmann::json::array({{{"name", "number"}, {"type", "uint64"}},
                                         {{"name", "fromHeight"}, {"type", "uint64"}},
                                         {{"name", "toHeight"}, {"type", "uint64"}},
                                         {{"name", "prevRoot"}, {"type", "bytes32"}},
                                         {{"name", "tradesRoot"}, {"type", "bytes32"}},
                                         {{"name", "deltasHash"}, {"type", "bytes32"}},
                                         {{"name", "withdrawalsRoot"}, {"type", "bytes32"}}})}}},
      {"primaryType", "Batch"},
      {"domain", domain_json()},
      {"message",
       {{"number", batch.number},
        {"fromHeight", batch.from_height},
        {"toHeight", batch.to_height},
        {"prevRoot", "0x" + batch.prev_root.hex()},
        {"tradesRoot", "0x" + batch.trades_root.hex()},
        {"deltasHash", "0x" + batch.deltas_hash.hex()},
        {"withdrawalsRoot", "0x" + batch.withdrawals_root.hex()}}}};
  const Hash256 digest =
      typed_data_digest(domain_separator(kSettlementDomainName, kSettlementDomainVersion, kChainId, kContract), batch_struct_hash(batch));
  for (int i = 0; i < 2; ++i) {
    const EthKey key = EthKey::generate();
    EXPECT_EQ(cast_sign_typed(key, typed), rsv_hex(key.sign_digest(digest)));
  }
}

TEST(Eip712, ValidatorSetUpdateDigestAndSignatureMatchCast) {
  REPLEX_REQUIRE_CAST();
  const ValidatorSetUpdate update{.set_id = 3,
                                  .validators = {address_of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"),
                                                 kContract, address_of("0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826")},
                                  .threshold = 2};
  nlohmann::json validators = nlohmann::json::array();
  for (const EthAddress& a : update.validators) validators.push_back(hex_of(a));
  const nlohmann::json typed = {
      {"types",
       {{"EIP712Domain", domain_types()},
        {"ValidatorSetUpdate", nlohmann::json::array({{{"name", "setId"}, {"type", "uint64"}},
                                                      {{"name", "validators"}, {"type", "address[]"}},
                                                      {{"name", "threshold"}, {"type", "uint256"}}})}}},
      {"primaryType", "ValidatorSetUpdate"},
      {"domain", domain_json()},
      {"message", {{"setId", update.set_id}, {"validators", validators}, {"threshold", "2"}}}};
  const EthKey key = EthKey::generate();
  const Hash256 digest = typed_data_digest(domain_separator(kSettlementDomainName, kSettlementDomainVersion, kChainId, kContract),
                                           validator_set_update_struct_hash(update));
  EXPECT_EQ(cast_sign_typed(key, typed), rsv_hex(key.sign_digest(digest)));

  // Order matters: the same set listed differently is another update.
  ValidatorSetUpdate reordered = update;
  std::swap(reordered.validators[0], reordered.validators[1]);
  EXPECT_NE(validator_set_update_struct_hash(reordered), validator_set_update_struct_hash(update));
}

TEST(Eip712, DeltasHashIsKeccakOfAbiEncodedDeltaArray) {
  REPLEX_REQUIRE_CAST();
  const std::vector<Delta> deltas = {
      {.account = filled(0x01), .token = kContract, .amount = -250},
      {.account = filled(0x02), .token = EthAddress{}, .amount = 1'000'000'000'000},
      {.account = filled(0x03), .token = kContract, .amount = parse_i256("-57896044618658097711785492504343953926634992332820282019728792003956564819968").value()}};
  std::string arg = "[";
  for (const Delta& d : deltas) {
    if (arg.size() > 1) arg += ",";
    arg += "(0x" + d.account.hex() + "," + hex_of(d.token) + "," + to_decimal(d.amount) + ")";
  }
  arg += "]";
  const std::string encoded = cast({"abi-encode", "f((bytes32,address,int256)[])", arg});
  EXPECT_EQ(cast({"keccak", encoded}), "0x" + deltas_hash(deltas).hex());
  // The empty list still hashes its offset and zero length.
  EXPECT_EQ(cast({"keccak", cast({"abi-encode", "f((bytes32,address,int256)[])", "[]"})}),
            "0x" + deltas_hash({}).hex());
}

}  // namespace
}  // namespace replex::settlement
