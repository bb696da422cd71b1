#include "exchange_api.hpp"

#include "beast.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <type_traits>

#include "replex/core/decimal.hpp"
#include "replex/core/random.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/exchange/events.hpp"
#include "replex/exchange/reason.hpp"
#include "replex/exchange/transaction.hpp"
#include "replex/settlement/eth_address.hpp"

namespace replex::api {
namespace {

using exchange::Reason;

template <typename T>
std::optional<T> parse_enum(const std::string& text, std::initializer_list<std::pair<std::string_view, T>> names) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& [name, value] : names) {
    if (lower == name) return value;
  }
  return std::nullopt;
}

// "BTC/USD" and "btc-usd" name the market "BTC-USD".
std::string market_symbol(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = c == '/' ? '-' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string random_client_order_id() {
  std::array<std::uint8_t, 8> bytes;
  random_bytes(bytes);
  return "rpx-" + to_hex(ByteView(bytes.data(), bytes.size()));
}

// One answer for `done`, whichever of the commit, the deadline or an error comes first.
struct OnceDone {
  explicit OnceDone(ReceiptDone d) : done(std::move(d)) {}
  void operator()(ApiResult<TxReceipt> result) {
    if (!answered.exchange(true)) done(std::move(result));
  }
  ReceiptDone done;
  std::atomic<bool> answered{false};
};

}  // namespace

ExchangeApi::ExchangeApi(const ApiContext& ctx, ReadModel& model, std::unique_ptr<Keystore> keystore,
                         boost::asio::io_context& timers)
    : ctx_(ctx),
      model_(model),
      keystore_(std::move(keystore)),
      timers_(timers),
      rules_(exchange::ChainRules::create(ctx.genesis.exchange).value()),
      builder_(ctx.genesis.chain_id()),
      per_key_(ctx.api.max_key_requests_per_s, ctx.api.max_key_burst_requests, ctx.api.max_rate_limited_clients),
      per_ip_(ctx.api.max_ip_requests_per_s, ctx.api.max_ip_burst_requests, ctx.api.max_rate_limited_clients) {
  if (keystore_) keystore_->set_node_salt(static_cast<std::uint8_t>(ctx.genesis.hash().bytes[0]));
}

std::uint32_t ExchangeApi::rate_limit(const Caller& caller) {
  if (!caller.ip.empty()) {
    if (const std::uint32_t wait = per_ip_.admit(caller.ip)) return wait;
  }
  if (!caller.api_key.empty()) return per_key_.admit("key:" + config::api_key_hash(caller.api_key).hex());
  return 0;
}

ApiResult<PublicKey> ExchangeApi::api_key_account(const std::string& api_key) {
  auto who = custodian(Caller{api_key, {}});
  if (!who) return who.error();
  return who->account;
}

// --- helpers ------------------------------------------------------------------------------

ApiResult<exchange::MarketIndex> ExchangeApi::market(std::string_view symbol, std::string_view field) const {
  if (symbol.empty()) return ApiError::bad_request(std::string(field), std::string(field) + ": required");
  const std::string canonical = market_symbol(symbol);
  if (const auto m = rules_->find_market(canonical)) return *m;
  return ApiError{ApiErrorKind::kNotFound, "UNKNOWN_MARKET",
                  std::string(field) + ": unknown market '" + std::string(symbol) + "'", std::string(field), 0};
}

ApiResult<PublicKey> ExchangeApi::account(std::string_view hex, std::string_view field) const {
  auto key = PublicKey::from_hex(hex);
  if (!key) {
    return ApiError::bad_request(std::string(field), std::string(field) + ": expected 64 hex digits (an account key)");
  }
  return *key;
}

ApiResult<std::uint64_t> ExchangeApi::units(std::string_view field, const std::string& text, unsigned scale,
                                            bool required) const {
  if (text.empty()) {
    if (required) return ApiError::bad_request(std::string(field), std::string(field) + ": required");
    return std::uint64_t{0};
  }
  auto value = parse_decimal_unsigned(text, scale);
  if (!value) {
    return ApiError::bad_request(std::string(field), std::string(field) + ": " + value.status().message());
  }
  if (*value == 0) return ApiError::bad_request(std::string(field), std::string(field) + ": must be positive");
  return *value;
}

std::uint64_t ExchangeApi::next_height() const { return ctx_.views.chain()->height + 1; }

exchange::TxHeader ExchangeApi::header(const Custodian& who, std::optional<std::uint64_t> good_til_height) {
  const std::uint64_t ttl =
      std::min<std::uint64_t>(ctx_.api.custodial_ttl_blocks, rules_->params().max_tx_ttl_blocks);
  return {keystore_->next_nonce(who.account), good_til_height.value_or(next_height() + ttl - 1)};
}

ApiResult<Custodian> ExchangeApi::custodian(const Caller& caller) {
  if (caller.api_key.empty()) {
    return ApiError::unauthorized(
        "X-API-Key: required (or submit a signed transaction: POST /api/v1/transactions)", "MISSING_API_KEY");
  }
  if (!keystore_) {
    return ApiError::unauthorized("this node does not sign for clients (api.custodial is off); submit a signed "
                                  "transaction instead",
                                  "CUSTODIAL_DISABLED");
  }
  return keystore_->authenticate(caller.api_key);
}

