// SynchronizedApplication: one Application shared by the node's consensus
// thread (check_tx during admission and proposal validation) and its
// execution thread (execute_block, restore).
//
// A shared_mutex: the const queries take it shared, execute_block and
// restore exclusive; verify_tx and replay_key take none (they are stateless).
// Borrows the wrapped application, which must outlive it. Thread-safe.
#pragma once

#include <shared_mutex>

#include "replex/abci/application.hpp"

namespace replex::host {

class SynchronizedApplication final : public abci::Application {
 public:
  explicit SynchronizedApplication(abci::Application& inner) : inner_(inner) {}

  abci::TxCheck verify_tx(ByteView tx) const override;
  void verify_txs(std::span<const ByteView> txs, std::span<abci::TxCheck> verdicts) const override {
    inner_.verify_txs(txs, verdicts);
  }
  abci::TxCheck check_tx(ByteView tx, std::uint64_t height) const override;
  std::optional<abci::ReplayKey> replay_key(ByteView tx) const override { return inner_.replay_key(tx); }
  abci::TxCheck replay_key_held() const override { return inner_.replay_key_held(); }
  abci::BlockOutcome execute_block(const abci::BlockContext& ctx,
                                        std::span<const Bytes> txs) override;
  std::uint64_t last_height() const override;
  Hash256 app_hash() const override;
  Bytes snapshot() const override;
  Hash256 state_digest() const override;
  Status restore(ByteView snapshot) override;
  std::string_view reason_name(std::uint32_t code) const override;

  // Shared access for the node's read side, which queries the wrapped
  // application's own methods (order book, balances) while holding it.
  std::shared_lock<std::shared_mutex> lock_shared() const {
    return std::shared_lock<std::shared_mutex>(mutex_);
  }

 private:
  abci::Application& inner_;
  mutable std::shared_mutex mutex_;
};

}  // namespace replex::host
