// TxSubmitter: how the API hands a client's signed transaction to the node.
//
// The node implements it with its admission path (verification on the
// worker pool, then the mempool, then gossip); the API only sees the verdict.
// submit() is thread-safe and each `done` runs exactly once, on whichever
// thread reaches the verdict (or the caller's, when the node refuses at once).
// A batch crosses each thread boundary once, not once per transaction.
#pragma once

#include <functional>
#include <vector>

#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"

namespace replex::api {

// kUnavailable (shutting down) / kResourceExhausted (verification queue
// full), or the mempool's verdict: accepted, duplicate, full, rejected.
using SubmitDone = std::function<void(Result<consensus::TxStatusReport>)>;

struct Submission {
  Bytes tx;
  SubmitDone done;
};

class TxSubmitter {
 public:
  virtual ~TxSubmitter() = default;
  virtual void submit(std::vector<Submission> batch) = 0;
  void submit(Bytes tx, SubmitDone done) {
    std::vector<Submission> batch;
    batch.push_back(Submission{std::move(tx), std::move(done)});
    submit(std::move(batch));
  }
};

}  // namespace replex::api