std::string ExchangeApi::price_text(exchange::MarketIndex m, std::uint64_t price) const {
  return format_decimal_unsigned(price, rules_->market_spec(m).price_decimals);
}
std::string ExchangeApi::quantity_text(exchange::MarketIndex m, std::uint64_t quantity) const {
  return format_decimal_unsigned(quantity, rules_->asset(*rules_->find_asset(rules_->market_spec(m).base)).decimals);
}
std::string ExchangeApi::quote_text(exchange::MarketIndex m, std::uint64_t amount) const {
  return format_decimal_unsigned(amount, rules_->asset(*rules_->find_asset(rules_->market_spec(m).quote)).decimals);
}
std::string ExchangeApi::asset_text(exchange::AssetIndex asset, std::uint64_t amount) const {
  return format_decimal_unsigned(amount, rules_->asset(asset).decimals);
}

std::size_t ExchangeApi::page_limit(std::optional<std::uint64_t> requested, std::size_t fallback) const {
  const std::size_t max = ctx_.api.max_page_size;
  // 0, like absent, means the route's default (REST and gRPC alike).
  const std::uint64_t wanted = requested && *requested != 0 ? *requested : fallback;
  return static_cast<std::size_t>(std::min<std::uint64_t>(wanted, max));
}

// --- order entry -------------------------------------------------------------------------------

void ExchangeApi::place_order(const Caller& caller, const OrderFields& f, bool wait, ReceiptDone done) {
  place_order(caller, f, wait, std::move(done), nullptr);
}

