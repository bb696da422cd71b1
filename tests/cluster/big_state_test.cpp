// Opt-in (minutes; REPLEX_BIG_STATE_MIB=200 runs it): a validator that lost
// its data rejoins a chain whose state is at least that many MiB by state
// transfer. Three validators fill the BTC-USD book with resting sell orders
// (each with a 36-byte client order id) while the fourth is down with its
// data directory removed; then it starts, fetches the proven snapshot in
// 1 MiB chunks, each verified on arrival, installs it, and agrees with the
// others. Without chunks a snapshot had to fit one 8 MiB frame.
// At 200 MiB: ~8 minutes on 2 cores (`make test-big-state`; figures in
// docs/cluster-tests.md).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <regex>
#include <thread>

#include "cluster_test_util.hpp"
#include "replex/client/order_flow.hpp"
#include "replex/exchange/tx_builder.hpp"
#include "support/http_client.hpp"

namespace replex::cluster {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kCheckpointInterval = 200;
constexpr std::size_t kTraders = 15;            // 5 per filling validator
constexpr std::size_t kBatch = 256;             // api.max_submit_batch
constexpr std::uint64_t kBytesPerOrderLow = 130;  // a resting order in the snapshot, a little less than measured
constexpr std::uint64_t kTtlBlocks = 300;

// One filler per running validator: signs resting sells of its traders and
// submits them in batches, retrying what a full mempool refused.
class Filler {
 public:
  Filler(Cluster& c, std::size_t node, std::vector<KeyPair> traders, std::uint64_t orders)
      : c_(c), node_(node), traders_(std::move(traders)), orders_(orders), builder_(c.chain_id()) {}

  void run() {
    std::vector<std::uint64_t> nonces(traders_.size(), 0);
    std::uint64_t made = 0;
    std::uint64_t height = 0;
    std::vector<Bytes> pending;
    for (std::size_t round = 0; (made < orders_ || !pending.empty()) && error_.empty(); ++round) {
      if (round % 32 == 0) {
        auto h = c_.height(node_);
        if (!h) return fail(h.status().to_string());
        height = *h;
      }
      while (pending.size() < kBatch && made < orders_) {
        const std::size_t t = made % traders_.size();
        exchange::PlaceOrderArgs args;
        args.market = "BTC-USD";
        args.side = exchange::Side::kSell;
        args.price = 3'000'000 + made / traders_.size() % 50'000;  // 30,000.00 USD and up, never crossed
        args.quantity = 10'000;                                    // 0.0001 BTC
        char id[40];
        std::snprintf(id, sizeof id, "big-state-%02zu-%023llu", node_, static_cast<unsigned long long>(made));
        args.client_order_id = id;
        pending.push_back(builder_.place_order(traders_[t], {++nonces[t], height + kTtlBlocks}, args));
        ++made;
      }
      v1::SubmitTransactionsRequest request;
      for (const Bytes& tx : pending) request.add_transactions(std::string(as_chars(tx)));
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + 30s);
      v1::SubmitTransactionsResponse response;
      const grpc::Status s = c_.client(node_).stub().SubmitTransactions(&context, request, &response);
      if (!s.ok()) return fail("SubmitTransactions to node" + std::to_string(node_) + ": " + s.error_message());
      std::vector<Bytes> refused;
      for (int i = 0; i < response.results_size(); ++i) {
        const v1::SubmitTransactionResult& r = response.results(i);
        if (r.status() == v1::SUBMIT_STATUS_ACCEPTED || r.status() == v1::SUBMIT_STATUS_DUPLICATE) {
          ++accepted_;
        } else if (r.error_code() == static_cast<std::uint32_t>(grpc::StatusCode::RESOURCE_EXHAUSTED)) {
          refused.push_back(std::move(pending[static_cast<std::size_t>(i)]));
        } else {
          return fail("node" + std::to_string(node_) + " refused an order: " + r.error());
        }
      }
      if (!refused.empty()) std::this_thread::sleep_for(50ms);  // the mempool is full: let blocks drain it
      pending = std::move(refused);
    }
  }

  std::uint64_t accepted() const { return accepted_.load(); }
  std::string error() const {
    std::lock_guard lock(mutex_);
    return error_;
  }

 private:
  void fail(const std::string& what) {
    std::lock_guard lock(mutex_);
    error_ = what;
  }

  Cluster& c_;
  std::size_t node_;
  std::vector<KeyPair> traders_;
  std::uint64_t orders_;
  exchange::TxBuilder builder_;
  std::atomic<std::uint64_t> accepted_{0};
  mutable std::mutex mutex_;
  std::string error_;
};

// A counter's value in a node's /metrics, 0 when absent.
double metric(Cluster& c, std::size_t node, const std::string& name) {
  const auto answer = replex::testing::http_request(c.rest_target(node), "GET", "/metrics");
  std::smatch m;
  if (!std::regex_search(answer.body, m, std::regex("\n" + name + " ([0-9.e+]+)"))) return 0;
  return std::stod(m[1]);
}

