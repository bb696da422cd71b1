#include "metrics.hpp"

#include <prometheus/text_serializer.h>

#include <array>
#include <map>
#include <sstream>
#include <type_traits>

#include "replex/exchange/reason.hpp"

namespace replex::node {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

// Commit latency buckets, seconds: from 5 ms to a minute.
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                 0.5,   1,    2.5,   5,    10,  30, 60};
// One step of a commit, seconds: from 1 ms to 10 s.
const prometheus::Histogram::BucketBoundaries kStepBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                              0.25,  0.5,    1,     2.5,  5,     10};
const prometheus::Histogram::BucketBoundaries kBlockTxBuckets = {0, 1, 10, 100, 1000, 5000, 10000, 50000};

}  // namespace

Metrics::Metrics(std::shared_ptr<const exchange::ChainRules> rules)
    : rules_(std::move(rules)),
      registry_(std::make_shared<prometheus::Registry>()),
      committed_height_(BuildGauge()
                            .Name("replex_consensus_height")
                            .Help("Highest height committed by consensus on this node")
                            .Register(*registry_)
                            .Add({})),
      executed_height_(BuildGauge()
                           .Name("replex_executed_height")
                           .Help("Highest height executed by the state machine on this node")
                           .Register(*registry_)
                           .Add({})),
      view_(BuildGauge().Name("replex_consensus_view").Help("Current PBFT view").Register(*registry_).Add({})),
      in_view_change_(BuildGauge()
                          .Name("replex_consensus_in_view_change")
                          .Help("1 while a view change is running")
                          .Register(*registry_)
                          .Add({})),
      state_diverged_(BuildGauge()
                          .Name("replex_state_diverged")
                          .Help("1 while this node's state differs from the checkpoint quorum's "
                                "(reads stop until it installs theirs)")
                          .Register(*registry_)
                          .Add({})),
      view_changes_(BuildCounter()
                        .Name("replex_consensus_view_changes_total")
                        .Help("View changes this node entered")
                        .Register(*registry_)
                        .Add({})),
      mempool_txs_(BuildGauge().Name("replex_mempool_txs").Help("Transactions in the mempool").Register(*registry_).Add({})),
      mempool_bytes_(
          BuildGauge().Name("replex_mempool_bytes").Help("Bytes of the mempool's transactions").Register(*registry_).Add({})),
      commit_latency_(BuildHistogram()
                          .Name("replex_commit_latency_seconds")
                          .Help("From a block's header time (its proposer's clock) to its execution on this node")
                          .Register(*registry_)
                          .Add({}, kLatencyBuckets)),
      execution_latency_(BuildHistogram()
                             .Name("replex_execution_latency_seconds")
                             .Help("From a block's commit on this node to its execution, storage and the "
                                   "answers to the calls waiting for it")
                             .Register(*registry_)
                             .Add({}, kStepBuckets)),
      block_txs_(BuildHistogram()
                     .Name("replex_block_transactions")
                     .Help("Transactions per executed block")
                     .Register(*registry_)
                     .Add({}, kBlockTxBuckets)),
      transactions_(BuildCounter()
                        .Name("replex_transactions_total")
                        .Help("Executed transactions by result (OK or the exchange's reason)")
                        .Register(*registry_)),
      orders_(BuildCounter()
                  .Name("replex_orders_total")
                  .Help("Order outcomes by market: accepted, filled, canceled, expired, rejected")
                  .Register(*registry_)),
      trades_(BuildCounter().Name("replex_trades_total").Help("Trades by market").Register(*registry_)),
      volume_(BuildCounter()
                  .Name("replex_traded_volume_total")
                  .Help("Traded base quantity by market, in whole base units")
                  .Register(*registry_)),
      peers_(BuildGauge().Name("replex_p2p_peers").Help("Connected p2p peers").Register(*registry_).Add({})),
      validator_peers_(BuildGauge()
                           .Name("replex_p2p_validator_peers")
                           .Help("Connected p2p peers that are validators")
                           .Register(*registry_)
                           .Add({})),
      peers_banned_(BuildCounter()
                        .Name("replex_p2p_peers_banned_total")
                        .Help("Peers disconnected for misbehaviour")
                        .Register(*registry_)
                        .Add({})),
      gossip_delivered_(BuildCounter()
                            .Name("replex_p2p_gossip_delivered_total")
                            .Help("Gossip messages delivered to this node's handlers")
                            .Register(*registry_)
                            .Add({})),
      gossip_duplicates_(BuildCounter()
                             .Name("replex_p2p_gossip_duplicates_total")
                             .Help("Gossip messages dropped as already seen")
                             .Register(*registry_)
                             .Add({})),
      block_pushes_(BuildCounter()
                        .Name("replex_p2p_block_pushes_total")
                        .Help("Block batches pushed by peers: queued for consensus, or dropped over "
                              "consensus.max_queued_block_pushes")
                        .Register(*registry_)),
      block_pushes_queued_(block_pushes_.Add({{"outcome", "queued"}})),
      block_pushes_dropped_(block_pushes_.Add({{"outcome", "dropped"}})),
      state_chunks_(BuildCounter()
                        .Name("replex_state_transfer_chunks_total")
                        .Help("Snapshot chunks received by state transfer, verified and spooled")
                        .Register(*registry_)
                        .Add({})),
      state_chunk_bytes_(BuildCounter()
                             .Name("replex_state_transfer_bytes_total")
                             .Help("Bytes of the snapshot chunks counted by replex_state_transfer_chunks_total")
                             .Register(*registry_)
                             .Add({})),
      http_responses_(BuildCounter()
                          .Name("replex_http_responses_total")
                          .Help("REST answers by HTTP status (\"other\" for any status not listed)")
                          .Register(*registry_)),
      ws_sessions_(BuildGauge()
                       .Name("replex_ws_connections")
                       .Help("Open WebSocket connections")
                       .Register(*registry_)
                       .Add({})),
      ws_messages_(BuildCounter()
                       .Name("replex_ws_messages_total")
                       .Help("WebSocket messages sent to clients")
                       .Register(*registry_)
                       .Add({})),
      ws_slow_consumers_(BuildCounter()
                             .Name("replex_ws_slow_consumers_total")
                             .Help("WebSocket clients cut off for falling behind")
                             .Register(*registry_)
                             .Add({})) {}