void ExchangeApi::place_order(const Caller& caller, const OrderFields& f, bool wait, ReceiptDone done,
                              std::vector<Submission>* into) {
  auto who = custodian(caller);
  if (!who) return done(who.error());
  auto m = market(f.market);
  if (!m) return done(m.error());
  const exchange::GenesisMarket& spec = rules_->market_spec(*m);
  const unsigned base_decimals = rules_->asset(*rules_->find_asset(spec.base)).decimals;
  const unsigned quote_decimals = rules_->asset(*rules_->find_asset(spec.quote)).decimals;

  exchange::PlaceOrderArgs args;
  args.market = spec.symbol;
  using exchange::OrderType, exchange::Side, exchange::TimeInForce, exchange::SelfTradePrevention;
  if (f.side.empty()) return done(ApiError::bad_request("side", "side: required (buy or sell)"));
  const auto side = parse_enum<Side>(f.side, {{"buy", Side::kBuy}, {"sell", Side::kSell}});
  if (!side) return done(ApiError::bad_request("side", "side: '" + f.side + "', expected buy or sell"));
  args.side = *side;
  const auto type = f.type.empty() ? std::optional(OrderType::kLimit)
                                   : parse_enum<OrderType>(f.type, {{"limit", OrderType::kLimit},
                                                                    {"market", OrderType::kMarket},
                                                                    {"stop_market", OrderType::kStopMarket},
                                                                    {"stop_limit", OrderType::kStopLimit}});
  if (!type) {
    return done(ApiError::bad_request("type", "type: '" + f.type + "', expected limit, market, stop_market or stop_limit"));
  }
  args.type = *type;
  // Market and stop-market orders are immediate-or-cancel by nature; the rest default to GTC.
  const bool immediate = args.type == OrderType::kMarket || args.type == OrderType::kStopMarket;
  const auto tif = f.time_in_force.empty()
                       ? std::optional(immediate ? TimeInForce::kIoc : TimeInForce::kGtc)
                       : parse_enum<TimeInForce>(f.time_in_force,
                                                 {{"gtc", TimeInForce::kGtc}, {"ioc", TimeInForce::kIoc}, {"fok", TimeInForce::kFok}});
  if (!tif) {
    return done(ApiError::bad_request("time_in_force", "time_in_force: '" + f.time_in_force + "', expected gtc, ioc or fok"));
  }
  args.time_in_force = *tif;
  const auto stp = f.self_trade_prevention.empty()
                       ? std::optional(SelfTradePrevention::kExpireMaker)
                       : parse_enum<SelfTradePrevention>(f.self_trade_prevention,
                                                         {{"expire_maker", SelfTradePrevention::kExpireMaker},
                                                          {"expire_taker", SelfTradePrevention::kExpireTaker},
                                                          {"expire_both", SelfTradePrevention::kExpireBoth}});
  if (!stp) {
    return done(ApiError::bad_request("self_trade_prevention",
                                      "self_trade_prevention: '" + f.self_trade_prevention +
                                          "', expected expire_maker, expire_taker or expire_both"));
  }
  args.self_trade_prevention = *stp;
  args.post_only = f.post_only.value_or(false);
  const bool limit_priced = args.type == OrderType::kLimit || args.type == OrderType::kStopLimit;
  const bool stopped = args.type == OrderType::kStopMarket || args.type == OrderType::kStopLimit;
  if (!limit_priced && !f.price.empty()) {
    return done(ApiError::bad_request("price", "price: not allowed for a " + std::string(order_type_name(args.type)) + " order"));
  }
  struct Field {
    std::string_view name;
    const std::string& text;
    unsigned scale;
    bool required;
    std::uint64_t& out;
  };
  const bool budgeted_market_buy = !limit_priced && args.side == Side::kBuy && !f.quote_budget.empty();
  for (const Field& field : {Field{"price", f.price, spec.price_decimals, limit_priced, args.price},
                             Field{"quantity", f.quantity, base_decimals, !budgeted_market_buy, args.quantity},
                             Field{"stop_price", f.stop_price, spec.price_decimals, stopped, args.stop_price},
                             Field{"display_quantity", f.display_quantity, base_decimals, false, args.display_quantity},
                             Field{"protection_price", f.protection_price, spec.price_decimals, false, args.protection_price},
                             Field{"quote_budget", f.quote_budget, quote_decimals, false, args.quote_budget}}) {
    auto value = units(field.name, field.text, field.scale, field.required);
    if (!value) return done(value.error());
    field.out = *value;
  }
  // Tick and lot first here, so the error names the field and the step.
  if (args.price % spec.tick_size != 0 || args.stop_price % spec.tick_size != 0) {
    const char* name = args.price % spec.tick_size != 0 ? "price" : "stop_price";
    return done(ApiError{ApiErrorKind::kRejected, "PRICE_NOT_ON_TICK",
                         std::string(name) + ": not a multiple of the tick size " + price_text(*m, spec.tick_size),
                         name, 0});
  }
  if (args.quantity % spec.lot_size != 0) {
    return done(ApiError{ApiErrorKind::kRejected, "QUANTITY_NOT_ON_LOT",
                         "quantity: not a multiple of the lot size " + quantity_text(*m, spec.lot_size), "quantity",
                         0});
  }
  args.client_order_id = f.client_order_id.empty() ? random_client_order_id() : f.client_order_id;

  // A repeated client order id answers with the order it already placed.
  const std::pair key(who->account, args.client_order_id);
  if (auto existing = model_.order_by_client_id(who->account, args.client_order_id)) {
    TxReceipt receipt;
    receipt.tx_hash = existing->tx_hash;
    receipt.account = who->account;
    receipt.client_order_id = args.client_order_id;
    receipt.existing = true;
    receipt.height = existing->created_height;
    receipt.order = std::move(existing);
    return done(std::move(receipt));
  }
  exchange::TxHeader h;
  Bytes envelope;
  {
    std::lock_guard lock(pending_mutex_);
    if (const auto it = pending_.find(key); it != pending_.end()) {
      if (it->second.good_til_height >= next_height()) {
        TxReceipt receipt;
        receipt.tx_hash = it->second.tx_hash;
        receipt.account = who->account;
        receipt.client_order_id = args.client_order_id;
        receipt.existing = true;
        return done(std::move(receipt));
      }
      pending_.erase(it);  // it expired without committing
    }
    if (pending_.size() >= ctx_.api.max_orders_kept) {
      return done(ApiError{ApiErrorKind::kUnavailable, "TOO_MANY_PENDING", "too many orders awaiting their block; retry later", "", 1});
    }
    h = header(*who, f.good_til_height);
    envelope = builder_.place_order(*who->key, h, args);
    pending_[key] = Pending{tx_hash(envelope), h.good_til_height};
  }
  TxReceipt receipt;
  receipt.tx_hash = tx_hash(envelope);
  receipt.account = who->account;
  receipt.client_order_id = args.client_order_id;
  submit(std::move(envelope), std::move(receipt), wait,
         [this, key, done = std::move(done)](ApiResult<TxReceipt> result) {
           if (!result || result->height) {
             // Refused, or committed (the read model now answers for the id).
             std::lock_guard lock(pending_mutex_);
             pending_.erase(key);
           }
           done(std::move(result));
         },
         into);
}

void ExchangeApi::cancel_order(const Caller& caller, const std::string& market_text, exchange::OrderId order_id,
                               const std::string& client_order_id, bool wait, ReceiptDone done) {
  auto who = custodian(caller);
  if (!who) return done(who.error());
  std::string symbol = market_text;
  if (order_id != 0) {
    auto known = model_.order(order_id);
    if (known && known->account != who->account) {
      return done(ApiError{ApiErrorKind::kForbidden, "NOT_YOUR_ORDER", "order " + std::to_string(order_id) +
                                                                           " belongs to another account", "", 0});
    }
    if (symbol.empty() && known) symbol = rules_->market_spec(known->market).symbol;
  } else if (symbol.empty()) {
    if (auto known = model_.order_by_client_id(who->account, client_order_id)) {
      symbol = rules_->market_spec(known->market).symbol;
    }
  }
  auto m = market(symbol);
  if (!m) {
    if (symbol.empty()) return done(ApiError::not_found("order not found: give its market to cancel it", "market"));
    return done(m.error());
  }
  const exchange::TxHeader h = header(*who, std::nullopt);
  const std::string& canonical = rules_->market_spec(*m).symbol;
  Bytes envelope = order_id != 0 ? builder_.cancel_order(*who->key, h, canonical, order_id)
                                 : builder_.cancel_order_by_client_id(*who->key, h, canonical, client_order_id);
  TxReceipt receipt;
  receipt.tx_hash = tx_hash(envelope);
  receipt.account = who->account;
  receipt.client_order_id = client_order_id;
  submit(std::move(envelope), std::move(receipt), wait,
         [this, order_id, account = who->account, client_order_id, done = std::move(done)](ApiResult<TxReceipt> r) {
           if (r && r->height) {
             r->order = order_id != 0 ? model_.order(order_id) : model_.order_by_client_id(account, client_order_id);
           }
           done(std::move(r));
         });
}

