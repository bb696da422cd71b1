// ByzantineValidator: what a faulty validator does to the messages its
// honest core wants to send. The core, store and application are real and
// honest; the lies are built from the core's own messages with the
// consensus module's encoders and signed with the validator's real key, so
// receivers see exactly what a compromised validator could send.
// Deterministic given its Prng. Not thread-safe.
#pragma once

#include <deque>
#include <optional>
#include <vector>

#include "replex/consensus/block.hpp"
#include "replex/consensus/config.hpp"
#include "replex/consensus/messages.hpp"
#include "replex/consensus/replica.hpp"
#include "sim/fault_kinds.hpp"
#include "sim/prng.hpp"

namespace replex::sim {

struct Outgoing {
  consensus::ValidatorIndex to = 0;
  consensus::MessageType type = consensus::MessageType::kPrepare;
  consensus::SharedBytes bytes;
};

class ByzantineValidator {
 public:
  // `behaviours` are Byzantine faults (is_byzantine); kSilent overrides the rest.
  ByzantineValidator(consensus::ValidatorIndex me, KeyPair key, consensus::ValidatorSet validators,
                     const consensus::Config& config, const consensus::ChainInfo& chain,
                     std::vector<Fault> behaviours, Prng rng);

  // The messages to put on the network instead of what the core sends to
  // `to` (nullopt: to every other validator).
  std::vector<Outgoing> rewrite(std::optional<consensus::ValidatorIndex> to,
                                consensus::MessageType type, const consensus::SharedBytes& bytes);
  // What it serves a peer asking for blocks or state; nullopt: no answer.
  std::optional<Bytes> serve(Bytes answer);
  bool gossips_transactions() const { return !has(Fault::kSilent); }

  bool has(Fault f) const;
  const std::vector<Fault>& behaviours() const { return behaviours_; }
  // Lies told, per behaviour.
  const FaultCounts& counts() const { return counts_; }

 private:
  consensus::SharedBytes sign(consensus::MessageType type, consensus::MessageBody body,
                              std::vector<Bytes> blocks,
                              std::optional<consensus::ValidatorIndex> claimed_sender = {}) const;
  Hash256 random_hash();
  consensus::Block fabricated_block(consensus::Height height, const Hash256& prev,
                                    std::uint64_t time_ms);

  void equivocate(const consensus::Message& m, std::vector<Outgoing>& out);
  void propose_invalid(const consensus::Message& m, std::vector<Outgoing>& out);
  void lie_in_view_change(const consensus::Message& m, std::vector<Outgoing>& out);
  // A VIEW-CHANGE nobody asked for, claiming a prepared certificate it does not have.
  void unprompted_view_change(consensus::View view, std::vector<Outgoing>& out);
  consensus::PreparedCertificate made_up_certificate(consensus::View view,
                                                     const consensus::Block& block);
  void double_vote(const consensus::Message& m, std::vector<Outgoing>& out);
  void forge(const consensus::Message& m, std::vector<Outgoing>& out);
  void replay(const consensus::Message& m, const consensus::SharedBytes& bytes,
              std::vector<Outgoing>& out);

  consensus::ValidatorIndex me_;
  KeyPair key_;
  consensus::ValidatorSet validators_;
  consensus::Config config_;
  consensus::MessageLimits limits_;
  std::string chain_id_;
  Hash256 genesis_hash_;
  std::vector<Fault> behaviours_;
  Prng rng_;
  FaultCounts counts_;
  // Messages sent, with their view, for replay once the view is left.
  std::deque<std::pair<consensus::View, Outgoing>> history_;
  consensus::View highest_view_ = 0;
};

}  // namespace replex::sim
