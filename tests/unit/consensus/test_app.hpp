// TestApp: a small deterministic Application for consensus tests.
//
// Transactions are arbitrary bytes. verify_tx refuses those starting with
// "bad"; check_tx refuses those starting with "stale" and any transaction
// already executed (replay). A transaction "key:XXXXXXXX..." has the replay
// key XXXXXXXX (its 8 bytes after "key:"): check_tx refuses one whose key an
// executed transaction used, and execution rejects it. check_tx refuses
// "needs:T" until transaction T executed (as the exchange refuses an order
// until a deposit creates its account), and "before:T" once T executed (as
// it refuses an attestation once the deposit is credited); execution applies
// both. app_hash chains the
// executed transaction hashes; the snapshot is the height, the app_hash and
// the sorted executed hashes and keys.
#pragma once

#include <cstdint>
#include <optional>
#include <set>

#include "replex/abci/application.hpp"

namespace replex::consensus::testing {

class TestApp final : public abci::Application {
 public:
  static constexpr std::uint32_t kBad = 1;
  static constexpr std::uint32_t kStale = 2;
  static constexpr std::uint32_t kReplay = 3;
  static constexpr std::uint32_t kUnmet = 4;
  static constexpr std::uint32_t kLate = 5;

  abci::TxCheck verify_tx(ByteView tx) const override;
  abci::TxCheck check_tx(ByteView tx, std::uint64_t height) const override;
  std::optional<abci::ReplayKey> replay_key(ByteView tx) const override;
  abci::TxCheck replay_key_held() const override { return abci::TxCheck::reject(kReplay, "tx: replay key held"); }
  abci::BlockOutcome execute_block(const abci::BlockContext& ctx, std::span<const Bytes> txs) override;
  std::uint64_t last_height() const override { return height_; }
  Hash256 app_hash() const override { return app_hash_; }
  Bytes snapshot() const override;
  Hash256 state_digest() const override;
  Status restore(ByteView snapshot) override;
  std::string_view reason_name(std::uint32_t code) const override;

  // How often verify_tx ran (a transaction verified once is not verified again).
  std::size_t verify_calls() const { return verify_calls_; }
  // A fault: executing `height` leaves a state that differs from every other
  // replica's (one extra executed hash), so app_hash and state digest differ
  // from there on, until a restore replaces the state.
  void bend_at(std::uint64_t height) { bend_at_ = height; }

 private:
  std::uint64_t height_ = 0;
  Hash256 app_hash_;
  std::set<Hash256> executed_;
  std::set<abci::ReplayKey> executed_keys_;
  mutable std::size_t verify_calls_ = 0;
  std::optional<std::uint64_t> bend_at_;
};

}  // namespace replex::consensus::testing
