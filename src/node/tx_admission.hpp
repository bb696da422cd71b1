// TxAdmission: the one path every transaction takes into the mempool, from
// gRPC and from gossip alike: envelope verification (Application::verify_tx)
// on the worker pool, admission by the consensus core on the consensus
// thread, then gossip to peers once accepted, so invalid transactions never
// spread. A peer that relays a transaction failing verify_tx (which a correct
// node never does) is reported to p2p as misbehaving.
// Thread-safe; `done` runs exactly once, on a worker or the consensus thread
// (or the caller's, when refused at once).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "replex/abci/application.hpp"
#include "replex/api/tx_submitter.hpp"
#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/p2p/network.hpp"
#include "worker_pool.hpp"

namespace replex::node {

// kUnavailable (shutting down) / kResourceExhausted (verification queue
// full), or the verdict: accepted, duplicate, mempool full, rejected.
using AdmissionDone = api::SubmitDone;

// Admits a verified transaction, called on a worker: a validator hands it to
// the consensus thread's mempool, an observer checks it against its committed
// state; `done` gets the verdict as a TxStatusReport.
using ConsensusAdmit = std::function<void(Bytes tx, const Hash256& tx_hash, AdmissionDone done)>;

class TxAdmission final : public api::TxSubmitter {
 public:
  TxAdmission(WorkerPool& workers, const abci::Application& app, std::uint64_t max_tx_bytes,
              ConsensusAdmit admit, p2p::Network* network);

  // `from` is the peer that gossiped it; nullopt for local submissions.
  void submit(Bytes tx, std::optional<p2p::NodeId> from, AdmissionDone done);
  // api::TxSubmitter: a local submission.
  void submit(Bytes tx, api::SubmitDone done) override { submit(std::move(tx), std::nullopt, std::move(done)); }

 private:
  void verified(Bytes tx, const Hash256& hash, AdmissionDone done);

  WorkerPool& workers_;
  const abci::Application& app_;
  const std::uint64_t max_tx_bytes_;
  ConsensusAdmit admit_;
  p2p::Network* network_;
};

}  // namespace replex::node
