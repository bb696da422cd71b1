// Block-level rules: within-block ordering, replay protection, withdrawals,
// every rejection reason, hashes and events.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "exchange_harness.hpp"
#include "replex/core/codec.hpp"
#include "replex/core/hash.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/v1/tx.pb.h"

namespace replex::exchange {
namespace {

using testing::Harness;
using testing::kStartBase;
using testing::kStartQuote;
using testing::limit;
using testing::market_order;

std::vector<std::uint32_t> result_order(const std::vector<Event>& events) {
  std::vector<std::uint32_t> out;
  for (const auto& e : events) {
    if (const auto* r = std::get_if<event::TxResult>(&e)) out.push_back(r->tx_index);
  }
  return out;
}

TEST(BlockOrdering, CancelsRunBeforeTakersInTheSameBlock) {
  Harness h;
  const OrderId resting = h.place("alice", limit(Side::kSell, 100, 5));
  const auto outcome = h.run({h.place_tx("bob", market_order(Side::kBuy, 5, 100)),  // arrives first
                              h.cancel_tx("alice", resting)});
  EXPECT_EQ(outcome.tx_codes, (std::vector<std::uint32_t>{0, 0}));
  EXPECT_EQ(result_order(h.app().last_block_events()), (std::vector<std::uint32_t>{1, 0}));
  EXPECT_TRUE(h.events<event::Trade>().empty());
  EXPECT_EQ(h.balance("alice", "BASE").available, kStartBase);
}

TEST(BlockOrdering, PostOnlyAndQuantityAmendsRunFirstPriceAmendsAndOthersLater) {
  Harness h;
  const OrderId a = h.place("alice", limit(Side::kBuy, 90, 5));
  PlaceOrderArgs po = limit(Side::kSell, 100, 5);
  po.post_only = true;
  const auto outcome = h.run({
      h.place_tx("bob", limit(Side::kBuy, 100, 5, TimeInForce::kIoc)),  // 0: phase 2
      h.amend_tx("alice", a, 95, 0),                                    // 1: phase 2 (price)
      h.place_tx("carol", po),                                          // 2: phase 1
      h.amend_tx("alice", a, 0, 4),                                     // 3: phase 1 (quantity only)
      h.builder().cancel_all(h.key("dave"), h.next(), ""),              // 4: phase 1
  });
  EXPECT_EQ(outcome.tx_codes, (std::vector<std::uint32_t>{0, 0, 0, 0, 0}));
  EXPECT_EQ(result_order(h.app().last_block_events()), (std::vector<std::uint32_t>{2, 3, 4, 0, 1}));
  // carol's post-only rested before bob's IOC arrived, so bob traded with it.
  const auto trades = h.events<event::Trade>();
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].maker, h.id("carol"));
  const auto info = h.app().order(a);
  EXPECT_EQ(info->price, 95u);
  EXPECT_EQ(info->open_quantity, 4u);
}

TEST(Replay, DuplicateNoncesAreRejectedWithinAndAcrossBlocksUntilExpiry) {
  Harness h;
  const Bytes tx = h.builder().place_order(h.key("alice"), {7, 3}, limit(Side::kBuy, 90, 1));
  auto outcome = h.run({tx, tx});
  EXPECT_EQ(outcome.tx_codes, (std::vector<std::uint32_t>{0, code(Reason::kDuplicateNonce)}));
  EXPECT_EQ(h.app().check_tx(tx, 2).code, code(Reason::kDuplicateNonce));
  EXPECT_EQ(h.exec(tx), code(Reason::kDuplicateNonce));  // height 2
  // The same nonce from another account is fine.
  EXPECT_EQ(h.exec(h.builder().place_order(h.key("bob"), {7, 10}, limit(Side::kBuy, 90, 1))), 0u);
  h.run({});  // height 4: the first transaction (good til 3) is expired now
  EXPECT_EQ(h.exec(tx), code(Reason::kExpired));
  // Its nonce is forgotten once its good_til_height has passed: reusable with a later one.
  const Bytes reuse = h.builder().place_order(h.key("alice"), {7, 20}, limit(Side::kBuy, 90, 1));
  EXPECT_TRUE(h.app().check_tx(reuse, 6).ok());
  EXPECT_EQ(h.exec(reuse), 0u);
}

