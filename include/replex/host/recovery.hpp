// Rebuilding a node's application and consensus state from its store.
//
// recover() loads the latest snapshot into the application, replays the
// blocks stored after it through execute_block and checks each recomputed
// app_hash against the stored one, then reads the WAL: the result is what
// consensus::Replica::create (or Observer::create) needs. Anything stored
// that fails its checks is kCorruption naming the height: the node must not
// start on state it cannot trust. Procedure: docs/host.md, "Recovery".
#pragma once

#include <cstdint>

#include "replex/abci/application.hpp"
#include "replex/consensus/config.hpp"
#include "replex/consensus/replica.hpp"
#include "replex/consensus/validator_set.hpp"
#include "replex/storage/store.hpp"

namespace replex::host {

// What recovery checks stored data against. Borrowed for the call.
struct RecoveryContext {
  const consensus::ChainInfo& chain;
  const consensus::ValidatorSet& validators;
  const consensus::Config& config;
};

struct Recovered {
  consensus::RecoveredState state;
  consensus::Height snapshot_height = 0;  // 0: replay started from genesis
  std::uint64_t replayed_blocks = 0;
  std::uint64_t replayed_txs = 0;
  // A state install interrupted by a crash (snapshot stored, chain not yet
  // reset to it) was completed.
  bool completed_install = false;
};

// Precondition: `app` holds the genesis state (last_height() == 0), else
// kFailedPrecondition. On error the application is in an unspecified state
// and must be discarded. The store is written to only to complete an
// interrupted state install (Store::reset_chain_to).
Result<Recovered> recover(abci::Application& app, storage::Store& store,
                          const RecoveryContext& context);

}  // namespace replex::host