void ExchangeApi::cancel_all(const Caller& caller, const std::string& market_text, bool wait, ReceiptDone done) {
  auto who = custodian(caller);
  if (!who) return done(who.error());
  std::string canonical;
  if (!market_text.empty()) {
    auto m = market(market_text);
    if (!m) return done(m.error());
    canonical = rules_->market_spec(*m).symbol;
  }
  Bytes envelope = builder_.cancel_all(*who->key, header(*who, std::nullopt), canonical);
  TxReceipt receipt;
  receipt.tx_hash = tx_hash(envelope);
  receipt.account = who->account;
  submit(std::move(envelope), std::move(receipt), wait, std::move(done));
}

void ExchangeApi::withdraw(const Caller& caller, const std::string& asset_text, const std::string& amount_text,
                           std::optional<std::uint64_t> chain_id, bool wait, ReceiptDone done) {
  auto who = custodian(caller);
  if (!who) return done(who.error());
  if (asset_text.empty()) return done(ApiError::bad_request("asset", "asset: required"));
  const auto asset = rules_->find_asset(asset_text);
  if (!asset) return done(ApiError::bad_request("asset", "asset: unknown asset '" + asset_text + "'"));
  auto amount = units("amount", amount_text, rules_->asset(*asset).decimals, true);
  if (!amount) return done(amount.error());
  if (chain_id && *chain_id == 0) return done(ApiError::bad_request("chain_id", "chain_id: must be positive"));
  const std::string symbol = rules_->asset(*asset).symbol;
  Bytes envelope = builder_.withdraw(*who->key, header(*who, std::nullopt), symbol, *amount, chain_id.value_or(0));
  TxReceipt receipt;
  receipt.tx_hash = tx_hash(envelope);
  receipt.account = who->account;
  submit(std::move(envelope), std::move(receipt), wait, std::move(done));
}

void ExchangeApi::register_settlement_address(const Caller& caller, const std::string& eth_address, bool wait,
                                              ReceiptDone done) {
  auto who = custodian(caller);
  if (!who) return done(who.error());
  if (eth_address.empty()) return done(ApiError::bad_request("eth_address", "eth_address: required"));
  auto parsed = settlement::parse_eth_address(eth_address);
  if (!parsed) return done(ApiError::bad_request("eth_address", "eth_address: " + parsed.status().message()));
  Bytes envelope = builder_.register_settlement_address(*who->key, header(*who, std::nullopt), *parsed);
  TxReceipt receipt;
  receipt.tx_hash = tx_hash(envelope);
  receipt.account = who->account;
  submit(std::move(envelope), std::move(receipt), wait, std::move(done));
}

void ExchangeApi::amend_order(const Caller& caller, exchange::OrderId order_id, const AmendFields& amend, bool wait,
                              ReceiptDone done) {
  auto who = custodian(caller);
  if (!who) return done(who.error());
  auto known = model_.order(order_id);
  if (!known) {
    return done(ApiError{ApiErrorKind::kNotFound, "UNKNOWN_ORDER", "order " + std::to_string(order_id) + " not found",
                         "order_id", 0});
  }
  if (known->account != who->account) {
    return done(ApiError{ApiErrorKind::kForbidden, "NOT_YOUR_ORDER",
                         "order " + std::to_string(order_id) + " belongs to another account", "", 0});
  }
  const exchange::MarketIndex m = known->market;
  const exchange::GenesisMarket& spec = rules_->market_spec(m);
  const unsigned base_decimals = rules_->asset(*rules_->find_asset(spec.base)).decimals;
  auto price = units("price", amend.price, spec.price_decimals, false);
  if (!price) return done(price.error());
  auto quantity = units("quantity", amend.quantity, base_decimals, false);
  if (!quantity) return done(quantity.error());
  if (*price == 0 && *quantity == 0) {
    return done(ApiError::bad_request("price", "give a new price, a new quantity or both"));
  }
  Bytes envelope =
      builder_.amend_order(*who->key, header(*who, amend.good_til_height), spec.symbol, order_id, *price, *quantity);
  TxReceipt receipt;
  receipt.tx_hash = tx_hash(envelope);
  receipt.account = who->account;
  receipt.client_order_id = known->client_order_id;
  submit(std::move(envelope), std::move(receipt), wait,
         [this, order_id, done = std::move(done)](ApiResult<TxReceipt> r) {
           if (r && r->height) r->order = model_.order(order_id);
           done(std::move(r));
         });
}

