#include "settlement_metrics.hpp"

#include <string>

namespace replex::node {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;

}  // namespace

SettlementMetrics::SettlementMetrics(prometheus::Registry& registry)
    : batches_pending_(BuildGauge()
                           .Name("replex_settlement_batches_pending")
                           .Help("Batches built and not yet settled on the chain (the lag in batches)")
                           .Register(registry)),
      last_settled_batch_(BuildGauge()
                              .Name("replex_settlement_last_settled_batch")
                              .Help("Number of the last batch settled `confirmations` deep")
                              .Register(registry)),
      lag_blocks_(BuildGauge()
                      .Name("replex_settlement_lag_blocks")
                      .Help("Replex blocks folded into batches but not yet settled")
                      .Register(registry)),
      signatures_held_(BuildGauge()
                           .Name("replex_settlement_signatures_held")
                           .Help("Valid validator signatures held for the first unsettled batch")
                           .Register(registry)),
      rpc_up_(BuildGauge()
                  .Name("replex_settlement_rpc_up")
                  .Help("1 when the chain's last JSON-RPC round succeeded")
                  .Register(registry)),
      transactions_sent_(BuildCounter()
                             .Name("replex_settlement_transactions_sent_total")
                             .Help("submitBatch transactions this node sent, replacements included")
                             .Register(registry)),
      fee_bumps_(BuildCounter()
                     .Name("replex_settlement_fee_bumps_total")
                     .Help("Stuck submitBatch transactions replaced with higher fees")
                     .Register(registry)),
      deposits_attested_(BuildCounter()
                             .Name("replex_settlement_deposits_attested_total")
                             .Help("Deposits this node attested on the exchange")
                             .Register(registry)),
      signatures_dropped_(BuildCounter()
                              .Name("replex_settlement_signatures_dropped_total")
                              .Help("Batch signatures dropped: invalid, foreign or of another root")
                              .Register(registry)) {}

void SettlementMetrics::sample(const settlement::SettlementStatus& status) {
  for (const settlement::ChainSettlementStatus& c : status.chains) {
    const prometheus::Labels labels{{"chain", std::to_string(c.chain_id)}};
    batches_pending_.Add(labels).Set(static_cast<double>(c.batches_pending));
    last_settled_batch_.Add(labels).Set(static_cast<double>(c.last_settled_batch));
    lag_blocks_.Add(labels).Set(static_cast<double>(c.lag_blocks));
    signatures_held_.Add(labels).Set(static_cast<double>(c.signatures_held));
    rpc_up_.Add(labels).Set(c.rpc_up ? 1 : 0);
    // The status counts since the Settler opened; a counter moves by the difference.
    Totals& last = last_[c.chain_id];
    const auto advance = [&](prometheus::Family<prometheus::Counter>& family, std::uint64_t now, std::uint64_t& then) {
      family.Add(labels).Increment(static_cast<double>(now - then));
      then = now;
    };
    advance(transactions_sent_, c.transactions_sent, last.transactions_sent);
    advance(fee_bumps_, c.fee_bumps, last.fee_bumps);
    advance(deposits_attested_, c.deposits_attested, last.deposits_attested);
    advance(signatures_dropped_, c.signatures_dropped, last.signatures_dropped);
  }
}

}  // namespace replex::node
