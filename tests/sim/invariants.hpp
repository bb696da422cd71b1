// InvariantChecker: what must hold on every honest replica, checked at the
// step that could break it (a block executed, a state installed).
//
//  - agreement: no two honest replicas commit different blocks at a height;
//  - equal app_hash at equal height;
//  - every committed block carries a valid commit certificate for exactly it;
//  - the exchange's own audit: asset conservation, locks, books uncrossed.
// The first violation is returned as a Status naming the replicas, height
// and hashes involved.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "replex/consensus/validator_set.hpp"
#include "replex/exchange/exchange_app.hpp"
#include "replex/host/ports.hpp"

namespace replex::sim {

class InvariantChecker {
 public:
  InvariantChecker(const consensus::ValidatorSet& validators, std::string chain_id);

  Status on_commit(consensus::ValidatorIndex node, const host::CommittedBlock& block,
                   const exchange::ExchangeApp& app);
  Status on_install(consensus::ValidatorIndex node, const host::InstalledState& state,
                    const exchange::ExchangeApp& app);

  // Individual checks performed so far.
  std::uint64_t checks() const { return checks_; }

 private:
  struct Canonical {
    Hash256 block_hash;
    Hash256 app_hash;
    consensus::ValidatorIndex first = 0;  // the replica that first reached this height
  };
  Status agree(consensus::ValidatorIndex node, consensus::Height height, const Hash256& block_hash,
               const Hash256& app_hash);
  Status audit(consensus::ValidatorIndex node, consensus::Height height,
               const exchange::ExchangeApp& app);

  const consensus::ValidatorSet& validators_;
  std::string chain_id_;
  std::map<consensus::Height, Canonical> canonical_;
  std::set<Hash256> verified_certificates_;  // digests of certificates already verified
  std::uint64_t checks_ = 0;
};

}  // namespace replex::sim
