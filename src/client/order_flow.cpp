#include "replex/client/order_flow.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "replex/core/decimal.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/config/key_file.hpp"

namespace replex::client {
namespace {

// One crossing price and quantity per demo market (price units at 2
// decimals, base units at 8): BTC-USDT 30000.00 x 0.0001, ETH-USDT 2000.00 x 0.001.
struct PairTemplate {
  const char* market;
  std::uint64_t price;
  std::uint64_t quantity;
};
constexpr PairTemplate kPairs[] = {
    {"BTC-USDT", 3'000'000, 10'000},
    {"ETH-USDT", 200'000, 100'000},
};

constexpr unsigned kPriceDecimals = 2;
constexpr unsigned kBaseDecimals = 8;

}  // namespace

std::string CrossingOrderSpec::price_text() const { return format_decimal_unsigned(price, kPriceDecimals); }
std::string CrossingOrderSpec::quantity_text() const { return format_decimal_unsigned(quantity, kBaseDecimals); }

CrossingOrderSpec crossing_order_spec(std::uint64_t sequence, std::size_t trader_count) {
  REPLEX_ASSERT(trader_count >= 2);
  const std::uint64_t pair = sequence / 2;
  const bool buy = sequence % 2 == 0;
  const std::size_t pairs_of_traders = trader_count / 2;
  const PairTemplate& market = kPairs[(pair / pairs_of_traders) % std::size(kPairs)];
  CrossingOrderSpec spec;
  spec.trader = 2 * (pair % pairs_of_traders) + (buy ? 0 : 1);
  spec.market = market.market;
  spec.side = buy ? exchange::Side::kBuy : exchange::Side::kSell;
  spec.price = market.price;
  spec.quantity = market.quantity;
  return spec;
}

Result<CrossingOrderFlow> CrossingOrderFlow::create(std::string chain_id, std::vector<KeyPair> traders,
                                                    std::uint64_t nonce_base) {
  if (traders.size() < 2) {
    return Status::invalid_argument("traders: a crossing flow needs at least 2, got " +
                                    std::to_string(traders.size()));
  }
  if (traders.size() % 2 != 0) traders.pop_back();
  return CrossingOrderFlow(std::move(chain_id), std::move(traders), nonce_base);
}

CrossingOrderFlow::CrossingOrderFlow(std::string chain_id, std::vector<KeyPair> traders, std::uint64_t nonce_base)
    : builder_(std::move(chain_id)), traders_(std::move(traders)), nonce_base_(nonce_base) {}

UnsignedOrder CrossingOrderFlow::prepare(std::uint64_t good_til_height) {
  const CrossingOrderSpec spec = crossing_order_spec(sequence_, traders_.size());
  UnsignedOrder order;
  order.trader = spec.trader;
  order.args.market = spec.market;
  order.args.side = spec.side;
  order.args.price = spec.price;
  order.args.quantity = spec.quantity;
  order.header = exchange::TxHeader{nonce_base_ + sequence_, good_til_height};
  ++sequence_;
  return order;
}

FlowOrder CrossingOrderFlow::sign(const UnsignedOrder& unsigned_order) const {
  FlowOrder order;
  order.tx = builder_.place_order(traders_[unsigned_order.trader], unsigned_order.header, unsigned_order.args);
  order.hash = tx_hash(order.tx);
  order.side = unsigned_order.args.side;
  return order;
}

std::vector<FlowOrder> sign_orders(CrossingOrderFlow& flow, std::size_t count, std::uint64_t good_til_height,
                                   std::size_t threads) {
  REPLEX_ASSERT(threads >= 1);
  std::vector<UnsignedOrder> prepared;
  prepared.reserve(count);
  for (std::size_t i = 0; i < count; ++i) prepared.push_back(flow.prepare(good_til_height));
  std::vector<FlowOrder> orders(count);
  const auto sign_range = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) orders[i] = flow.sign(prepared[i]);
  };
  const std::size_t used = std::max<std::size_t>(1, std::min(threads, count));
  const std::size_t share = (count + used - 1) / used;
  std::vector<std::thread> helpers;
  for (std::size_t begin = share; begin < count; begin += share) {
    helpers.emplace_back(sign_range, begin, std::min(count, begin + share));
  }
  sign_range(0, std::min(count, share));
  for (auto& helper : helpers) helper.join();
  return orders;
}

Result<std::vector<KeyPair>> load_testnet_traders(const std::string& testnet_dir) {
  std::vector<KeyPair> traders;
  for (std::size_t i = 0;; ++i) {
    const std::string path = testnet_dir + "/accounts/trader" + std::to_string(i) + ".hex";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) break;
    REPLEX_ASSIGN_OR_RETURN(KeyPair key, config::read_key_file(path, "account key"));
    traders.push_back(std::move(key));
  }
  if (traders.empty()) {
    return Status::not_found(testnet_dir + "/accounts/trader0.hex: no demo trader keys (is it a `replex testnet` folder?)");
  }
  return traders;
}

Result<std::vector<std::string>> load_testnet_api_keys(const std::string& testnet_dir) {
  const std::string path = testnet_dir + "/accounts/accounts.yaml";
  std::vector<std::string> keys;
  try {
    const YAML::Node root = YAML::LoadFile(path);
    for (const YAML::Node& account : root["accounts"]) {
      if (account["api_key"]) keys.push_back(account["api_key"].as<std::string>());
    }
  } catch (const YAML::Exception& e) {
    return Status::not_found(path + ": " + e.what());
  }
  if (keys.empty()) return Status::not_found(path + ": no demo account with an api_key");
  return keys;
}

}  // namespace replex::client