void ExchangeApi::submit_signed(const Caller& caller, Bytes envelope, bool wait, ReceiptDone done) {
  (void)caller;  // signed submissions are limited per signing account, below
  submit_signed(std::move(envelope), wait, std::move(done), nullptr);
}

void ExchangeApi::submit_signed(Bytes envelope, bool wait, ReceiptDone done, std::vector<Submission>* into) {
  exchange::Transaction tx;
  const abci::TxCheck check = exchange::decode_transaction(*rules_, envelope, /*verify_signature=*/true, tx);
  if (!check.ok()) {
    consensus::TxStatusReport report{tx_hash(envelope), consensus::TxVerdict::kRejected, check.code, check.message};
    return done(verdict_error(report));
  }
  if (const std::uint32_t wait_s = per_key_.admit("account:" + tx.signer.hex())) {
    return done(ApiError{ApiErrorKind::kRateLimited, "RATE_LIMITED", "too many requests for this account", "", wait_s});
  }
  TxReceipt receipt;
  receipt.tx_hash = tx_hash(envelope);
  receipt.account = tx.signer;
  if (const auto* place = std::get_if<exchange::PlaceOrderTx>(&tx.kind)) receipt.client_order_id = place->client_order_id;
  submit(std::move(envelope), std::move(receipt), wait, std::move(done), into);
}

void ExchangeApi::submit(Bytes envelope, TxReceipt receipt, bool wait, ReceiptDone done,
                         std::vector<Submission>* into) {
  const Hash256 hash = receipt.tx_hash;
  std::shared_ptr<boost::asio::steady_timer> deadline;
  if (wait) {
    deadline = std::make_shared<boost::asio::steady_timer>(timers_);
    // The first answer cancels the deadline.
    done = [deadline, done = std::move(done)](ApiResult<TxReceipt> r) {
      deadline->cancel();
      done(std::move(r));
    };
  }
  auto once = std::make_shared<OnceDone>(std::move(done));
  // Answers once the read model has applied the block, so the order it
  // reports is the committed one.
  auto committed = [this, once](TxReceipt r, std::uint64_t height, std::uint32_t code) {
    r.height = height;
    r.code = code;
    model_.after_height(height, [this, once, r]() mutable {
      r.order = model_.order_by_tx(r.tx_hash);
      if (r.code != 0 && !r.order) return (*once)(execution_error(r));
      if (!r.order) {
        if (auto tx = transaction(r.tx_hash)) r.events = std::move(tx->events);
      }
      (*once)(std::move(r));
    });
  };
  std::shared_ptr<CommitWaiters::Waiter> waiter;
  if (wait) {
    if (auto location = ctx_.store.find_tx(hash)) {
      // Already committed (a client retrying after a lost answer): say where.
      return committed(std::move(receipt), location->height, location->code);
    }
    // Registered before admission, so a fast commit cannot be missed.
    waiter = ctx_.waiters.add(hash, [this, once, committed, receipt](CommitWaiters::Answer answer) {
      if (const auto* commit = std::get_if<CommitInfo>(&answer)) {
        return committed(receipt, commit->height, commit->code);
      }
      if (const auto* evicted = std::get_if<consensus::TxStatusReport>(&answer)) {
        ApiError error = verdict_error(*evicted);
        error.message = std::string(kEvictedAfterAdmission) + error.message;
        return (*once)(std::move(error));
      }
      (*once)(ApiError::unavailable("the node is shutting down"));
    });
    if (!waiter) {
      return (*once)(
          ApiError::unavailable("too many submissions waiting for their block (api.max_pending_submissions)"));
    }
    deadline->expires_after(std::chrono::milliseconds(ctx_.api.submit_wait_timeout_ms));
    deadline->async_wait([this, once, waiter, hash](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: answered
      ctx_.waiters.remove(waiter);
      (*once)(ApiError{ApiErrorKind::kTimeout, "COMMIT_TIMEOUT",
                       "not committed within " + std::to_string(ctx_.api.submit_wait_timeout_ms) +
                           " ms; it may still commit: look it up by hash " + hash.hex(),
                       "", 0});
    });
  }
  SubmitDone on_verdict = [this, once, committed, receipt, waiter](
                             Result<consensus::TxStatusReport> report) mutable {
    if (report && (report->verdict == consensus::TxVerdict::kAccepted ||
                   report->verdict == consensus::TxVerdict::kDuplicate)) {
      receipt.duplicate = report->verdict == consensus::TxVerdict::kDuplicate;
      if (!waiter) (*once)(std::move(receipt));
      return;  // else the commit (or the deadline) answers
    }
    if (waiter && report && may_have_committed(*report)) {
      // It may have committed since the index lookup: a waiting caller learns
      // where, once it is indexed.
      return ctx_.waiters.when_indexed([this, once, committed, receipt, waiter, report = *report](bool indexed) mutable {
        ctx_.waiters.remove(waiter);
        if (auto location = ctx_.store.find_tx(receipt.tx_hash)) {
          return committed(std::move(receipt), location->height, location->code);
        }
        if (!indexed) {
          // No Retry-After: this node has stopped; the client asks another.
          const ApiError refusal = verdict_error(report);
          return (*once)(ApiError::unavailable(std::string(kIndexIncomplete) + refusal.code + ": " + refusal.message,
                                               /*retry_after_s=*/0));
        }
        (*once)(verdict_error(report));
      });
    }
    if (waiter) ctx_.waiters.remove(waiter);
    if (!report) {
      return (*once)(report.status().code() == StatusCode::kResourceExhausted
                         ? ApiError{ApiErrorKind::kUnavailable, "MEMPOOL_FULL", report.status().message(), "", 1}
                         : ApiError::unavailable(report.status().message()));
    }
    (*once)(verdict_error(*report));
  };
  if (into != nullptr) {
    into->push_back(Submission{std::move(envelope), std::move(on_verdict)});
  } else {
    ctx_.submitter.submit(std::move(envelope), std::move(on_verdict));
  }
}

