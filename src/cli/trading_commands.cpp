// Trading from the command line over gRPC: `replex order place|cancel|amend|get`,
// `replex book`, `replex trades`, `replex balances`. Orders are signed here
// with an account key file (--key, submitted with NodeService, the node never
// sees the key) or by a custodial node for an API key (--api-key, with
// ExchangeService). Human tables by default; --json prints the answer as JSON
// for scripts. Amounts are decimal strings in the market's units.
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>

#include "commands.hpp"
#include "replex/client/node_client.hpp"
#include "replex/config/key_file.hpp"
#include "replex/core/decimal.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/exchange/tx_builder.hpp"
#include "replex/v1/exchange.grpc.pb.h"

namespace replex::cli {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kCallTimeout{30'000};
// good_til_height of a signed transaction: this many blocks past the node's height.
constexpr std::uint64_t kSignedTtlBlocks = 100;

struct Connection {
  std::string target = "127.0.0.1:9090";
  std::string key_file;  // signs locally
  std::string api_key;   // custodial
  bool json = false;
};

std::unique_ptr<grpc::ClientContext> context_for(const Connection& c) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  if (!c.api_key.empty()) context->AddMetadata("x-api-key", c.api_key);
  return context;
}

std::unique_ptr<v1::ExchangeService::Stub> exchange_of(const Connection& c) {
  return v1::ExchangeService::NewStub(grpc::CreateChannel(c.target, grpc::InsecureChannelCredentials()));
}

int fail(const std::string& what) {
  std::cerr << "error: " << what << "\n";
  return 1;
}

int fail(const grpc::Status& s, const std::string& call) {
  return fail(call + ": " + s.error_message() + " (" + std::to_string(s.error_code()) + ")");
}

void print_json(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::cout << out;
}

std::string lower_enum(const std::string& name, const std::string& prefix) {
  std::string out = name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void print_order(const v1::Order& o) {
  std::cout << "order " << o.order_id() << " " << o.market() << " "
            << lower_enum(v1::OrderSide_Name(o.side()), "ORDER_SIDE_") << " "
            << lower_enum(v1::OrderKind_Name(o.kind()), "ORDER_KIND_") << "\n"
            << "  status:    " << lower_enum(v1::OrderStatus_Name(o.status()), "ORDER_STATUS_")
            << (o.reason().empty() ? "" : " (" + o.reason() + ")") << "\n"
            << "  price:     " << (o.price().empty() ? "-" : o.price()) << "\n"
            << "  quantity:  " << o.quantity() << " (filled " << o.filled_quantity() << ", open " << o.open_quantity()
            << ")\n"
            << "  client id: " << o.client_order_id() << "\n"
            << "  tx:        " << o.tx_hash() << " at height " << o.created_height() << "\n";
  for (const auto& f : o.fills()) {
    std::cout << "  fill " << f.trade_id() << ": " << f.quantity() << " @ " << f.price() << " fee " << f.fee()
              << (f.maker() ? " (maker)" : " (taker)") << "\n";
  }
}

// --- signing locally ----------------------------------------------------------------------

struct Signer {
  KeyPair key;
  exchange::TxBuilder builder;
  std::uint64_t height = 0;  // the node's executed height
};

Result<Signer> signer_for(const Connection& c) {
  REPLEX_ASSIGN_OR_RETURN(KeyPair key, config::read_key_file(c.key_file, "account key"));
  REPLEX_ASSIGN_OR_RETURN(v1::GetStatusResponse status, client::NodeClient(c.target).status(kCallTimeout));
  return Signer{std::move(key), exchange::TxBuilder(status.chain_id()), status.height()};
}

exchange::TxHeader header_for(const Signer& s) {
  // Microseconds since the epoch: increasing, so no nonce is used twice by one key.
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return {static_cast<std::uint64_t>(now_us), s.height + kSignedTtlBlocks};
}

Result<v1::Market> market_of(const Connection& c, const std::string& symbol) {
  auto stub = exchange_of(c);
  auto context = context_for(c);
  v1::ListMarketsResponse markets;
  const grpc::Status s = stub->ListMarkets(context.get(), v1::ListMarketsRequest{}, &markets);
  if (!s.ok()) return Status::unavailable("ListMarkets: " + s.error_message());
  std::string wanted = symbol;
  for (char& ch : wanted) ch = ch == '/' ? '-' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (const auto& m : markets.markets()) {
    if (m.symbol() == wanted) return m;
  }
  return Status::not_found("--market: unknown market '" + symbol + "'");
}

Result<std::uint64_t> units(const std::string& flag, const std::string& text, unsigned scale) {
  if (text.empty()) return std::uint64_t{0};
  auto v = parse_decimal_unsigned(text, scale);
  if (!v) return Status::invalid_argument(flag + ": " + v.status().message());
  return *v;
}

// Submits a signed transaction and waits for its block.
Result<v1::SubmitTransactionResponse> submit(const Connection& c, const Bytes& tx) {
  return client::NodeClient(c.target).submit(tx, /*wait_for_commit=*/true, kCallTimeout);
}

int show_order_by_client_id(const Connection& c, const PublicKey& account, const std::string& coid) {
  auto stub = exchange_of(c);
  auto context = context_for(c);
  v1::GetOrderRequest request;
  request.set_account(account.hex());
  request.set_client_order_id(coid);
  v1::GetOrderResponse response;
  const grpc::Status s = stub->GetOrder(context.get(), request, &response);
  if (!s.ok()) return fail(s, "GetOrder");
  if (c.json) {
    print_json(response.order());
  } else {
    print_order(response.order());
  }
  return 0;
}

// --- commands -------------------------------------------------------------------------------

struct PlaceOptions {
  std::string market, side, type = "limit", time_in_force = "gtc", price, quantity, stop_price, display_quantity,
      client_order_id, self_trade_prevention = "expire_maker";
  bool post_only = false;
};

std::string random_client_order_id() {
  std::random_device device;
  std::ostringstream out;
  out << "cli-" << std::hex << device() << device();
  return out.str();
}

int place(const Connection& c, PlaceOptions p) {
  if (p.client_order_id.empty()) p.client_order_id = random_client_order_id();
  if (!c.api_key.empty()) {
    v1::PlaceOrderRequest request;
    request.set_market(p.market);
    request.set_side(p.side == "sell" ? v1::ORDER_SIDE_SELL : v1::ORDER_SIDE_BUY);
    v1::OrderKind kind;
    if (!v1::OrderKind_Parse("ORDER_KIND_" + [&] {
          std::string t = p.type;
          for (char& ch : t) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
          return t;
        }(), &kind)) {
      return fail("--type: '" + p.type + "', expected limit, market, stop_market or stop_limit");
    }
    request.set_kind(kind);
    request.set_time_in_force(p.time_in_force == "ioc"   ? v1::ORDER_TIME_IN_FORCE_IOC
                              : p.time_in_force == "fok" ? v1::ORDER_TIME_IN_FORCE_FOK
                                                         : v1::ORDER_TIME_IN_FORCE_GTC);
    request.set_price(p.price);
    request.set_quantity(p.quantity);
    request.set_stop_price(p.stop_price);
    request.set_display_quantity(p.display_quantity);
    request.set_post_only(p.post_only);
    request.set_client_order_id(p.client_order_id);
    request.set_wait_for_commit(true);
    auto stub = exchange_of(c);
    auto context = context_for(c);
    v1::PlaceOrderResponse response;
    const grpc::Status s = stub->PlaceOrder(context.get(), request, &response);
    if (!s.ok()) return fail(s, "PlaceOrder");
    if (c.json) {
      print_json(response);
    } else {
      print_order(response.order());
    }
    return 0;
  }
  auto signer = signer_for(c);
  if (!signer) return fail(signer.status().message());
  auto market = market_of(c, p.market);
  if (!market) return fail(market.status().message());
  exchange::PlaceOrderArgs args;
  args.market = market->symbol();
  if (p.side != "buy" && p.side != "sell") return fail("--side: '" + p.side + "', expected buy or sell");
  args.side = p.side == "buy" ? exchange::Side::kBuy : exchange::Side::kSell;
  if (p.type == "limit") {
    args.type = exchange::OrderType::kLimit;
  } else if (p.type == "market") {
    args.type = exchange::OrderType::kMarket;
  } else if (p.type == "stop_market") {
    args.type = exchange::OrderType::kStopMarket;
  } else if (p.type == "stop_limit") {
    args.type = exchange::OrderType::kStopLimit;
  } else {
    return fail("--type: '" + p.type + "', expected limit, market, stop_market or stop_limit");
  }
  args.time_in_force = p.time_in_force == "ioc"   ? exchange::TimeInForce::kIoc
                       : p.time_in_force == "fok" ? exchange::TimeInForce::kFok
                                                  : exchange::TimeInForce::kGtc;
  args.post_only = p.post_only;
  args.client_order_id = p.client_order_id;
  for (const auto& [flag, text, scale, out] :
       {std::tuple<const char*, const std::string&, unsigned, std::uint64_t&>{"--price", p.price,
                                                                             market->price_decimals(), args.price},
        {"--quantity", p.quantity, market->base_decimals(), args.quantity},
        {"--stop-price", p.stop_price, market->price_decimals(), args.stop_price},
        {"--display-quantity", p.display_quantity, market->base_decimals(), args.display_quantity}}) {
    auto value = units(flag, text, scale);
    if (!value) return fail(value.status().message());
    out = *value;
  }
  const Bytes tx = signer->builder.place_order(signer->key, header_for(*signer), args);
  auto submitted = submit(c, tx);
  if (!submitted) return fail(submitted.status().message());
  return show_order_by_client_id(c, signer->key.public_key(), p.client_order_id);
}

int cancel(const Connection& c, const std::string& market, std::uint64_t order_id, const std::string& coid) {
  if (!c.api_key.empty()) {
    v1::CancelOrderRequest request;
    request.set_market(market);
    request.set_order_id(order_id);
    request.set_client_order_id(coid);
    request.set_wait_for_commit(true);
    auto stub = exchange_of(c);
    auto context = context_for(c);
    v1::CancelOrderResponse response;
    const grpc::Status s = stub->CancelOrder(context.get(), request, &response);
    if (!s.ok()) return fail(s, "CancelOrder");
    if (c.json) {
      print_json(response);
    } else {
      print_order(response.order());
    }
    return 0;
  }
  if (market.empty()) return fail("--market: required when signing with --key");
  auto signer = signer_for(c);
  if (!signer) return fail(signer.status().message());
  auto m = market_of(c, market);
  if (!m) return fail(m.status().message());
  const Bytes tx = order_id != 0
                       ? signer->builder.cancel_order(signer->key, header_for(*signer), m->symbol(), order_id)
                       : signer->builder.cancel_order_by_client_id(signer->key, header_for(*signer), m->symbol(), coid);
  auto submitted = submit(c, tx);
  if (!submitted) return fail(submitted.status().message());
  std::cout << (c.json ? "{\"result\": \"" : "result: ") << submitted->commit().result()
            << (c.json ? "\"}\n" : "\n");
  return submitted->commit().result_code() == 0 ? 0 : 1;
}

int amend(const Connection& c, std::uint64_t order_id, const std::string& price, const std::string& quantity) {
  if (!c.api_key.empty()) {
    v1::AmendOrderRequest request;
    request.set_order_id(order_id);
    request.set_price(price);
    request.set_quantity(quantity);
    request.set_wait_for_commit(true);
    auto stub = exchange_of(c);
    auto context = context_for(c);
    v1::AmendOrderResponse response;
    const grpc::Status s = stub->AmendOrder(context.get(), request, &response);
    if (!s.ok()) return fail(s, "AmendOrder");
    if (c.json) {
      print_json(response);
    } else {
      print_order(response.order());
    }
    return 0;
  }
  auto signer = signer_for(c);
  if (!signer) return fail(signer.status().message());
  auto stub = exchange_of(c);
  auto context = context_for(c);
  v1::GetOrderRequest get;
  get.set_order_id(order_id);
  v1::GetOrderResponse order;
  const grpc::Status s = stub->GetOrder(context.get(), get, &order);
  if (!s.ok()) return fail(s, "GetOrder");
  auto m = market_of(c, order.order().market());
  if (!m) return fail(m.status().message());
  auto new_price = units("--price", price, m->price_decimals());
  auto new_quantity = units("--quantity", quantity, m->base_decimals());
  if (!new_price || !new_quantity) return fail((!new_price ? new_price.status() : new_quantity.status()).message());
  const Bytes tx = signer->builder.amend_order(signer->key, header_for(*signer), m->symbol(), order_id, *new_price,
                                               *new_quantity);
  auto submitted = submit(c, tx);
  if (!submitted) return fail(submitted.status().message());
  return show_order_by_client_id(c, signer->key.public_key(), order.order().client_order_id());
}

int get_order(const Connection& c, std::uint64_t order_id, const std::string& account, const std::string& coid) {
  auto stub = exchange_of(c);
  auto context = context_for(c);
  v1::GetOrderRequest request;
  request.set_order_id(order_id);
  request.set_account(account);
  request.set_client_order_id(coid);
  v1::GetOrderResponse response;
  const grpc::Status s = stub->GetOrder(context.get(), request, &response);
  if (!s.ok()) return fail(s, "GetOrder");
  if (c.json) {
    print_json(response.order());
  } else {
    print_order(response.order());
  }
  return 0;
}

int book(const Connection& c, const std::string& market, std::uint32_t depth) {
  auto stub = exchange_of(c);
  auto context = context_for(c);
  v1::GetBookRequest request;
  request.set_market(market);
  request.set_depth(depth);
  v1::GetBookResponse response;
  const grpc::Status s = stub->GetBook(context.get(), request, &response);
  if (!s.ok()) return fail(s, "GetBook");
  if (c.json) {
    print_json(response.book());
    return 0;
  }
  const v1::Book& b = response.book();
  std::cout << b.market() << " at height " << b.height() << " (update " << b.last_update_id() << ")\n"
            << std::setw(20) << "bid qty" << std::setw(16) << "bid" << "  |  " << std::left << std::setw(16) << "ask"
            << std::setw(20) << "ask qty" << std::right << "\n";
  const int rows = std::max(b.bids_size(), b.asks_size());
  for (int i = 0; i < rows; ++i) {
    const bool bid = i < b.bids_size(), ask = i < b.asks_size();
    std::cout << std::setw(20) << (bid ? b.bids(i).quantity() : "") << std::setw(16) << (bid ? b.bids(i).price() : "")
              << "  |  " << std::left << std::setw(16) << (ask ? b.asks(i).price() : "") << std::setw(20)
              << (ask ? b.asks(i).quantity() : "") << std::right << "\n";
  }
  return 0;
}

int trades(const Connection& c, const std::string& market, std::uint32_t limit) {
  auto stub = exchange_of(c);
  auto context = context_for(c);
  v1::ListTradesRequest request;
  request.set_market(market);
  request.set_limit(limit);
  v1::ListTradesResponse response;
  const grpc::Status s = stub->ListTrades(context.get(), request, &response);
  if (!s.ok()) return fail(s, "ListTrades");
  if (c.json) {
    print_json(response);
    return 0;
  }
  std::cout << std::setw(10) << "trade" << std::setw(10) << "height" << std::setw(6) << "side" << std::setw(16)
            << "price" << std::setw(20) << "quantity" << "\n";
  for (const auto& t : response.trades()) {
    std::cout << std::setw(10) << t.trade_id() << std::setw(10) << t.height() << std::setw(6)
              << lower_enum(v1::OrderSide_Name(t.aggressor()), "ORDER_SIDE_") << std::setw(16) << t.price()
              << std::setw(20) << t.quantity() << "\n";
  }
  return 0;
}

int balances(const Connection& c, std::string account) {
  if (auto key = config::read_key_file(account, "account key")) account = key->public_key().hex();
  auto stub = exchange_of(c);
  auto context = context_for(c);
  v1::GetBalancesRequest request;
  request.set_account(account);
  v1::GetBalancesResponse response;
  const grpc::Status s = stub->GetBalances(context.get(), request, &response);
  if (!s.ok()) return fail(s, "GetBalances");
  if (c.json) {
    print_json(response);
    return 0;
  }
  std::cout << "account " << response.account() << "\n"
            << std::left << std::setw(8) << "asset" << std::right << std::setw(24) << "available" << std::setw(24)
            << "locked" << "\n";
  for (const auto& b : response.balances()) {
    std::cout << std::left << std::setw(8) << b.asset() << std::right << std::setw(24) << b.available()
              << std::setw(24) << b.locked() << "\n";
  }
  return 0;
}

void add_connection(CLI::App* cmd, Connection& c, bool signing) {
  cmd->add_option("--target,-t", c.target, "gRPC host:port of a node")->capture_default_str();
  if (signing) {
    auto* key = cmd->add_option("--key", c.key_file, "Account key file: sign here (non-custodial)");
    auto* api_key = cmd->add_option("--api-key", c.api_key, "Custodial API key: the node signs");
    key->excludes(api_key);
    api_key->excludes(key);
  }
  cmd->add_flag("--json", c.json, "Print the answer as JSON");
}

}  // namespace

void add_trading_commands(CLI::App& app, int& code) {
  // The options live as long as the callbacks that read them (owned by `app`).
  struct Options {
    Connection c;
    PlaceOptions place;
    std::uint64_t order_id = 0;
    std::string market, account, client_order_id, price, quantity;
    std::uint32_t depth = 20, limit = 20;
  };
  auto o = std::make_shared<Options>();
  auto require_signer = [o] {
    if (o->c.key_file.empty() && o->c.api_key.empty()) throw CLI::ValidationError("--key or --api-key is required");
  };

  auto* order = app.add_subcommand("order", "Place, cancel, amend or look up an order (gRPC)");
  order->require_subcommand(1);
  auto* place_cmd = order->add_subcommand("place", "Place an order and wait for its block");
  add_connection(place_cmd, o->c, true);
  place_cmd->add_option("--market,-m", o->place.market, "Market, e.g. BTC-USD")->required();
  place_cmd->add_option("--side,-s", o->place.side, "buy or sell")->required()->check(CLI::IsMember({"buy", "sell"}));
  place_cmd->add_option("--type", o->place.type, "limit, market, stop_market or stop_limit")->capture_default_str();
  place_cmd->add_option("--time-in-force", o->place.time_in_force, "gtc, ioc or fok")->capture_default_str();
  place_cmd->add_option("--price,-p", o->place.price, "Limit price (decimal)");
  place_cmd->add_option("--quantity,-q", o->place.quantity, "Quantity (decimal)")->required();
  place_cmd->add_option("--stop-price", o->place.stop_price, "Stop trigger price (stop orders)");
  place_cmd->add_option("--display-quantity", o->place.display_quantity, "Iceberg slice");
  place_cmd->add_option("--client-order-id", o->place.client_order_id, "Your id for it (made up when absent)");
  place_cmd->add_flag("--post-only", o->place.post_only, "Refuse to take liquidity");
  place_cmd->callback([o, &code, require_signer] {
    require_signer();
    code = place(o->c, o->place);
  });

  auto* cancel_cmd = order->add_subcommand("cancel", "Cancel an order by id or client order id");
  add_connection(cancel_cmd, o->c, true);
  cancel_cmd->add_option("--market,-m", o->market, "Market (needed with --key)");
  auto* cancel_id = cancel_cmd->add_option("--order-id", o->order_id, "Order id");
  cancel_cmd->add_option("--client-order-id", o->client_order_id, "Client order id")->excludes(cancel_id);
  cancel_cmd->callback([o, &code, require_signer] {
    require_signer();
    code = cancel(o->c, o->market, o->order_id, o->client_order_id);
  });

  auto* amend_cmd = order->add_subcommand("amend", "Change an open order's price and/or quantity");
  add_connection(amend_cmd, o->c, true);
  amend_cmd->add_option("--order-id", o->order_id, "Order id")->required();
  amend_cmd->add_option("--price,-p", o->price, "New limit price");
  amend_cmd->add_option("--quantity,-q", o->quantity, "New open quantity");
  amend_cmd->callback([o, &code, require_signer] {
    require_signer();
    code = amend(o->c, o->order_id, o->price, o->quantity);
  });

  auto* get_cmd = order->add_subcommand("get", "Show an order by id, or by account and client order id");
  add_connection(get_cmd, o->c, false);
  get_cmd->add_option("--order-id", o->order_id, "Order id");
  get_cmd->add_option("--account", o->account, "Account (with --client-order-id)");
  get_cmd->add_option("--client-order-id", o->client_order_id, "Client order id");
  get_cmd->callback([o, &code] { code = get_order(o->c, o->order_id, o->account, o->client_order_id); });

  auto* book_cmd = app.add_subcommand("book", "Show a market's book");
  add_connection(book_cmd, o->c, false);
  book_cmd->add_option("market", o->market, "Market, e.g. BTC-USD")->required();
  book_cmd->add_option("--depth", o->depth, "Levels per side")->capture_default_str();
  book_cmd->callback([o, &code] { code = book(o->c, o->market, o->depth); });

  auto* trades_cmd = app.add_subcommand("trades", "Show a market's recent trades");
  add_connection(trades_cmd, o->c, false);
  trades_cmd->add_option("market", o->market, "Market, e.g. BTC-USD")->required();
  trades_cmd->add_option("--limit", o->limit, "How many")->capture_default_str();
  trades_cmd->callback([o, &code] { code = trades(o->c, o->market, o->limit); });

  auto* balances_cmd = app.add_subcommand("balances", "Show an account's balances");
  add_connection(balances_cmd, o->c, false);
  balances_cmd->add_option("account", o->account, "Account key (hex) or its key file")->required();
  balances_cmd->callback([o, &code] { code = balances(o->c, o->account); });
}

}  // namespace replex::cli
