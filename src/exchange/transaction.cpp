#include "replex/exchange/transaction.hpp"

#include "canonical_body.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/exchange/reason.hpp"
#include "replex/v1/tx.pb.h"

namespace replex::exchange {

namespace {

TxCheck reject(Reason r, std::string message) { return TxCheck::reject(code(r), std::move(message)); }

TxCheck invalid(std::string field, std::string what) {
  return reject(Reason::kInvalidField, std::move(field) + ": " + std::move(what));
}

bool valid_client_order_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == ':';
}

TxCheck check_client_order_id(const ChainRules& rules, std::string_view field, std::string_view id) {
  const std::uint32_t max = rules.params().max_client_order_id_bytes;
  if (id.size() > max) {
    return invalid(std::string(field), std::to_string(id.size()) + " bytes exceeds max_client_order_id_bytes " +
                                           std::to_string(max));
  }
  for (const char c : id) {
    if (!valid_client_order_id_char(c)) {
      return invalid(std::string(field), "only A-Z a-z 0-9 - _ . : are allowed");
    }
  }
  return TxCheck::accept();
}

TxCheck find_market(const ChainRules& rules, std::string_view field, std::string_view symbol, MarketIndex& out) {
  const auto m = rules.find_market(symbol);
  if (!m) {
    return reject(Reason::kUnknownMarket, std::string(field) + ": unknown market '" + std::string(symbol) + "'");
  }
  out = *m;
  return TxCheck::accept();
}

// price -> ticks; zero passes through as "absent".
TxCheck to_ticks(const MarketRules& m, std::string_view field, std::uint64_t price, std::uint64_t& ticks) {
  if (price % m.tick_size != 0) {
    return reject(Reason::kPriceNotOnTick, std::string(field) + ": " + std::to_string(price) +
                                               " is not a multiple of tick_size " + std::to_string(m.tick_size));
  }
  ticks = price / m.tick_size;
  return TxCheck::accept();
}

TxCheck to_lots(const MarketRules& m, std::string_view field, std::uint64_t quantity, std::uint64_t& lots) {
  if (quantity % m.lot_size != 0) {
    return reject(Reason::kQuantityNotOnLot, std::string(field) + ": " + std::to_string(quantity) +
                                                 " is not a multiple of lot_size " + std::to_string(m.lot_size));
  }
  lots = quantity / m.lot_size;
  return TxCheck::accept();
}

#define REPLEX_RETURN_IF_REJECTED(expr)      \
  do {                                       \
    TxCheck replex_check_ = (expr);          \
    if (!replex_check_.ok()) return replex_check_; \
  } while (0)

// `In` is v1::PlaceOrder or canonical::PlaceOrderFields (the same accessors).
template <typename In>
TxCheck decode_place(const ChainRules& rules, const In& in, PlaceOrderTx& out) {
  REPLEX_RETURN_IF_REJECTED(find_market(rules, "place_order.market", in.market(), out.market));
  const MarketRules& m = rules.market(out.market);
  if (in.side() != v1::SIDE_BUY && in.side() != v1::SIDE_SELL) {
    return invalid("place_order.side", "must be BUY or SELL");
  }
  out.side = static_cast<Side>(in.side());
  if (in.type() < v1::ORDER_TYPE_LIMIT || in.type() > v1::ORDER_TYPE_STOP_LIMIT) {
    return invalid("place_order.type", "must be LIMIT, MARKET, STOP_MARKET or STOP_LIMIT");
  }
  out.type = static_cast<OrderType>(in.type());
  if (in.time_in_force() < v1::TIME_IN_FORCE_UNSPECIFIED || in.time_in_force() > v1::TIME_IN_FORCE_FOK) {
    return invalid("place_order.time_in_force", "must be GTC, IOC or FOK");
  }
  if (in.self_trade_prevention() < v1::SELF_TRADE_PREVENTION_UNSPECIFIED ||
      in.self_trade_prevention() > v1::SELF_TRADE_PREVENTION_EXPIRE_BOTH) {
    return invalid("place_order.self_trade_prevention", "must be EXPIRE_MAKER, EXPIRE_TAKER or EXPIRE_BOTH");
  }
  out.stp = in.self_trade_prevention() == v1::SELF_TRADE_PREVENTION_UNSPECIFIED
                ? SelfTradePrevention::kExpireMaker
                : static_cast<SelfTradePrevention>(in.self_trade_prevention());
  REPLEX_RETURN_IF_REJECTED(check_client_order_id(rules, "place_order.client_order_id", in.client_order_id()));
  out.client_order_id = in.client_order_id();
  out.post_only = in.post_only();

  const bool has_limit = out.type == OrderType::kLimit || out.type == OrderType::kStopLimit;
  const bool is_stop = out.type == OrderType::kStopMarket || out.type == OrderType::kStopLimit;
  const std::string_view type_name = order_type_name(out.type);  // for messages only
  const bool buy = out.side == Side::kBuy;

  if (has_limit) {
    if (in.price() == 0) return invalid("place_order.price", "required for " + std::string(type_name));
    REPLEX_RETURN_IF_REJECTED(to_ticks(m, "place_order.price", in.price(), out.price_ticks));
    if (in.protection_price() != 0) return invalid("place_order.protection_price", "only for market orders");
    if (in.quote_budget() != 0) return invalid("place_order.quote_budget", "only for market orders");
    out.tif = in.time_in_force() == v1::TIME_IN_FORCE_UNSPECIFIED ? TimeInForce::kGtc
                                                                   : static_cast<TimeInForce>(in.time_in_force());
  } else {
    if (in.price() != 0) return invalid("place_order.price", "must be 0 for " + std::string(type_name) + " (use protection_price)");
    if (in.post_only()) return invalid("place_order.post_only", "not allowed for " + std::string(type_name));
    if (in.display_quantity() != 0) return invalid("place_order.display_quantity", "not allowed for " + std::string(type_name));
    if (in.time_in_force() != v1::TIME_IN_FORCE_UNSPECIFIED && in.time_in_force() != v1::TIME_IN_FORCE_IOC) {
      return invalid("place_order.time_in_force", std::string(type_name) + " orders are immediate-or-cancel");
    }
    out.tif = TimeInForce::kIoc;
    if (in.protection_price() != 0) {
      REPLEX_RETURN_IF_REJECTED(to_ticks(m, "place_order.protection_price", in.protection_price(), out.protection_ticks));
    }
    if (!buy && in.quote_budget() != 0) return invalid("place_order.quote_budget", "only for buys");
    if (!buy && in.protection_price() == 0) {
      return invalid("place_order.protection_price", "required for a " + std::string(type_name) + " sell");
    }
    if (buy && in.protection_price() == 0 && in.quote_budget() == 0) {
      return invalid("place_order.protection_price", "a " + std::string(type_name) + " buy needs protection_price or quote_budget");
    }
    out.quote_budget = in.quote_budget();
  }
  if (is_stop) {
    if (in.stop_price() == 0) return invalid("place_order.stop_price", "required for " + std::string(type_name));
    REPLEX_RETURN_IF_REJECTED(to_ticks(m, "place_order.stop_price", in.stop_price(), out.stop_ticks));
  } else if (in.stop_price() != 0) {
    return invalid("place_order.stop_price", "only for stop orders");
  }
  if (out.post_only && out.tif != TimeInForce::kGtc) {
    return invalid("place_order.post_only", "requires time_in_force GTC");
  }

  if (in.quantity() == 0) {
    if (!(buy && out.quote_budget != 0)) {
      return invalid("place_order.quantity", "required (optional only for a market buy with quote_budget)");
    }
    out.lots = m.max_lots;  // the budget bounds it; the market's maximum caps it
  } else {
    REPLEX_RETURN_IF_REJECTED(to_lots(m, "place_order.quantity", in.quantity(), out.lots));
    if (out.lots < m.min_lots) {
      return reject(Reason::kQuantityTooSmall, "place_order.quantity: " + std::to_string(in.quantity()) +
                                                   " is below min_quantity " + std::to_string(m.quantity_of(m.min_lots)));
    }
    if (out.lots > m.max_lots) {
      return reject(Reason::kQuantityTooLarge, "place_order.quantity: " + std::to_string(in.quantity()) +
                                                   " is above max_quantity " + std::to_string(m.quantity_of(m.max_lots)));
    }
  }
  if (in.display_quantity() != 0) {
    if (out.tif != TimeInForce::kGtc) return invalid("place_order.display_quantity", "icebergs must be GTC");
    REPLEX_RETURN_IF_REJECTED(to_lots(m, "place_order.display_quantity", in.display_quantity(), out.display_lots));
    if (out.display_lots > out.lots) return invalid("place_order.display_quantity", "exceeds quantity");
    if (out.display_lots == out.lots) out.display_lots = 0;  // shows everything: not an iceberg
  }
  // What the order would lock must be a 64-bit amount.
  if (buy) {
    const std::uint64_t lock_ticks = has_limit ? out.price_ticks : out.protection_ticks;
    if (out.quote_budget == 0 && !m.buy_lock(lock_ticks, out.lots)) {
      return reject(Reason::kAmountOverflow, "place_order: price * quantity (plus fees) exceeds 2^64 - 1 quote units");
    }
  }
  return TxCheck::accept();
}

// `In` is v1::CancelOrder or canonical::CancelOrderFields (the same accessors).
template <typename In>
TxCheck decode_cancel(const ChainRules& rules, const In& in, CancelOrderTx& out) {
  REPLEX_RETURN_IF_REJECTED(find_market(rules, "cancel_order.market", in.market(), out.market));
  switch (in.target_case()) {
    case v1::CancelOrder::kOrderId:
      if (in.order_id() == 0) return invalid("cancel_order.order_id", "must be > 0");
      out.order_id = in.order_id();
      return TxCheck::accept();
    case v1::CancelOrder::kClientOrderId:
      if (in.client_order_id().empty()) return invalid("cancel_order.client_order_id", "must not be empty");
      REPLEX_RETURN_IF_REJECTED(check_client_order_id(rules, "cancel_order.client_order_id", in.client_order_id()));
      out.client_order_id = in.client_order_id();
      return TxCheck::accept();
    case v1::CancelOrder::TARGET_NOT_SET:
      break;
  }
  return invalid("cancel_order.target", "order_id or client_order_id is required");
}

TxCheck decode_cancel_all(const ChainRules& rules, const v1::CancelAll& in, CancelAllTx& out) {
  if (in.market().empty()) return TxCheck::accept();
  MarketIndex m = 0;
  REPLEX_RETURN_IF_REJECTED(find_market(rules, "cancel_all.market", in.market(), m));
  out.market = m;
  return TxCheck::accept();
}

TxCheck decode_amend(const ChainRules& rules, const v1::AmendOrder& in, AmendOrderTx& out) {
  REPLEX_RETURN_IF_REJECTED(find_market(rules, "amend_order.market", in.market(), out.market));
  const MarketRules& m = rules.market(out.market);
  if (in.order_id() == 0) return invalid("amend_order.order_id", "must be > 0");
  out.order_id = in.order_id();
  if (in.new_price() == 0 && in.new_quantity() == 0) {
    return invalid("amend_order.new_price", "new_price or new_quantity must be set");
  }
  REPLEX_RETURN_IF_REJECTED(to_ticks(m, "amend_order.new_price", in.new_price(), out.new_price_ticks));
  REPLEX_RETURN_IF_REJECTED(to_lots(m, "amend_order.new_quantity", in.new_quantity(), out.new_lots));
  if (out.new_lots > m.max_lots) {
    return reject(Reason::kQuantityTooLarge, "amend_order.new_quantity: " + std::to_string(in.new_quantity()) +
                                                 " is above max_quantity " + std::to_string(m.quantity_of(m.max_lots)));
  }
  return TxCheck::accept();
}

// The settlement chain `chain_id` exists and bridges `asset`.
TxCheck check_chain_asset(const ChainRules& rules, std::string_view field, std::uint64_t chain_id,
                          AssetIndex asset) {
  if (!rules.has_chain(chain_id)) {
    return reject(Reason::kUnknownChain, std::string(field) + ": chain " + std::to_string(chain_id) +
                                             " is not a settlement chain of this genesis");
  }
  if (!rules.chain_lists_asset(chain_id, asset)) {
    return reject(Reason::kAssetNotOnChain, std::string(field) + ": asset " + rules.asset(asset).symbol +
                                                " is not bridged on chain " + std::to_string(chain_id));
  }
  return TxCheck::accept();
}

TxCheck decode_withdraw(const ChainRules& rules, const v1::Withdraw& in, WithdrawTx& out) {
  const auto asset = rules.find_asset(in.asset());
  if (!asset) return reject(Reason::kUnknownAsset, "withdraw.asset: unknown asset '" + in.asset() + "'");
  out.asset = *asset;
  if (in.amount() == 0) return invalid("withdraw.amount", "must be > 0");
  out.amount = in.amount();
  // Without settlement chains, chain_id 0 is the only destination (as before
  // chains existed); with them, 0 means the first chain.
  out.chain_id = in.chain_id() != 0 ? in.chain_id() : rules.default_withdrawal_chain();
  if (out.chain_id != 0) REPLEX_RETURN_IF_REJECTED(check_chain_asset(rules, "withdraw.chain_id", out.chain_id, out.asset));
  return TxCheck::accept();
}

TxCheck decode_deposit_attestation(const ChainRules& rules, const AccountId& signer,
                                   const v1::DepositAttestation& in, DepositAttestationTx& out) {
  if (!rules.is_attester(signer)) {
    return reject(Reason::kNotAnAttester,
                  "deposit_attestation: signer " + signer.hex() + " is not a genesis attester");
  }
  const auto asset = rules.find_asset(in.asset());
  if (!asset) return reject(Reason::kUnknownAsset, "deposit_attestation.asset: unknown asset '" + in.asset() + "'");
  out.asset = *asset;
  if (in.deposit_id() == 0) return invalid("deposit_attestation.deposit_id", "must be > 0");
  out.deposit_id = in.deposit_id();
  if (in.amount() == 0) return invalid("deposit_attestation.amount", "must be > 0");
  out.amount = in.amount();
  if (in.account().size() != PublicKey::kSize) {
    return invalid("deposit_attestation.account", "expected 32 bytes, got " + std::to_string(in.account().size()));
  }
  std::copy(in.account().begin(), in.account().end(), out.account.bytes.begin());
  if (out.account == AccountId{}) return invalid("deposit_attestation.account", "all zero");
  if (in.eth_tx_hash().size() != out.eth_tx_hash.size()) {
    return invalid("deposit_attestation.eth_tx_hash",
                   "expected 32 bytes, got " + std::to_string(in.eth_tx_hash().size()));
  }
  std::copy(in.eth_tx_hash().begin(), in.eth_tx_hash().end(), out.eth_tx_hash.begin());
  if (in.chain_id() == 0) return invalid("deposit_attestation.chain_id", "must be > 0");
  out.chain_id = in.chain_id();
  return check_chain_asset(rules, "deposit_attestation.chain_id", out.chain_id, out.asset);
}

TxCheck decode_register(const v1::RegisterSettlementAddress& in, RegisterSettlementAddressTx& out) {
  if (in.eth_address().size() != out.eth_address.size()) {
    return invalid("register_settlement_address.eth_address",
                   "expected 20 bytes, got " + std::to_string(in.eth_address().size()));
  }
  std::copy(in.eth_address().begin(), in.eth_address().end(), out.eth_address.begin());
  return TxCheck::accept();
}

template <typename T>
T& emplace_kind(Transaction& tx) {
  return tx.kind.emplace<T>();
}

}  // namespace

