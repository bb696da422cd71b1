// CrossingOrderFlow: signed limit orders that trade, from the funded demo
// traders of a `replex testnet` (its markets BTC-USDT and ETH-USDT), for
// `replex bench` and the cluster tests. Orders come in pairs: a buy by an
// even-numbered trader, then a sell by the next odd-numbered one, at one
// price and quantity, so every pair crosses, no trader meets itself
// (self-trade prevention never fires) and the book stays near empty.
// Every order has a distinct nonce (nonce_base + sequence). Not thread-safe,
// except sign(), which only reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/core/ed25519.hpp"
#include "replex/core/status.hpp"
#include "replex/exchange/tx_builder.hpp"

namespace replex::client {

// The n-th order of the crossing stream as plain fields, for clients that
// send orders as text (REST, ExchangeService) and let a custodial node sign:
// `trader` indexes the first even count of `trader_count` demo traders.
struct CrossingOrderSpec {
  std::size_t trader = 0;
  const char* market = "";
  exchange::Side side = exchange::Side::kBuy;
  std::uint64_t price = 0;     // at the market's 2 price decimals
  std::uint64_t quantity = 0;  // at the base asset's 8 decimals
  std::string price_text() const;     // "30000.00"
  std::string quantity_text() const;  // "0.00010000"
};
// Precondition: trader_count >= 2.
CrossingOrderSpec crossing_order_spec(std::uint64_t sequence, std::size_t trader_count);

struct FlowOrder {
  Bytes tx;      // a serialized SignedTransaction
  Hash256 hash;  // tx_hash(tx): the transaction id the node answers with
  exchange::Side side = exchange::Side::kBuy;
};

// An order of the stream before it is signed (signing is the costly part,
// so a client may sign several on other threads: see sign()).
struct UnsignedOrder {
  std::size_t trader = 0;
  exchange::TxHeader header;
  exchange::PlaceOrderArgs args;
};

class CrossingOrderFlow {
 public:
  // `traders` holds at least two keys; a flow uses the first even count of them.
  static Result<CrossingOrderFlow> create(std::string chain_id, std::vector<KeyPair> traders,
                                          std::uint64_t nonce_base);

  // The next order of the stream, valid until `good_til_height` (which must
  // stay within the chain's max_tx_ttl_blocks of the height it lands at).
  FlowOrder next(std::uint64_t good_til_height) { return sign(prepare(good_til_height)); }
  // next() in two steps: prepare() in stream order, sign() from any thread.
  UnsignedOrder prepare(std::uint64_t good_til_height);
  FlowOrder sign(const UnsignedOrder& order) const;

  std::uint64_t orders_made() const { return sequence_; }
  std::size_t trader_count() const { return traders_.size(); }

 private:
  CrossingOrderFlow(std::string chain_id, std::vector<KeyPair> traders, std::uint64_t nonce_base);

  exchange::TxBuilder builder_;
  std::vector<KeyPair> traders_;
  std::uint64_t nonce_base_;
  std::uint64_t sequence_ = 0;
};

// The next `count` orders of `flow`, prepared in stream order and signed on
// `threads` threads (the caller's and threads - 1 helpers): signing is the
// client's cost per order, so a batch spreads it over cores.
std::vector<FlowOrder> sign_orders(CrossingOrderFlow& flow, std::size_t count, std::uint64_t good_til_height,
                                   std::size_t threads);

// The demo trader keys `replex testnet` wrote: DIR/accounts/trader<i>.hex,
// i = 0, 1, ... until the first missing file. kNotFound when there is none.
Result<std::vector<KeyPair>> load_testnet_traders(const std::string& testnet_dir);

// The demo traders' API keys (X-API-Key of a custodial node), in trader
// order, from DIR/accounts/accounts.yaml. kNotFound when there is none.
Result<std::vector<std::string>> load_testnet_api_keys(const std::string& testnet_dir);

}  // namespace replex::client
