// JSON renderings of the gateway's answers (docs/api.md, docs/openapi.yaml):
// prices, quantities and amounts as decimal strings in their market's or
// asset's scale, ids and heights as numbers, keys and hashes as hex. One
// place for every shape, shared by REST responses and WebSocket messages.
#pragma once

#include "exchange_api.hpp"
#include "json_body.hpp"
#include "replex/settlement/settler.hpp"

namespace replex::api {

Json to_json(const ExchangeApi& api, const OrderRecord& order);
Json to_json(const ExchangeApi& api, const TradeRecord& trade);
Json to_json(const ExchangeApi& api, exchange::MarketIndex market, CandleInterval interval, const Candle& candle);
Json to_json(const ExchangeApi& api, const BookState& book);
Json to_json(const ExchangeApi& api, const BookDiff& diff);
Json to_json(const BlockSummary& block);
Json to_json(const MarketInfo& market);
Json to_json(const std::vector<BalanceLine>& balances, const PublicKey& account);
Json to_json(const TxInfo& tx);
// The answer to an order-entry call: the receipt, with the order once committed.
Json to_json(const ExchangeApi& api, const TxReceipt& receipt);
Json to_json(const ApiError& error);
// GET /api/v1/settlement and GET /api/v1/withdrawals/{id}: token amounts in
// the token's base units (decimal strings), addresses in checksum form.
Json to_json(const settlement::SettlementStatus& status);
Json to_json(const settlement::WithdrawalClaim& claim);
// A stream item as the WebSocket sends it: {"channel": ..., "type": ..., "data": ...}.
std::string render_stream_item(const ExchangeApi& api, const StreamItem& item);

}  // namespace replex::api
