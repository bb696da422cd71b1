#include "replex/host/synchronized_application.hpp"

#include <mutex>

namespace replex::host {

using abci::TxCheck;

TxCheck SynchronizedApplication::verify_tx(ByteView tx) const { return inner_.verify_tx(tx); }

TxCheck SynchronizedApplication::check_tx(ByteView tx, std::uint64_t height) const {
  std::shared_lock lock(mutex_);
  return inner_.check_tx(tx, height);
}

abci::BlockOutcome SynchronizedApplication::execute_block(const abci::BlockContext& ctx,
                                                               std::span<const Bytes> txs) {
  std::unique_lock lock(mutex_);
  return inner_.execute_block(ctx, txs);
}

std::uint64_t SynchronizedApplication::last_height() const {
  std::shared_lock lock(mutex_);
  return inner_.last_height();
}

Hash256 SynchronizedApplication::app_hash() const {
  std::shared_lock lock(mutex_);
  return inner_.app_hash();
}

Bytes SynchronizedApplication::snapshot() const {
  std::shared_lock lock(mutex_);
  return inner_.snapshot();
}

Hash256 SynchronizedApplication::state_digest() const {
  std::shared_lock lock(mutex_);
  return inner_.state_digest();
}

Status SynchronizedApplication::restore(ByteView snapshot) {
  std::unique_lock lock(mutex_);
  return inner_.restore(snapshot);
}

std::string_view SynchronizedApplication::reason_name(std::uint32_t code) const {
  std::shared_lock lock(mutex_);
  return inner_.reason_name(code);
}

}  // namespace replex::host