TEST(ClusterBigState, AValidatorWithoutDataRejoinsByTransferringTheState) {
  const char* mib_text = std::getenv("REPLEX_BIG_STATE_MIB");
  if (mib_text == nullptr) GTEST_SKIP() << "opt-in: REPLEX_BIG_STATE_MIB=200 (takes minutes)";
  const std::uint64_t target_bytes = std::stoull(mib_text) << 20;
  const std::uint64_t orders = target_bytes / kBytesPerOrderLow;

  auto cluster = Cluster::create({.validators = 4,
                                  .accounts = kTraders + 1,
                                  .checkpoint_interval = kCheckpointInterval,
                                  .max_open_orders_per_account = 1'000'000});
  CLUSTER_ASSERT_OK(cluster);
  Cluster& c = **cluster;
  CLUSTER_ASSERT_OK(c.start_all());
  const std::size_t lost = 3;
  CLUSTER_ASSERT_OK(c.stop(lost));
  std::filesystem::remove_all(c.home(lost) + "/" + c.config(lost)->storage.path);
  const std::vector<std::size_t> filling{0, 1, 2};

  auto traders = client::load_testnet_traders(c.dir() + "/net");
  CLUSTER_ASSERT_OK(traders);
  ASSERT_GE(traders->size(), kTraders);
  std::vector<std::unique_ptr<Filler>> fillers;
  for (const std::size_t node : filling) {
    std::vector<KeyPair> own;
    for (std::size_t t = node; t < kTraders; t += filling.size()) own.push_back(std::move((*traders)[t]));
    fillers.push_back(std::make_unique<Filler>(c, node, std::move(own), orders / filling.size()));
  }
  const auto fill_start = std::chrono::steady_clock::now();
  {
    std::vector<std::thread> threads;
    for (auto& f : fillers) threads.emplace_back([&f] { f->run(); });
    for (auto& t : threads) t.join();
  }
  std::uint64_t accepted = 0;
  for (auto& f : fillers) {
    ASSERT_EQ(f->error(), "");
    accepted += f->accepted();
  }
  const double fill_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_start).count();
  std::printf("[ big state ] %llu resting orders accepted in %.0f s (%.0f/s)\n",
              static_cast<unsigned long long>(accepted), fill_s, static_cast<double>(accepted) / fill_s);
  std::fflush(stdout);

  // A trickle of crossing orders keeps blocks coming: the next checkpoint
  // after the fill becomes stable, and the restarted node learns it lags.
  auto filled_at = c.max_height(filling);
  CLUSTER_ASSERT_OK(filled_at);
  auto load = c.make_load(steady_load());
  CLUSTER_ASSERT_OK(load);
  (*load)->set_up(lost, false);
  (*load)->start(*filled_at);  // its orders' good_til_height counts from here
  // Every filled order committed (the mempools drained), then two intervals.
  ASSERT_TRUE(eventually(
      [&] {
        for (const std::size_t node : filling) {
          auto s = c.status(node);
          if (!s || s->mempool_size() > 1'000) return false;
        }
        return true;
      },
      600s));
  auto drained_at = c.max_height(filling);
  CLUSTER_ASSERT_OK(drained_at);
  CLUSTER_ASSERT_OK(c.wait_for_height(filling, *drained_at + 2 * kCheckpointInterval, 600s));

  const auto transfer_start = std::chrono::steady_clock::now();
  CLUSTER_ASSERT_OK(c.start(lost));
  auto target = c.max_height(filling);
  CLUSTER_ASSERT_OK(target);
  CLUSTER_ASSERT_OK(c.wait_for_height({lost}, *target, 600s));
  const double transfer_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - transfer_start).count();
  ASSERT_TRUE(c.log_contains(lost, "installed state at height")) << "node3 caught up without a state transfer";
  const double bytes = metric(c, lost, "replex_state_transfer_bytes_total");
  const double chunks = metric(c, lost, "replex_state_transfer_chunks_total");
  std::printf("[ big state ] node3 installed %.1f MiB in %.0f chunks and caught up to height %llu in %.0f s\n",
              bytes / (1 << 20), chunks, static_cast<unsigned long long>(*target), transfer_s);
  std::fflush(stdout);
  EXPECT_GE(bytes, static_cast<double>(target_bytes));

  // It takes part again, and agrees.
  (*load)->set_up(lost, true);
  CLUSTER_ASSERT_OK(resume_submissions(**load, lost, 20));
  (*load)->stop();
  // The blocks from the fill's end on (thousands of 1,000-order blocks
  // before it would take long to compare): the same everywhere.
  auto height = c.wait_caught_up(c.all());
  CLUSTER_ASSERT_OK(height);
  CLUSTER_ASSERT_OK(c.check_agreement(c.all(), *height, (*load)->acks(), *filled_at));
}

}  // namespace
}  // namespace replex::cluster
