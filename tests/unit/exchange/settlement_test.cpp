// Settlement on the state machine's side: the genesis settlement section,
// deposit attestations (threshold, exactly-once crediting, accounts created by
// deposits, every refusal), withdrawals to each chain, the new events, and the
// settlement section of snapshots and of the audit.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "exchange_harness.hpp"
#include "random_traffic.hpp"
#include "replex/core/hash.hpp"
#include "replex/v1/tx.pb.h"
#include "state.hpp"

namespace replex::exchange {
namespace {

using testing::Harness;
using testing::kAnvil;
using testing::kMainnet;
using testing::kStartBase;
using testing::kStartQuote;
using testing::limit;
using testing::settlement_genesis;
using testing::test_genesis;

DepositAttestationArgs deposit(Harness& h, EvmChainId chain, DepositId id, const std::string& to,
                               std::string_view asset, std::uint64_t amount) {
  DepositAttestationArgs a{chain, id, h.id(to), std::string(asset), amount, {}};
  a.eth_tx_hash.fill(0xee);
  return a;
}

Bytes attest(Harness& h, const std::string& attester, const DepositAttestationArgs& a) {
  return h.builder().deposit_attestation(h.key(attester), h.next(), a);
}

Genesis settlement_genesis_with(const std::function<void(GenesisSettlement&)>& change) {
  Genesis g = settlement_genesis();
  change(*g.settlement);
  return g;
}

AssetIndex asset_of(Harness& h, std::string_view symbol) { return *h.app().rules().find_asset(symbol); }

// ---- genesis ----

// The golden test's genesis (and the harness default) hashed before the
// settlement section existed: a genesis without it must keep these bytes.
TEST(SettlementGenesis, AGenesisWithoutTheSectionEncodesExactlyAsBefore) {
  const Genesis golden = test_genesis(testing::kTraders);
  EXPECT_EQ(genesis_hash(golden).hex(), "5b30adef7954504873d3b516085b9a17417cd908f291442d67bd62ca9028e37d");
  EXPECT_EQ(encode_genesis(golden).size(), 1258u);
  EXPECT_EQ(genesis_hash(test_genesis()).hex(), "4c05657e3e4794cbe8bd94afa40a72e23f31d86b92cc77a573bb5a60029cf789");
  auto app = ExchangeApp::create(golden);
  ASSERT_TRUE(app.is_ok());
  EXPECT_EQ((*app)->app_hash().hex(), "cff46b75de6a87b27f923296482ba8ec1a9e55afb1825e9b799df2a15a743305");

  // The section is a trailing addition: the old bytes, then tag 1.
  Genesis with = golden;
  with.settlement = settlement_genesis().settlement;
  const Bytes old_bytes = encode_genesis(golden);
  const Bytes new_bytes = encode_genesis(with);
  ASSERT_GT(new_bytes.size(), old_bytes.size());
  EXPECT_TRUE(std::equal(old_bytes.begin(), old_bytes.end(), new_bytes.begin()));
  EXPECT_EQ(new_bytes[old_bytes.size()], 0x01);
  EXPECT_NE(genesis_hash(with), genesis_hash(golden));
}

void expect_invalid(const Genesis& g, std::string_view fragment) {
  const Status s = validate_genesis(g);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
  EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
}

TEST(SettlementGenesis, ValidationNamesTheBadField) {
  EXPECT_TRUE(validate_genesis(settlement_genesis()).is_ok());
  const AccountId val0 = KeyPair::from_label("val0").public_key();
  expect_invalid(settlement_genesis_with([](GenesisSettlement& s) { s.attesters.clear(); }),
                 "settlement.attesters: at least one attester");
  expect_invalid(settlement_genesis_with([&](GenesisSettlement& s) { s.attesters[1] = val0; }),
                 "settlement.attesters[1]: duplicate attester");
  expect_invalid(settlement_genesis_with([](GenesisSettlement& s) { s.attesters[0] = AccountId{}; }),
                 "settlement.attesters[0]: not set");
  expect_invalid(settlement_genesis_with([](GenesisSettlement& s) { s.attestation_threshold = 0; }),
                 "settlement.attestation_threshold: 0 is outside 1..4");
  expect_invalid(settlement_genesis_with([](GenesisSettlement& s) { s.attestation_threshold = 5; }),
                 "settlement.attestation_threshold: 5 is outside 1..4");
  expect_invalid(settlement_genesis_with([](GenesisSettlement& s) { s.max_pending_attestations_per_attester = 0; }),
                 "settlement.max_pending_attestations_per_attester");
  expect_invalid(settlement_genesis_with([](GenesisSettlement& s) { s.chains[0].chain_id = 0; }),
                 "settlement.chains[0].chain_id: must be > 0");
  expect_invalid(settlement_genesis_with([](GenesisSettlement& s) { s.chains[1].chain_id = s.chains[0].chain_id; }),
                 "settlement.chains[1].chain_id: duplicate chain 31337");
  expect_invalid(settlement_genesis_with([](GenesisSettlement& s) { s.chains[0].assets[1] = "DOGE"; }),
                 "settlement.chains[0].assets[1]: unknown asset 'DOGE'");
  expect_invalid(settlement_genesis_with([](GenesisSettlement& s) { s.chains[1].assets.push_back("USDT"); }),
                 "settlement.chains[1].assets[2]: duplicate asset 'USDT'");
  expect_invalid(settlement_genesis_with([](GenesisSettlement& s) { s.chains[1].assets.clear(); }),
                 "settlement.chains[1].assets: at least one asset");
  // No chains at all is allowed: attesters without anything to attest yet.
  EXPECT_TRUE(validate_genesis(settlement_genesis_with([](GenesisSettlement& s) { s.chains.clear(); })).is_ok());
}

TEST(SettlementGenesis, CanonicalEncodingIgnoresListOrderAndRoundTrips) {
  const Genesis a = settlement_genesis();
  Genesis b = a;
  std::reverse(b.settlement->attesters.begin(), b.settlement->attesters.end());
  std::reverse(b.settlement->chains.begin(), b.settlement->chains.end());
  for (auto& c : b.settlement->chains) std::reverse(c.assets.begin(), c.assets.end());
  EXPECT_EQ(encode_genesis(a), encode_genesis(b));

  const Genesis canonical = canonical_genesis(a);
  ASSERT_EQ(canonical.settlement->chains.size(), 2u);
  EXPECT_EQ(canonical.settlement->chains[0].chain_id, kMainnet);
  EXPECT_EQ(canonical.settlement->chains[1].assets, (std::vector<std::string>{"BASE", "QUOTE", "USDT"}));
  EXPECT_TRUE(std::is_sorted(canonical.settlement->attesters.begin(), canonical.settlement->attesters.end()));
  auto decoded = decode_genesis(encode_genesis(b));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, canonical);

