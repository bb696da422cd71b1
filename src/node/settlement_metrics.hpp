// SettlementMetrics: the settlement families of /metrics (docs/metrics.md,
// "Settlement"), sampled from Settler::status() at each scrape. Registered
// only on a node with settlement enabled.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <map>

#include "replex/settlement/settler.hpp"

namespace replex::node {

class SettlementMetrics {
 public:
  explicit SettlementMetrics(prometheus::Registry& registry);

  // Under Metrics' sampling lock (one caller at a time).
  void sample(const settlement::SettlementStatus& status);

 private:
  struct Totals {
    std::uint64_t transactions_sent = 0, fee_bumps = 0, deposits_attested = 0, signatures_dropped = 0;
  };
  prometheus::Family<prometheus::Gauge>& batches_pending_;
  prometheus::Family<prometheus::Gauge>& last_settled_batch_;
  prometheus::Family<prometheus::Gauge>& lag_blocks_;
  prometheus::Family<prometheus::Gauge>& signatures_held_;
  prometheus::Family<prometheus::Gauge>& rpc_up_;
  prometheus::Family<prometheus::Counter>& transactions_sent_;
  prometheus::Family<prometheus::Counter>& fee_bumps_;
  prometheus::Family<prometheus::Counter>& deposits_attested_;
  prometheus::Family<prometheus::Counter>& signatures_dropped_;
  std::map<std::uint64_t, Totals> last_;  // by chain id: the status' totals at the previous scrape
};

}  // namespace replex::node
