// ExchangeApi: the trader-facing operations, once, for every transport.
// REST (rest_routes.cpp) and gRPC (exchange_service.cpp) translate their
// requests into these calls and render the typed answers; validation,
// authentication, custodial signing, idempotency by client order id,
// submission and the wait for the commit live here (docs/api.md).
//
// Order entry is asynchronous: `done` runs exactly once, on whichever thread
// reaches the answer (an admission worker, the read model's thread, a timer
// of `timers`, or the caller's when refused at once). Reads are synchronous.
// Thread-safe.
#pragma once

#include "beast.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api_error.hpp"
#include "keystore.hpp"
#include "order_body.hpp"
#include "rate_limiter.hpp"
#include "replex/api/context.hpp"
#include "replex/api/gateway_stats.hpp"
#include "replex/api/read_model.hpp"
#include "replex/exchange/chain_rules.hpp"
#include "replex/exchange/tx_builder.hpp"

namespace replex::api {

// Who calls: the API key header (custodial) and the peer's IP.
struct Caller {
  std::string api_key;  // empty: none
  std::string ip;
};

struct AmendFields {
  std::string price;     // new limit price; empty keeps it
  std::string quantity;  // new open quantity; empty keeps it
  std::optional<std::uint64_t> good_til_height;
};

struct TxEvent {
  std::string type;  // "trade", "order_accepted", ...
  std::vector<std::pair<std::string, std::string>> attributes;
};

// What became of a submitted transaction.
struct TxReceipt {
  Hash256 tx_hash;
  PublicKey account;
  std::string client_order_id;  // of a placed order
  bool duplicate = false;       // it was already in the mempool
  bool existing = false;        // a repeated client order id: nothing was submitted
  std::optional<std::uint64_t> height;  // committed at
  std::uint32_t code = 0;               // execution result once committed (0 applied)
  std::optional<OrderRecord> order;     // the order placed or touched, once known
  // Once committed, a transaction that touches no order reports its events
  // (a withdrawal's id, a registered address).
  std::vector<TxEvent> events;
};

struct MarketInfo {
  std::string symbol, base, quote;
  unsigned price_decimals = 0, base_decimals = 0, quote_decimals = 0;
  std::uint64_t tick_size = 0, lot_size = 0, min_quantity = 0, max_quantity = 0;
  std::uint32_t maker_fee_bps = 0, taker_fee_bps = 0;
  std::optional<std::uint64_t> last_price;
};

struct BalanceLine {
  std::string asset;
  unsigned decimals = 0;
  std::uint64_t available = 0, locked = 0;
};

struct TxInfo {
  Hash256 hash;
  std::uint64_t height = 0;
  std::uint32_t index = 0;
  std::uint32_t code = 0;
  std::vector<TxEvent> events;  // empty when the block's events are not stored
};

struct Readiness {
  bool ready = false;
  std::string reason;  // why not
};

using ReceiptDone = std::function<void(ApiResult<TxReceipt>)>;
// One result per batch entry, in the entries' order.
using BatchDone = std::function<void(std::vector<ApiResult<TxReceipt>>)>;

class ExchangeApi {
 public:
  ExchangeApi(const ApiContext& ctx, ReadModel& model, std::unique_ptr<Keystore> keystore,
              boost::asio::io_context& timers);

  const exchange::ChainRules& rules() const { return *rules_; }
  GatewayStats& stats() { return stats_; }
  const ApiContext& context() const { return ctx_; }

  // 0 when the caller may proceed, else seconds until it may (429).
  std::uint32_t rate_limit(const Caller& caller);
  // The account an API key stands for (custodial mode).
  ApiResult<PublicKey> api_key_account(const std::string& api_key);

