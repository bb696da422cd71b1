#include "replex/exchange/exchange_app.hpp"

#include <algorithm>

#include "event_stream.hpp"
#include "executor.hpp"
#include "replex/core/assert.hpp"
#include "replex/core/big_endian.hpp"
#include "replex/core/ed25519.hpp"
#include "replex/core/hash.hpp"
#include "replex/core/tx_envelope.hpp"
#include "replex/exchange/transaction.hpp"
#include "state.hpp"

namespace replex::exchange {

namespace {
// Room reserved for a block's encoded events, per transaction: the bench
// averages 281 bytes and 288 made 24 of its 60 blocks copy the buffer to grow.
constexpr std::size_t kEventBytesPerTxExpected = 384;
}  // namespace

// execute_block's per-block buffers. Kept between blocks so their memory is
// reused; nothing in them outlives the block that filled them.
struct BlockScratch {
  std::vector<Transaction> decoded;
  std::vector<TxCheck> verdicts;
  // Transaction indices in execution order: the first phase, then the second.
  std::vector<std::uint32_t> first_phase;
  std::vector<std::uint32_t> second_phase;
  // Each decoded transaction's signer account, resolved up front in one tight
  // loop whose cache misses overlap. Accounts are never removed, so a signer
  // found here is the one applying would find; one not found is looked up
  // again when applied, since a deposit earlier in the block may create it.
  std::vector<std::optional<std::uint32_t>> signers;
};

Result<std::unique_ptr<ExchangeApp>> ExchangeApp::create(Genesis genesis) {
  REPLEX_ASSIGN_OR_RETURN(auto rules, ChainRules::create(std::move(genesis)));
  std::unique_ptr<ExchangeApp> app(new ExchangeApp(std::move(rules)));
  // app_hash(0) is the digest of the genesis state (whose snapshot carries a zero app_hash).
  app->state_->app_hash = app->state_digest();
  return app;
}

ExchangeApp::ExchangeApp(std::shared_ptr<const ChainRules> rules)
    : rules_(std::move(rules)), state_(genesis_state(rules_)), scratch_(std::make_unique<BlockScratch>()) {}

ExchangeApp::~ExchangeApp() = default;

TxCheck ExchangeApp::verify_tx(ByteView tx) const {
  Transaction decoded;
  return decode_transaction(*rules_, tx, /*verify_signature=*/true, decoded);
}

void ExchangeApp::verify_txs(std::span<const ByteView> txs, std::span<TxCheck> verdicts) const {
  REPLEX_ASSERT(txs.size() == verdicts.size());
  // Everything verify_tx checks but the signature; then the signatures of
  // every envelope that opened, together. A bad signature is named ahead of
  // a bad body, as verify_tx names it (it checks the envelope first).
  EnvelopeReader reader;
  std::vector<EnvelopeView> envelopes;
  std::vector<std::size_t> owners;
  envelopes.reserve(txs.size());
  owners.reserve(txs.size());
  for (std::size_t i = 0; i < txs.size(); ++i) {
    Transaction decoded;
    verdicts[i] = decode_transaction(*rules_, txs[i], /*verify_signature=*/false, decoded);
    if (auto opened = reader.open(txs[i], rules_->chain_id(), /*verify_signature=*/false,
                                  rules_->params().max_tx_bytes)) {
      // An envelope that opens is in the canonical encoding, so its body views txs[i].
      envelopes.push_back(*opened);
      owners.push_back(i);
    }
  }
  std::vector<SignatureCheck> checks;
  checks.reserve(envelopes.size());
  for (const EnvelopeView& e : envelopes) checks.push_back({&e.signer, &e.signature, e.body});
  verify_batch(domain::kTransaction, rules_->chain_id(), checks);
  for (std::size_t k = 0; k < checks.size(); ++k) {
    if (!checks[k].valid) {
      verdicts[owners[k]] = TxCheck::reject(code(Reason::kBadSignature), std::string(kSignatureDoesNotVerify));
    }
  }
}

TxCheck ExchangeApp::check_tx(ByteView tx, std::uint64_t height) const {
  Transaction decoded;
  TxCheck verdict = decode_transaction(*rules_, tx, /*verify_signature=*/false, decoded);
  if (!verdict.ok()) return verdict;
  return check_admission(*state_, decoded, height);
}

std::optional<abci::ReplayKey> ExchangeApp::replay_key(ByteView tx) const {
  Transaction decoded;
  if (!decode_transaction(*rules_, tx, /*verify_signature=*/false, decoded).ok()) return std::nullopt;
  abci::ReplayKey key;
  std::copy(decoded.signer.bytes.begin(), decoded.signer.bytes.end(), key.bytes.begin());
  store_be64(key.bytes.data() + decoded.signer.bytes.size(), decoded.nonce);
  return key;
}

TxCheck ExchangeApp::replay_key_held() const {
  return TxCheck::reject(code(Reason::kDuplicateNonce),
                         "nonce: another transaction of this signer with this nonce waits in the mempool");
}

TxCheck ExchangeApp::full_check(ByteView tx, std::uint64_t height) const {
  Transaction decoded;
  TxCheck verdict = decode_transaction(*rules_, tx, /*verify_signature=*/true, decoded);
  if (!verdict.ok()) return verdict;
  return check_admission(*state_, decoded, height);
}

abci::BlockOutcome ExchangeApp::execute_block(const abci::BlockContext& ctx,
                                                   std::span<const Bytes> txs) {
  State& s = *state_;
  REPLEX_ASSERT_MSG(ctx.height == s.height + 1, "execute_block at height " + std::to_string(ctx.height) +
                                                    " after height " + std::to_string(s.height));
  REPLEX_ASSERT(txs.size() <= UINT32_MAX);
  events_.clear();
  events_.reserve(txs.size() * 4);
  prune_nonces(s, ctx.height);

  // Decode everything first: the within-block order depends on the kinds.
  // Signatures were checked by verify_tx before the block was accepted.
  // Every element used below is overwritten first: decode_transaction sets
  // each field of a Transaction it accepts, and a rejected one is not read.
  std::vector<Transaction>& decoded = scratch_->decoded;
  std::vector<TxCheck>& verdicts = scratch_->verdicts;
  std::vector<std::uint32_t>& first_phase = scratch_->first_phase;
  std::vector<std::uint32_t>& second_phase = scratch_->second_phase;
  std::vector<std::optional<std::uint32_t>>& signers = scratch_->signers;
  if (decoded.size() < txs.size()) decoded.resize(txs.size());
  if (verdicts.size() < txs.size()) verdicts.resize(txs.size());
  if (signers.size() < txs.size()) signers.resize(txs.size());
  first_phase.clear();
  second_phase.clear();
  for (std::uint32_t i = 0; i < txs.size(); ++i) {
    verdicts[i] = decode_transaction(*rules_, txs[i], /*verify_signature=*/false, decoded[i]);
    (verdicts[i].ok() && runs_in_first_phase(decoded[i]) ? first_phase : second_phase).push_back(i);
  }
  // Signers resolved in a loop of their own (see BlockScratch::signers).
  for (std::uint32_t i = 0; i < txs.size(); ++i) {
    if (verdicts[i].ok()) signers[i] = s.find_account(decoded[i].signer);
  }

  abci::BlockOutcome outcome;
  outcome.tx_codes.assign(txs.size(), 0);
  Executor executor(s, events_, ctx.height);
  // Each transaction's events are encoded right after it ran, while in cache.
  EventStream stream(txs.size() * kEventBytesPerTxExpected);
  for (const auto* phase : {&first_phase, &second_phase}) {
    for (const std::uint32_t i : *phase) {
      const std::size_t first_event = events_.size();
      if (!verdicts[i].ok()) {
        executor.reject_undecodable(i, verdicts[i]);
        outcome.tx_codes[i] = verdicts[i].code;
      } else {
        const std::optional<std::uint32_t> signer = signers[i] ? signers[i] : s.find_account(decoded[i].signer);
        outcome.tx_codes[i] = executor.apply(decoded[i], i, signer);
      }
      stream.append(std::span<const Event>(events_).subspan(first_event));
    }
  }

  outcome.events = std::move(stream).finish();
  s.app_hash = Sha256().update(s.app_hash).update_u64(ctx.height).update(sha256(outcome.events)).finish();
  s.height = ctx.height;
  outcome.app_hash = s.app_hash;
  return outcome;
}

std::uint64_t ExchangeApp::last_height() const { return state_->height; }
Hash256 ExchangeApp::app_hash() const { return state_->app_hash; }
Bytes ExchangeApp::snapshot() const { return encode_state(*state_); }
Hash256 ExchangeApp::state_digest() const { return sha256(snapshot()); }

Status ExchangeApp::restore(ByteView snapshot) {
  REPLEX_ASSIGN_OR_RETURN(auto restored, decode_state(rules_, snapshot));
  state_ = std::move(restored);
  events_.clear();
  return Status::ok();
}

std::string_view ExchangeApp::reason_name(std::uint32_t c) const { return exchange::reason_name(c); }

std::optional<OrderInfo> ExchangeApp::order(OrderId id) const {
  const Slot slot = state_->ids.find(id);
  if (slot == kNoSlot) return std::nullopt;
  return state_->describe(slot);
}

std::optional<OrderInfo> ExchangeApp::order_by_client_id(const AccountId& account,
                                                         std::string_view client_order_id) const {
  const auto a = state_->find_account(account);
  if (!a) return std::nullopt;
  const auto& ids = state_->accounts[*a].client_ids;
  const auto it = ids.find(client_order_id);
  if (it == ids.end()) return std::nullopt;
  return order(it->second);
}

std::vector<OrderInfo> ExchangeApp::open_orders(const AccountId& account,
                                                std::optional<MarketIndex> market) const {
  std::vector<OrderInfo> out;
  const auto a = state_->find_account(account);
  if (!a) return out;
  for (const Slot slot : state_->accounts[*a].orders) {
    if (!market || state_->pool[slot].market == *market) out.push_back(state_->describe(slot));
  }
  std::sort(out.begin(), out.end(), [](const OrderInfo& x, const OrderInfo& y) { return x.id < y.id; });
  return out;
}

BookDepth ExchangeApp::depth(MarketIndex market, std::size_t levels) const {
  REPLEX_ASSERT(market < state_->markets.size());
  const Matcher& matcher = state_->markets[market]->matcher;
  const MarketRules& m = matcher.rules();
  BookDepth out;
  for (const Side side : {Side::kBuy, Side::kSell}) {
    auto& dst = side == Side::kBuy ? out.bids : out.asks;
    const std::size_t n = std::min(levels, matcher.book().level_count(side));
    dst.reserve(n);
    for (std::size_t rank = 0; rank < n; ++rank) {
      const PriceLevel& l = matcher.book().level(side, rank);
      dst.push_back(DepthLevel{m.price_of(l.ticks), m.quantity_of(l.visible_lots), l.orders});
    }
  }
  return out;
}

std::vector<BalanceInfo> ExchangeApp::balances(const AccountId& account) const {
  std::vector<BalanceInfo> out;
  const auto a = state_->find_account(account);
  if (!a) return out;
  const auto& cells = state_->accounts[*a].balances;
  for (AssetIndex asset = 0; asset < cells.size(); ++asset) {
    out.push_back(BalanceInfo{asset, cells[asset].available, cells[asset].locked});
  }
  return out;
}

bool ExchangeApp::has_account(const AccountId& account) const {
  return state_->find_account(account).has_value();
}

std::optional<EthAddress> ExchangeApp::settlement_address(const AccountId& account) const {
  const auto a = state_->find_account(account);
  if (!a) return std::nullopt;
  return state_->accounts[*a].settlement_address;
}

std::optional<std::uint64_t> ExchangeApp::last_price(MarketIndex market) const {
  REPLEX_ASSERT(market < state_->markets.size());
  const MarketState& ms = *state_->markets[market];
  if (!ms.last_ticks) return std::nullopt;
  return ms.matcher.rules().price_of(*ms.last_ticks);
}

std::vector<PendingWithdrawal> ExchangeApp::pending_withdrawals() const {
  std::vector<PendingWithdrawal> out;
  out.reserve(state_->withdrawals.size());
  for (const auto& [id, w] : state_->withdrawals) out.push_back(w);
  return out;
}

std::uint64_t ExchangeApp::withdrawn_total(AssetIndex asset) const {
  REPLEX_ASSERT(asset < state_->withdrawn.size());
  return state_->withdrawn[asset];
}

std::uint64_t ExchangeApp::deposited_total(AssetIndex asset) const {
  REPLEX_ASSERT(asset < state_->deposited.size());
  return state_->deposited[asset];
}

DepositStatus ExchangeApp::deposit_status(EvmChainId chain_id, DepositId deposit_id) const {
  DepositStatus out;
  const auto chain = state_->deposits.find(chain_id);
  if (chain == state_->deposits.end()) return out;
  if (chain->second.credited(deposit_id)) {
    out.state = DepositState::kCredited;
    return out;
  }
  const auto pending = chain->second.pending.find(deposit_id);
  if (pending == chain->second.pending.end()) return out;
  out.state = DepositState::kPending;
  for (const auto& [content, attesters] : pending->second.groups) {
    out.contents.push_back(DepositAttestations{content.account, content.asset, content.amount,
                                               std::vector<AccountId>(attesters.begin(), attesters.end())});
  }
  return out;
}

std::vector<AccountId> ExchangeApp::accounts() const {
  std::vector<AccountId> out;
  out.reserve(state_->accounts.size());
  for (const AccountState& a : state_->accounts) out.push_back(a.key);
  std::sort(out.begin(), out.end());
  return out;
}

Status ExchangeApp::check_invariants() const { return audit_state(*state_); }

}  // namespace replex::exchange