// Alice sends `count` IOC orders on an empty book in block 1 (nonces
// 101..100+count, good til height 11): they rest nowhere, but each nonce
// stays in her window until then.
Harness harness_with_nonces(std::size_t count) {
  Harness h;
  std::vector<Bytes> txs;
  for (std::size_t i = 0; i < count; ++i) {
    txs.push_back(h.builder().place_order(h.key("alice"), {101 + i, 11}, limit(Side::kBuy, 90, 1, TimeInForce::kIoc)));
  }
  h.run(txs);
  return h;
}

TEST(Snapshot, NonceEntriesTakeAFewBytesEach) {
  Harness none = harness_with_nonces(0);
  Harness many = harness_with_nonces(500);
  const Bytes snapshot = many.app().snapshot();
  // Each live nonce: a varint delta (1) and a varint good_til - height (10): 2 bytes, not 16.
  EXPECT_EQ(snapshot.size() - none.app().snapshot().size(), 2u * 500);
  Harness restored;
  ASSERT_TRUE(restored.app().restore(snapshot).is_ok());
  EXPECT_EQ(restored.app().snapshot(), snapshot);
  EXPECT_EQ(restored.app().state_digest(), many.app().state_digest());
  // The restored window still refuses a used nonce and takes the next one.
  const Bytes replay = many.builder().place_order(many.key("alice"), {350, 11}, limit(Side::kBuy, 90, 1));
  EXPECT_EQ(restored.app().check_tx(replay, 2).code, code(Reason::kDuplicateNonce));
  const Bytes fresh = many.builder().place_order(many.key("alice"), {601, 11}, limit(Side::kBuy, 90, 1));
  EXPECT_TRUE(restored.app().check_tx(fresh, 2).ok());
}

TEST(Snapshot, SixteenByteNonceEntriesWrittenBeforeStillRestore) {
  Harness h = harness_with_nonces(3);
  const Bytes compact = h.app().snapshot();
  // Alice's window as written now: count 3 with the compact bit, then
  // (delta, good_til - height) varints; and as written before: u64 pairs.
  const Bytes now = {0x80, 0, 0, 3, 101, 10, 1, 10, 1, 10};
  ByteWriter before;
  before.u32(3);
  for (std::uint64_t nonce = 101; nonce <= 103; ++nonce) {
    before.u64(nonce);
    before.u64(11);
  }
  const auto at = std::search(compact.begin(), compact.end(), now.begin(), now.end());
  ASSERT_NE(at, compact.end());
  ASSERT_EQ(std::search(at + 1, compact.end(), now.begin(), now.end()), compact.end());
  Bytes earlier(compact.begin(), at);
  const Bytes old_entries = before.take();
  earlier.insert(earlier.end(), old_entries.begin(), old_entries.end());
  earlier.insert(earlier.end(), at + static_cast<std::ptrdiff_t>(now.size()), compact.end());

  Harness restored;
  const Status s = restored.app().restore(earlier);
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  EXPECT_EQ(restored.app().app_hash(), h.app().app_hash());
  EXPECT_EQ(restored.app().snapshot(), compact);  // written back compact
  const Bytes replay = h.builder().place_order(h.key("alice"), {102, 11}, limit(Side::kBuy, 90, 1));
  EXPECT_EQ(restored.app().check_tx(replay, 2).code, code(Reason::kDuplicateNonce));
}

