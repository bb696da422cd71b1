// Snapshot encoding and decoding. Layout: docs/wire-formats.md.
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <set>
#include <string>

#include "replex/core/assert.hpp"
#include "replex/core/codec.hpp"
#include "replex/core/hash.hpp"
#include "state.hpp"

namespace replex::exchange {

namespace {

constexpr std::string_view kSnapshotTag = "replex/exchange-snapshot/v1";
// Optional trailing sections, each a u8 tag then its fields, in increasing tag
// order and only when they have something to say: a state without settlement
// data encodes exactly as before the section existed.
constexpr std::uint8_t kSettlementSectionTag = 1;
// An account's nonce count with this bit set: its entries are compact
// (varint nonce deltas, varint good_til_height - height), ~3 bytes instead of
// 16. A window of live nonces is most of a busy exchange's state (every
// order's nonce lives until its good_til_height), and a checkpoint encodes,
// hashes and stores all of it. Without the bit: u64 pairs, as written before.
constexpr std::uint32_t kCompactNonces = 0x8000'0000;
constexpr std::size_t kMaxVarintBytes = 10;

// LEB128, least significant group first.
void put_varint(ByteWriter& w, std::uint64_t v) {
  while (v >= 0x80) {
    w.u8(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  w.u8(static_cast<std::uint8_t>(v));
}

Status corrupt(std::string what) { return Status::corruption("snapshot: " + std::move(what)); }

void put_order(ByteWriter& w, const State& s, const Order& o) {
  const MarketRules& m = s.market_rules(o.market);
  w.u64(o.id);
  w.raw(s.accounts[o.account].key.view());
  w.u8(static_cast<std::uint8_t>(o.side));
  w.u8(static_cast<std::uint8_t>(o.type));
  w.u8(static_cast<std::uint8_t>(o.tif));
  w.boolean(o.post_only());
  w.u8(static_cast<std::uint8_t>(o.stp));
  w.u64(m.price_of(o.price_ticks));
  w.u64(m.quantity_of(o.open_lots));
  w.u64(m.quantity_of(o.visible_lots));
  w.u64(m.quantity_of(o.display_lots));
  w.u64(m.quantity_of(o.filled_lots));
  w.u64(o.locked);
  w.str(o.client_order_id());
}

}  // namespace

Bytes encode_state(const State& s) {
  const ChainRules& chain = s.chain();
  ByteWriter w(4096 + s.pool.live() * 96 + s.accounts.size() * 96);
  w.str(kSnapshotTag);
  w.bytes(chain.genesis_bytes());
  w.u64(s.height);
  // app_hash(0) is defined as the digest of the genesis snapshot, so at height 0
  // the field is zero and state_digest() == app_hash().
  w.hash(s.height == 0 ? Hash256{} : s.app_hash);
  w.u64(s.next_order_id);
  w.u64(s.next_trade_id);
  w.u64(s.next_withdrawal_id);
  w.u32(static_cast<std::uint32_t>(s.withdrawn.size()));
  for (const std::uint64_t v : s.withdrawn) w.u64(v);

  std::vector<std::uint32_t> by_key(s.accounts.size());
  std::iota(by_key.begin(), by_key.end(), 0u);
  std::sort(by_key.begin(), by_key.end(),
            [&](std::uint32_t a, std::uint32_t b) { return s.accounts[a].key < s.accounts[b].key; });
  w.u32(static_cast<std::uint32_t>(by_key.size()));
  for (const std::uint32_t i : by_key) {
    const AccountState& a = s.accounts[i];
    w.raw(a.key.view());
    std::uint32_t nonzero = 0;
    for (AssetIndex asset = 0; asset < a.balances.size(); ++asset) {
      nonzero += a.balances[asset].available != 0 || a.balances[asset].locked != 0;
    }
    w.u32(nonzero);
    for (AssetIndex asset = 0; asset < a.balances.size(); ++asset) {
      const BalanceCell& c = a.balances[asset];
      if (c.available == 0 && c.locked == 0) continue;
      w.u32(asset);
      w.u64(c.available);
      w.u64(c.locked);
    }
    w.boolean(a.settlement_address.has_value());
    if (a.settlement_address) w.raw(ByteView(a.settlement_address->data(), a.settlement_address->size()));
    const std::size_t nonces = a.nonces.size();
    REPLEX_ASSERT(nonces < kCompactNonces);
    w.u32(nonces == 0 ? 0 : static_cast<std::uint32_t>(nonces) | kCompactNonces);
    std::uint64_t previous_nonce = 0;
    a.nonces.for_each(s.height, [&](std::uint64_t nonce, std::uint64_t good_til) {
      put_varint(w, nonce - previous_nonce);  // ascending: > 0 after the first
      put_varint(w, good_til - s.height);     // unexpired: good_til >= height
      previous_nonce = nonce;
    });
  }

  std::vector<std::vector<OrderId>> stops_by_market(s.markets.size());
  for (const auto& [id, trigger] : s.stops) stops_by_market[s.pool[s.ids.find(id)].market].push_back(id);
  w.u32(static_cast<std::uint32_t>(s.markets.size()));
  for (MarketIndex mi = 0; mi < s.markets.size(); ++mi) {
    const MarketState& ms = *s.markets[mi];
    const MarketRules& m = ms.matcher.rules();
    const OrderBook& book = ms.matcher.book();
    w.boolean(ms.last_ticks.has_value());
    w.u64(ms.last_ticks ? m.price_of(*ms.last_ticks) : 0);
    for (const Side side : {Side::kBuy, Side::kSell}) {
      w.u32(static_cast<std::uint32_t>(book.level_count(side)));
      for (std::size_t rank = 0; rank < book.level_count(side); ++rank) {
        const PriceLevel& level = book.level(side, rank);
        w.u64(m.price_of(level.ticks));
        w.u32(level.orders);
        for (Slot slot = level.head; slot != kNoSlot; slot = s.pool[slot].next) put_order(w, s, s.pool[slot]);
      }
    }
    w.u32(static_cast<std::uint32_t>(stops_by_market[mi].size()));
    for (const OrderId id : stops_by_market[mi]) {
      put_order(w, s, s.pool[s.ids.find(id)]);
      const StopTrigger& t = s.stops.at(id);
      w.u64(m.price_of(t.stop_ticks));
      w.u64(m.price_of(t.protection_ticks));
      w.u64(t.quote_budget);
    }
  }

  w.u32(static_cast<std::uint32_t>(s.withdrawals.size()));
  for (const auto& [id, p] : s.withdrawals) {
    w.u64(p.id);
    w.raw(p.account.view());
    w.u32(p.asset);
    w.u64(p.amount);
    w.raw(ByteView(p.eth_address.data(), p.eth_address.size()));
    w.u64(p.height);
  }

  if (s.has_settlement_state()) {
    w.u8(kSettlementSectionTag);
    w.u32(static_cast<std::uint32_t>(s.deposited.size()));
    for (const std::uint64_t v : s.deposited) w.u64(v);
    w.u32(static_cast<std::uint32_t>(s.deposits.size()));
    for (const auto& [chain_id, deposits] : s.deposits) {
      w.u64(chain_id);
      w.u64(deposits.credited_through);
      w.u32(static_cast<std::uint32_t>(deposits.credited_above.size()));
      for (const DepositId id : deposits.credited_above) w.u64(id);
      w.u32(static_cast<std::uint32_t>(deposits.pending.size()));
      for (const auto& [deposit_id, pending] : deposits.pending) {
        w.u64(deposit_id);
        w.u32(static_cast<std::uint32_t>(pending.groups.size()));
        for (const auto& [content, attesters] : pending.groups) {
          w.raw(content.account.view());
          w.u32(content.asset);
          w.u64(content.amount);
          w.u32(static_cast<std::uint32_t>(attesters.size()));
          for (const AccountId& a : attesters) w.raw(a.view());
        }
      }
    }
    const auto on_chain = static_cast<std::uint32_t>(std::count_if(
        s.withdrawals.begin(), s.withdrawals.end(), [](const auto& entry) { return entry.second.chain_id != 0; }));
    w.u32(on_chain);
    for (const auto& [id, p] : s.withdrawals) {
      if (p.chain_id == 0) continue;
      w.u64(id);
      w.u64(p.chain_id);
    }
  }
  return w.take();
}

namespace {

// Reads snapshot bytes into a fresh State, checking each value as it comes.
class SnapshotDecoder {
 public:
  SnapshotDecoder(std::shared_ptr<const ChainRules> rules, ByteView bytes)
      : rules_(std::move(rules)), bytes_(bytes), r_(bytes), s_(std::make_unique<State>(rules_)) {}

  Result<std::unique_ptr<State>> run() {
    if (r_.str("snapshot.tag") != kSnapshotTag) return corrupt("not a '" + std::string(kSnapshotTag) + "' encoding");
    const Bytes genesis = r_.bytes("snapshot.genesis");
    if (r_.ok() && genesis != rules_->genesis_bytes()) {
      return corrupt("made for a different genesis (hash " + sha256(genesis).hex() + ", this chain " +
                     rules_->genesis_hash().hex() + ")");
    }
    s_->height = r_.u64("snapshot.height");
    s_->app_hash = r_.hash("snapshot.app_hash");
    s_->next_order_id = r_.u64("snapshot.next_order_id");
    s_->next_trade_id = r_.u64("snapshot.next_trade_id");
    s_->next_withdrawal_id = r_.u64("snapshot.next_withdrawal_id");
    if (r_.ok() && s_->height == 0) {
      if (!s_->app_hash.is_zero()) return corrupt("app_hash must be zero at height 0");
      s_->app_hash = sha256(bytes_);
    }
    if (r_.ok() && (s_->next_order_id == 0 || s_->next_trade_id == 0 || s_->next_withdrawal_id == 0)) {
      return corrupt("id counters start at 1");
    }
    const std::uint32_t assets = r_.u32("snapshot.withdrawn.count");
    if (r_.ok() && assets != rules_->asset_count()) return corrupt("withdrawn totals for the wrong number of assets");
    for (std::uint32_t i = 0; i < assets && r_.ok(); ++i) s_->withdrawn[i] = r_.u64("snapshot.withdrawn");
    REPLEX_RETURN_IF_ERROR(read_accounts());
    REPLEX_RETURN_IF_ERROR(read_markets());
    REPLEX_RETURN_IF_ERROR(read_withdrawals());
    if (r_.ok() && r_.remaining() > 0) REPLEX_RETURN_IF_ERROR(read_settlement());
    REPLEX_RETURN_IF_ERROR(r_.finish().with_context("snapshot: "));
    REPLEX_RETURN_IF_ERROR(audit_state(*s_));
    return std::move(s_);
  }

 private:
  // A count read from the input may not promise more items than bytes left.
  Status read_count(std::string_view field, std::size_t min_item_bytes, std::uint32_t& count) {
    count = r_.u32(field);
    if (!r_.ok()) return r_.status();
    if (count > r_.remaining() / min_item_bytes) return corrupt(std::string(field) + " exceeds the bytes left");
    return Status::ok();
  }

  // A minimal LEB128 varint (no trailing zero group, at most 64 bits).
  Status read_varint(std::string_view field, std::uint64_t& value) {
    value = 0;
    for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
      const std::uint8_t byte = r_.u8(field);
      if (!r_.ok()) return r_.status();
      if (i == kMaxVarintBytes - 1 && byte > 1) return corrupt(std::string(field) + ": varint exceeds 64 bits");
      value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0) {
        if (i > 0 && byte == 0) return corrupt(std::string(field) + ": varint not in its shortest form");
        return Status::ok();
      }
    }
    return corrupt(std::string(field) + ": varint exceeds 64 bits");
  }

  AccountId read_key(std::string_view field) {
    AccountId k;
    const ByteView v = r_.raw(PublicKey::kSize, field);
    if (r_.ok()) std::copy(v.begin(), v.end(), k.bytes.begin());
    return k;
  }

  EthAddress read_address(std::string_view field) {
    EthAddress a{};
    const ByteView v = r_.raw(a.size(), field);
    if (r_.ok()) std::copy(v.begin(), v.end(), a.begin());
    return a;
  }

  Status read_accounts() {
    std::uint32_t count = 0;
    REPLEX_RETURN_IF_ERROR(read_count("snapshot.accounts.count", PublicKey::kSize + 9, count));
    const std::uint64_t ttl = rules_->params().max_tx_ttl_blocks;
    for (std::uint32_t i = 0; i < count; ++i) {
      const AccountId key = read_key("snapshot.account.key");
      if (!r_.ok()) return r_.status();
      if (i > 0 && !(s_->accounts.back().key < key)) return corrupt("accounts not in strictly increasing key order");
      const std::uint32_t index = s_->intern_account(key);
      AccountState& a = s_->accounts[index];
      std::uint32_t balances = 0;
      REPLEX_RETURN_IF_ERROR(read_count("snapshot.account.balances.count", 20, balances));
      std::int64_t previous = -1;
      for (std::uint32_t b = 0; b < balances; ++b) {
        const std::uint32_t asset = r_.u32("snapshot.account.balance.asset");
        const std::uint64_t available = r_.u64("snapshot.account.balance.available");
        const std::uint64_t locked = r_.u64("snapshot.account.balance.locked");
        if (!r_.ok()) return r_.status();
        if (asset >= rules_->asset_count() || static_cast<std::int64_t>(asset) <= previous) {
          return corrupt("account " + key.hex() + ": balance assets out of range or order");
        }
        if (available == 0 && locked == 0) return corrupt("account " + key.hex() + ": zero balance entry");
        previous = asset;
        a.balances[asset] = BalanceCell{available, locked};
      }
      if (r_.boolean("snapshot.account.has_settlement_address")) {
        a.settlement_address = read_address("snapshot.account.settlement_address");
      }
      const std::uint32_t raw_count = r_.u32("snapshot.account.nonces.count");
      if (!r_.ok()) return r_.status();
      const bool compact = (raw_count & kCompactNonces) != 0;
      const std::uint32_t nonces = raw_count & ~kCompactNonces;
      if (compact && nonces == 0) return corrupt("account " + key.hex() + ": compact nonce entries with a count of 0");
      if (nonces > r_.remaining() / (compact ? 2 : 16)) {
        return corrupt("snapshot.account.nonces.count exceeds the bytes left");
      }
      std::uint64_t previous_nonce = 0;
      for (std::uint32_t n = 0; n < nonces; ++n) {
        std::uint64_t nonce = 0;
        std::uint64_t good_til = 0;
        if (compact) {
          std::uint64_t delta = 0;
          std::uint64_t ahead = 0;
          REPLEX_RETURN_IF_ERROR(read_varint("snapshot.account.nonce", delta));
          REPLEX_RETURN_IF_ERROR(read_varint("snapshot.account.nonce.good_til_height", ahead));
          if (delta > UINT64_MAX - previous_nonce || ahead > UINT64_MAX - s_->height) {
            return corrupt("account " + key.hex() + ": nonce entry out of range");
          }
          nonce = previous_nonce + delta;
          good_til = s_->height + ahead;
        } else {
          nonce = r_.u64("snapshot.account.nonce");
          good_til = r_.u64("snapshot.account.nonce.good_til_height");
          if (!r_.ok()) return r_.status();
        }
        if (n > 0 && nonce <= previous_nonce) {
          return corrupt("account " + key.hex() + ": nonces not in strictly increasing order");
        }
        if (good_til < s_->height || good_til - s_->height > ttl) {
          return corrupt("account " + key.hex() + ": nonce " + std::to_string(nonce) +
                         " has good_til_height outside the window at height " + std::to_string(s_->height));
        }
        previous_nonce = nonce;
        const NonceWindow::Entry entry = a.nonces.insert(nonce, good_til, s_->height);
        s_->nonce_expiry[good_til].push_back(NonceRef{index, entry});
      }
    }
    const auto fee = s_->find_account(rules_->genesis().fee_account);
    if (!fee) return corrupt("the fee account is missing");
    s_->fee_account = *fee;
    return r_.status();
  }

  Status ticks_of(const MarketRules& m, std::uint64_t price, std::string_view field, std::uint64_t& ticks) {
    if (price % m.tick_size != 0) return corrupt(std::string(field) + " " + std::to_string(price) + " is off tick");
    ticks = price / m.tick_size;
    return Status::ok();
  }

  Status lots_of(const MarketRules& m, std::uint64_t quantity, std::string_view field, std::uint64_t& lots) {
    if (quantity % m.lot_size != 0) return corrupt(std::string(field) + " " + std::to_string(quantity) + " is off lot");
    lots = quantity / m.lot_size;
    return Status::ok();
  }

  template <typename E>
  Status read_enum(std::string_view field, std::uint8_t max, E& out) {
    const std::uint8_t v = r_.u8(field);
    if (!r_.ok()) return r_.status();
    if (v < 1 || v > max) return corrupt(std::string(field) + " value " + std::to_string(v) + " out of range");
    out = static_cast<E>(v);
    return Status::ok();
  }

  // Reads one order record into a fresh slot registered with the id index,
  // its account and its client id. Shape checks specific to resting orders
  // and stops are the caller's.
  Status read_order(MarketIndex market, Slot& slot_out) {
    const MarketRules& m = rules_->market(market);
    Order o;
    o.market = market;
    o.id = r_.u64("snapshot.order.id");
    const AccountId key = read_key("snapshot.order.account");
    REPLEX_RETURN_IF_ERROR(read_enum("snapshot.order.side", 2, o.side));
    REPLEX_RETURN_IF_ERROR(read_enum("snapshot.order.type", 4, o.type));
    REPLEX_RETURN_IF_ERROR(read_enum("snapshot.order.time_in_force", 3, o.tif));
    if (r_.boolean("snapshot.order.post_only")) o.flags |= Order::kPostOnly;
    REPLEX_RETURN_IF_ERROR(read_enum("snapshot.order.self_trade_prevention", 3, o.stp));
    const std::uint64_t price = r_.u64("snapshot.order.price");
    const std::uint64_t open = r_.u64("snapshot.order.open_quantity");
    const std::uint64_t visible = r_.u64("snapshot.order.visible_quantity");
    const std::uint64_t display = r_.u64("snapshot.order.display_quantity");
    const std::uint64_t filled = r_.u64("snapshot.order.filled_quantity");
    o.locked = r_.u64("snapshot.order.locked");
    const std::string client_id = r_.str("snapshot.order.client_order_id");
    if (!r_.ok()) return r_.status();
    const std::string what = "order " + std::to_string(o.id);
    if (o.id == 0 || o.id >= s_->next_order_id) return corrupt(what + ": id outside 1..next_order_id");
    if (s_->ids.find(o.id) != kNoSlot) return corrupt(what + ": appears twice");
    const auto account = s_->find_account(key);
    if (!account) return corrupt(what + ": unknown account " + key.hex());
    o.account = *account;
    REPLEX_RETURN_IF_ERROR(ticks_of(m, price, what + " price", o.price_ticks));
    REPLEX_RETURN_IF_ERROR(lots_of(m, open, what + " open_quantity", o.open_lots));
    REPLEX_RETURN_IF_ERROR(lots_of(m, visible, what + " visible_quantity", o.visible_lots));
    REPLEX_RETURN_IF_ERROR(lots_of(m, display, what + " display_quantity", o.display_lots));
    REPLEX_RETURN_IF_ERROR(lots_of(m, filled, what + " filled_quantity", o.filled_lots));
    if (o.open_lots == 0) return corrupt(what + ": nothing open");
    if (client_id.size() > rules_->params().max_client_order_id_bytes) return corrupt(what + ": client id too long");
    AccountState& a = s_->accounts[o.account];
    if (!client_id.empty() && !a.client_ids.emplace(client_id, o.id).second) {
      return corrupt(what + ": client id '" + client_id + "' used twice");
    }
    o.set_client_order_id(client_id);
    const Slot slot = s_->pool.allocate();
    o.account_pos = static_cast<std::uint32_t>(a.orders.size());
    s_->pool[slot] = o;
    a.orders.push_back(slot);
    s_->ids.insert(o.id, slot);
    slot_out = slot;
    return Status::ok();
  }

  Status read_markets() {
    std::uint32_t count = 0;
    REPLEX_RETURN_IF_ERROR(read_count("snapshot.markets.count", 1, count));
    if (count != rules_->market_count()) return corrupt("books for the wrong number of markets");
    for (MarketIndex mi = 0; mi < count; ++mi) {
      MarketState& ms = *s_->markets[mi];
      const MarketRules& m = ms.matcher.rules();
      const bool has_last = r_.boolean("snapshot.market.has_last_price");
      const std::uint64_t last = r_.u64("snapshot.market.last_price");
      if (!r_.ok()) return r_.status();
      if (has_last) {
        std::uint64_t ticks = 0;
        REPLEX_RETURN_IF_ERROR(ticks_of(m, last, "last_price", ticks));
        if (ticks == 0) return corrupt("last_price is zero");
        ms.last_ticks = ticks;
      } else if (last != 0) {
        return corrupt("last_price set without a last trade");
      }
      for (const Side side : {Side::kBuy, Side::kSell}) REPLEX_RETURN_IF_ERROR(read_side(mi, side));
      REPLEX_RETURN_IF_ERROR(read_stops(mi));
    }
    return Status::ok();
  }

  Status read_side(MarketIndex mi, Side side) {
    MarketState& ms = *s_->markets[mi];
    const MarketRules& m = ms.matcher.rules();
    std::uint32_t levels = 0;
    REPLEX_RETURN_IF_ERROR(read_count("snapshot.book.levels.count", 12, levels));
    std::uint64_t previous = 0;
    for (std::uint32_t l = 0; l < levels; ++l) {
      std::uint64_t ticks = 0;
      REPLEX_RETURN_IF_ERROR(ticks_of(m, r_.u64("snapshot.level.price"), "level price", ticks));
      std::uint32_t orders = 0;
      REPLEX_RETURN_IF_ERROR(read_count("snapshot.level.orders.count", 60, orders));
      if (ticks == 0 || orders == 0) return corrupt("empty or zero-priced level");
      // Best first: bids strictly descending, asks strictly ascending.
      if (l > 0 && (side == Side::kBuy ? ticks >= previous : ticks <= previous)) {
        return corrupt("levels out of price order");
      }
      previous = ticks;
      for (std::uint32_t i = 0; i < orders; ++i) {
        Slot slot = kNoSlot;
        REPLEX_RETURN_IF_ERROR(read_order(mi, slot));
        Order& o = s_->pool[slot];
        const std::string what = "resting order " + std::to_string(o.id);
        if (o.side != side || o.price_ticks != ticks) return corrupt(what + ": side or price differs from its level");
        if (!Matcher::rests(o)) return corrupt(what + ": its kind never rests");
        if (o.visible_lots == 0 || o.visible_lots > o.open_lots) return corrupt(what + ": bad visible quantity");
        if (o.display_lots == 0 ? o.visible_lots != o.open_lots : o.visible_lots > o.display_lots) {
          return corrupt(what + ": visible quantity does not match its display");
        }
        ms.matcher.mutable_book().append(slot);
      }
    }
    return Status::ok();
  }

  Status read_stops(MarketIndex mi) {
    MarketState& ms = *s_->markets[mi];
    const MarketRules& m = ms.matcher.rules();
    std::uint32_t count = 0;
    REPLEX_RETURN_IF_ERROR(read_count("snapshot.stops.count", 84, count));
    OrderId previous = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
      Slot slot = kNoSlot;
      REPLEX_RETURN_IF_ERROR(read_order(mi, slot));
      Order& o = s_->pool[slot];
      StopTrigger t;
      REPLEX_RETURN_IF_ERROR(ticks_of(m, r_.u64("snapshot.stop.stop_price"), "stop_price", t.stop_ticks));
      REPLEX_RETURN_IF_ERROR(ticks_of(m, r_.u64("snapshot.stop.protection_price"), "protection_price", t.protection_ticks));
      t.quote_budget = r_.u64("snapshot.stop.quote_budget");
      if (!r_.ok()) return r_.status();
      const std::string what = "stop order " + std::to_string(o.id);
      if (o.id <= previous) return corrupt("stops not in increasing id order");
      previous = o.id;
      if (o.type != OrderType::kStopMarket && o.type != OrderType::kStopLimit) return corrupt(what + ": not a stop type");
      if (o.visible_lots != 0 || t.stop_ticks == 0) return corrupt(what + ": shown in a book or without a stop price");
      const bool market_kind = o.type == OrderType::kStopMarket;
      if (market_kind ? (o.price_ticks != 0 || o.tif != TimeInForce::kIoc || o.post_only() || o.display_lots != 0)
                      : (o.price_ticks == 0 || t.protection_ticks != 0 || t.quote_budget != 0)) {
        return corrupt(what + ": fields inconsistent with its type");
      }
      if (market_kind && (o.side == Side::kSell ? (t.protection_ticks == 0 || t.quote_budget != 0)
                                                : (t.protection_ticks == 0 && t.quote_budget == 0))) {
        return corrupt(what + ": a stop-market needs its protection price or budget");
      }
      if (ms.last_ticks && (o.side == Side::kBuy ? *ms.last_ticks >= t.stop_ticks : *ms.last_ticks <= t.stop_ticks)) {
        return corrupt(what + ": already triggered by the last price");
      }
      o.flags |= Order::kPendingStop;
      s_->stops.emplace(o.id, t);
      (o.side == Side::kBuy ? ms.buy_stops : ms.sell_stops).emplace(t.stop_ticks, o.id);
    }
    return Status::ok();
  }

