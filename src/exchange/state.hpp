// The exchange's whole replicated state, as plain containers. Private to the
// module: ExchangeApp owns one, the Executor mutates it one block at a time,
// snapshot.cpp encodes, decodes and audits it.
//
// Dense indices (accounts, pool slots, levels) are internal: nothing hashed,
// encoded or emitted depends on them. Whatever is observable is sorted by a
// key (account public key, order id, asset/market index) at the point of use.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/exchange/chain_rules.hpp"
#include "replex/exchange/matcher.hpp"
#include "replex/exchange/order.hpp"
#include "replex/exchange/types.hpp"
#include "balances.hpp"
#include "nonce_window.hpp"

namespace replex::exchange {

// One account's record. The fields a transaction touches come first and are
// held inline: the key and the first balances fill one 64-byte line, the
// list's and the nonce window's headers the next, then the window's recent
// end; most transactions touch no heap block of the account but its orders.
struct alignas(64) AccountState {
  AccountId key;
  Balances balances;  // one per asset, by asset index
  // Open orders and pending stops, in no particular order (sorted wherever it
  // matters); Order::account_pos is each one's position here.
  std::vector<Slot> orders;
  NonceWindow nonces;  // of transactions not yet past good_til_height
  std::map<std::string, OrderId, std::less<>> client_ids;  // of open orders and pending stops
  std::optional<EthAddress> settlement_address;
};
// The nonce expiry index holds iterators into each NonceWindow's ordered map,
// which sits behind a pointer; the accounts vector moves its elements when it
// grows, so they stay valid.
static_assert(std::is_nothrow_move_constructible_v<AccountState>);
static_assert(sizeof(AccountState) <= 512, "an account record is at most eight cache lines");

// An entry of the nonce expiry index: the account and where its nonce went,
// so pruning expires it without searching the account's nonces again.
struct NonceRef {
  std::uint32_t account = 0;
  NonceWindow::Entry entry;
};

// What a pending stop needs besides its Order record.
struct StopTrigger {
  std::uint64_t stop_ticks = 0;
  std::uint64_t protection_ticks = 0;  // 0 = none
  std::uint64_t quote_budget = 0;      // 0 = none
};

struct MarketState {
  MarketState(const MarketRules& r, OrderPool& pool) : matcher(r, pool) {}
  Matcher matcher;
  std::optional<std::uint64_t> last_ticks;  // price of the last trade
  std::set<std::pair<std::uint64_t, OrderId>> buy_stops;   // trigger when last >= stop
  std::set<std::pair<std::uint64_t, OrderId>> sell_stops;  // trigger when last <= stop
};

// What attesters must agree on for a deposit to be credited.
struct DepositContent {
  AccountId account;
  AssetIndex asset = 0;
  std::uint64_t amount = 0;
  friend auto operator<=>(const DepositContent&, const DepositContent&) = default;
};

// A deposit attested by fewer than the threshold of attesters agreeing on one
// content. Each attester appears in at most one group.
struct PendingDeposit {
  std::map<DepositContent, std::set<AccountId>> groups;  // content -> its distinct attesters
  bool attested_by(const AccountId& attester) const;
};

// One settlement chain's deposits. A deposit id is credited iff it is at most
// credited_through or in credited_above; credited_above holds only ids above
// credited_through + 1 (that one would have advanced the watermark). Pending
// ids are never credited ones. An entry exists only once a deposit of the
// chain was attested, and never becomes empty again.
struct ChainDeposits {
  DepositId credited_through = 0;        // every id in 1..credited_through is credited
  std::set<DepositId> credited_above;    // credited out of order, sparse
  std::map<DepositId, PendingDeposit> pending;

  bool credited(DepositId id) const { return id <= credited_through || credited_above.contains(id); }
  // Records `id` as credited, advancing the watermark over consecutive ids.
  void mark_credited(DepositId id);
};

// Keyed (core's keyed_hash): account ids are public keys anyone can grind.
// The index is lookup-only, so its random key never reaches replicated state.
using AccountIdHasher = PublicKeyHasher;

struct State {
  explicit State(std::shared_ptr<const ChainRules> chain_rules);
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  const ChainRules& chain() const { return *rules; }
  const MarketRules& market_rules(MarketIndex m) const { return rules->market(m); }

  std::optional<std::uint32_t> find_account(const AccountId& key) const;
  // The account's index, creating an empty account if needed.
  std::uint32_t intern_account(const AccountId& key);

  // Builds an OrderInfo for the read side.
  OrderInfo describe(Slot slot) const;

  std::shared_ptr<const ChainRules> rules;
  std::uint64_t height = 0;
  Hash256 app_hash;
  std::uint64_t next_order_id = 1;
  std::uint64_t next_trade_id = 1;
  std::uint64_t next_withdrawal_id = 1;
  std::vector<std::uint64_t> withdrawn;  // per asset, since genesis
  std::vector<std::uint64_t> deposited;  // per asset, credited by deposits since genesis

  OrderPool pool;
  OrderIdIndex ids{pool};
  std::vector<std::unique_ptr<MarketState>> markets;
  // Grows at genesis, on restore and when a deposit credits an account it
  // never saw (State::intern_account, in the middle of that transaction), so
  // a reference into it is valid only until the next intern_account.
  std::vector<AccountState> accounts;
  std::unordered_map<AccountId, std::uint32_t, AccountIdHasher> account_index;  // lookup only
  std::uint32_t fee_account = 0;
  std::map<OrderId, StopTrigger> stops;
  // good_til_height -> the nonces recorded with it, for pruning.
  std::map<std::uint64_t, std::vector<NonceRef>> nonce_expiry;
  std::map<WithdrawalId, PendingWithdrawal> withdrawals;
  // Settlement (empty without a settlement section in the genesis).
  std::map<EvmChainId, ChainDeposits> deposits;
  // Derived from `deposits` (rebuilt on restore, not encoded): each attester's
  // attestations in pending deposits, bounded by the genesis'
  // max_pending_attestations_per_attester. Lookup only.
  std::map<AccountId, std::uint32_t> pending_attestations;

  // Whether the snapshot's settlement section has anything to say (else it is
  // absent, so a state without settlement encodes as before the section existed).
  bool has_settlement_state() const;
};

// The height-0 state of a chain: genesis allocations credited, fee account and
// attesters' accounts created (an attester's account holds its nonces).
std::unique_ptr<State> genesis_state(std::shared_ptr<const ChainRules> rules);

// Forgets nonces whose good_til_height is below `height`, which becomes the
// nonce windows' floor; they can no longer be replayed because such a
// transaction is expired.
void prune_nonces(State& state, std::uint64_t height);

// Canonical snapshot bytes (docs/wire-formats.md) and their inverse, which
// checks everything it reads and audits the result.
Bytes encode_state(const State& state);
Result<std::unique_ptr<State>> decode_state(std::shared_ptr<const ChainRules> rules, ByteView bytes);

// Invariants over the whole state: conservation, locks, books, indices.
Status audit_state(const State& state);

}  // namespace replex::exchange
