// Transaction bodies (exchange/transaction.hpp), differentially:
// decode_transaction reads place_order and cancel_order bodies laid out as
// protobuf serializes them with its own reader (the fast path) and parses
// everything else with protobuf. Each input body is decoded twice: as it is,
// and with an unknown field appended, which protobuf reads to the same
// fields but the fast path never takes. Whenever protobuf parses the body
// the two must agree on the verdict (code and message) and on every decoded
// field; when protobuf refuses it, so must decode_transaction. A body that
// decodes also decodes the same after protobuf re-serializes it.
// Input: a flags byte (bit 0: signed by a genesis attester), then the body.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "replex/core/overloaded.hpp"
#include "replex/exchange/chain_rules.hpp"
#include "replex/exchange/reason.hpp"
#include "replex/exchange/transaction.hpp"
#include "replex/v1/tx.pb.h"

namespace {

using namespace replex;
using namespace replex::exchange;

constexpr std::uint8_t kUnknownField[] = {0xa0, 0x06, 0x00};  // field 100, varint 0

Genesis fuzz_genesis() {
  Genesis g;
  g.chain_id = "replex-fuzz";
  g.assets = {{"BASE", 0}, {"QUOTE", 0}, {"BTC", 8}, {"USDT", 6}};
  g.markets = {
      {.symbol = "BASE-QUOTE", .base = "BASE", .quote = "QUOTE", .price_decimals = 0, .tick_size = 1, .lot_size = 1,
       .min_quantity = 1, .max_quantity = 1'000'000, .maker_fee_bps = 10, .taker_fee_bps = 20},
      {.symbol = "BTC-USDT", .base = "BTC", .quote = "USDT", .price_decimals = 2, .tick_size = 5,
       .lot_size = 100'000, .min_quantity = 100'000, .max_quantity = 10'000'000'000, .maker_fee_bps = 10,
       .taker_fee_bps = 20}};
  g.allocations = {{KeyPair::from_label("alice").public_key(), "BASE", 1000}};
  g.fee_account = KeyPair::from_label("fees").public_key();
  GenesisSettlement st;
  st.attesters = {KeyPair::from_label("val0").public_key(), KeyPair::from_label("val1").public_key()};
  st.attestation_threshold = 2;
  st.chains = {{1, {"BTC", "USDT"}}, {31337, {"BASE", "QUOTE", "USDT"}}};
  g.settlement = std::move(st);
  return g;
}

const ChainRules& rules() {
  static const std::shared_ptr<const ChainRules> r = [] {
    auto created = ChainRules::create(fuzz_genesis());
    REPLEX_ASSERT_MSG(created.is_ok(), created.status().to_string());
    return *created;
  }();
  return *r;
}

// An envelope over `body` (unsigned: decoded without verification).
Bytes envelope(const PublicKey& signer, ByteView body) {
  v1::SignedTransaction env;
  env.set_body(std::string(as_chars(body)));
  env.set_public_key(std::string(as_chars(signer.view())));
  env.set_signature(std::string(Signature::kSize, '\0'));
  const std::string out = env.SerializeAsString();
  return Bytes(out.begin(), out.end());
}

std::string hex(const auto& array) { return to_hex(ByteView(array.data(), array.size())); }

// Every decoded field, as text, for comparison and for the failure message.
std::string describe(const TxCheck& check, const Transaction& tx) {
  std::string out = "code " + std::to_string(check.code) + " \"" + check.message + "\"";
  if (!check.ok()) return out;
  out += " signer " + tx.signer.hex() + " nonce " + std::to_string(tx.nonce) + " gth " +
         std::to_string(tx.good_til_height) + " kind " + std::to_string(tx.kind.index()) + ":";
  auto n = [](auto v) { return " " + std::to_string(static_cast<std::uint64_t>(v)); };
  std::visit(Overloaded{
                 [&](const PlaceOrderTx& p) {
                   out += n(p.market) + n(p.side) + n(p.type) + n(p.tif) + n(p.post_only) + n(p.price_ticks) +
                          n(p.lots) + n(p.stop_ticks) + n(p.display_lots) + n(p.protection_ticks) +
                          n(p.quote_budget) + n(p.stp) + " " + p.client_order_id;
                 },
                 [&](const CancelOrderTx& c) { out += n(c.market) + n(c.order_id) + " " + c.client_order_id; },
                 [&](const CancelAllTx& c) { out += c.market ? n(*c.market) : " all"; },
                 [&](const AmendOrderTx& a) {
                   out += n(a.market) + n(a.order_id) + n(a.new_price_ticks) + n(a.new_lots);
                 },
                 [&](const WithdrawTx& w) { out += n(w.asset) + n(w.amount) + n(w.chain_id); },
                 [&](const RegisterSettlementAddressTx& r) { out += " " + hex(r.eth_address); },
                 [&](const DepositAttestationTx& d) {
                   out += n(d.chain_id) + n(d.deposit_id) + " " + d.account.hex() + n(d.asset) + n(d.amount) + " " +
                          hex(d.eth_tx_hash);
                 },
             },
             tx.kind);
  return out;
}

std::string decode(const PublicKey& signer, ByteView body) {
  Transaction tx;
  const TxCheck check = decode_transaction(rules(), envelope(signer, body), false, tx);
  return describe(check, tx);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 3500) return 0;  // the envelope stays under max_tx_bytes (4096)
  const PublicKey signer = KeyPair::from_label((data[0] & 1) != 0 ? "val0" : "alice").public_key();
  const ByteView body(data + 1, size - 1);
  const std::string shown = "body " + to_hex(body);

  const std::string as_is = decode(signer, body);
  v1::TransactionBody parsed;
  if (!parsed.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    const std::string want = "code " + std::to_string(static_cast<std::uint32_t>(Reason::kBadEncoding)) +
                             " \"body: not a TransactionBody protobuf\"";
    FUZZ_CHECK(as_is == want, "protobuf refuses a body decode_transaction reads as " + as_is + ": " + shown);
    return 0;
  }
  if (body.empty()) return 0;  // "envelope.body: empty"; with the extra field it would not be
  Bytes forced(body.begin(), body.end());
  forced.insert(forced.end(), std::begin(kUnknownField), std::end(kUnknownField));
  const std::string via_protobuf = decode(signer, forced);
  FUZZ_CHECK(as_is == via_protobuf, "fast path: " + as_is + "\n  protobuf: " + via_protobuf + "\n  " + shown);

  const std::string reserialized = parsed.SerializeAsString();
  const std::string again = decode(signer, as_bytes(reserialized));
  FUZZ_CHECK(again == as_is || reserialized.empty(), "re-serialized by protobuf: " + again + "\n  as sent: " + as_is + "\n  " + shown);
  return 0;
}
