#include "replex/exchange/tx_builder.hpp"

#include "replex/core/assert.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/v1/tx.pb.h"

namespace replex::exchange {

namespace {

v1::TransactionBody header(TxHeader h) {
  v1::TransactionBody body;
  body.set_nonce(h.nonce);
  body.set_good_til_height(h.good_til_height);
  return body;
}

Bytes serialize(const v1::TransactionBody& body) {
  Bytes out(body.ByteSizeLong());
  REPLEX_ASSERT(body.SerializeToArray(out.data(), static_cast<int>(out.size())));
  return out;
}

}  // namespace

namespace tx_body {

Bytes place_order(TxHeader h, const PlaceOrderArgs& a) {
  auto body = header(h);
  auto* p = body.mutable_place_order();
  p->set_market(a.market);
  p->set_side(static_cast<v1::Side>(a.side));
  p->set_type(static_cast<v1::OrderType>(a.type));
  p->set_time_in_force(static_cast<v1::TimeInForce>(a.time_in_force));
  p->set_post_only(a.post_only);
  p->set_price(a.price);
  p->set_quantity(a.quantity);
  p->set_stop_price(a.stop_price);
  p->set_display_quantity(a.display_quantity);
  p->set_protection_price(a.protection_price);
  p->set_quote_budget(a.quote_budget);
  p->set_client_order_id(a.client_order_id);
  p->set_self_trade_prevention(static_cast<v1::SelfTradePrevention>(a.self_trade_prevention));
  return serialize(body);
}

Bytes cancel_order(TxHeader h, std::string_view market, OrderId order_id) {
  auto body = header(h);
  auto* c = body.mutable_cancel_order();
  c->set_market(std::string(market));
  c->set_order_id(order_id);
  return serialize(body);
}

Bytes cancel_order_by_client_id(TxHeader h, std::string_view market, std::string_view client_order_id) {
  auto body = header(h);
  auto* c = body.mutable_cancel_order();
  c->set_market(std::string(market));
  c->set_client_order_id(std::string(client_order_id));
  return serialize(body);
}

Bytes cancel_all(TxHeader h, std::string_view market) {
  auto body = header(h);
  body.mutable_cancel_all()->set_market(std::string(market));
  return serialize(body);
}

Bytes amend_order(TxHeader h, std::string_view market, OrderId order_id, std::uint64_t new_price,
                  std::uint64_t new_quantity) {
  auto body = header(h);
  auto* a = body.mutable_amend_order();
  a->set_market(std::string(market));
  a->set_order_id(order_id);
  a->set_new_price(new_price);
  a->set_new_quantity(new_quantity);
  return serialize(body);
}

Bytes withdraw(TxHeader h, std::string_view asset, std::uint64_t amount) {
  auto body = header(h);
  auto* w = body.mutable_withdraw();
  w->set_asset(std::string(asset));
  w->set_amount(amount);
  return serialize(body);
}

Bytes withdraw(TxHeader h, std::string_view asset, std::uint64_t amount, EvmChainId chain_id) {
  auto body = header(h);
  auto* w = body.mutable_withdraw();
  w->set_asset(std::string(asset));
  w->set_amount(amount);
  w->set_chain_id(chain_id);  // proto3 leaves a 0 out, so chain 0 encodes as the overload above
  return serialize(body);
}

Bytes deposit_attestation(TxHeader h, const DepositAttestationArgs& a) {
  auto body = header(h);
  auto* d = body.mutable_deposit_attestation();
  d->set_chain_id(a.chain_id);
  d->set_deposit_id(a.deposit_id);
  d->set_account(std::string(as_chars(a.account.view())));
  d->set_asset(a.asset);
  d->set_amount(a.amount);
  d->set_eth_tx_hash(std::string(reinterpret_cast<const char*>(a.eth_tx_hash.data()), a.eth_tx_hash.size()));
  return serialize(body);
}

Bytes register_settlement_address(TxHeader h, const EthAddress& eth_address) {
  auto body = header(h);
  body.mutable_register_settlement_address()->set_eth_address(
      std::string(reinterpret_cast<const char*>(eth_address.data()), eth_address.size()));
  return serialize(body);
}

Bytes genesis_allocation(TxHeader h, const AccountId& account, std::string_view asset, std::uint64_t amount) {
  auto body = header(h);
  auto* g = body.mutable_genesis_allocation();
  g->set_account(std::string(as_chars(account.view())));
  g->set_asset(std::string(asset));
  g->set_amount(amount);
  return serialize(body);
}

}  // namespace tx_body

Bytes TxBuilder::seal(const KeyPair& key, ByteView body) const { return seal_envelope(key, chain_id_, body); }

}  // namespace replex::exchange