ApiError ExchangeApi::verdict_error(const consensus::TxStatusReport& report) const {
  using consensus::TxVerdict;
  switch (report.verdict) {
    case TxVerdict::kAccepted:
    case TxVerdict::kDuplicate:
    case TxVerdict::kHeld:      // in the mempool (only relayed transactions are held)
    case TxVerdict::kReleased:  // (never an admission's answer)
      break;
    case TxVerdict::kMempoolFull:
      return ApiError{ApiErrorKind::kUnavailable, "MEMPOOL_FULL", report.message + "; retry later", "", 1};
    case TxVerdict::kTooLarge:
      return ApiError{ApiErrorKind::kTooLarge, "TX_TOO_LARGE", report.message, "transaction", 0};
    case TxVerdict::kRejected:
    case TxVerdict::kEvicted: {
      const std::string name(exchange::reason_name(report.app_code));
      ApiErrorKind kind = ApiErrorKind::kRejected;
      switch (static_cast<Reason>(report.app_code)) {
        case Reason::kBadSignature: kind = ApiErrorKind::kUnauthorized; break;
        case Reason::kBadEncoding:
        case Reason::kInvalidField: kind = ApiErrorKind::kBadRequest; break;
        case Reason::kDuplicateNonce:
        case Reason::kDuplicateClientOrderId: kind = ApiErrorKind::kConflict; break;
        default: break;
      }
      // The exchange's messages name the field first ("place_order.price: ..."),
      // sometimes after the reason ("EXPIRED: ..."); the API names it as the request does.
      std::string text = report.message;
      if (text.rfind(name + ": ", 0) == 0) text = text.substr(name.size() + 2);
      const auto colon = text.find(':');
      std::string field = colon == std::string::npos ? std::string() : text.substr(0, colon);
      if (field.find(' ') != std::string::npos) field.clear();
      if (const auto dot = field.rfind('.'); dot != std::string::npos) field = field.substr(dot + 1);
      const auto reason = static_cast<Reason>(report.app_code);
      if (reason == Reason::kExpired || reason == Reason::kGoodTilTooFar) field = "good_til_height";
      if (reason == Reason::kDuplicateNonce) field = "nonce";
      return ApiError{kind, name, report.message, std::move(field), 0};
    }
  }
  return ApiError::internal("unexpected admission verdict");
}

ApiError ExchangeApi::execution_error(const TxReceipt& receipt) const {
  return ApiError{ApiErrorKind::kRejected, std::string(exchange::reason_name(receipt.code)),
                  "the transaction " + receipt.tx_hash.hex() + " committed at height " +
                      std::to_string(*receipt.height) + " but the exchange refused it: " +
                      std::string(exchange::reason_name(receipt.code)),
                  "", 0};
}

// --- reads -----------------------------------------------------------------------------------

std::vector<MarketInfo> ExchangeApi::markets() const {
  const auto chain = ctx_.views.chain();
  std::vector<MarketInfo> out;
  for (exchange::MarketIndex m = 0; m < rules_->market_count(); ++m) {
    const exchange::GenesisMarket& spec = rules_->market_spec(m);
    MarketInfo info;
    info.symbol = spec.symbol;
    info.base = spec.base;
    info.quote = spec.quote;
    info.price_decimals = spec.price_decimals;
    info.base_decimals = rules_->asset(*rules_->find_asset(spec.base)).decimals;
    info.quote_decimals = rules_->asset(*rules_->find_asset(spec.quote)).decimals;
    info.tick_size = spec.tick_size;
    info.lot_size = spec.lot_size;
    info.min_quantity = spec.min_quantity;
    info.max_quantity = spec.max_quantity;
    info.maker_fee_bps = spec.maker_fee_bps;
    info.taker_fee_bps = spec.taker_fee_bps;
    if (m < chain->markets.size()) info.last_price = chain->markets[m].last_price;
    out.push_back(std::move(info));
  }
  return out;
}

