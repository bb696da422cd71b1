// Requests for `replex bench`'s gateway measurements (docs/PERFORMANCE.md,
// "Gateway"), each a StartRequest for run_request_load:
//
// - order entry: the crossing order stream of CrossingOrderFlow into one node,
//   waiting for each commit, through one of its order-entry APIs:
//     node         NodeService.SubmitTransaction, envelopes signed here (gRPC)
//     grpc         ExchangeService.PlaceOrder with x-api-key: the node signs
//     rest         POST /api/v1/orders?wait=commit with X-API-Key: the node signs
//     rest-signed  POST /api/v1/transactions?wait=commit, base64 envelopes signed here
//   With batch > 1, rest and rest-signed send POST /api/v1/orders/batch?wait=commit
//   with `batch` orders each (rest: one trader's per request, alternately a
//   buy batch and the crossing sell batch; rest-signed: the next orders of
//   the flow, signed on sign_threads threads), and answer each order on its
//   own, its latency running from its request's start.
//   The custodial APIs use the testnet's demo API keys, the signed ones its
//   demo trader keys, in the same pairing, so every pair crosses.
// - resting orders: custodial REST orders that rest without crossing, on
//   kRestingLevelsPerSide price levels each side of one market (buys from
//   1000.00, sells from 90000.00), far from the crossing price: every block
//   that takes one changes the book (the WebSocket fan-out's load, and the
//   depth the book queries read).
// - book_queries: GET /api/v1/markets/{market}/book?depth=N.
//
// A LoadSource's start() is called from one thread (it may sign with a
// CrossingOrderFlow); answers come on its own threads. Destroying it waits
// for the gRPC calls in flight (each has a deadline) and drops unanswered
// HTTP requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "replex/core/status.hpp"
#include "replex/client/request_load.hpp"

namespace replex::client {

constexpr std::uint64_t kRestingLevelsPerSide = 20;

enum class EntryApi { kNode, kGrpc, kRest, kRestSigned };

std::string_view entry_api_name(EntryApi api);
std::optional<EntryApi> parse_entry_api(std::string_view name);

struct EntryContext {
  std::string testnet_dir;  // demo trader keys and API keys (accounts/)
  std::string chain_id;
  std::string grpc_target;  // NodeService and ExchangeService, host:port
  std::string rest_target;  // the REST gateway, host:port
  std::size_t max_in_flight = 256;  // also the number of HTTP connections
  std::size_t io_threads = 1;       // HTTP client threads
  std::chrono::milliseconds commit_timeout{30'000};
  std::uint64_t start_height = 0;   // seeds good_til_height of signed orders
  // good_til_height of a signed order = the highest height seen + this.
  std::uint64_t ttl_blocks = 300;
  // Orders per request (rest and rest-signed; the nodes' api.max_submit_batch at most).
  std::size_t batch = 1;
  // Threads signing a batch (rest-signed).
  std::size_t sign_threads = 1;
};

class LoadSource {
 public:
  virtual ~LoadSource() = default;
  // `done` runs per_request() times: once per order of the request.
  virtual void start(std::uint64_t sequence, RequestDone done) = 0;
  virtual std::size_t per_request() const { return 1; }
  StartRequest starter() {
    return [this](std::uint64_t sequence, RequestDone done) { start(sequence, std::move(done)); };
  }
};

Result<std::unique_ptr<LoadSource>> make_order_entry(EntryApi api, const EntryContext& context);

// Resting (non-crossing) custodial orders on `market` over REST, buy and sell
// alternately, each side walking its levels; `wait`:
// answer at commit (200) rather than at admission (202).
Result<std::unique_ptr<LoadSource>> make_resting_orders(const EntryContext& context, const std::string& market,
                                                        bool wait);

// GET book queries against `rest_target` over `connections` keep-alive connections.
std::unique_ptr<LoadSource> make_book_queries(const std::string& rest_target, const std::string& market,
                                              std::uint32_t depth, std::size_t connections, std::size_t io_threads);

}  // namespace replex::client
