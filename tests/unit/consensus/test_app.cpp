#include "unit/consensus/test_app.hpp"

#include <algorithm>

#include "replex/core/codec.hpp"
#include "replex/core/hash.hpp"
#include "replex/core/tx_envelope.hpp"

namespace replex::consensus::testing {
namespace {

bool starts_with(ByteView tx, std::string_view prefix) {
  return tx.size() >= prefix.size() && as_chars(tx.first(prefix.size())) == prefix;
}

}  // namespace

abci::TxCheck TestApp::verify_tx(ByteView tx) const {
  ++verify_calls_;
  if (starts_with(tx, "bad")) return abci::TxCheck::reject(kBad, "tx: marked bad");
  return abci::TxCheck::accept();
}

std::optional<abci::ReplayKey> TestApp::replay_key(ByteView tx) const {
  constexpr std::size_t kPrefix = 4, kKey = 8;
  if (!starts_with(tx, "key:") || tx.size() < kPrefix + kKey) return std::nullopt;
  abci::ReplayKey key;
  std::copy_n(tx.begin() + kPrefix, kKey, key.bytes.begin());
  // "key:SSSSSSSS/NNNNNNNN": sender S, sequence N (else sequence zero).
  if (tx.size() >= kPrefix + 2 * kKey + 1 && tx[kPrefix + kKey] == '/') {
    std::copy_n(tx.begin() + kPrefix + kKey + 1, kKey, key.bytes.begin() + abci::ReplayKey::kSenderBytes);
  }
  return key;
}

abci::TxCheck TestApp::check_tx(ByteView tx, std::uint64_t) const {
  if (starts_with(tx, "stale")) return abci::TxCheck::reject(kStale, "tx: marked stale");
  if (executed_.contains(tx_hash(tx))) return abci::TxCheck::reject(kReplay, "tx: already executed");
  if (auto key = replay_key(tx); key && executed_keys_.contains(*key)) {
    return abci::TxCheck::reject(kReplay, "tx: replay key already used");
  }
  constexpr std::string_view kNeeds = "needs:", kBefore = "before:";
  if (starts_with(tx, kNeeds) && !executed_.contains(tx_hash(tx.subspan(kNeeds.size())))) {
    return abci::TxCheck::reject(kUnmet, "tx: needs a transaction not executed yet",
                                 abci::TxCheck::Scope::kUntilLaterState);
  }
  if (starts_with(tx, kBefore) && executed_.contains(tx_hash(tx.subspan(kBefore.size())))) {
    return abci::TxCheck::reject(kLate, "tx: came after the transaction it must precede",
                                 abci::TxCheck::Scope::kAdmissionOnly);
  }
  return abci::TxCheck::accept();
}

abci::BlockOutcome TestApp::execute_block(const abci::BlockContext& ctx, std::span<const Bytes> txs) {
  REPLEX_ASSERT(ctx.height == height_ + 1);
  abci::BlockOutcome out;
  Sha256 events;
  for (const Bytes& tx : txs) {
    const Hash256 h = tx_hash(tx);
    const auto key = replay_key(tx);
    const bool fresh = !executed_.contains(h) && !(key && executed_keys_.contains(*key));
    if (fresh) {
      executed_.insert(h);
      if (key) executed_keys_.insert(*key);
    }
    out.tx_codes.push_back(fresh ? 0 : kReplay);
    events.update(h).update_u64(fresh ? 0 : kReplay);
  }
  if (bend_at_ == ctx.height) {
    const Hash256 bent = sha256(std::string_view("bent state"));
    executed_.insert(bent);
    events.update(bent);
  }
  const Hash256 events_hash = events.finish();
  app_hash_ = Sha256().update(app_hash_).update_u64(ctx.height).update(events_hash).finish();
  height_ = ctx.height;
  out.app_hash = app_hash_;
  return out;
}

Bytes TestApp::snapshot() const {
  ByteWriter w;
  w.u64(height_);
  w.hash(app_hash_);
  w.u32(static_cast<std::uint32_t>(executed_.size()));
  for (const Hash256& h : executed_) w.hash(h);
  w.u32(static_cast<std::uint32_t>(executed_keys_.size()));
  for (const abci::ReplayKey& k : executed_keys_) w.raw(k.bytes);
  return w.take();
}

Hash256 TestApp::state_digest() const { return sha256(snapshot()); }

Status TestApp::restore(ByteView snapshot) {
  ByteReader r(snapshot);
  const std::uint64_t height = r.u64("snapshot.height");
  const Hash256 app_hash = r.hash("snapshot.app_hash");
  const std::uint32_t count = r.u32("snapshot.count");
  std::set<Hash256> executed;
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) executed.insert(r.hash("snapshot.executed"));
  const std::uint32_t key_count = r.u32("snapshot.key_count");
  std::set<abci::ReplayKey> keys;
  for (std::uint32_t i = 0; i < key_count && r.ok(); ++i) {
    const ByteView raw = r.raw(abci::ReplayKey{}.bytes.size(), "snapshot.keys");
    if (!r.ok()) break;
    abci::ReplayKey key;
    std::copy(raw.begin(), raw.end(), key.bytes.begin());
    keys.insert(key);
  }
  REPLEX_RETURN_IF_ERROR(r.finish());
  height_ = height;
  app_hash_ = app_hash;
  executed_ = std::move(executed);
  executed_keys_ = std::move(keys);
  return Status::ok();
}

std::string_view TestApp::reason_name(std::uint32_t code) const {
  switch (code) {
    case 0:
      return "OK";
    case kBad:
      return "BAD";
    case kStale:
      return "STALE";
    case kReplay:
      return "REPLAY";
    case kUnmet:
      return "UNMET";
    case kLate:
      return "LATE";
  }
  return "UNKNOWN";
}

}  // namespace replex::consensus::testing