ApiResult<std::vector<BalanceLine>> ExchangeApi::balances(const PublicKey& account) const {
  const auto view = ctx_.views.chain()->accounts.find(account);
  if (!view || view->balances.empty()) {
    return ApiError{ApiErrorKind::kNotFound, "UNKNOWN_ACCOUNT", "account " + account.hex() + " does not exist",
                    "account", 0};
  }
  std::vector<BalanceLine> out;
  for (const exchange::BalanceInfo& b : view->balances) {
    out.push_back({rules_->asset(b.asset).symbol, rules_->asset(b.asset).decimals, b.available, b.locked});
  }
  return out;
}

ApiResult<OrderRecord> ExchangeApi::order(exchange::OrderId id) const {
  if (auto found = model_.order(id)) return *found;
  return ApiError{ApiErrorKind::kNotFound, "UNKNOWN_ORDER",
                  "order " + std::to_string(id) + " not found (not placed, or older than this node's history)",
                  "order_id", 0};
}

ApiResult<OrderRecord> ExchangeApi::order_by_client_id(const PublicKey& account,
                                                       std::string_view client_order_id) const {
  if (auto found = model_.order_by_client_id(account, client_order_id)) return *found;
  return ApiError{ApiErrorKind::kNotFound, "UNKNOWN_ORDER",
                  "no order with client_order_id '" + std::string(client_order_id) + "' for this account",
                  "client_order_id", 0};
}

ApiResult<TxInfo> ExchangeApi::transaction(const Hash256& hash) const {
  auto location = ctx_.store.find_tx(hash);
  if (!location) {
    if (location.status().code() == StatusCode::kNotFound) {
      return ApiError{ApiErrorKind::kNotFound, "UNKNOWN_TRANSACTION",
                      "transaction " + hash.hex() + " is not in a block this node holds", "tx_hash", 0};
    }
    return ApiError::internal(location.status().to_string());
  }
  TxInfo info{hash, location->height, location->index, location->code, {}};
  if (auto bytes = ctx_.store.events_at(location->height)) {
    if (auto events = exchange::decode_events(*bytes)) {
      bool mine = false;
      for (const exchange::Event& e : *events) {
        if (const auto* result = std::get_if<exchange::event::TxResult>(&e)) {
          mine = result->tx_index == location->index;
          continue;
        }
        if (mine) info.events.push_back(describe(e));
      }
    }
  }
  return info;
}

std::optional<ApiError> ExchangeApi::divergence() const { return divergence_error(ctx_.views); }

std::optional<ApiError> divergence_error(const ReadViews& views) {
  const auto consensus = views.consensus();
  if (!consensus->diverged_at) return std::nullopt;
  return ApiError{ApiErrorKind::kUnavailable, "STATE_DIVERGED",
                  "this node's state diverged from the validators' at height " +
                      std::to_string(*consensus->diverged_at) + " (" + consensus->divergence +
                      "); it serves no reads or submissions: use another node",
                  {}, 60};
}

Readiness ExchangeApi::readiness() const {
  if (ctx_.views.closed()) return {false, "shutting down"};
  if (auto diverged = divergence()) return {false, diverged->message};
  const auto consensus = ctx_.views.consensus();
  const auto chain = ctx_.views.chain();
  if (chain->height + 1 < consensus->committed_height) {
    return {false, "catching up: executed " + std::to_string(chain->height) + " of " +
                       std::to_string(consensus->committed_height) + " committed blocks"};
  }
  const std::size_t n = ctx_.genesis.validators.size();
  const std::size_t quorum = 2 * ((n - 1) / 3) + 1;
  std::size_t connected = 0;
  bool self_validator = false;
  if (ctx_.network != nullptr) {
    for (const p2p::PeerInfo& peer : ctx_.network->peers()) {
      if (ctx_.genesis.index_of_node(peer.id)) ++connected;
    }
  }
  self_validator = ctx_.network != nullptr && ctx_.genesis.index_of_node(ctx_.network->node_id()).has_value();
  const std::size_t reachable = connected + (self_validator ? 1 : 0);
  if (n > 1 && reachable < quorum) {
    return {false, "connected to " + std::to_string(reachable) + " of " + std::to_string(n) +
                       " validators; a quorum is " + std::to_string(quorum)};
  }
  return {true, ""};
}

