// Application: what consensus drives (the ABCI idea), without exchange types.
// The abci module is this header alone: consensus and the host call it, the
// exchange implements it, and neither side includes the other.
//
// Consensus orders opaque transactions; the application validates them and
// executes committed blocks. Execution is deterministic: the same block
// (transactions, height, header time) on the same state gives the same
// outcome and app_hash on every replica. Apart from verify_tx, an Application
// is driven from one thread at a time.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "replex/core/assert.hpp"
#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"

namespace replex::abci {

// The verdict of an admission check: accepted (code 0), or an application
// defined stable reason code (named by Application::reason_name) and a
// message naming the field that was wrong.
struct TxCheck {
  // How a refusal behaves on later states. Replicas judge a proposal on
  // states of different ages (how far each one's execution got), so proposal
  // validation needs to know.
  enum class Scope : std::uint8_t {
    // Holds on every later state too (a used nonce, an expiry): a block
    // holding the transaction is invalid.
    kLasting,
    // A later state may lift it (the signer has no account yet; a later block
    // may create it): judged only on the state right below the block.
    kUntilLaterState,
    // A later state may cause it where an older one did not (a deposit a
    // later block credits): it keeps the transaction out of the mempool, but
    // a block may hold it and execution rejects it there.
    kAdmissionOnly,
  };

  std::uint32_t code = 0;
  std::string message;
  Scope scope = Scope::kLasting;

  bool ok() const { return code == 0; }
  static TxCheck accept() { return {}; }
  static TxCheck reject(std::uint32_t code, std::string message, Scope scope = Scope::kLasting) {
    REPLEX_ASSERT(code != 0);
    return {code, std::move(message), scope};
  }
};

// Everything a block contributes to execution besides its transactions.
struct BlockContext {
  std::uint64_t height = 0;   // >= 1; genesis state is height 0
  std::uint64_t time_ms = 0;  // header time (proposer clock, unix ms), non-decreasing
};

struct BlockOutcome {
  Hash256 app_hash;
  // One entry per transaction, in block order: 0 if applied, else a reason code.
  std::vector<std::uint32_t> tx_codes;
  // The canonical encoding of the block's events; app_hash commits to it.
  Bytes events;
};

// What a transaction uses up so that no other transaction may (for the
// exchange: its signer and nonce). Two transactions with one key never both
// apply, whatever their bytes, so a block may hold at most one of them.
// Layout: the sender (who the transaction's room in the mempool and in blocks
// is charged to; for the exchange the signer) in the first kSenderBytes,
// then the sender's sequence number.
struct ReplayKey {
  static constexpr std::size_t kSenderBytes = 32;
  std::array<std::uint8_t, 40> bytes{};
  using Sender = std::array<std::uint8_t, kSenderBytes>;
  Sender sender() const {
    Sender s;
    std::copy_n(bytes.begin(), kSenderBytes, s.begin());
    return s;
  }
  friend auto operator<=>(const ReplayKey&, const ReplayKey&) = default;
};
struct SenderHasher {
  std::size_t operator()(const ReplayKey::Sender& s) const noexcept { return keyed_hash({s.data(), s.size()}); }
};
struct ReplayKeyHasher {
  std::size_t operator()(const ReplayKey& k) const noexcept { return keyed_hash({k.bytes.data(), k.bytes.size()}); }
};

class Application {
 public:
  virtual ~Application() = default;

  // Stateless checks: size, decoding, static limits, signature. Reads no
  // mutable state, so it may run on any thread, concurrently with anything.
  virtual TxCheck verify_tx(ByteView tx) const = 0;

  // verify_tx of each transaction: verdicts[i] is verify_tx(txs[i]). An
  // application may check the signatures together (the exchange batches
  // them); the verdicts are the same. Any thread, like verify_tx.
  virtual void verify_txs(std::span<const ByteView> txs, std::span<TxCheck> verdicts) const {
    REPLEX_ASSERT(txs.size() == verdicts.size());
    for (std::size_t i = 0; i < txs.size(); ++i) verdicts[i] = verify_tx(txs[i]);
  }

  // Stateful admission against the last committed state for a transaction
  // that passed verify_tx: nonce not yet used, not expired at `height` and not
  // valid too far ahead of it. Used by the mempool and proposal validation.
  // A refusal names its TxCheck::Scope: replicas judge a proposal on states
  // of different ages, and must all reach the same verdict.
  virtual TxCheck check_tx(ByteView tx, std::uint64_t height) const = 0;

  // The transaction's ReplayKey; nullopt when it does not decode or the
  // application has none. Stateless: any thread, like verify_tx.
  virtual std::optional<ReplayKey> replay_key(ByteView /*tx*/) const { return std::nullopt; }

  // The refusal of a transaction whose replay key another transaction in the
  // mempool holds (for the exchange: DUPLICATE_NONCE); the mempool keeps the
  // first. Only asked of applications that have replay keys.
  virtual TxCheck replay_key_held() const { return TxCheck::reject(~std::uint32_t{0}, "replay key held"); }

  // Applies a committed block. Precondition: ctx.height == last_height() + 1
  // and every transaction passed verify_tx (they may still be rejected by
  // state, which is recorded in tx_codes, never an error).
  virtual BlockOutcome execute_block(const BlockContext& ctx, std::span<const Bytes> txs) = 0;

  virtual std::uint64_t last_height() const = 0;
  virtual Hash256 app_hash() const = 0;

  // Canonical bytes of the whole state (sorted by key), and their SHA-256.
  virtual Bytes snapshot() const = 0;
  virtual Hash256 state_digest() const = 0;
  // Replaces the state with a snapshot; on error the state is unchanged.
  virtual Status restore(ByteView snapshot) = 0;

  // Stable name of a reason code, e.g. "DUPLICATE_NONCE"; "OK" for 0.
  virtual std::string_view reason_name(std::uint32_t code) const = 0;
};

}  // namespace replex::abci
