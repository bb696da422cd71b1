#include "sim/workload.hpp"

namespace replex::sim {

using exchange::OrderType;
using exchange::PlaceOrderArgs;
using exchange::Side;
using exchange::TimeInForce;

namespace {

constexpr std::string_view kBtc = "BTC-USDT";
constexpr std::string_view kEth = "ETH-USDT";
constexpr std::uint64_t kBtcLot = 100'000;    // 0.001 BTC
constexpr std::uint64_t kEthLot = 1'000'000;  // 0.01 ETH
constexpr std::size_t kRememberedIds = 16;

KeyPair trader_key(std::size_t i) { return KeyPair::from_label("sim-trader-" + std::to_string(i)); }

}  // namespace

Workload::Workload(Prng rng) : rng_(rng), builder_(std::string(kSimChainId)) {
  for (std::size_t i = 0; i < kTraders; ++i) traders_.emplace_back(trader_key(i));
}

exchange::Genesis Workload::genesis(const std::vector<PublicKey>& attesters) {
  exchange::Genesis g;
  g.chain_id = std::string(kSimChainId);
  g.assets = {{"BTC", 8}, {"ETH", 8}, {"USDT", 6}};
  g.markets = {
      {.symbol = std::string(kBtc),
       .base = "BTC",
       .quote = "USDT",
       .price_decimals = 2,
       .tick_size = 1,
       .lot_size = kBtcLot,
       .min_quantity = kBtcLot,
       .max_quantity = 1000 * kBtcLot,
       .maker_fee_bps = 10,
       .taker_fee_bps = 20},
      {.symbol = std::string(kEth),
       .base = "ETH",
       .quote = "USDT",
       .price_decimals = 2,
       .tick_size = 1,
       .lot_size = kEthLot,
       .min_quantity = kEthLot,
       .max_quantity = 1000 * kEthLot,
       .maker_fee_bps = 5,
       .taker_fee_bps = 15},
  };
  for (std::size_t i = 0; i < kTraders; ++i) {
    const PublicKey key = trader_key(i).public_key();
    g.allocations.push_back({key, "BTC", 100'000'000'000});       // 1000 BTC
    g.allocations.push_back({key, "ETH", 1'000'000'000'000});     // 10000 ETH
    g.allocations.push_back({key, "USDT", 100'000'000'000'000});  // 100M USDT
  }
  g.fee_account = KeyPair::from_label("sim-fees").public_key();
  if (!attesters.empty()) {
    exchange::GenesisSettlement s;
    s.attesters = attesters;
    const auto f = static_cast<std::uint32_t>((attesters.size() - 1) / 3);
    s.attestation_threshold = 2 * f + 1;  // as the config module sets it
    s.chains = {{kSimEvmChainId, {"BTC", "USDT"}}};
    g.settlement = std::move(s);
  }
  return g;
}

void Workload::enable_deposits(std::vector<KeyPair> attesters) {
  for (KeyPair& key : attesters) attesters_.emplace_back(std::move(key));
}

std::vector<Bytes> Workload::deposit(std::uint64_t height) {
  exchange::DepositAttestationArgs args;
  args.chain_id = kSimEvmChainId;
  const std::size_t trading = traders_.size() - kTraders;  // depositors credited before
  if (deposited_accounts_ < kMaxDepositors && (trading == 0 || rng_.coin())) {
    depositors_.emplace_back(KeyPair::from_label("sim-depositor-" + std::to_string(deposited_accounts_++)));
    args.account = depositors_.back().key.public_key();
    args.asset = "USDT";
    args.amount = 1'000'000'000'000;  // 1M USDT: its first order buys with it
  } else if (trading > 0) {
    args.account = traders_[kTraders + rng_.below(trading)].key.public_key();
    args.asset = "BTC";
    args.amount = 1'000'000'000;  // 10 BTC
  } else {
    return {};  // every depositor is still waiting for its first credit
  }
  args.deposit_id = next_deposit_id_++;
  for (std::size_t i = 0; i < args.eth_tx_hash.size(); ++i) args.eth_tx_hash[i] = static_cast<std::uint8_t>(rng_.below(256));
  std::vector<Bytes> attestations;
  for (Trader& attester : attesters_) {
    attestations.push_back(builder_.deposit_attestation(attester.key, header(attester, height), args));
  }
  return attestations;
}

std::optional<Bytes> Workload::first_order_of_credited(std::uint64_t height, const exchange::ExchangeApp& view) {
  for (auto it = depositors_.begin(); it != depositors_.end(); ++it) {
    if (!view.has_account(it->key.public_key())) continue;
    traders_.push_back(std::move(*it));
    depositors_.erase(it);
    PlaceOrderArgs order = limit_order(std::string(kBtc), btc_mid_);
    order.side = Side::kBuy;
    return place(traders_.back(), height, order);
  }
  return std::nullopt;
}

exchange::TxHeader Workload::header(Trader& t, std::uint64_t height) {
  // Valid for a few dozen blocks: long enough to survive a view change,
  // short enough that a transaction lost to a fault expires and leaves.
  return {++t.nonce, height + rng_.range(15, 40)};
}

PlaceOrderArgs Workload::limit_order(const std::string& market, std::uint64_t mid) {
  PlaceOrderArgs a;
  a.market = market;
  a.side = rng_.coin() ? Side::kBuy : Side::kSell;
  a.type = OrderType::kLimit;
  a.time_in_force = TimeInForce::kGtc;
  // Within 0.1% of the mid on either side: about half of the orders cross.
  const std::uint64_t spread = mid / 1000;
  a.price = mid - spread + rng_.below(2 * spread + 1);
  const std::uint64_t lot = market == kBtc ? kBtcLot : kEthLot;
  a.quantity = lot * rng_.range(1, 8);
  return a;
}

Bytes Workload::place(Trader& t, std::uint64_t height, PlaceOrderArgs args) {
  args.client_order_id = std::to_string(t.nonce + 1);
  args.client_order_id.insert(0, 1, 'c');
  t.client_ids.push_back(args.client_order_id);
  if (t.client_ids.size() > kRememberedIds) t.client_ids.pop_front();
  last_placer_ = &t;
  last_placement_header_ = header(t, height);
  return builder_.place_order(t.key, last_placement_header_, args);
}

Bytes Workload::twin_of_last_placement(std::uint64_t height) {
  if (last_placer_ == nullptr) return {};
  const bool btc = rng_.coin();
  PlaceOrderArgs args = limit_order(std::string(btc ? kBtc : kEth), btc ? btc_mid_ : eth_mid_);
  args.client_order_id = "twin" + std::to_string(last_placement_header_.nonce);
  const exchange::TxHeader header{last_placement_header_.nonce, height + rng_.range(15, 40)};
  return builder_.place_order(last_placer_->key, header, args);
}

Bytes Workload::next(std::uint64_t height, const exchange::ExchangeApp* view) {
  ++generated_;
  Trader& t = traders_[rng_.below(traders_.size())];
  const bool btc = rng_.below(3) != 0;
  const std::string market(btc ? kBtc : kEth);
  std::uint64_t& mid = btc ? btc_mid_ : eth_mid_;
  // A slow random walk keeps both sides of the book trading.
  mid = mid + rng_.range(0, 20) - 10;
  const std::uint64_t lot = btc ? kBtcLot : kEthLot;

  const std::uint64_t roll = rng_.below(100);
  if (roll < 40) return place(t, height, limit_order(market, mid));
  if (roll < 47) {
    PlaceOrderArgs a = limit_order(market, mid);
    a.time_in_force = rng_.coin() ? TimeInForce::kIoc : TimeInForce::kFok;
    return place(t, height, a);
  }
  if (roll < 52) {
    PlaceOrderArgs a = limit_order(market, mid);
    a.post_only = true;
    return place(t, height, a);
  }
  if (roll < 57) {
    PlaceOrderArgs a;
    a.market = market;
    a.side = rng_.coin() ? Side::kBuy : Side::kSell;
    a.type = OrderType::kMarket;
    a.time_in_force = TimeInForce::kIoc;
    a.quantity = lot * rng_.range(1, 4);
    a.protection_price = a.side == Side::kBuy ? mid + mid / 100 : mid - mid / 100;
    return place(t, height, a);
  }
  if (roll < 61) {
    PlaceOrderArgs a = limit_order(market, mid);
    a.type = rng_.coin() ? OrderType::kStopLimit : OrderType::kStopMarket;
    // A stop beyond the current price waits; one that a trade crosses fires.
    a.stop_price =
        a.side == Side::kBuy ? mid + rng_.range(1, mid / 500) : mid - rng_.range(1, mid / 500);
    if (a.type == OrderType::kStopMarket) {
      a.price = 0;
      a.time_in_force = TimeInForce::kIoc;
      a.protection_price = a.side == Side::kBuy ? mid + mid / 50 : mid - mid / 50;
    }
    return place(t, height, a);
  }
  if (roll < 65) {
    PlaceOrderArgs a = limit_order(market, mid);
    a.quantity = lot * rng_.range(4, 12);
    a.display_quantity = lot * rng_.range(1, 3);
    return place(t, height, a);
  }
  if (roll < 76 && !t.client_ids.empty()) {
    const std::string id = t.client_ids[rng_.below(t.client_ids.size())];
    return builder_.cancel_order_by_client_id(t.key, header(t, height), market, id);
  }
  if (roll < 84 && view != nullptr && !t.client_ids.empty()) {
    const std::string& id = t.client_ids[rng_.below(t.client_ids.size())];
    if (const auto order = view->order_by_client_id(t.key.public_key(), id);
        order && !order->pending_stop) {
      const bool order_btc = view->rules().find_market(kBtc) == order->market;
      const std::string order_market(order_btc ? kBtc : kEth);
      const std::uint64_t order_lot = order_btc ? kBtcLot : kEthLot;
      const std::uint64_t new_price = rng_.coin() ? 0 : order->price + rng_.range(0, 4) - 2;
      const std::uint64_t new_quantity = order_lot * rng_.range(1, 8);
      return builder_.amend_order(t.key, header(t, height), order_market, order->id, new_price,
                                  new_quantity);
    }
  }
  if (roll < 87) return builder_.cancel_all(t.key, header(t, height), rng_.coin() ? market : "");
  if (roll < 89) {
    t.has_settlement_address = true;
    exchange::EthAddress address{};
    address[19] = static_cast<std::uint8_t>(rng_.below(256));
    return builder_.register_settlement_address(t.key, header(t, height), address);
  }
  if (roll < 91) {
    // Refused by the state machine until an address is registered.
    return builder_.withdraw(t.key, header(t, height), rng_.coin() ? "USDT" : "ETH",
                             rng_.range(1, 1'000'000));
  }
  if (roll < 94) {
    // Not on the lot: verify_tx refuses it at admission.
    PlaceOrderArgs a = limit_order(market, mid);
    a.quantity = lot + lot / 2;
    return place(t, height, a);
  }
  return place(t, height, limit_order(market, mid));
}

}  // namespace replex::sim
