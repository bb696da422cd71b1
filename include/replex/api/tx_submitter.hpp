// TxSubmitter: how the API hands a client's signed transaction to the node.
//
// The node implements it with its admission path (verification on the
// worker pool, then the mempool, then gossip); the API only sees the verdict.
// submit() is thread-safe and `done` runs exactly once, on whichever thread
// reaches the verdict (or the caller's, when the node refuses at once).
#pragma once

#include <functional>

#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"

namespace replex::api {

// kUnavailable (shutting down) / kResourceExhausted (verification queue
// full), or the mempool's verdict: accepted, duplicate, full, rejected.
using SubmitDone = std::function<void(Result<consensus::TxStatusReport>)>;

class TxSubmitter {
 public:
  virtual ~TxSubmitter() = default;
  virtual void submit(Bytes tx, SubmitDone done) = 0;
};

}  // namespace replex::api
