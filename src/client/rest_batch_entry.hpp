// Private to client: order entry in batches over REST, POST
// /api/v1/orders/batch?wait=commit (gateway_load.hpp, "With batch > 1"):
// custodial orders with the demo API keys, or envelopes signed here. Each
// order of a batch is answered on its own from the batch's per-item results.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "replex/client/gateway_load.hpp"
#include "replex/client/order_flow.hpp"

namespace replex::client {

// `api_keys`: an even count, paired as crossing_order_spec pairs traders.
std::unique_ptr<LoadSource> make_rest_batch_entry(const EntryContext& context, std::vector<std::string> api_keys);
std::unique_ptr<LoadSource> make_rest_signed_batch_entry(const EntryContext& context, CrossingOrderFlow flow);

}  // namespace replex::client
