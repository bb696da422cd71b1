// ApiContext: what the API servers read and call, owned by the node and
// outliving every server. Each member is thread-safe as used here: read
// views and commit waiters by design, the Store for reads, the submitter by
// contract, the Network's peer list, and genesis and config, which are
// immutable once the node started.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "replex/api/commit_waiters.hpp"
#include "replex/api/read_views.hpp"
#include "replex/api/tx_submitter.hpp"
#include "replex/config/genesis_file.hpp"
#include "replex/config/node_config.hpp"
#include "replex/consensus/block.hpp"
#include "replex/p2p/network.hpp"
#include "replex/settlement/settler.hpp"
#include "replex/storage/store.hpp"

namespace replex::api {

// What GetStatus reports about the node itself; fixed once the node started.
struct NodeIdentity {
  std::string moniker;
  config::NodeMode mode = config::NodeMode::kValidator;
  p2p::NodeId node_id;
  std::optional<std::uint32_t> validator_index;
  std::string p2p_listen;
  std::string grpc_listen;
};

struct ApiContext {
  const config::GenesisFile& genesis;
  const config::ApiSection& api;
  const storage::Store& store;
  const ReadViews& views;
  CommitWaiters& waiters;
  TxSubmitter& submitter;
  const p2p::Network* network = nullptr;  // null: no peers to report
  consensus::BlockLimits block_limits;
  // The node's metrics in the Prometheus text format (GET /metrics); empty: none.
  std::function<std::string()> metrics;
  // Settlement's status and withdrawal claims; null when settlement is off.
  const settlement::Settler* settler = nullptr;
};

}  // namespace replex::api