void Metrics::on_consensus(const api::ConsensusView& view) {
  committed_height_.Set(static_cast<double>(view.committed_height));
  view_.Set(static_cast<double>(view.view));
  in_view_change_.Set(view.in_view_change ? 1 : 0);
  state_diverged_.Set(view.diverged_at ? 1 : 0);
  mempool_txs_.Set(static_cast<double>(view.mempool_txs));
  mempool_bytes_.Set(static_cast<double>(view.mempool_bytes));
}

void Metrics::on_view_change() { view_changes_.Increment(); }

void Metrics::on_block(const api::BlockDigest& digest, std::uint64_t now_ms) {
  const api::BlockSummary& block = digest.summary;
  executed_height_.Set(static_cast<double>(block.height));
  if (block.time_ms != 0 && now_ms >= block.time_ms) {
    commit_latency_.Observe(static_cast<double>(now_ms - block.time_ms) / 1000.0);
  }
  block_txs_.Observe(static_cast<double>(block.tx_count));
  // Counted over the block first, then one Family::Add (a lookup by label
  // set) per counter: one per event cost ~0.7 us per order, on the
  // execution thread, in front of the next block.
  constexpr std::array<const char*, 5> kOrderResults = {"accepted", "filled", "canceled", "expired", "rejected"};
  struct MarketCounts {
    std::array<std::uint64_t, kOrderResults.size()> orders{};
    std::uint64_t trades = 0;
    double volume = 0;  // in base units
  };
  std::map<std::uint32_t, std::uint64_t> results;  // reason code -> transactions
  std::map<exchange::MarketIndex, MarketCounts> markets;
  for (const exchange::Event& e : digest.events) {
    std::visit(
        [&](const auto& ev) {
          using T = std::decay_t<decltype(ev)>;
          namespace x = exchange::event;
          if constexpr (std::is_same_v<T, x::TxResult>) {
            ++results[ev.code];
          } else if constexpr (std::is_same_v<T, x::OrderAccepted>) {
            ++markets[ev.market].orders[0];
          } else if constexpr (std::is_same_v<T, x::OrderFilled>) {
            ++markets[ev.market].orders[1];
          } else if constexpr (std::is_same_v<T, x::OrderCanceled>) {
            ++markets[ev.market].orders[2];
          } else if constexpr (std::is_same_v<T, x::OrderExpired>) {
            ++markets[ev.market].orders[3];
          } else if constexpr (std::is_same_v<T, x::OrderRejected>) {
            ++markets[ev.market].orders[4];
          } else if constexpr (std::is_same_v<T, x::Trade>) {
            MarketCounts& counts = markets[ev.market];
            ++counts.trades;
            counts.volume += static_cast<double>(ev.quantity);
          }
        },
        e);
  }
  for (const auto& [code, count] : results) {
    transactions_.Add({{"result", std::string(exchange::reason_name(code))}}).Increment(static_cast<double>(count));
  }
  for (const auto& [m, counts] : markets) {
    const auto& spec = rules_->market_spec(m);
    for (std::size_t r = 0; r < kOrderResults.size(); ++r) {
      if (counts.orders[r] != 0) {
        orders_.Add({{"market", spec.symbol}, {"result", kOrderResults[r]}}).Increment(static_cast<double>(counts.orders[r]));
      }
    }
    if (counts.trades == 0) continue;
    trades_.Add({{"market", spec.symbol}}).Increment(static_cast<double>(counts.trades));
    const auto base = rules_->find_asset(spec.base);
    double scale = 1;
    for (std::uint32_t i = 0; base && i < rules_->asset(*base).decimals; ++i) scale *= 10;
    volume_.Add({{"market", spec.symbol}}).Increment(counts.volume / scale);
  }
}

