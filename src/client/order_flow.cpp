#include "replex/client/order_flow.hpp"

#include <filesystem>

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

}  // namespace

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

FlowOrder CrossingOrderFlow::next(std::uint64_t good_til_height) {
  const std::uint64_t pair = sequence_ / 2;
  const bool buy = sequence_ % 2 == 0;
  const std::size_t pairs_of_traders = traders_.size() / 2;
  const std::size_t trader = 2 * (pair % pairs_of_traders) + (buy ? 0 : 1);
  const PairTemplate& market = kPairs[(pair / pairs_of_traders) % std::size(kPairs)];

  exchange::PlaceOrderArgs args;
  args.market = market.market;
  args.side = buy ? exchange::Side::kBuy : exchange::Side::kSell;
  args.price = market.price;
  args.quantity = market.quantity;
  const exchange::TxHeader header{nonce_base_ + sequence_, good_til_height};
  ++sequence_;

  FlowOrder order;
  order.tx = builder_.place_order(traders_[trader], header, args);
  order.hash = tx_hash(order.tx);
  order.side = args.side;
  return order;
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

}  // namespace replex::client