  // --- order entry (custodial: X-API-Key) --------------------------------------
  void place_order(const Caller& caller, const OrderFields& order, bool wait, ReceiptDone done);
  void cancel_order(const Caller& caller, const std::string& market, exchange::OrderId order_id,
                    const std::string& client_order_id, bool wait, ReceiptDone done);
  void cancel_all(const Caller& caller, const std::string& market, bool wait, ReceiptDone done);
  void amend_order(const Caller& caller, exchange::OrderId order_id, const AmendFields& amend, bool wait,
                   ReceiptDone done);
  // --- settlement (custodial; DESIGN.md §10) -----------------------------------
  // Debits `amount` of `asset` for a withdrawal to the account's registered
  // Ethereum address on `chain_id` (nullopt: the genesis' default chain).
  void withdraw(const Caller& caller, const std::string& asset, const std::string& amount,
                std::optional<std::uint64_t> chain_id, bool wait, ReceiptDone done);
  void register_settlement_address(const Caller& caller, const std::string& eth_address, bool wait,
                                   ReceiptDone done);
  // A client's own signed envelope (non-custodial), any transaction kind.
  void submit_signed(const Caller& caller, Bytes envelope, bool wait, ReceiptDone done);
  // A batch (POST /api/v1/orders/batch): each entry answered as place_order or
  // submit_signed would answer it alone (an invalid entry with its error), and
  // the admitted ones handed to the node in one submission. Rate limits count
  // every entry: the request took one token per limit, the batch takes
  // entries - 1 more (per IP, and per API key when there is one); entries
  // beyond what the buckets hold are answered RATE_LIMITED. Errors name the
  // entry ("orders[3].price"). `done` runs once, when every entry has its answer.
  void place_orders(const Caller& caller, std::vector<OrderEntry> entries, bool wait, BatchDone done);

  // --- reads ---------------------------------------------------------------------
  ApiResult<exchange::MarketIndex> market(std::string_view symbol, std::string_view field = "market") const;
  std::vector<MarketInfo> markets() const;
  ApiResult<PublicKey> account(std::string_view hex, std::string_view field = "account") const;
  ApiResult<std::vector<BalanceLine>> balances(const PublicKey& account) const;
  // An order by id: the read model's record, else the open order in the state.
  ApiResult<OrderRecord> order(exchange::OrderId id) const;
  ApiResult<OrderRecord> order_by_client_id(const PublicKey& account, std::string_view client_order_id) const;
  ApiResult<TxInfo> transaction(const Hash256& hash) const;
  Readiness readiness() const;
  // STATE_DIVERGED (503) while a checkpoint quorum disagrees with this node's
  // state (until it installs theirs): what it would answer could be wrong.
  std::optional<ApiError> divergence() const;
  std::size_t page_limit(std::optional<std::uint64_t> requested, std::size_t fallback) const;

  // Decimal text of an amount, for responses.
  std::string price_text(exchange::MarketIndex m, std::uint64_t price) const;
  std::string quantity_text(exchange::MarketIndex m, std::uint64_t quantity) const;
  std::string quote_text(exchange::MarketIndex m, std::uint64_t amount) const;
  std::string asset_text(exchange::AssetIndex asset, std::uint64_t amount) const;
  TxEvent describe(const exchange::Event& event) const;

 private:
  struct Pending {
    Hash256 tx_hash;
    std::uint64_t good_til_height = 0;
  };

  ApiResult<Custodian> custodian(const Caller& caller);
  ApiResult<std::uint64_t> units(std::string_view field, const std::string& text, unsigned scale,
                                 bool required) const;
  std::uint64_t next_height() const;
  exchange::TxHeader header(const Custodian& who, std::optional<std::uint64_t> good_til_height);
  // With `into`, the admission is appended there for the caller to hand to
  // the node with others, instead of submitted at once.
  void place_order(const Caller& caller, const OrderFields& order, bool wait, ReceiptDone done,
                   std::vector<Submission>* into);
  void submit_signed(Bytes envelope, bool wait, ReceiptDone done, std::vector<Submission>* into);
  // Submits and answers `done`: at admission, or (wait) once the block is applied.
  void submit(Bytes envelope, TxReceipt receipt, bool wait, ReceiptDone done, std::vector<Submission>* into = nullptr);
  ApiError verdict_error(const consensus::TxStatusReport& report) const;
  ApiError execution_error(const TxReceipt& receipt) const;

  const ApiContext& ctx_;
  ReadModel& model_;
  std::unique_ptr<Keystore> keystore_;  // null: custodial mode off
  boost::asio::io_context& timers_;
  std::shared_ptr<const exchange::ChainRules> rules_;
  exchange::TxBuilder builder_;
  RateLimiter per_key_;
  RateLimiter per_ip_;
  GatewayStats stats_;

  std::mutex pending_mutex_;
  std::map<std::pair<PublicKey, std::string>, Pending> pending_;  // client order ids awaiting their block
};

}  // namespace replex::api