  Status read_withdrawals() {
    std::uint32_t count = 0;
    REPLEX_RETURN_IF_ERROR(read_count("snapshot.withdrawals.count", 80, count));
    for (std::uint32_t i = 0; i < count; ++i) {
      PendingWithdrawal p;
      p.id = r_.u64("snapshot.withdrawal.id");
      p.account = read_key("snapshot.withdrawal.account");
      p.asset = r_.u32("snapshot.withdrawal.asset");
      p.amount = r_.u64("snapshot.withdrawal.amount");
      p.eth_address = read_address("snapshot.withdrawal.eth_address");
      p.height = r_.u64("snapshot.withdrawal.height");
      if (!r_.ok()) return r_.status();
      const std::string what = "withdrawal " + std::to_string(p.id);
      if (p.id == 0 || p.id >= s_->next_withdrawal_id) return corrupt(what + ": id outside 1..next_withdrawal_id");
      if (!s_->withdrawals.empty() && p.id <= s_->withdrawals.rbegin()->first) {
        return corrupt("withdrawals not in increasing id order");
      }
      if (!s_->find_account(p.account)) return corrupt(what + ": unknown account");
      if (p.asset >= rules_->asset_count() || p.amount == 0 || p.height == 0 || p.height > s_->height) {
        return corrupt(what + ": asset, amount or height out of range");
      }
      s_->withdrawals.emplace(p.id, p);
    }
    return Status::ok();
  }