TxCheck decode_transaction(const ChainRules& rules, ByteView envelope, bool verify_signature,
                           Transaction& out) {
  const std::uint64_t max_bytes = rules.params().max_tx_bytes;
  if (envelope.size() > max_bytes) {
    return reject(Reason::kTxTooLarge, "envelope: " + std::to_string(envelope.size()) +
                                           " bytes exceeds max_tx_bytes " + std::to_string(max_bytes));
  }
  // One reader per thread, reused across transactions: no allocation per envelope.
  thread_local EnvelopeReader reader;
  auto opened = reader.open(envelope, rules.chain_id(), verify_signature, max_bytes);
  if (!opened) {
    const Reason r = opened.status().code() == StatusCode::kUnauthenticated ? Reason::kBadSignature
                                                                            : Reason::kBadEncoding;
    return reject(r, opened.status().message());
  }
  out.signer = opened->signer;
  if (const auto fast = canonical::read_body(opened->body)) {
    out.nonce = fast->nonce;
    out.good_til_height = fast->good_til_height;
    if (const auto* place = std::get_if<canonical::PlaceOrderFields>(&fast->kind)) {
      return decode_place(rules, *place, emplace_kind<PlaceOrderTx>(out));
    }
    return decode_cancel(rules, std::get<canonical::CancelOrderFields>(fast->kind), emplace_kind<CancelOrderTx>(out));
  }
  // Everything else goes through protobuf. One parsed message per thread,
  // reused: parsing clears it first, which keeps its string buffers. (A
  // per-parse arena was tried: it cost more than the oneof's allocations.)
  thread_local v1::TransactionBody body;
  if (!body.ParseFromArray(opened->body.data(), static_cast<int>(opened->body.size()))) {
    return reject(Reason::kBadEncoding, "body: not a TransactionBody protobuf");
  }
  out.nonce = body.nonce();
  out.good_til_height = body.good_til_height();
  switch (body.kind_case()) {
    case v1::TransactionBody::kPlaceOrder:
      return decode_place(rules, body.place_order(), emplace_kind<PlaceOrderTx>(out));
    case v1::TransactionBody::kCancelOrder:
      return decode_cancel(rules, body.cancel_order(), emplace_kind<CancelOrderTx>(out));
    case v1::TransactionBody::kCancelAll:
      return decode_cancel_all(rules, body.cancel_all(), emplace_kind<CancelAllTx>(out));
    case v1::TransactionBody::kAmendOrder:
      return decode_amend(rules, body.amend_order(), emplace_kind<AmendOrderTx>(out));
    case v1::TransactionBody::kWithdraw:
      return decode_withdraw(rules, body.withdraw(), emplace_kind<WithdrawTx>(out));
    case v1::TransactionBody::kRegisterSettlementAddress:
      return decode_register(body.register_settlement_address(),
                             emplace_kind<RegisterSettlementAddressTx>(out));
    case v1::TransactionBody::kDepositAttestation:
      return decode_deposit_attestation(rules, out.signer, body.deposit_attestation(),
                                        emplace_kind<DepositAttestationTx>(out));
    case v1::TransactionBody::kGenesisAllocation:
      return reject(Reason::kGenesisOnly, "genesis_allocation: only valid in the genesis description");
    case v1::TransactionBody::KIND_NOT_SET:
      break;
  }
  return invalid("kind", "no transaction kind set");
}

bool runs_in_first_phase(const Transaction& tx) {
  if (const auto* place = std::get_if<PlaceOrderTx>(&tx.kind)) return place->post_only;
  if (const auto* amend = std::get_if<AmendOrderTx>(&tx.kind)) return amend->new_price_ticks == 0;
  return std::holds_alternative<CancelOrderTx>(tx.kind) || std::holds_alternative<CancelAllTx>(tx.kind);
}

}  // namespace replex::exchange
