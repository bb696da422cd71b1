// TxAdmission: the one path every transaction takes into the mempool, from
// gRPC and from gossip alike: envelope verification (Application::verify_tx)
// on the worker pool, admission by the consensus core on the consensus
// thread, then gossip to peers once accepted, so invalid transactions never
// spread. Transactions travel in batches: a batch is split over the workers,
// and its verified shares cross to the consensus and network threads together,
// in the order submitted, so that no block cut falls between two shares. A
// peer that relays a transaction failing verify_tx (which a correct node
// never does) is reported to p2p as misbehaving.
// Thread-safe; `done` runs exactly once, on a worker or the consensus thread
// (or the caller's, when refused at once).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "replex/abci/application.hpp"
#include "replex/api/tx_submitter.hpp"
#include "replex/consensus/inputs_and_actions.hpp"
#include "replex/p2p/network.hpp"
#include "worker_pool.hpp"

namespace replex::node {

// kUnavailable (shutting down) / kResourceExhausted (verification queue
// full), or the verdict: accepted, duplicate, mempool full, rejected.
using AdmissionDone = api::SubmitDone;

struct VerifiedTx {
  Bytes tx;
  Hash256 hash;
  AdmissionDone done;
};

// Admits verified transactions, called on a worker: a validator hands them to
// the consensus thread's mempool, an observer checks them against its
// committed state; each `done` gets the verdict as a TxStatusReport.
// `relayed`: a peer gossiped them (consensus::TransactionsReceived::relayed).
using ConsensusAdmit = std::function<void(std::vector<VerifiedTx> batch, bool relayed)>;

class TxAdmission final : public api::TxSubmitter {
 public:
  TxAdmission(WorkerPool& workers, const abci::Application& app, std::uint64_t max_tx_bytes,
              ConsensusAdmit admit, p2p::Network* network);

  // `from` is the peer that gossiped them; nullopt for local submissions.
  void submit(std::vector<api::Submission> batch, std::optional<p2p::NodeId> from);
  // api::TxSubmitter: local submissions.
  void submit(std::vector<api::Submission> batch) override { submit(std::move(batch), std::nullopt); }
  using api::TxSubmitter::submit;

  // Transactions verified in one worker job at least (a smaller batch is one job).
  static constexpr std::size_t kMinTxsPerJob = 16;

 private:
  // The verified shares of one submitted batch, until the last is in.
  struct Join {
    Join(std::size_t count, bool from_peer) : shares(count), waiting(count), relayed(from_peer) {}
    std::mutex mu;
    std::vector<std::vector<VerifiedTx>> shares;
    std::size_t waiting;
    const bool relayed;
  };

  std::vector<VerifiedTx> verify(std::vector<api::Submission> share, std::optional<p2p::NodeId> from);
  // Records a share's verified transactions; the last share admits them all.
  void join_share(Join& join, std::size_t index, std::vector<VerifiedTx> verified);
  void admit(std::vector<VerifiedTx> batch, bool relayed);

  WorkerPool& workers_;
  const abci::Application& app_;
  const std::uint64_t max_tx_bytes_;
  ConsensusAdmit admit_;
  p2p::Network* network_;
};

}  // namespace replex::node