  // The trailing settlement section. Shapes are checked here; what relates it
  // to the rest of the state (attesters, thresholds, chains, conservation) is
  // audit_state's.
  Status read_settlement() {
    const std::uint8_t tag = r_.u8("snapshot.section.tag");
    if (!r_.ok()) return r_.status();
    if (tag != kSettlementSectionTag) return corrupt("unknown trailing section " + std::to_string(tag));
    if (!rules_->settlement()) return corrupt("a settlement section for a genesis without settlement");
    const std::uint32_t assets = r_.u32("snapshot.deposited.count");
    if (r_.ok() && assets != rules_->asset_count()) return corrupt("deposited totals for the wrong number of assets");
    for (std::uint32_t i = 0; i < assets && r_.ok(); ++i) s_->deposited[i] = r_.u64("snapshot.deposited");
    std::uint32_t chains = 0;
    REPLEX_RETURN_IF_ERROR(read_count("snapshot.deposits.chains.count", 24, chains));
    for (std::uint32_t c = 0; c < chains; ++c) {
      const EvmChainId chain_id = r_.u64("snapshot.deposits.chain_id");
      if (!r_.ok()) return r_.status();
      if (!s_->deposits.empty() && chain_id <= s_->deposits.rbegin()->first) {
        return corrupt("deposit chains not in increasing id order");
      }
      ChainDeposits& chain = s_->deposits[chain_id];
      const std::string what = "deposits of chain " + std::to_string(chain_id);
      chain.credited_through = r_.u64("snapshot.deposits.credited_through");
      std::uint32_t above = 0;
      REPLEX_RETURN_IF_ERROR(read_count("snapshot.deposits.credited_above.count", 8, above));
      for (std::uint32_t i = 0; i < above; ++i) {
        const DepositId id = r_.u64("snapshot.deposits.credited_above");
        if (!r_.ok()) return r_.status();
        // Strictly increasing, and above credited_through + 1 (which would have advanced the watermark).
        if (id <= chain.credited_through || id - chain.credited_through < 2 ||
            (!chain.credited_above.empty() && id <= *chain.credited_above.rbegin())) {
          return corrupt(what + ": credited ids above the watermark out of order or not above it");
        }
        chain.credited_above.insert(id);
      }
      std::uint32_t pending = 0;
      REPLEX_RETURN_IF_ERROR(read_count("snapshot.deposits.pending.count", 12, pending));
      for (std::uint32_t i = 0; i < pending; ++i) {
        const DepositId id = r_.u64("snapshot.deposit.id");
        if (!r_.ok()) return r_.status();
        if (id == 0 || (!chain.pending.empty() && id <= chain.pending.rbegin()->first)) {
          return corrupt(what + ": pending deposit ids zero or out of order");
        }
        PendingDeposit& deposit = chain.pending[id];
        std::uint32_t groups = 0;
        REPLEX_RETURN_IF_ERROR(read_count("snapshot.deposit.contents.count", 48, groups));
        for (std::uint32_t g = 0; g < groups; ++g) {
          DepositContent content;
          content.account = read_key("snapshot.deposit.account");
          content.asset = r_.u32("snapshot.deposit.asset");
          content.amount = r_.u64("snapshot.deposit.amount");
          if (!r_.ok()) return r_.status();
          if (!deposit.groups.empty() && !(deposit.groups.rbegin()->first < content)) {
            return corrupt(what + ": deposit " + std::to_string(id) + ": contents out of order");
          }
          std::set<AccountId>& attesters = deposit.groups[content];
          std::uint32_t n = 0;
          REPLEX_RETURN_IF_ERROR(read_count("snapshot.deposit.attesters.count", PublicKey::kSize, n));
          for (std::uint32_t k = 0; k < n; ++k) {
            const AccountId attester = read_key("snapshot.deposit.attester");
            if (!r_.ok()) return r_.status();
            if (!attesters.empty() && !(*attesters.rbegin() < attester)) {
              return corrupt(what + ": deposit " + std::to_string(id) + ": attesters out of order");
            }
            attesters.insert(attester);
            ++s_->pending_attestations[attester];
          }
        }
      }
    }
    std::uint32_t on_chain = 0;
    REPLEX_RETURN_IF_ERROR(read_count("snapshot.withdrawal_chains.count", 16, on_chain));
    WithdrawalId previous = 0;
    for (std::uint32_t i = 0; i < on_chain; ++i) {
      const WithdrawalId id = r_.u64("snapshot.withdrawal_chain.withdrawal_id");
      const EvmChainId chain_id = r_.u64("snapshot.withdrawal_chain.chain_id");
      if (!r_.ok()) return r_.status();
      if (id <= previous) return corrupt("withdrawal chains not in increasing withdrawal id order");
      previous = id;
      const auto it = s_->withdrawals.find(id);
      if (it == s_->withdrawals.end()) return corrupt("a chain for withdrawal " + std::to_string(id) + ", not pending");
      if (chain_id == 0) return corrupt("withdrawal " + std::to_string(id) + ": chain 0 listed");
      it->second.chain_id = chain_id;
    }
    if (r_.ok() && !s_->has_settlement_state()) return corrupt("an empty settlement section");
    return r_.status();
  }

  std::shared_ptr<const ChainRules> rules_;
  ByteView bytes_;
  ByteReader r_;
  std::unique_ptr<State> s_;
};

}  // namespace

Result<std::unique_ptr<State>> decode_state(std::shared_ptr<const ChainRules> rules, ByteView bytes) {
  return SnapshotDecoder(std::move(rules), bytes).run();
}

}  // namespace replex::exchange