TEST(Snapshot, CompactNonceEntriesMustBeCanonical) {
  Harness h = harness_with_nonces(3);
  const Bytes compact = h.app().snapshot();
  const Bytes now = {0x80, 0, 0, 3, 101, 10, 1, 10, 1, 10};
  const auto at = static_cast<std::size_t>(std::search(compact.begin(), compact.end(), now.begin(), now.end()) - compact.begin());
  ASSERT_LT(at, compact.size());
  const auto with = [&](const Bytes& entries) {
    Bytes out(compact.begin(), compact.begin() + static_cast<std::ptrdiff_t>(at));
    out.insert(out.end(), entries.begin(), entries.end());
    out.insert(out.end(), compact.begin() + static_cast<std::ptrdiff_t>(at + now.size()), compact.end());
    return out;
  };
  const auto refusal = [&](const Bytes& entries) {
    Harness fresh;
    const Status s = fresh.app().restore(with(entries));
    EXPECT_FALSE(s.is_ok());
    EXPECT_EQ(fresh.app().last_height(), 0u);
    return s.message();
  };
  ASSERT_TRUE(Harness().app().restore(with(now)).is_ok());
  // 101 as two groups where one does: not the shortest form.
  EXPECT_NE(refusal({0x80, 0, 0, 3, 0xe5, 0x00, 10, 1, 10, 1, 10}).find("shortest form"), std::string::npos);
  // A zero delta repeats a nonce.
  EXPECT_NE(refusal({0x80, 0, 0, 3, 101, 10, 0, 10, 1, 10}).find("strictly increasing"), std::string::npos);
  // Compact with no entries.
  EXPECT_NE(refusal({0x80, 0, 0, 0}).find("count of 0"), std::string::npos);
  // good_til beyond the chain's max_tx_ttl_blocks.
  EXPECT_NE(refusal({0x80, 0, 0, 3, 101, 10, 1, 10, 1, 0xff, 0x7f}).find("outside the window"), std::string::npos);
  // A varint of more than 64 bits, and one whose sum overflows the nonce.
  EXPECT_NE(refusal({0x80, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 10, 1, 10, 1, 10})
                .find("exceeds 64 bits"),
            std::string::npos);
  EXPECT_NE(refusal({0x80, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 10, 1, 10, 1, 10})
                .find("out of range"),
            std::string::npos);
}

TEST(Replay, TheReplayKeyIsTheSignerAndNonceWhateverTheTransaction) {
  Harness h;
  const auto key_of = [&](const Bytes& tx) { return h.app().replay_key(tx); };
  const Bytes buy = h.builder().place_order(h.key("alice"), {7, 3}, limit(Side::kBuy, 90, 1));
  const Bytes sell = h.builder().place_order(h.key("alice"), {7, 9}, limit(Side::kSell, 95, 2));
  ASSERT_TRUE(key_of(buy).has_value());
  EXPECT_EQ(key_of(buy), key_of(sell));  // one nonce: at most one of them applies
  EXPECT_NE(key_of(buy), key_of(h.builder().place_order(h.key("alice"), {8, 3}, limit(Side::kBuy, 90, 1))));
  EXPECT_NE(key_of(buy), key_of(h.builder().place_order(h.key("bob"), {7, 3}, limit(Side::kBuy, 90, 1))));
  EXPECT_FALSE(key_of(Bytes{1, 2, 3}).has_value());
  EXPECT_EQ(h.run({buy, sell}).tx_codes, (std::vector<std::uint32_t>{0, code(Reason::kDuplicateNonce)}));
  // The mempool refuses the second one while the first waits, as execution would.
  EXPECT_EQ(h.app().replay_key_held().code, code(Reason::kDuplicateNonce));
  EXPECT_EQ(h.app().reason_name(h.app().replay_key_held().code), "DUPLICATE_NONCE");
}