  Genesis c = a;
  c.settlement->attestation_threshold = 2;
  EXPECT_NE(genesis_hash(a), genesis_hash(c));
  c = a;
  c.settlement->chains[0].assets.pop_back();
  EXPECT_NE(genesis_hash(a), genesis_hash(c));
}

TEST(SettlementGenesis, DecodeRejectsBadSections) {
  const Bytes plain = encode_genesis(test_genesis());
  const Bytes good = encode_genesis(settlement_genesis());
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_FALSE(decode_genesis(trailing).is_ok());
  Bytes unknown_tag = good;
  unknown_tag[plain.size()] = 2;
  EXPECT_NE(decode_genesis(unknown_tag).status().message().find("unknown section"), std::string::npos);
  Bytes truncated(good.begin(), good.end() - 2);
  EXPECT_FALSE(decode_genesis(truncated).is_ok());
  // Swapping the first two attesters leaves valid bytes out of canonical order.
  Bytes unsorted = good;
  const std::size_t first = plain.size() + 1 + 4 + 4 + 4;
  std::swap_ranges(unsorted.begin() + first, unsorted.begin() + first + 32, unsorted.begin() + first + 32);
  EXPECT_NE(decode_genesis(unsorted).status().message().find("canonical"), std::string::npos);
  // A threshold above the attester count is refused by validation.
  Bytes high = good;
  high[plain.size() + 4] = 9;  // low byte of attestation_threshold
  EXPECT_FALSE(decode_genesis(high).is_ok());
}

TEST(SettlementGenesis, ChainRulesAnswerSettlementQuestions) {
  auto rules = ChainRules::create(settlement_genesis());
  ASSERT_TRUE(rules.is_ok());
  const ChainRules& r = **rules;
  EXPECT_TRUE(r.is_attester(KeyPair::from_label("val2").public_key()));
  EXPECT_FALSE(r.is_attester(KeyPair::from_label("alice").public_key()));
  EXPECT_EQ(r.attestation_threshold(), 3u);
  EXPECT_EQ(r.default_withdrawal_chain(), kMainnet);
  EXPECT_TRUE(r.chain_lists_asset(kAnvil, *r.find_asset("BASE")));
  EXPECT_FALSE(r.chain_lists_asset(kMainnet, *r.find_asset("BASE")));
  EXPECT_FALSE(r.chain_lists_asset(5, *r.find_asset("USDT")));
  EXPECT_TRUE(r.asset_is_bridged(*r.find_asset("BTC")));
  EXPECT_EQ(r.genesis_supply(*r.find_asset("QUOTE")), 4 * kStartQuote);
  auto plain = ChainRules::create(test_genesis());
  ASSERT_TRUE(plain.is_ok());
  EXPECT_EQ((*plain)->default_withdrawal_chain(), 0u);
  EXPECT_FALSE((*plain)->is_attester(KeyPair::from_label("val0").public_key()));
  EXPECT_FALSE((*plain)->asset_is_bridged(0));
}

// ---- deposits ----

TEST(Deposits, ThresholdCreditsExactlyOnce) {
  Harness h(settlement_genesis());
  const AssetIndex quote = asset_of(h, "QUOTE");
  const auto d = deposit(h, kAnvil, 1, "alice", "QUOTE", 5000);
  EXPECT_EQ(h.app().deposit_status(kAnvil, 1).state, DepositState::kUnknown);

  EXPECT_EQ(h.exec(attest(h, "val0", d)), 0u);
  auto attested = h.events<event::DepositAttested>();
  ASSERT_EQ(attested.size(), 1u);
  EXPECT_EQ(attested[0].chain_id, kAnvil);
  EXPECT_EQ(attested[0].deposit_id, 1u);
  EXPECT_EQ(attested[0].attester, h.id("val0"));
  EXPECT_EQ(attested[0].attestations, 1u);
  EXPECT_TRUE(h.events<event::BalanceChanged>().empty());
  DepositStatus status = h.app().deposit_status(kAnvil, 1);
  EXPECT_EQ(status.state, DepositState::kPending);
  ASSERT_EQ(status.contents.size(), 1u);
  EXPECT_EQ(status.contents[0], (DepositAttestations{h.id("alice"), quote, 5000, {h.id("val0")}}));

  EXPECT_EQ(h.exec(attest(h, "val1", d)), 0u);
  EXPECT_EQ(h.events<event::DepositAttested>().at(0).attestations, 2u);
  EXPECT_EQ(h.balance("alice", "QUOTE").available, kStartQuote);
  EXPECT_EQ(h.app().deposit_status(kAnvil, 1).contents.at(0).attesters.size(), 2u);

  // The third distinct attester credits: TxResult, DepositAttested, DepositCredited, BalanceChanged.
  EXPECT_EQ(h.exec(attest(h, "val2", d)), 0u);
  const auto& events = h.app().last_block_events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_TRUE(std::holds_alternative<event::TxResult>(events[0]));
  EXPECT_EQ(std::get<event::DepositAttested>(events[1]).attestations, 3u);
  const auto& credited = std::get<event::DepositCredited>(events[2]);
  EXPECT_EQ(credited.chain_id, kAnvil);
  EXPECT_EQ(credited.deposit_id, 1u);
  EXPECT_EQ(credited.account, h.id("alice"));
  EXPECT_EQ(credited.asset, quote);
  EXPECT_EQ(credited.amount, 5000u);
  const auto& changed = std::get<event::BalanceChanged>(events[3]);
  EXPECT_EQ(changed.account, h.id("alice"));
  EXPECT_EQ(changed.available, kStartQuote + 5000);
  EXPECT_EQ(h.app().deposit_status(kAnvil, 1), (DepositStatus{DepositState::kCredited, {}}));
  EXPECT_EQ(h.app().deposited_total(quote), 5000u);

  // Late attestations are refused and change nothing; the mempool's check already refuses them.
  EXPECT_EQ(h.app().full_check(attest(h, "val3", d), h.app().last_height() + 1).code,
            code(Reason::kDepositAlreadyCredited));
  EXPECT_EQ(h.exec(attest(h, "val3", d)), code(Reason::kDepositAlreadyCredited));
  EXPECT_NE(h.message_of(0).find("already credited"), std::string::npos);
  EXPECT_EQ(h.exec(attest(h, "val0", d)), code(Reason::kDepositAlreadyCredited));
  EXPECT_TRUE(h.events<event::BalanceChanged>().empty());
  EXPECT_EQ(h.balance("alice", "QUOTE").available, kStartQuote + 5000);
  EXPECT_EQ(h.app().deposited_total(quote), 5000u);
  // The same deposit id on the other chain is another deposit.
  EXPECT_EQ(h.app().deposit_status(kMainnet, 1).state, DepositState::kUnknown);
}

TEST(Deposits, AnAttesterAttestsADepositOnce) {
  Harness h(settlement_genesis());
  auto d = deposit(h, kAnvil, 7, "bob", "BASE", 100);
  EXPECT_EQ(h.exec(attest(h, "val0", d)), 0u);
  EXPECT_EQ(h.app().check_tx(attest(h, "val0", d), h.app().last_height() + 1).code,
            code(Reason::kDuplicateAttestation));
  EXPECT_TRUE(h.app().check_tx(attest(h, "val1", d), h.app().last_height() + 1).ok());
  EXPECT_EQ(h.exec(attest(h, "val0", d)), code(Reason::kDuplicateAttestation));
  EXPECT_NE(h.message_of(0).find("already attested"), std::string::npos);
  d.amount = 101;  // not a second vote for another content either
  EXPECT_EQ(h.exec(attest(h, "val0", d)), code(Reason::kDuplicateAttestation));
  const DepositStatus status = h.app().deposit_status(kAnvil, 7);
  ASSERT_EQ(status.contents.size(), 1u);
  EXPECT_EQ(status.contents[0].amount, 100u);
}

TEST(Deposits, DisagreeingAttestationsCreditOnlyTheContentThatReachesTheThreshold) {
  Harness h(settlement_genesis());
  const auto good = deposit(h, kAnvil, 1, "alice", "BASE", 100);
  auto wrong = good;
  wrong.amount = 999;
  EXPECT_EQ(h.exec(attest(h, "val0", good)), 0u);
  EXPECT_EQ(h.exec(attest(h, "val1", wrong)), 0u);
  EXPECT_EQ(h.events<event::DepositAttested>().at(0).attestations, 1u);  // counts its own content
  DepositStatus status = h.app().deposit_status(kAnvil, 1);
  ASSERT_EQ(status.contents.size(), 2u);
  EXPECT_EQ(status.contents[0].amount, 100u);  // sorted by (account, asset, amount)
  EXPECT_EQ(status.contents[1].amount, 999u);
  EXPECT_EQ(status.contents[1].attesters, std::vector<AccountId>{h.id("val1")});
  EXPECT_EQ(h.exec(attest(h, "val2", good)), 0u);
  EXPECT_EQ(h.events<event::DepositAttested>().at(0).attestations, 2u);
  EXPECT_EQ(h.exec(attest(h, "val3", good)), 0u);
  ASSERT_EQ(h.events<event::DepositCredited>().size(), 1u);
  EXPECT_EQ(h.events<event::DepositCredited>()[0].amount, 100u);
  EXPECT_EQ(h.balance("alice", "BASE").available, kStartBase + 100);
  // The disagreeing attestation went with the credit.
  EXPECT_EQ(h.exec(attest(h, "val1", good)), code(Reason::kDepositAlreadyCredited));

  // Split 2-2 on the account with threshold 3: nothing is credited.
  const auto to_alice = deposit(h, kAnvil, 2, "alice", "BASE", 50);
  const auto to_bob = deposit(h, kAnvil, 2, "bob", "BASE", 50);
  const auto outcome = h.run({attest(h, "val0", to_alice), attest(h, "val1", to_bob), attest(h, "val2", to_alice),
                              attest(h, "val3", to_bob)});
  EXPECT_EQ(outcome.tx_codes, (std::vector<std::uint32_t>{0, 0, 0, 0}));
  EXPECT_TRUE(h.events<event::DepositCredited>().empty());
  status = h.app().deposit_status(kAnvil, 2);
  EXPECT_EQ(status.state, DepositState::kPending);
  ASSERT_EQ(status.contents.size(), 2u);
  EXPECT_EQ(status.contents[0].attesters.size(), 2u);
  EXPECT_EQ(status.contents[1].attesters.size(), 2u);
  EXPECT_EQ(h.balance("bob", "BASE").available, kStartBase);
}

TEST(Deposits, EveryAttestationInOneBlockStillCreditsOnce) {
  Harness h(settlement_genesis());
  const auto d = deposit(h, kMainnet, 3, "carol", "USDT", 123'456);
  const auto outcome = h.run({attest(h, "val3", d), attest(h, "val1", d), attest(h, "val0", d), attest(h, "val2", d),
                              attest(h, "val3", d)});
  const auto credited = code(Reason::kDepositAlreadyCredited);
  EXPECT_EQ(outcome.tx_codes, (std::vector<std::uint32_t>{0, 0, 0, credited, credited}));
  EXPECT_EQ(h.events<event::DepositCredited>().size(), 1u);
  EXPECT_EQ(h.events<event::BalanceChanged>().size(), 1u);
  EXPECT_EQ(h.balance("carol", "USDT").available, 100'000'000'000'000u + 123'456);
}

TEST(Deposits, CreditedIdsAreRememberedForeverInAnyOrder) {
  Harness h(settlement_genesis_with([](GenesisSettlement& s) { s.attestation_threshold = 1; }));
  for (const DepositId id : {3, 1, 5, 2, 9}) {
    EXPECT_EQ(h.exec(attest(h, "val0", deposit(h, kMainnet, id, "alice", "USDT", id))), 0u) << id;
  }
  for (const DepositId id : {1, 2, 3, 5, 9}) {
    EXPECT_EQ(h.app().deposit_status(kMainnet, id).state, DepositState::kCredited) << id;
    EXPECT_EQ(h.exec(attest(h, "val1", deposit(h, kMainnet, id, "alice", "USDT", id))),
              code(Reason::kDepositAlreadyCredited));
  }
  for (const DepositId id : {4, 6, 8, 10}) EXPECT_EQ(h.app().deposit_status(kMainnet, id).state, DepositState::kUnknown);
  EXPECT_EQ(h.exec(attest(h, "val2", deposit(h, kMainnet, 4, "alice", "USDT", 4))), 0u);
  EXPECT_EQ(h.app().deposited_total(asset_of(h, "USDT")), 3u + 1 + 5 + 2 + 9 + 4);
}

TEST(ChainDeposits, TheWatermarkFoldsConsecutiveIds) {
  ChainDeposits c;
  c.mark_credited(2);
  c.mark_credited(4);
  EXPECT_EQ(c.credited_through, 0u);
  EXPECT_EQ(c.credited_above, (std::set<DepositId>{2, 4}));
  c.mark_credited(1);
  EXPECT_EQ(c.credited_through, 2u);
  EXPECT_EQ(c.credited_above, (std::set<DepositId>{4}));
  c.mark_credited(3);
  EXPECT_EQ(c.credited_through, 4u);
  EXPECT_TRUE(c.credited_above.empty());
  EXPECT_TRUE(c.credited(1) && c.credited(4));
  EXPECT_FALSE(c.credited(5));
}

// Replicas judge a proposal on states of different ages, so each refusal
// says how later states treat it (abci::TxCheck::Scope): a signer with no
// account yet may be funded by a later deposit; an attestation may be
// refused once a later block credits the deposit; a used nonce stays used.
TEST(Deposits, EachRefusalSaysHowALaterStateTreatsIt) {
  using Scope = abci::TxCheck::Scope;
  Harness h(settlement_genesis());
  const auto check = [&](const Bytes& tx) { return h.app().check_tx(tx, h.app().last_height() + 1); };
  const Bytes order = h.place_tx("frank", limit(Side::kBuy, 100, 10));
  EXPECT_EQ(check(order).code, code(Reason::kUnknownAccount));
  EXPECT_EQ(check(order).scope, Scope::kUntilLaterState);
  const auto d = deposit(h, kAnvil, 1, "frank", "QUOTE", 2000);
  EXPECT_EQ(h.exec(attest(h, "val0", d)), 0u);
  const Bytes again = attest(h, "val0", d);
  EXPECT_EQ(check(again).code, code(Reason::kDuplicateAttestation));
  EXPECT_EQ(check(again).scope, Scope::kAdmissionOnly);
  const Bytes fourth = attest(h, "val3", d);
  EXPECT_TRUE(check(fourth).ok());
  EXPECT_EQ(h.run({attest(h, "val1", d), attest(h, "val2", d)}).tx_codes,
            (std::vector<std::uint32_t>{0, 0}));  // the threshold (3) credits it
  EXPECT_EQ(check(fourth).code, code(Reason::kDepositAlreadyCredited));
  EXPECT_EQ(check(fourth).scope, Scope::kAdmissionOnly);
  EXPECT_TRUE(check(order).ok());
  EXPECT_EQ(h.exec(order), 0u);
  EXPECT_EQ(check(order).code, code(Reason::kDuplicateNonce));
  EXPECT_EQ(check(order).scope, Scope::kLasting);
}

TEST(Deposits, ADepositCreatesTheAccountWhichThenTrades) {
  Harness h(settlement_genesis());
  EXPECT_FALSE(h.app().has_account(h.id("frank")));
  EXPECT_EQ(h.exec(h.place_tx("frank", limit(Side::kBuy, 100, 10))), code(Reason::kUnknownAccount));
  h.place("alice", limit(Side::kSell, 100, 10));
  const auto d = deposit(h, kAnvil, 1, "frank", "QUOTE", 2000);
  EXPECT_EQ(h.run({attest(h, "val0", d), attest(h, "val1", d)}).tx_codes, (std::vector<std::uint32_t>{0, 0}));
  EXPECT_FALSE(h.app().has_account(h.id("frank")));

  // In one block: frank's order before the credit has no account yet; after it, it trades.
  const auto outcome = h.run({h.place_tx("frank", limit(Side::kBuy, 100, 1)), attest(h, "val2", d),
                              h.place_tx("frank", limit(Side::kBuy, 100, 10))});
  EXPECT_EQ(outcome.tx_codes, (std::vector<std::uint32_t>{code(Reason::kUnknownAccount), 0, 0}));
  EXPECT_TRUE(h.app().has_account(h.id("frank")));
  ASSERT_EQ(h.events<event::Trade>().size(), 1u);
  EXPECT_EQ(h.events<event::Trade>()[0].taker, h.id("frank"));
  // 1000 notional + 2 taker fee (20 bps).
  EXPECT_EQ(h.balance("frank", "QUOTE").available, 2000u - 1000 - 2);
  EXPECT_EQ(h.balance("frank", "BASE").available, 10u);

  const auto accounts = h.app().accounts();
  EXPECT_TRUE(std::is_sorted(accounts.begin(), accounts.end()));
  EXPECT_NE(std::find(accounts.begin(), accounts.end(), h.id("frank")), accounts.end());
  EXPECT_NE(std::find(accounts.begin(), accounts.end(), h.id("val3")), accounts.end());  // attesters have accounts
  // Four traders, the fee account, four attesters, frank.
  EXPECT_EQ(accounts.size(), 10u);

  // And withdraws like anyone else.
  EthAddress addr{};
  addr[0] = 0x42;
  EXPECT_EQ(h.exec(h.builder().register_settlement_address(h.key("frank"), h.next(), addr)), 0u);
  EXPECT_EQ(h.exec(h.builder().withdraw(h.key("frank"), h.next(), "BASE", 10, kAnvil)), 0u);
  EXPECT_EQ(h.balance("frank", "BASE").available, 0u);
}

struct Refusal {
  Reason reason;
  std::string field;
  std::function<Bytes(Harness&)> tx;
};

Bytes raw_attestation(Harness& h, const std::string& signer, const std::function<void(v1::DepositAttestation&)>& edit) {
  v1::TransactionBody body;
  body.set_nonce(h.next().nonce);
  body.set_good_til_height(h.app().last_height() + 5);
  auto* d = body.mutable_deposit_attestation();
  d->set_chain_id(kAnvil);
  d->set_deposit_id(1);
  d->set_account(std::string(as_chars(h.id("alice").view())));
  d->set_asset("QUOTE");
  d->set_amount(10);
  d->set_eth_tx_hash(std::string(32, 'h'));
  edit(*d);
  const std::string bytes = body.SerializeAsString();
  return h.builder().seal(h.key(signer), as_bytes(bytes));
}

TEST(Deposits, StaticChecksRefuseWithNamedFieldsBeforeAnyState) {
  Harness h(settlement_genesis());
  const std::vector<Refusal> cases = {
      {Reason::kNotAnAttester, "not a genesis attester",
       [](Harness& x) { return attest(x, "alice", deposit(x, kAnvil, 1, "alice", "QUOTE", 10)); }},
      {Reason::kUnknownChain, "deposit_attestation.chain_id: chain 5",
       [](Harness& x) { return attest(x, "val0", deposit(x, 5, 1, "alice", "QUOTE", 10)); }},
      {Reason::kAssetNotOnChain, "asset BASE is not bridged on chain 1",
       [](Harness& x) { return attest(x, "val0", deposit(x, kMainnet, 1, "alice", "BASE", 10)); }},
      {Reason::kUnknownAsset, "deposit_attestation.asset",
       [](Harness& x) { return attest(x, "val0", deposit(x, kAnvil, 1, "alice", "DOGE", 10)); }},
      {Reason::kInvalidField, "deposit_attestation.deposit_id",
       [](Harness& x) { return attest(x, "val0", deposit(x, kAnvil, 0, "alice", "QUOTE", 10)); }},
      {Reason::kInvalidField, "deposit_attestation.amount",
       [](Harness& x) { return attest(x, "val0", deposit(x, kAnvil, 1, "alice", "QUOTE", 0)); }},
      {Reason::kInvalidField, "deposit_attestation.chain_id: must be > 0",
       [](Harness& x) { return attest(x, "val0", deposit(x, 0, 1, "alice", "QUOTE", 10)); }},
      {Reason::kInvalidField, "deposit_attestation.account: all zero",
       [](Harness& x) {
         auto d = deposit(x, kAnvil, 1, "alice", "QUOTE", 10);
         d.account = AccountId{};
         return attest(x, "val0", d);
       }},
      {Reason::kInvalidField, "deposit_attestation.account: expected 32 bytes",
       [](Harness& x) { return raw_attestation(x, "val0", [](v1::DepositAttestation& d) { d.set_account("short"); }); }},
      {Reason::kInvalidField, "deposit_attestation.eth_tx_hash: expected 32 bytes",
       [](Harness& x) { return raw_attestation(x, "val0", [](v1::DepositAttestation& d) { d.clear_eth_tx_hash(); }); }},
  };
  for (const Refusal& c : cases) {
    const Bytes tx = c.tx(h);
    EXPECT_EQ(h.app().verify_tx(tx).code, code(c.reason)) << c.field;  // stateless: the mempool refuses it
    EXPECT_EQ(reason_name(h.exec(tx)), reason_name(c.reason)) << c.field;
    EXPECT_NE(h.message_of(0).find(c.field), std::string::npos) << "message '" << h.message_of(0) << "'";
    EXPECT_TRUE(h.events<event::BalanceChanged>().empty());
  }
  EXPECT_EQ(h.app().deposit_status(kAnvil, 1).state, DepositState::kUnknown);
  // The well-formed base of raw_attestation is accepted, so each case above failed on its field alone.
  EXPECT_EQ(h.exec(raw_attestation(h, "val0", [](v1::DepositAttestation&) {})), 0u);

  // Without a settlement section nobody is an attester; without chains there is nothing to attest.
  Harness plain;
  EXPECT_EQ(plain.exec(attest(plain, "val0", deposit(plain, kAnvil, 1, "alice", "QUOTE", 10))),
            code(Reason::kNotAnAttester));
  Harness chainless(settlement_genesis_with([](GenesisSettlement& s) { s.chains.clear(); }));
  EXPECT_EQ(chainless.exec(attest(chainless, "val0", deposit(chainless, kAnvil, 1, "alice", "QUOTE", 10))),
            code(Reason::kUnknownChain));
}

TEST(Deposits, AttestationsAreReplayProtectedLikeEveryTransaction) {
  Harness h(settlement_genesis());
  const TxHeader header = h.next();
  const auto d = deposit(h, kAnvil, 1, "alice", "QUOTE", 10);
  const Bytes tx = h.builder().deposit_attestation(h.key("val0"), header, d);
  EXPECT_EQ(h.exec(tx), 0u);
  EXPECT_EQ(h.exec(tx), code(Reason::kDuplicateNonce));
  const Bytes expired = h.builder().deposit_attestation(h.key("val1"), TxHeader{h.next().nonce, 1}, d);
  EXPECT_EQ(h.exec(expired), code(Reason::kExpired));
  EXPECT_EQ(h.app().deposit_status(kAnvil, 1).contents.at(0).attesters.size(), 1u);
}

TEST(Deposits, PendingAttestationsPerAttesterAreBounded) {
  Harness h(settlement_genesis_with([](GenesisSettlement& s) { s.max_pending_attestations_per_attester = 2; }));
  EXPECT_EQ(h.exec(attest(h, "val0", deposit(h, kAnvil, 1, "alice", "QUOTE", 10))), 0u);
  EXPECT_EQ(h.exec(attest(h, "val0", deposit(h, kAnvil, 2, "alice", "QUOTE", 20))), 0u);
  EXPECT_EQ(h.exec(attest(h, "val0", deposit(h, kAnvil, 3, "alice", "QUOTE", 30))),
            code(Reason::kTooManyPendingAttestations));
  EXPECT_NE(h.message_of(0).find("max_pending_attestations_per_attester is 2"), std::string::npos) << h.message_of(0);
  // Crediting deposit 1 settles val0's attestation of it, which frees one place.
  EXPECT_EQ(h.exec(attest(h, "val1", deposit(h, kAnvil, 1, "alice", "QUOTE", 10))), 0u);
  EXPECT_EQ(h.exec(attest(h, "val2", deposit(h, kAnvil, 1, "alice", "QUOTE", 10))), 0u);
  EXPECT_EQ(h.exec(attest(h, "val0", deposit(h, kAnvil, 3, "alice", "QUOTE", 30))), 0u);
  // val1 is at its limit (deposit 1 no longer counts, so take two more) ...
  EXPECT_EQ(h.exec(attest(h, "val1", deposit(h, kAnvil, 4, "alice", "QUOTE", 40))), 0u);
  EXPECT_EQ(h.exec(attest(h, "val1", deposit(h, kAnvil, 5, "alice", "QUOTE", 50))), 0u);
  EXPECT_EQ(h.exec(attest(h, "val1", deposit(h, kAnvil, 6, "alice", "QUOTE", 60))),
            code(Reason::kTooManyPendingAttestations));
  // ... yet an attestation of its that completes a deposit does not stay pending, so it is taken.
  EXPECT_EQ(h.exec(attest(h, "val2", deposit(h, kAnvil, 2, "alice", "QUOTE", 20))), 0u);
  EXPECT_EQ(h.exec(attest(h, "val1", deposit(h, kAnvil, 2, "alice", "QUOTE", 20))), 0u);
  EXPECT_EQ(h.events<event::DepositCredited>().size(), 1u);
}

TEST(Deposits, TotalSupplyStaysWithin64Bits) {
  Harness h(settlement_genesis());
  const AssetIndex quote = asset_of(h, "QUOTE");
  const std::uint64_t room = UINT64_MAX - h.app().rules().genesis_supply(quote);
  const auto too_much = deposit(h, kAnvil, 1, "alice", "QUOTE", room + 1);
  EXPECT_EQ(h.exec(attest(h, "val0", too_much)), 0u);
  EXPECT_EQ(h.exec(attest(h, "val1", too_much)), 0u);
  EXPECT_EQ(h.exec(attest(h, "val2", too_much)), code(Reason::kAmountOverflow));
  EXPECT_NE(h.message_of(0).find("total supply of QUOTE"), std::string::npos);
  EXPECT_EQ(h.app().deposit_status(kAnvil, 1).state, DepositState::kPending);
  const auto exactly = deposit(h, kAnvil, 2, "bob", "QUOTE", room);
  for (const char* v : {"val0", "val1", "val2"}) EXPECT_EQ(h.exec(attest(h, v, exactly)), 0u);
  EXPECT_EQ(h.app().deposited_total(quote), room);
}

// ---- withdrawals ----

TEST(Withdrawals, GoToTheChainTheyNameIfItListsTheAsset) {
  Harness h(settlement_genesis());
  EthAddress addr{};
  addr[19] = 0x99;
  EXPECT_EQ(h.exec(h.builder().register_settlement_address(h.key("alice"), h.next(), addr)), 0u);
  // Chain 0: the first chain by id (1).
  EXPECT_EQ(h.exec(h.builder().withdraw(h.key("alice"), h.next(), "USDT", 100)), 0u);
  EXPECT_TRUE(h.events<event::WithdrawalRecorded>().empty());
  auto on_chain = h.events<event::WithdrawalRecordedOnChain>();
  ASSERT_EQ(on_chain.size(), 1u);
  const PendingWithdrawal first{1, h.id("alice"), asset_of(h, "USDT"), 100, addr, h.app().last_height(), kMainnet};
  EXPECT_EQ(on_chain[0].withdrawal, first);
  EXPECT_EQ(h.exec(h.builder().withdraw(h.key("alice"), h.next(), "USDT", 200, kAnvil)), 0u);
  EXPECT_EQ(h.events<event::WithdrawalRecordedOnChain>().at(0).withdrawal.chain_id, kAnvil);
  EXPECT_EQ(h.exec(h.builder().withdraw(h.key("alice"), h.next(), "BASE", 5)), code(Reason::kAssetNotOnChain));
  EXPECT_NE(h.message_of(0).find("withdraw.chain_id: asset BASE is not bridged on chain 1"), std::string::npos);
  EXPECT_EQ(h.exec(h.builder().withdraw(h.key("alice"), h.next(), "BASE", 5, kAnvil)), 0u);
  EXPECT_EQ(h.exec(h.builder().withdraw(h.key("alice"), h.next(), "BTC", 5, kAnvil)), code(Reason::kAssetNotOnChain));
  EXPECT_EQ(h.exec(h.builder().withdraw(h.key("alice"), h.next(), "USDT", 5, 5)), code(Reason::kUnknownChain));
  const auto pending = h.app().pending_withdrawals();
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0], first);
  EXPECT_EQ(pending[1].chain_id, kAnvil);
  EXPECT_EQ(pending[2].chain_id, kAnvil);
  EXPECT_EQ(h.app().withdrawn_total(asset_of(h, "USDT")), 300u);
  EXPECT_EQ(h.balance("alice", "BASE").available, kStartBase - 5);
}

TEST(Withdrawals, WithoutChainsTheyAreWhatTheyAlwaysWere) {
  // The builder's chain 0 is the old body, byte for byte.
  EXPECT_EQ(tx_body::withdraw({3, 9}, "QUOTE", 5, 0), tx_body::withdraw({3, 9}, "QUOTE", 5));
  for (Genesis g : {test_genesis(), settlement_genesis_with([](GenesisSettlement& s) { s.chains.clear(); })}) {
    Harness h(std::move(g));
    EthAddress addr{};
    EXPECT_EQ(h.exec(h.builder().register_settlement_address(h.key("bob"), h.next(), addr)), 0u);
    EXPECT_EQ(h.exec(h.builder().withdraw(h.key("bob"), h.next(), "QUOTE", 5, 7)), code(Reason::kUnknownChain));
    EXPECT_EQ(h.exec(h.builder().withdraw(h.key("bob"), h.next(), "QUOTE", 5, 0)), 0u);
    const auto recorded = h.events<event::WithdrawalRecorded>();
    ASSERT_EQ(recorded.size(), 1u);
    const PendingWithdrawal expected{1, h.id("bob"), *h.app().rules().find_asset("QUOTE"), 5, addr,
                                     h.app().last_height()};  // chain_id 0
    EXPECT_EQ(recorded.front().withdrawal, expected);
    EXPECT_TRUE(h.events<event::WithdrawalRecordedOnChain>().empty());
  }
}

// ---- snapshots ----

// A state with every piece of settlement data: deposits credited in and out
// of order on two chains, a pending deposit with disagreeing attestations, an
// account created by a deposit, withdrawals to both chains.
void build_settlement_state(Harness& h) {
  for (const char* v : {"val0", "val1", "val2"}) {
    ASSERT_EQ(h.exec(attest(h, v, deposit(h, kMainnet, 1, "alice", "BTC", 500'000))), 0u);
    ASSERT_EQ(h.exec(attest(h, v, deposit(h, kMainnet, 3, "grace", "USDT", 9'000))), 0u);
    ASSERT_EQ(h.exec(attest(h, v, deposit(h, kAnvil, 1, "frank", "QUOTE", 50'000))), 0u);
  }
  ASSERT_EQ(h.exec(attest(h, "val0", deposit(h, kAnvil, 2, "bob", "BASE", 7))), 0u);
  ASSERT_EQ(h.exec(attest(h, "val3", deposit(h, kAnvil, 2, "bob", "BASE", 8))), 0u);
  EthAddress addr{};
  addr[5] = 5;
  ASSERT_EQ(h.exec(h.builder().register_settlement_address(h.key("frank"), h.next(), addr)), 0u);
  ASSERT_EQ(h.exec(h.builder().withdraw(h.key("frank"), h.next(), "QUOTE", 1'000, kAnvil)), 0u);
  ASSERT_EQ(h.exec(h.builder().register_settlement_address(h.key("alice"), h.next(), addr)), 0u);
  ASSERT_EQ(h.exec(h.builder().withdraw(h.key("alice"), h.next(), "BTC", 1'000)), 0u);
  h.place("frank", limit(Side::kBuy, 90, 3));
}

TEST(SettlementSnapshot, RestoreRoundTripsEverySettlementPieceAndContinuesIdentically) {
  Harness h(settlement_genesis());
  build_settlement_state(h);
  const Bytes snap = h.app().snapshot();
  Harness restored(settlement_genesis());
  const Status s = restored.app().restore(snap);
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  EXPECT_EQ(restored.app().snapshot(), snap);
  EXPECT_EQ(restored.app().state_digest(), h.app().state_digest());
  EXPECT_EQ(restored.app().app_hash(), h.app().app_hash());
  EXPECT_EQ(restored.app().accounts(), h.app().accounts());
  EXPECT_EQ(restored.app().pending_withdrawals(), h.app().pending_withdrawals());
  EXPECT_EQ(restored.app().pending_withdrawals().at(1).chain_id, kMainnet);
  for (AssetIndex a = 0; a < h.app().rules().asset_count(); ++a) {
    EXPECT_EQ(restored.app().deposited_total(a), h.app().deposited_total(a));
  }
  for (const EvmChainId chain : {kMainnet, kAnvil}) {
    for (DepositId id = 0; id <= 4; ++id) {
      EXPECT_EQ(restored.app().deposit_status(chain, id), h.app().deposit_status(chain, id)) << chain << " " << id;
    }
  }
  EXPECT_EQ(h.app().deposit_status(kAnvil, 2).contents.size(), 2u);
  EXPECT_EQ(h.app().deposit_status(kMainnet, 3).state, DepositState::kCredited);
  EXPECT_EQ(h.app().deposit_status(kMainnet, 2).state, DepositState::kUnknown);

  // Both go on the same way: a duplicate, the completing attestations, a late one.
  const std::vector<Bytes> block = {attest(h, "val0", deposit(h, kAnvil, 2, "bob", "BASE", 7)),
                                    attest(h, "val1", deposit(h, kAnvil, 2, "bob", "BASE", 7)),
                                    attest(h, "val2", deposit(h, kAnvil, 2, "bob", "BASE", 7)),
                                    attest(h, "val3", deposit(h, kAnvil, 2, "bob", "BASE", 7)),
                                    attest(h, "val3", deposit(h, kMainnet, 2, "bob", "USDT", 70))};
  const auto a = h.app().execute_block({h.app().last_height() + 1, 0}, block);
  const auto b = restored.app().execute_block({restored.app().last_height() + 1, 0}, block);
  EXPECT_EQ(a.app_hash, b.app_hash);
  EXPECT_EQ(a.tx_codes, (std::vector<std::uint32_t>{code(Reason::kDuplicateAttestation), 0, 0,
                                                    code(Reason::kDepositAlreadyCredited), 0}));
  EXPECT_EQ(h.app().snapshot(), restored.app().snapshot());
  EXPECT_TRUE(restored.app().check_invariants().is_ok());
}

// The settlement section's bytes, read back from the end of a snapshot.
Bytes empty_settlement_section(std::size_t assets) {
  ByteWriter w;
  w.u8(1);
  w.u32(static_cast<std::uint32_t>(assets));
  for (std::size_t i = 0; i < assets; ++i) w.u64(0);
  w.u32(0);  // chains
  w.u32(0);  // withdrawal chains
  return w.take();
}

TEST(SettlementSnapshot, TheSectionIsAbsentWhenEmptyAndRefusedWhereItDoesNotBelong) {
  // A settlement genesis with no settlement activity yet has no section: the
  // snapshot ends with the (empty) pending withdrawal list.
  Harness fresh(settlement_genesis());
  const Bytes bare = fresh.app().snapshot();
  EXPECT_EQ(Bytes(bare.end() - 4, bare.end()), (Bytes{0, 0, 0, 0}));
  Bytes padded = bare;
  const Bytes empty = empty_settlement_section(fresh.app().rules().asset_count());
  padded.insert(padded.end(), empty.begin(), empty.end());
  EXPECT_NE(fresh.app().restore(padded).message().find("empty settlement section"), std::string::npos);
  Bytes unknown = bare;
  unknown.push_back(2);
  EXPECT_NE(fresh.app().restore(unknown).message().find("unknown trailing section"), std::string::npos);

  // A section on a genesis without settlement is refused.
  Harness plain;
  Bytes foreign = plain.app().snapshot();
  foreign.insert(foreign.end(), empty.begin(), empty.end());
  EXPECT_NE(plain.app().restore(foreign).message().find("genesis without settlement"), std::string::npos);

  // Damaged settlement state is refused and the state stays as it was.
  Harness h(settlement_genesis());
  build_settlement_state(h);
  const Bytes good = h.app().snapshot();
  Harness other(settlement_genesis());
  const Hash256 before = other.app().state_digest();
  int rejected = 0;
  // Flip each bit 0 of the trailing section: 1 + 4 + 4 * 8 deposited, 4 chains,
  // chain 1 (8 + 8 + 4 + 8 + 4), chain 31337 (8 + 8 + 4 + 4, deposit 2: 8 + 4 +
  // 2 * (32 + 4 + 8 + 4 + 32)), 4 + 2 * 16 withdrawal chains.
  const std::size_t section_bytes = 37 + 4 + 32 + 196 + 36;
  const std::size_t tail = good.size() - section_bytes;
  EXPECT_EQ(good[tail], 0x01);
  for (std::size_t i = tail; i < good.size(); ++i) {
    Bytes bad = good;
    bad[i] ^= 0x01;
    if (!other.app().restore(bad).is_ok()) {
      ++rejected;
      EXPECT_EQ(other.app().state_digest(), before);
    } else {
      EXPECT_TRUE(other.app().check_invariants().is_ok());
      ASSERT_TRUE(other.app().restore(bare).is_ok());  // back to where the next flip is compared from
    }
  }
  // Some flips leave a consistent state (an amount or account of a pending
  // attestation, a watermark lowered); the audit accepted those above.
  EXPECT_GT(rejected, static_cast<int>(section_bytes) / 2);
  for (std::size_t cut = tail; cut < good.size(); cut += 7) {
    EXPECT_FALSE(other.app().restore(Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut))).is_ok());
  }
}

// ---- the audit ----

TEST(SettlementAudit, CatchesEachBrokenSettlementInvariant) {
  auto rules = ChainRules::create(settlement_genesis());
  ASSERT_TRUE(rules.is_ok());
  const AccountId alice = KeyPair::from_label("alice").public_key();
  const AccountId val0 = KeyPair::from_label("val0").public_key();
  const AccountId mallory = KeyPair::from_label("mallory").public_key();
  const AssetIndex quote = *(*rules)->find_asset("QUOTE");
  const AssetIndex btc = *(*rules)->find_asset("BTC");
  auto expect_audit = [&](const std::function<void(State&)>& corrupt, std::string_view fragment) {
    auto s = genesis_state(*rules);
    ASSERT_TRUE(audit_state(*s).is_ok());
    corrupt(*s);
    const Status status = audit_state(*s);
    EXPECT_FALSE(status.is_ok()) << fragment;
    EXPECT_NE(status.message().find(fragment), std::string::npos) << status.message();
  };
  const DepositContent content{alice, quote, 10};
  expect_audit([&](State& s) {
    s.deposits[kAnvil].pending[1].groups[content].insert(mallory);
    s.pending_attestations[mallory] = 1;
  }, "attested by non-attester");
  expect_audit([&](State& s) {
    s.deposits[kAnvil].credited_through = 1;
    s.deposits[kAnvil].pending[1].groups[content].insert(val0);
    s.pending_attestations[val0] = 1;
  }, "pending although credited");
  expect_audit([&](State& s) {
    s.deposits[kAnvil].credited_above.insert(5);
    s.deposits[kAnvil].pending[5].groups[content].insert(val0);
    s.pending_attestations[val0] = 1;
  }, "pending although credited");
  expect_audit([&](State& s) { s.deposited[quote] = 10; }, "genesis supply plus deposits");
  expect_audit([&](State& s) {
    s.deposited[quote] = 10;
    s.accounts[*s.find_account(alice)].balances[quote].available += 10;
    s.deposits[kAnvil].pending[1].groups[content].insert(val0);
  }, "pending attestation counts out of step");
  expect_audit([&](State& s) {
    auto& group = s.deposits[kAnvil].pending[1].groups[content];
    for (const char* v : {"val0", "val1", "val2"}) {
      group.insert(KeyPair::from_label(v).public_key());
      s.pending_attestations[KeyPair::from_label(v).public_key()] = 1;
    }
  }, "agreeing attestations pending with threshold 3");
  expect_audit([&](State& s) {
    s.deposits[kAnvil].pending[1].groups[content].insert(val0);
    s.deposits[kAnvil].pending[1].groups[DepositContent{alice, quote, 11}].insert(val0);
    s.pending_attestations[val0] = 2;
  }, "attested twice");
  expect_audit([&](State& s) {
    s.deposits[kAnvil].pending[1].groups[DepositContent{alice, btc, 10}].insert(val0);  // BTC is not on 31337
    s.pending_attestations[val0] = 1;
  }, "attested content out of range");
  expect_audit([&](State& s) { s.deposits[77].credited_through = 1; }, "not a settlement chain");
  expect_audit([&](State& s) { s.deposits[kAnvil]; }, "an empty entry");
  expect_audit([&](State& s) { s.deposits[kAnvil].credited_above.insert(1); }, "not above the watermark");
  // A pending withdrawal of 1 QUOTE from alice, consistent but for its chain.
  auto withdraw_one = [&](State& s, EvmChainId chain_id) {
    s.accounts[*s.find_account(alice)].balances[quote].available -= 1;
    s.withdrawn[quote] = 1;
    s.withdrawals.emplace(1, PendingWithdrawal{1, alice, quote, 1, {}, 1, chain_id});
  };
  expect_audit([&](State& s) { withdraw_one(s, kMainnet); }, "not a settlement chain listing its asset");  // QUOTE is not on 1
  expect_audit([&](State& s) { withdraw_one(s, 0); }, "not a settlement chain listing its asset");

  // Without a settlement section, no deposit record and no withdrawal chain may exist.
  auto plain_rules = ChainRules::create(test_genesis());
  ASSERT_TRUE(plain_rules.is_ok());
  auto plain = genesis_state(*plain_rules);
  plain->deposits[kAnvil].credited_through = 1;
  EXPECT_NE(audit_state(*plain).message().find("without a settlement section"), std::string::npos);
  plain = genesis_state(*plain_rules);
  withdraw_one(*plain, 0);
  EXPECT_TRUE(audit_state(*plain).is_ok());
  plain = genesis_state(*plain_rules);
  withdraw_one(*plain, kAnvil);
  EXPECT_NE(audit_state(*plain).message().find("chain 31337 is not a settlement chain"), std::string::npos);
}

// ---- events and reason codes ----

TEST(SettlementEvents, NewEventsHaveNewTagsAndRoundTrip) {
  const AccountId a = KeyPair::from_label("a").public_key();
  const AccountId v = KeyPair::from_label("v").public_key();
  // Pinned (docs/wire-formats.md): tag 15, chain 1, deposit 2, account, asset 3, amount 500.
  EXPECT_EQ(to_hex(encode_events(std::vector<Event>{event::DepositCredited{1, 2, a, 3, 500}})),
            "00000001" "0f" "0000000000000001" "0000000000000002" + a.hex() + "00000003" "00000000000001f4");
  EXPECT_EQ(to_hex(encode_events(std::vector<Event>{event::DepositAttested{31337, 9, v, 2}})),
            "00000001" "0e" "0000000000007a69" "0000000000000009" + v.hex() + "00000002");
  EthAddress addr{};
  addr[0] = 0xaa;
  const PendingWithdrawal w{4, a, 1, 77, addr, 12, 31337};
  const std::vector<Event> events = {event::DepositAttested{31337, 9, v, 2}, event::DepositCredited{1, 2, a, 3, 500},
                                     event::WithdrawalRecordedOnChain{w}};
  const Bytes bytes = encode_events(events);
  // WithdrawalRecordedOnChain: WithdrawalRecorded's layout, then the chain id.
  Bytes legacy = encode_events(std::vector<Event>{event::WithdrawalRecorded{w}});
  Bytes on_chain = encode_events(std::vector<Event>{event::WithdrawalRecordedOnChain{w}});
  EXPECT_EQ(on_chain.size(), legacy.size() + 8);
  EXPECT_EQ(on_chain[4], 16);
  EXPECT_TRUE(std::equal(legacy.begin() + 5, legacy.end(), on_chain.begin() + 5));
  auto decoded = decode_events(bytes);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(encode_events(*decoded), bytes);
  EXPECT_EQ(std::get<event::WithdrawalRecordedOnChain>((*decoded)[2]).withdrawal, w);
  EXPECT_EQ(std::get<event::DepositAttested>((*decoded)[0]).attester, v);
  EXPECT_FALSE(decode_events(*from_hex("00000001" "11")).is_ok());  // tag 17 is not defined
}

TEST(SettlementReasons, NewCodesAreAppendedWithStableNames) {
  EXPECT_EQ(code(Reason::kNotAnAttester), 26u);
  EXPECT_EQ(code(Reason::kUnknownChain), 27u);
  EXPECT_EQ(code(Reason::kAssetNotOnChain), 28u);
  EXPECT_EQ(code(Reason::kDuplicateAttestation), 29u);
  EXPECT_EQ(code(Reason::kDepositAlreadyCredited), 30u);
  EXPECT_EQ(code(Reason::kTooManyPendingAttestations), 31u);
  EXPECT_EQ(kMaxReasonCode, 31u);
  EXPECT_EQ(reason_name(Reason::kNotAnAttester), "NOT_AN_ATTESTER");
  EXPECT_EQ(reason_name(Reason::kUnknownChain), "UNKNOWN_CHAIN");
  EXPECT_EQ(reason_name(Reason::kAssetNotOnChain), "ASSET_NOT_ON_CHAIN");
  EXPECT_EQ(reason_name(Reason::kDuplicateAttestation), "DUPLICATE_ATTESTATION");
  EXPECT_EQ(reason_name(Reason::kDepositAlreadyCredited), "DEPOSIT_ALREADY_CREDITED");
  EXPECT_EQ(reason_name(Reason::kTooManyPendingAttestations), "TOO_MANY_PENDING_ATTESTATIONS");
}

}  // namespace
}  // namespace replex::exchange