TxEvent ExchangeApi::describe(const exchange::Event& event) const {
  TxEvent out;
  auto add = [&](std::string key, std::string value) { out.attributes.emplace_back(std::move(key), std::move(value)); };
  auto market = [&](exchange::MarketIndex m) { add("market", rules_->market_spec(m).symbol); };
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        namespace ev = exchange::event;
        if constexpr (std::is_same_v<T, ev::TxResult>) {
          out.type = "tx_result";
          add("code", std::string(exchange::reason_name(e.code)));
        } else if constexpr (std::is_same_v<T, ev::OrderAccepted>) {
          out.type = "order_accepted";
          add("order_id", std::to_string(e.order_id));
          market(e.market);
          add("account", e.account.hex());
          add("side", std::string(exchange::side_name(e.side)));
          add("type", std::string(exchange::order_type_name(e.type)));
          add("price", price_text(e.market, e.price));
          add("quantity", quantity_text(e.market, e.quantity));
          if (!e.client_order_id.empty()) add("client_order_id", e.client_order_id);
        } else if constexpr (std::is_same_v<T, ev::OrderRejected>) {
          out.type = "order_rejected";
          add("order_id", std::to_string(e.order_id));
          market(e.market);
          add("reason", std::string(exchange::reason_name(e.code)));
        } else if constexpr (std::is_same_v<T, ev::OrderTriggered>) {
          out.type = "order_triggered";
          add("order_id", std::to_string(e.order_id));
          market(e.market);
          add("last_price", price_text(e.market, e.last_price));
        } else if constexpr (std::is_same_v<T, ev::OrderPartiallyFilled>) {
          out.type = "order_partially_filled";
          add("order_id", std::to_string(e.order_id));
          market(e.market);
          add("filled_quantity", quantity_text(e.market, e.filled_quantity));
          add("open_quantity", quantity_text(e.market, e.open_quantity));
        } else if constexpr (std::is_same_v<T, ev::OrderFilled>) {
          out.type = "order_filled";
          add("order_id", std::to_string(e.order_id));
          market(e.market);
          add("filled_quantity", quantity_text(e.market, e.filled_quantity));
        } else if constexpr (std::is_same_v<T, ev::OrderCanceled>) {
          out.type = "order_canceled";
          add("order_id", std::to_string(e.order_id));
          market(e.market);
          add("open_quantity", quantity_text(e.market, e.open_quantity));
        } else if constexpr (std::is_same_v<T, ev::OrderExpired>) {
          out.type = "order_expired";
          add("order_id", std::to_string(e.order_id));
          market(e.market);
          add("open_quantity", quantity_text(e.market, e.open_quantity));
        } else if constexpr (std::is_same_v<T, ev::OrderAmended>) {
          out.type = "order_amended";
          add("order_id", std::to_string(e.order_id));
          market(e.market);
          add("price", price_text(e.market, e.price));
          add("open_quantity", quantity_text(e.market, e.open_quantity));
          add("requeued", e.requeued ? "true" : "false");
        } else if constexpr (std::is_same_v<T, ev::Trade>) {
          out.type = "trade";
          add("trade_id", std::to_string(e.trade_id));
          market(e.market);
          add("price", price_text(e.market, e.price));
          add("quantity", quantity_text(e.market, e.quantity));
          add("maker_order_id", std::to_string(e.maker_order_id));
          add("taker_order_id", std::to_string(e.taker_order_id));
          add("maker", e.maker.hex());
          add("taker", e.taker.hex());
          add("maker_fee", quote_text(e.market, e.maker_fee));
          add("taker_fee", quote_text(e.market, e.taker_fee));
          add("aggressor", std::string(exchange::side_name(e.aggressor)));
        } else if constexpr (std::is_same_v<T, ev::BalanceChanged>) {
          out.type = "balance_changed";
          add("account", e.account.hex());
          add("asset", rules_->asset(e.asset).symbol);
          add("available", asset_text(e.asset, e.available));
          add("locked", asset_text(e.asset, e.locked));
        } else if constexpr (std::is_same_v<T, ev::WithdrawalRecorded>) {
          out.type = "withdrawal_recorded";
          add("withdrawal_id", std::to_string(e.withdrawal.id));
          add("account", e.withdrawal.account.hex());
          add("asset", rules_->asset(e.withdrawal.asset).symbol);
          add("amount", asset_text(e.withdrawal.asset, e.withdrawal.amount));
        } else if constexpr (std::is_same_v<T, ev::SettlementAddressRegistered>) {
          out.type = "settlement_address_registered";
          add("account", e.account.hex());
          add("eth_address", settlement::to_checksum_hex(e.eth_address));
        } else if constexpr (std::is_same_v<T, ev::WithdrawalRecordedOnChain>) {
          out.type = "withdrawal_recorded";
          add("withdrawal_id", std::to_string(e.withdrawal.id));
          add("account", e.withdrawal.account.hex());
          add("asset", rules_->asset(e.withdrawal.asset).symbol);
          add("amount", asset_text(e.withdrawal.asset, e.withdrawal.amount));
          add("chain_id", std::to_string(e.withdrawal.chain_id));
          add("eth_address", settlement::to_checksum_hex(e.withdrawal.eth_address));
        } else if constexpr (std::is_same_v<T, ev::DepositAttested>) {
          out.type = "deposit_attested";
          add("chain_id", std::to_string(e.chain_id));
          add("deposit_id", std::to_string(e.deposit_id));
          add("attester", e.attester.hex());
          add("attestations", std::to_string(e.attestations));
        } else if constexpr (std::is_same_v<T, ev::DepositCredited>) {
          out.type = "deposit_credited";
          add("chain_id", std::to_string(e.chain_id));
          add("deposit_id", std::to_string(e.deposit_id));
          add("account", e.account.hex());
          add("asset", rules_->asset(e.asset).symbol);
          add("amount", asset_text(e.asset, e.amount));
        } else {
          out.type = "event";
        }
      },
      event);
  return out;
}

}  // namespace replex::api
