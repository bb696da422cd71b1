#include "tx_admission.hpp"

#include <mutex>

#include "replex/core/tx_envelope.hpp"
#include "replex/exchange/reason.hpp"

namespace replex::node {

TxAdmission::TxAdmission(WorkerPool& workers, const abci::Application& app,
                         std::uint64_t max_tx_bytes, ConsensusAdmit admit, p2p::Network* network)
    : workers_(workers), app_(app), max_tx_bytes_(max_tx_bytes), admit_(std::move(admit)), network_(network) {}

void TxAdmission::submit(std::vector<api::Submission> batch, std::optional<p2p::NodeId> from) {
  std::vector<api::Submission> sized;
  sized.reserve(batch.size());
  for (api::Submission& s : batch) {
    if (s.tx.empty() || s.tx.size() > max_tx_bytes_) {
      s.done(consensus::TxStatusReport{tx_hash(s.tx), consensus::TxVerdict::kTooLarge,
                                       exchange::code(exchange::Reason::kTxTooLarge),
                                       "transaction: " + std::to_string(s.tx.size()) + " bytes; 1.." +
                                           std::to_string(max_tx_bytes_) + " allowed"});
      continue;
    }
    sized.push_back(std::move(s));
  }
  if (sized.empty()) return;
  // One share per worker, so a large batch is verified on every core; the
  // pool takes all of them or none, so the batch stays whole either way.
  const std::size_t most_shares = std::min(workers_.threads(), workers_.max_jobs_at_once());
  const std::size_t shares = std::clamp<std::size_t>(sized.size() / kMinTxsPerJob, 1, std::max<std::size_t>(1, most_shares));
  const std::size_t per_share = (sized.size() + shares - 1) / shares;
  std::vector<std::shared_ptr<std::vector<api::Submission>>> parts;
  for (std::size_t begin = 0; begin < sized.size(); begin += per_share) {
    const std::size_t end = std::min(sized.size(), begin + per_share);
    parts.push_back(std::make_shared<std::vector<api::Submission>>(std::make_move_iterator(sized.begin() + begin),
                                                                   std::make_move_iterator(sized.begin() + end)));
  }
  auto join = std::make_shared<Join>(parts.size(), from.has_value());
  std::vector<std::function<void()>> jobs;
  for (std::size_t index = 0; index < parts.size(); ++index) {
    jobs.emplace_back([this, share = parts[index], from, join, index] {
      join_share(*join, index, verify(std::move(*share), from));
    });
  }
  const std::optional<WorkerPool::PeerKey> peer =
      from ? std::optional<WorkerPool::PeerKey>(from->bytes) : std::nullopt;
  if (workers_.try_post_all(std::move(jobs), peer)) return;
  for (const auto& share : parts) {
    for (api::Submission& s : *share) {
      s.done(Status::resource_exhausted(
          "MEMPOOL_FULL: the verification queue is full (consensus.max_pending_verifications); retry later"));
    }
  }
}

void TxAdmission::join_share(Join& join, std::size_t index, std::vector<VerifiedTx> verified) {
  std::vector<VerifiedTx> batch;
  {
    std::lock_guard lock(join.mu);
    join.shares[index] = std::move(verified);
    if (--join.waiting > 0) return;
    for (std::vector<VerifiedTx>& share : join.shares) {
      batch.insert(batch.end(), std::make_move_iterator(share.begin()), std::make_move_iterator(share.end()));
    }
  }
  if (!batch.empty()) admit(std::move(batch), join.relayed);
}

std::vector<VerifiedTx> TxAdmission::verify(std::vector<api::Submission> share, std::optional<p2p::NodeId> from) {
  std::vector<ByteView> txs;
  txs.reserve(share.size());
  for (const api::Submission& s : share) txs.emplace_back(s.tx);
  std::vector<abci::TxCheck> checks(share.size());
  app_.verify_txs(txs, checks);  // the share's signatures in one batch
  std::vector<VerifiedTx> verified;
  verified.reserve(share.size());
  bool reported = false;
  for (std::size_t i = 0; i < share.size(); ++i) {
    api::Submission& s = share[i];
    const abci::TxCheck& check = checks[i];
    const Hash256 hash = tx_hash(s.tx);
    if (!check.ok()) {
      if (from && network_ != nullptr && !reported) {
        reported = true;  // one report bans the peer; the rest of its batch is refused all the same
        network_->report_misbehaviour(*from, "gossiped a transaction that fails verification: " +
                                                 std::string(exchange::reason_name(check.code)));
      }
      s.done(consensus::TxStatusReport{hash, consensus::TxVerdict::kRejected, check.code, check.message});
      continue;
    }
    verified.push_back(VerifiedTx{std::move(s.tx), hash, std::move(s.done)});
  }
  return verified;
}

void TxAdmission::admit(std::vector<VerifiedTx> batch, bool relayed) {
  if (network_ == nullptr) return admit_(std::move(batch), relayed);
  // The accepted ones are gossiped together once every verdict is in (a held
  // one is not: consensus::TxVerdict::kHeld). Keep copies: the mempool takes
  // ownership of the transactions.
  struct Relay {
    std::mutex mu;
    std::vector<Bytes> accepted;
    std::size_t waiting = 0;
  };
  auto relay = std::make_shared<Relay>();
  relay->waiting = batch.size();
  for (VerifiedTx& item : batch) {
    item.done = [this, relay, copy = item.tx, done = std::move(item.done)](
                    Result<consensus::TxStatusReport> report) mutable {
      const bool accepted = report && report->verdict == consensus::TxVerdict::kAccepted;
      std::vector<Bytes> to_gossip;
      {
        std::lock_guard lock(relay->mu);
        if (accepted) relay->accepted.push_back(std::move(copy));
        if (--relay->waiting == 0) to_gossip = std::move(relay->accepted);
      }
      // Best effort: with no peer connected the transactions still wait in our mempool.
      if (!to_gossip.empty()) (void)network_->gossip(p2p::Channel::kTransactions, std::move(to_gossip));
      done(std::move(report));
    };
  }
  admit_(std::move(batch), relayed);
}

}  // namespace replex::node