TEST(Replay, ExpiryWindowAndUnknownAccounts) {
  Harness h;
  h.run({});
  h.run({});  // height 2
  EXPECT_EQ(h.exec(h.builder().place_order(h.key("alice"), {1, 2}, limit(Side::kBuy, 90, 1))),
            code(Reason::kExpired));
  EXPECT_EQ(h.exec(h.builder().place_order(h.key("alice"), {2, 4 + 1000}, limit(Side::kBuy, 90, 1))), 0u);
  EXPECT_EQ(h.exec(h.builder().place_order(h.key("alice"), {3, 5 + 1001}, limit(Side::kBuy, 90, 1))),
            code(Reason::kGoodTilTooFar));
  EXPECT_EQ(h.exec(h.place_tx("stranger", limit(Side::kBuy, 90, 1))), code(Reason::kUnknownAccount));
  // A rejected-but-admitted transaction still uses its nonce.
  const Bytes broke = h.builder().place_order(h.key("alice"), {50, 100}, limit(Side::kBuy, 1'000'000, 1'000'000));
  EXPECT_EQ(h.exec(broke), code(Reason::kInsufficientBalance));
  EXPECT_EQ(h.app().check_tx(broke, h.app().last_height() + 1).code, code(Reason::kDuplicateNonce));
}

TEST(Withdrawals, NeedAnAddressAndAvailableFundsThenAreRecorded) {
  Harness h;
  EXPECT_EQ(h.exec(h.builder().withdraw(h.key("alice"), h.next(), "QUOTE", 100)), code(Reason::kNoSettlementAddress));
  EthAddress addr{};
  addr[0] = 0xab;
  addr[19] = 0xcd;
  EXPECT_EQ(h.exec(h.builder().register_settlement_address(h.key("alice"), h.next(), addr)), 0u);
  EXPECT_EQ(h.app().settlement_address(h.id("alice")), addr);
  h.place("alice", limit(Side::kBuy, 100, 10));  // locks 1010
  EXPECT_EQ(h.exec(h.builder().withdraw(h.key("alice"), h.next(), "QUOTE", kStartQuote - 1000)),
            code(Reason::kInsufficientBalance));
  EXPECT_EQ(h.exec(h.builder().withdraw(h.key("alice"), h.next(), "NOPE", 1)), code(Reason::kUnknownAsset));
  EXPECT_EQ(h.exec(h.builder().withdraw(h.key("alice"), h.next(), "QUOTE", 0)), code(Reason::kInvalidField));
  EXPECT_EQ(h.exec(h.builder().withdraw(h.key("alice"), h.next(), "QUOTE", 5000)), 0u);
  const std::uint64_t height = h.app().last_height();
  EXPECT_EQ(h.balance("alice", "QUOTE").available, kStartQuote - 1010 - 5000);
  const auto quote = *h.app().rules().find_asset("QUOTE");
  EXPECT_EQ(h.app().withdrawn_total(quote), 5000u);
  const auto recorded = h.events<event::WithdrawalRecorded>();
  ASSERT_EQ(recorded.size(), 1u);
  const PendingWithdrawal expected{1, h.id("alice"), quote, 5000, addr, height};
  EXPECT_EQ(recorded[0].withdrawal, expected);
  EXPECT_EQ(h.app().pending_withdrawals(), std::vector<PendingWithdrawal>{expected});
  EXPECT_EQ(h.exec(h.builder().withdraw(h.key("alice"), h.next(), "QUOTE", 1)), 0u);
  EXPECT_EQ(h.app().pending_withdrawals().at(1).id, 2u);
}

// ---- every reason code ----

Genesis coarse_genesis() {
  Genesis g = testing::test_genesis();
  for (auto& m : g.markets) {
    if (m.symbol == testing::kBtcMarket) {
      m.tick_size = 50;          // 0.50 USDT
      m.min_quantity = 200'000;  // 0.002 BTC
    }
  }
  return g;
}