std::string Metrics::render(const MetricsSources& sources) {
  {
    std::lock_guard lock(sample_mutex_);
    // Also right after a restart, before the first new block.
    if (sources.views != nullptr) executed_height_.Set(static_cast<double>(sources.views->chain()->height));
    if (sources.network != nullptr) {
      const auto peers = sources.network->peers();
      peers_.Set(static_cast<double>(peers.size()));
      if (sources.is_validator) {
        std::size_t validators = 0;
        for (const auto& peer : peers) validators += sources.is_validator(peer.id) ? 1 : 0;
        validator_peers_.Set(static_cast<double>(validators));
      }
      const p2p::NetworkStats stats = sources.network->stats();
      // The network keeps totals; a counter only moves forward by the difference.
      peers_banned_.Increment(static_cast<double>(stats.peers_banned - last_banned_));
      gossip_delivered_.Increment(static_cast<double>(stats.gossip_delivered - last_delivered_));
      gossip_duplicates_.Increment(static_cast<double>(stats.gossip_duplicates_dropped - last_duplicates_));
      last_banned_ = stats.peers_banned;
      last_delivered_ = stats.gossip_delivered;
      last_duplicates_ = stats.gossip_duplicates_dropped;
    }
    if (gateway_ != nullptr) {
      for (std::size_t i = 0; i < api::GatewayStats::kStatuses.size(); ++i) {
        const std::uint64_t total = gateway_->http_responses[i].load(std::memory_order_relaxed);
        const int status = api::GatewayStats::kStatuses[i];
        if (total == last_responses_[i]) continue;
        http_responses_.Add({{"code", status == 0 ? std::string("other") : std::to_string(status)}})
            .Increment(static_cast<double>(total - last_responses_[i]));
        last_responses_[i] = total;
      }
      ws_sessions_.Set(static_cast<double>(gateway_->ws_sessions_open.load()));
      const std::uint64_t sent = gateway_->ws_messages_sent.load();
      const std::uint64_t slow = gateway_->ws_slow_consumers.load();
      ws_messages_.Increment(static_cast<double>(sent - last_ws_messages_));
      ws_slow_consumers_.Increment(static_cast<double>(slow - last_ws_slow_));
      last_ws_messages_ = sent;
      last_ws_slow_ = slow;
    }
    for (const auto& sample : sources.samplers) sample(*registry_);
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace replex::node
