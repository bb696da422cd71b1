#include "tx_admission.hpp"

#include "replex/core/tx_envelope.hpp"
#include "replex/exchange/reason.hpp"

namespace replex::node {

TxAdmission::TxAdmission(WorkerPool& workers, const abci::Application& app,
                         std::uint64_t max_tx_bytes, ConsensusAdmit admit, p2p::Network* network)
    : workers_(workers), app_(app), max_tx_bytes_(max_tx_bytes), admit_(std::move(admit)), network_(network) {}

void TxAdmission::submit(Bytes tx, std::optional<p2p::NodeId> from, AdmissionDone done) {
  const Hash256 hash = tx_hash(tx);
  if (tx.empty() || tx.size() > max_tx_bytes_) {
    done(consensus::TxStatusReport{hash, consensus::TxVerdict::kTooLarge, exchange::code(exchange::Reason::kTxTooLarge),
                                   "transaction: " + std::to_string(tx.size()) + " bytes; 1.." +
                                       std::to_string(max_tx_bytes_) + " allowed"});
    return;
  }
  // Shared with the job, so the callback can still run here if the pool refuses it.
  auto shared_done = std::make_shared<AdmissionDone>(std::move(done));
  auto shared_tx = std::make_shared<Bytes>(std::move(tx));
  const bool posted = workers_.try_post([this, shared_tx, hash, from, shared_done] {
    const abci::TxCheck check = app_.verify_tx(*shared_tx);
    if (!check.ok()) {
      if (from && network_ != nullptr) {
        network_->report_misbehaviour(*from, "gossiped a transaction that fails verification: " +
                                                 std::string(exchange::reason_name(check.code)));
      }
      (*shared_done)(consensus::TxStatusReport{hash, consensus::TxVerdict::kRejected, check.code, check.message});
      return;
    }
    verified(std::move(*shared_tx), hash, std::move(*shared_done));
  });
  if (!posted) {
    (*shared_done)(Status::resource_exhausted(
        "MEMPOOL_FULL: the verification queue is full (consensus.max_pending_verifications); retry later"));
  }
}

void TxAdmission::verified(Bytes tx, const Hash256& hash, AdmissionDone done) {
  // Keep a copy for gossip: the mempool takes ownership of `tx`.
  auto gossip_copy = network_ != nullptr ? std::make_shared<Bytes>(tx) : nullptr;
  admit_(std::move(tx), hash,
         [this, gossip_copy, done = std::move(done)](Result<consensus::TxStatusReport> report) {
           if (report && report->verdict == consensus::TxVerdict::kAccepted && gossip_copy) {
             // Best effort: with no peer connected the transaction still waits in our mempool.
             (void)network_->gossip(p2p::Channel::kTransactions, std::move(*gossip_copy));
           }
           done(std::move(report));
         });
}

}  // namespace replex::node