PlaceOrderArgs btc(Side side, std::uint64_t price, std::uint64_t quantity) {
  PlaceOrderArgs a;
  a.market = std::string(testing::kBtcMarket);
  a.side = side;
  a.price = price;
  a.quantity = quantity;
  return a;
}

struct Case {
  Reason reason;
  std::string field;  // expected in the message ("" = no check)
  std::function<Bytes(Harness&)> tx;
};

TEST(Rejections, EveryReasonCodeHasATriggerAndANamedField) {
  Harness h(coarse_genesis());
  PlaceOrderArgs post_only = limit(Side::kBuy, 100, 1);
  post_only.post_only = true;
  h.place("bob", limit(Side::kSell, 100, 1));
  PlaceOrderArgs with_id = limit(Side::kBuy, 90, 1);
  with_id.client_order_id = "dup";
  h.place("alice", with_id);
  h.place("carol", limit(Side::kSell, 95, 1));
  h.place("dave", limit(Side::kBuy, 95, 1));  // last price 95
  PlaceOrderArgs stop = market_order(Side::kBuy, 1, 200);
  stop.type = OrderType::kStopMarket;
  stop.stop_price = 79;
  PlaceOrderArgs bad_side = limit(Side::kBuy, 90, 1);
  bad_side.side = static_cast<Side>(0);
  PlaceOrderArgs bad_cid = limit(Side::kBuy, 90, 1);
  bad_cid.client_order_id = "has space";
  PlaceOrderArgs huge = limit(Side::kBuy, 90, 1);
  huge.market = std::string(5000, 'X');

  const std::vector<Case> cases = {
      {Reason::kBadEncoding, "envelope", [](Harness&) { return Bytes{0xde, 0xad, 0xbe, 0xef}; }},
      {Reason::kBadEncoding, "body", [](Harness& x) { return x.builder().seal(x.key("alice"), Bytes{0xff, 0xff}); }},
      {Reason::kTxTooLarge, "max_tx_bytes", [&](Harness& x) { return x.place_tx("alice", huge); }},
      {Reason::kUnknownMarket, "place_order.market",
       [](Harness& x) {
         PlaceOrderArgs a = limit(Side::kBuy, 90, 1);
         a.market = "DOGE-USDT";
         return x.place_tx("alice", a);
       }},
      {Reason::kUnknownAsset, "withdraw.asset",
       [](Harness& x) { return x.builder().withdraw(x.key("alice"), x.next(), "DOGE", 1); }},
      {Reason::kInvalidField, "place_order.side", [&](Harness& x) { return x.place_tx("alice", bad_side); }},
      {Reason::kInvalidField, "place_order.client_order_id", [&](Harness& x) { return x.place_tx("alice", bad_cid); }},
      {Reason::kInvalidField, "cancel_order.order_id",
       [](Harness& x) { return x.cancel_tx("alice", 0); }},
      {Reason::kInvalidField, "register_settlement_address.eth_address",
       [](Harness& x) {
         v1::TransactionBody body;
         body.set_nonce(x.next().nonce);
         body.set_good_til_height(x.app().last_height() + 5);
         body.mutable_register_settlement_address()->set_eth_address("short");
         const std::string bytes = body.SerializeAsString();
         return x.builder().seal(x.key("alice"), as_bytes(bytes));
       }},
      {Reason::kInvalidField, "kind",
       [](Harness& x) {
         v1::TransactionBody body;
         body.set_nonce(x.next().nonce);
         body.set_good_til_height(x.app().last_height() + 5);
         const std::string bytes = body.SerializeAsString();
         return x.builder().seal(x.key("alice"), as_bytes(bytes));
       }},
      {Reason::kPriceNotOnTick, "place_order.price",
       [](Harness& x) { return x.place_tx("alice", btc(Side::kBuy, 4'500'025, 200'000)); }},
      {Reason::kQuantityNotOnLot, "place_order.quantity",
       [](Harness& x) { return x.place_tx("alice", btc(Side::kBuy, 4'500'000, 250'000)); }},
      {Reason::kQuantityTooSmall, "place_order.quantity",
       [](Harness& x) { return x.place_tx("alice", btc(Side::kBuy, 4'500'000, 100'000)); }},
      {Reason::kQuantityTooLarge, "place_order.quantity",
       [](Harness& x) { return x.place_tx("alice", btc(Side::kBuy, 4'500'000, 20'000'000'000)); }},
      {Reason::kInsufficientBalance, "",
       [](Harness& x) { return x.place_tx("alice", limit(Side::kBuy, 900'000, 1'000'000)); }},
      {Reason::kPostOnlyWouldTake, "post_only", [&](Harness& x) { return x.place_tx("alice", post_only); }},
      {Reason::kFokNotFillable, "FOK",
       [](Harness& x) { return x.place_tx("alice", limit(Side::kBuy, 100, 2, TimeInForce::kFok)); }},
      {Reason::kUnknownOrder, "cancel_order.order_id", [](Harness& x) { return x.cancel_tx("alice", 999); }},
      {Reason::kDuplicateClientOrderId, "client_order_id", [&](Harness& x) { return x.place_tx("alice", with_id); }},
      {Reason::kStopWouldTrigger, "stop_price", [&](Harness& x) { return x.place_tx("alice", stop); }},
      {Reason::kNoSettlementAddress, "settlement address",
       [](Harness& x) { return x.builder().withdraw(x.key("alice"), x.next(), "QUOTE", 1); }},
      {Reason::kGenesisOnly, "genesis_allocation",
       [](Harness& x) {
         return x.builder().seal(x.key("alice"), tx_body::genesis_allocation(x.next(), x.id("alice"), "QUOTE", 1));
       }},
      {Reason::kAmountOverflow, "2^64",
       [](Harness& x) { return x.place_tx("alice", limit(Side::kBuy, 10'000'000'000'000'000, 10'000)); }},
      {Reason::kUnknownAccount, "no account", [](Harness& x) { return x.place_tx("stranger", limit(Side::kBuy, 90, 1)); }},
  };
  for (const Case& c : cases) {
    const Bytes tx = c.tx(h);
    const std::uint32_t got = h.exec(tx);
    EXPECT_EQ(reason_name(got), reason_name(c.reason)) << "expected " << reason_name(c.reason);
    EXPECT_NE(h.message_of(0).find(c.field), std::string::npos)
        << reason_name(c.reason) << ": message '" << h.message_of(0) << "' lacks '" << c.field << "'";
    EXPECT_EQ(h.events<event::BalanceChanged>().size(), 0u) << reason_name(c.reason);
  }
}

TEST(Rejections, VerifyTxChecksSignaturesAndExecutionTrustsThem) {
  Harness h;
  const Bytes good = h.place_tx("alice", limit(Side::kBuy, 90, 1));
  EXPECT_TRUE(h.app().verify_tx(good).ok());
  EXPECT_TRUE(h.app().full_check(good, 1).ok());
  const Bytes other_chain = TxBuilder("other-chain").place_order(h.key("alice"), h.next(), limit(Side::kBuy, 90, 1));
  EXPECT_EQ(h.app().verify_tx(other_chain).code, code(Reason::kBadSignature));
  EXPECT_EQ(h.app().full_check(other_chain, 1).code, code(Reason::kBadSignature));
  EXPECT_EQ(h.app().verify_tx(Bytes(5000, 1)).code, code(Reason::kTxTooLarge));
  const Bytes genesis_only = h.builder().seal(h.key("alice"), tx_body::genesis_allocation(h.next(), h.id("alice"), "QUOTE", 1));
  EXPECT_EQ(h.app().verify_tx(genesis_only).code, code(Reason::kGenesisOnly));
}

TEST(Rejections, VerifyingManyAtOnceGivesEachTheVerdictOfVerifyTx) {
  Harness h;
  std::vector<Bytes> txs;
  for (int i = 0; i < 6; ++i) txs.push_back(h.place_tx(i % 2 == 0 ? "alice" : "bob", limit(Side::kBuy, 90, 1)));
  Bytes flipped = h.place_tx("alice", limit(Side::kBuy, 91, 1));
  flipped.back() ^= 1;  // the signature is the envelope's last field
  txs.push_back(flipped);
  txs.push_back(TxBuilder("other-chain").place_order(h.key("bob"), h.next(), limit(Side::kBuy, 90, 1)));
  txs.push_back(Bytes(5000, 1));
  txs.push_back(Bytes{0x0a, 0x01});  // not an envelope
  txs.push_back(h.builder().seal(h.key("alice"), tx_body::genesis_allocation(h.next(), h.id("alice"), "QUOTE", 1)));
  // A body that fails and a signature that fails: the signature is named.
  txs.push_back(TxBuilder("other-chain").seal(h.key("alice"), tx_body::genesis_allocation(h.next(), h.id("alice"), "QUOTE", 1)));
  for (int i = 0; i < 4; ++i) txs.push_back(h.place_tx("bob", limit(Side::kSell, 110, 1)));
  const std::vector<ByteView> views(txs.begin(), txs.end());
  std::vector<abci::TxCheck> verdicts(txs.size());
  h.app().verify_txs(views, verdicts);
  std::set<std::uint32_t> codes;
  for (std::size_t i = 0; i < txs.size(); ++i) {
    const abci::TxCheck one = h.app().verify_tx(txs[i]);
    EXPECT_EQ(reason_name(verdicts[i].code), reason_name(one.code)) << i;
    EXPECT_EQ(verdicts[i].message, one.message) << i;
    codes.insert(one.code);
  }
  EXPECT_EQ(codes, (std::set<std::uint32_t>{0, code(Reason::kBadSignature), code(Reason::kTxTooLarge),
                                            code(Reason::kBadEncoding), code(Reason::kGenesisOnly)}));
  EXPECT_EQ(reason_name(verdicts[11].code), reason_name(Reason::kBadSignature));
}

TEST(Rejections, ReasonNamesAreStableAndUnique) {
  std::set<std::string_view> names;
  for (std::uint32_t c = 0; c <= kMaxReasonCode; ++c) {
    EXPECT_NE(reason_name(c), "UNKNOWN_REASON") << c;
    EXPECT_TRUE(names.insert(reason_name(c)).second) << reason_name(c);
  }
  EXPECT_EQ(reason_name(kMaxReasonCode + 1), "UNKNOWN_REASON");
  EXPECT_EQ(reason_name(0u), "OK");
  EXPECT_EQ(code(Reason::kDuplicateNonce), 6u);
  EXPECT_EQ(code(Reason::kAmountOverflow), 23u);
  Harness h;
  EXPECT_EQ(h.app().reason_name(code(Reason::kExpired)), "EXPIRED");
}

// ---- hashes and events ----

TEST(Hashes, AppHashChainsTheEventsOfEachBlock) {
  Harness h;
  const Hash256 genesis_hash = h.app().app_hash();
  EXPECT_EQ(genesis_hash, h.app().state_digest());  // app_hash(0) = state digest of genesis
  const auto outcome = h.run({h.place_tx("alice", limit(Side::kBuy, 90, 1))});
  const Hash256 expected =
      Sha256().update(genesis_hash).update_u64(1).update(sha256(outcome.events)).finish();
  EXPECT_EQ(outcome.app_hash, expected);
  EXPECT_EQ(h.app().app_hash(), expected);
  EXPECT_EQ(h.app().last_height(), 1u);
  auto decoded = decode_events(outcome.events);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->size(), h.app().last_block_events().size());
  EXPECT_EQ(encode_events(*decoded), outcome.events);
}

}  // namespace
}  // namespace replex::exchange
