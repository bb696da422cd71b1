// Settler: open and recovery, the builder thread (blocks -> batches ->
// signatures), messages, status and claims. The chain workers are in
// settler_chain.cpp. Design: docs/settlement.md.
#include "replex/settlement/settler.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "replex/settlement/abi.hpp"
#include "settler_impl.hpp"

namespace replex::settlement {

namespace {

using exchange::AccountId;
using exchange::AssetIndex;

// Own signatures re-broadcast per chain and round: the first unsettled
// batches are the ones a submitter needs next.
constexpr std::uint64_t kMaxResendBatches = 16;
constexpr auto kLogInterval = std::chrono::seconds(10);

std::string chain_list(const std::vector<std::uint64_t>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
  return out + "]";
}

bool batch_is_empty(const Batch& b) {
  return b.header.trades_root.is_zero() && b.deltas.empty() && b.withdrawals.empty();
}

}  // namespace

void RateLimitedLog::warn(const std::string& key, const std::string& text) {
  std::uint64_t suppressed = 0;
  {
    std::lock_guard lock(mu_);
    Entry& e = entries_[key];
    const auto now = SteadyClock::now();
    if (e.last != SteadyClock::time_point{} && now - e.last < kLogInterval) {
      ++e.suppressed;
      return;
    }
    suppressed = e.suppressed;
    e.suppressed = 0;
    e.last = now;
  }
  if (suppressed > 0) {
    spdlog::warn("settlement: {} ({} similar suppressed)", text, suppressed);
  } else {
    spdlog::warn("settlement: {}", text);
  }
}

Bytes claim_calldata(const WithdrawalClaim& claim) {
  std::vector<AbiValue> proof;
  proof.reserve(claim.proof.size());
  for (const Hash256& h : claim.proof) proof.push_back(AbiValue::bytes32(h));
  return encode_call("claim(uint64,(uint64,address,address,uint256),bytes32[])",
                     {AbiValue::uint64(claim.batch_number), to_abi(claim.withdrawal), AbiValue::array(std::move(proof))});
}

// ---- open -----------------------------------------------------------------

Settler::Impl::Impl(SettlerConfig config_in, std::shared_ptr<const exchange::ChainRules> rules_in,
                    SettlementLayout layout_in, std::vector<EthAddress> validators_in,
                    std::optional<std::uint32_t> self_in, std::optional<EthKey> key_in, storage::Store& store_in,
                    Ports ports_in)
    : config(std::move(config_in)),
      rules(std::move(rules_in)),
      layout(std::move(layout_in)),
      validators(std::move(validators_in)),
      self(self_in),
      key(std::move(key_in)),
      store(store_in),
      ports(std::move(ports_in)),
      accumulator(layout),
      chains(layout.chains.size()) {
  for (const ChainLayout& c : layout.chains) {
    for (const ChainConfig& cc : config.chains) {
      if (cc.chain_id == c.chain_id) chain_configs.push_back(cc);
    }
  }
  REPLEX_ASSERT(chain_configs.size() == layout.chains.size());
  for (const exchange::GenesisAllocation& a : rules->genesis().allocations) {
    const std::optional<AssetIndex> asset = rules->find_asset(a.asset);
    REPLEX_ASSERT(asset.has_value());
    genesis_totals[BalanceKey{a.account, *asset}] += a.amount;
  }
}

Result<std::unique_ptr<Settler>> Settler::open(SettlerConfig config, std::shared_ptr<const exchange::ChainRules> rules,
                                               std::vector<EthAddress> validators, std::optional<std::uint32_t> self,
                                               std::optional<EthKey> key, storage::Store& store, Ports ports) {
  REPLEX_ASSERT(rules != nullptr);
  REPLEX_ASSIGN_OR_RETURN(SettlementLayout layout, make_layout(config, *rules));
  if (validators.empty()) return Status::invalid_argument("validators: at least one");
  std::set<EthAddress> distinct;
  for (std::size_t i = 0; i < validators.size(); ++i) {
    if (validators[i] == kZeroAddress) {
      return Status::invalid_argument("validators[" + std::to_string(i) + "]: the zero address");
    }
    if (!distinct.insert(validators[i]).second) {
      return Status::invalid_argument("validators[" + std::to_string(i) + "]: duplicate " + to_checksum_hex(validators[i]));
    }
  }
  if (self) {
    if (*self >= validators.size()) {
      return Status::invalid_argument("self: validator " + std::to_string(*self) + " of " +
                                      std::to_string(validators.size()));
    }
    if (!key) return Status::invalid_argument("key: a validator needs its Ethereum key");
    if (!ports.broadcast) return Status::invalid_argument("ports.broadcast: a validator needs it");
    if (!ports.attest) return Status::invalid_argument("ports.attest: a validator needs it");
    if (key->address() != validators[*self]) {
      // Allowed (the others drop its signatures), but loud: it is a misconfiguration.
      spdlog::error("settlement: this node's Ethereum key {} is not validator {}'s address {}; its signatures "
                    "will be refused",
                    to_checksum_hex(key->address()), *self, to_checksum_hex(validators[*self]));
    }
  }

  auto impl = std::make_unique<Impl>(std::move(config), std::move(rules), std::move(layout), std::move(validators),
                                     self, std::move(key), store, std::move(ports));
  for (const ChainConfig& c : impl->chain_configs) {
    JsonRpcConfig rpc = impl->config.rpc;
    rpc.url = c.rpc_url;
    auto client = EthClient::open(std::move(rpc));
    if (!client.is_ok()) return client.status().with_context("chains[" + std::to_string(c.chain_id) + "].rpc_url: ");
    impl->clients.emplace_back(std::move(client).value());
  }
  REPLEX_RETURN_IF_ERROR(impl->load());
  return std::unique_ptr<Settler>(new Settler(std::move(impl)));
}

Settler::Settler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Settler::~Settler() { stop(); }

Status Settler::Impl::load() {
  auto head_bytes = store.get(storage::Column::kSettlement, records::head_key());
  if (head_bytes.is_ok()) {
    REPLEX_ASSIGN_OR_RETURN(records::HeadRecord head, records::decode_head(*head_bytes));
    std::vector<std::uint64_t> stored_ids;
    std::vector<std::uint64_t> configured_ids;
    for (const auto& [id, h] : head.chains) stored_ids.push_back(id);
    for (const ChainLayout& c : layout.chains) configured_ids.push_back(c.chain_id);
    if (stored_ids != configured_ids) {
      return Status::failed_precondition(
          "settlement: the store holds batches for chains " + chain_list(stored_ids) + ", the config names " +
          chain_list(configured_ids) + "; a chain's sequence starts at height 1, so chains cannot be added or "
          "removed once batches exist (docs/settlement.md)");
    }
    processed_height = head.processed_height;
    boundary_height = head.processed_height;
    folded_height = head.processed_height;
    for (std::size_t c = 0; c < chains.size(); ++c) chains[c].head = head.chains[c].second;
  } else if (head_bytes.status().code() != StatusCode::kNotFound) {
    return head_bytes.status().with_context("settlement: loading the head: ");
  }

  for (std::size_t c = 0; c < chains.size(); ++c) {
    ChainState& cs = chains[c];
    const std::uint64_t chain_id = layout.chains[c].chain_id;
    auto record = store.get(storage::Column::kSettlement, records::chain_key(chain_id));
    if (record.is_ok()) {
      REPLEX_ASSIGN_OR_RETURN(cs.record, records::decode_chain(*record));
    } else if (record.status().code() == StatusCode::kNotFound) {
      cs.record.scan_next_block = chain_configs[c].start_block;
    } else {
      return record.status().with_context("settlement: loading chain " + std::to_string(chain_id) + ": ");
    }
    // Built and not settled: back into memory, signed again (RFC 6979 gives
    // the same signature), re-broadcast at the first resend tick.
    for (std::uint64_t n = cs.record.settled_number + 1; n < cs.head.next_number; ++n) {
      auto bytes = store.get(storage::Column::kSettlement, records::batch_key(chain_id, n));
      if (!bytes.is_ok()) {
        return bytes.status().with_context("settlement: chain " + std::to_string(chain_id) + " batch " +
                                           std::to_string(n) + ": ");
      }
      REPLEX_ASSIGN_OR_RETURN(records::BatchRecord r, records::decode_batch(*bytes));
      PendingBatch pb{r.batch.header, r.batch.root, {}, {}, {}};
      std::vector<Bytes> ignored;
      sign_locked(c, n, pb, ignored);
      cs.pending.emplace(n, std::move(pb));
    }
    auto tx = store.get(storage::Column::kSettlement, records::tx_key(chain_id));
    if (tx.is_ok()) {
      REPLEX_ASSIGN_OR_RETURN(records::TxRecord r, records::decode_tx(*tx));
      cs.tx = std::move(r);
      cs.tx_sent_at = SteadyClock::now();
      cs.tx_needs_resend = true;  // the node may have lost it (restart of either side)
    } else if (tx.status().code() != StatusCode::kNotFound) {
      return tx.status().with_context("settlement: chain " + std::to_string(chain_id) + " transaction: ");
    }
  }
  return Status::ok();
}

// ---- start / stop ---------------------------------------------------------

void Settler::start() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.in_mu);
    if (s.started || s.stopping) return;
    s.started = true;
  }
  {
    std::lock_guard lock(s.mu);
    s.running = true;
  }
  s.builder = std::thread([&s] {
    pthread_setname_np(pthread_self(), "replex-settle");  // for top -H and perf
    s.builder_main();
  });
  for (std::size_t c = 0; c < s.chains.size(); ++c) {
    s.workers.emplace_back([&s, c] {
      pthread_setname_np(pthread_self(), "replex-chain");
      s.worker_main(c);
    });
  }
  spdlog::info("settlement: started ({} chain(s), {})", s.chains.size(),
               s.self ? "validator " + std::to_string(*s.self) : std::string("observer"));
}

void Settler::stop() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.in_mu);
    if (s.stopping) return;
    s.stopping = true;
    s.stop_requested = true;
  }
  s.in_cv.notify_all();
  {
    std::lock_guard lock(s.mu);
    s.running = false;
  }
  s.worker_cv.notify_all();
  if (s.builder.joinable()) s.builder.join();
  for (std::thread& t : s.workers) {
    if (t.joinable()) t.join();
  }
}

bool Settler::Impl::is_stopping() { return stop_requested.load(); }

// ---- inputs ---------------------------------------------------------------

void Settler::on_block(std::uint64_t height, std::uint64_t /*time_ms*/, std::vector<exchange::Event> events) {
  Impl& s = *impl_;
  bool dropped = false;
  {
    std::lock_guard lock(s.in_mu);
    if (s.stopping) return;
    s.highest_committed = std::max(s.highest_committed, height);
    if (s.blocks.size() >= s.config.max_queued_blocks) {
      dropped = true;  // read back from the store's events column
    } else {
      s.blocks.push_back({height, std::move(events)});
    }
  }
  if (dropped) s.log.warn("queue-full", "block queue full; events of height " + std::to_string(height) +
                                            " will be read from the store");
  s.in_cv.notify_one();
}

void Settler::on_message(std::uint32_t from_validator, Bytes message) {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.in_mu);
    if (s.stopping) return;
    if (s.messages.size() >= s.config.max_queued_messages) {
      s.log.warn("message-queue-full", "message queue full; dropped a message from validator " +
                                           std::to_string(from_validator));
      return;
    }
    s.messages.push_back({from_validator, std::move(message)});
  }
  s.in_cv.notify_one();
}

// ---- builder thread -------------------------------------------------------

void Settler::Impl::builder_main() {
  {
    std::lock_guard lock(in_mu);
    highest_committed = std::max(highest_committed, store.last_height());
  }
  next_resend = SteadyClock::now();
  std::deque<BlockInput> queued;
  for (;;) {
    std::deque<MessageInput> inbox;
    std::uint64_t target = 0;
    {
      std::unique_lock lock(in_mu);
      in_cv.wait_until(lock, next_resend, [&] { return stopping || !blocks.empty() || !messages.empty(); });
      if (stopping) return;
      while (!blocks.empty()) {
        queued.push_back(std::move(blocks.front()));
        blocks.pop_front();
      }
      inbox.swap(messages);
      target = highest_committed;
    }
    // Bounded like the input queue, also while folding is stuck (a missing
    // height) or halted: what is dropped is read back from the store.
    if (halted) queued.clear();
    while (queued.size() > config.max_queued_blocks) queued.pop_back();
    while (!halted && fold_next(queued, target)) {
      if (is_stopping()) return;
    }
    std::vector<Bytes> out;
    for (const MessageInput& m : inbox) handle_message(m, out);
    if (SteadyClock::now() >= next_resend) {
      {
        std::lock_guard lock(mu);
        resend_locked(out);
      }
      next_resend = SteadyClock::now() + std::chrono::milliseconds(config.resend_signatures_ms);
    }
    broadcast(out);
  }
}

bool Settler::Impl::fold_next(std::deque<BlockInput>& queued, std::uint64_t target) {
  const std::uint64_t next = folded_height + 1;
  while (!queued.empty() && queued.front().height < next) queued.pop_front();
  if (!queued.empty() && queued.front().height == next) {
    BlockInput block = std::move(queued.front());
    queued.pop_front();
    fold(next, block.events);
    return true;
  }
  if (target < next) return false;
  // A gap (dropped on a full queue, or blocks committed before start):
  // the store holds every committed block's events.
  auto bytes = store.events_at(next);
  Result<std::vector<exchange::Event>> events =
      bytes.is_ok() ? exchange::decode_events(*bytes) : Result<std::vector<exchange::Event>>(bytes.status());
  if (!events.is_ok()) {
    const std::string text = "cannot build batches past height " + std::to_string(folded_height) +
                             ": the events of height " + std::to_string(next) + " are not readable from the store: " +
                             events.status().to_string();
    log.warn("missing-events", text);
    std::lock_guard lock(mu);
    builder_error = text;
    return false;
  }
  fold(next, *events);
  return true;
}

std::uint64_t Settler::Impl::total_before(const AccountId& account, AssetIndex asset) {
  auto bytes = store.get(storage::Column::kSettlement, records::total_key(account, asset));
  if (bytes.is_ok()) {
    auto total = records::decode_total(*bytes);
    if (total.is_ok()) return *total;
    if (lookup_error.is_ok()) lookup_error = total.status();
    return 0;
  }
  if (bytes.status().code() != StatusCode::kNotFound) {
    if (lookup_error.is_ok()) lookup_error = bytes.status();
    return 0;
  }
  auto it = genesis_totals.find(BalanceKey{account, asset});
  return it == genesis_totals.end() ? 0 : it->second;
}

void Settler::Impl::fold(std::uint64_t height, std::span<const exchange::Event> events) {
  REPLEX_ASSERT(height == folded_height + 1);
  accumulator.add_block(height, events, [this](const AccountId& a, AssetIndex asset) { return total_before(a, asset); });
  Status status = lookup_error;
  folded_height = height;
  if (status.is_ok() && accumulator.closes_at(height)) status = close_range(height);
  std::lock_guard lock(mu);
  if (!status.is_ok()) {
    halted = true;
    builder_error = "batch building stopped at height " + std::to_string(height) + ": " + status.to_string();
    spdlog::error("settlement: {}", builder_error);
    return;
  }
  processed_height = height;
  builder_error.clear();
}

Status Settler::Impl::close_range(std::uint64_t height) {
  using storage::Column;
  const std::size_t n_chains = layout.chains.size();
  std::vector<std::optional<Batch>> built(n_chains);
  records::HeadRecord head_record;
  head_record.processed_height = height;
  bool wrote = false;
  for (std::size_t c = 0; c < n_chains; ++c) {
    const ChainLayout& chain = layout.chains[c];
    const ChainHead head = chains[c].head;  // the builder is its only writer
    ChainHead after = head;
    auto stored = store.get(Column::kSettlement, records::batch_key(chain.chain_id, head.next_number));
    if (stored.is_ok()) {
      // Written before a crash that lost the head: the stored batch was built
      // from untouched totals, so it, not a rebuild, is the batch.
      REPLEX_ASSIGN_OR_RETURN(records::BatchRecord r, records::decode_batch(*stored));
      if (r.batch.header.from_height != head.last_to_height + 1 || r.batch.header.to_height != height) {
        return Status::corruption("chain " + std::to_string(chain.chain_id) + " batch " +
                                  std::to_string(head.next_number) + " is stored for heights " +
                                  std::to_string(r.batch.header.from_height) + ".." +
                                  std::to_string(r.batch.header.to_height) + ", the range closing is " +
                                  std::to_string(head.last_to_height + 1) + ".." + std::to_string(height));
      }
      built[c] = std::move(r.batch);
    } else if (stored.status().code() == StatusCode::kNotFound) {
      Batch batch = build_batch(layout, c, head, height, accumulator);
      if (!batch_is_empty(batch)) {
        REPLEX_RETURN_IF_ERROR(
            store.put(Column::kSettlement, records::batch_key(chain.chain_id, batch.header.number),
                      records::encode(records::BatchRecord{batch, false}), false));
        for (const Withdrawal& w : batch.withdrawals) {
          REPLEX_RETURN_IF_ERROR(store.put(Column::kSettlement, records::withdrawal_key(w.id),
                                           records::encode(records::WithdrawalRef{chain.chain_id, batch.header.number}),
                                           false));
        }
        wrote = true;
        built[c] = std::move(batch);
      }
    } else {
      return stored.status();
    }
    if (built[c]) after = next_head(*built[c]);
    head_record.chains.emplace_back(chain.chain_id, after);
  }
  // Batches durable before any total moves: a crash between the two leaves
  // stored batches that the replay reuses (above).
  if (wrote) REPLEX_RETURN_IF_ERROR(store.sync());
  for (const auto& [k, change] : accumulator.balances()) {
    if (change.after == change.before) continue;
    REPLEX_RETURN_IF_ERROR(store.put(Column::kSettlement, records::total_key(k.first, k.second),
                                     records::encode_total(change.after), false));
  }
  REPLEX_RETURN_IF_ERROR(store.put(Column::kSettlement, records::head_key(), records::encode(head_record), true));

  for (const exchange::PendingWithdrawal& w : accumulator.unroutable()) {
    log.warn("unroutable", "withdrawal " + std::to_string(w.id) + " to chain " + std::to_string(w.chain_id) +
                               " of asset " + rules->asset(w.asset).symbol +
                               " has no configured chain and token; it is in no batch");
  }

  std::vector<Bytes> out;
  {
    std::lock_guard lock(mu);
    boundary_height = height;
    unroutable += accumulator.unroutable().size();
    for (std::size_t c = 0; c < n_chains; ++c) {
      if (!built[c]) continue;
      const Batch& batch = *built[c];
      ChainState& cs = chains[c];
      const std::uint64_t number = batch.header.number;
      cs.head = next_head(batch);
      ++cs.batches_built;
      PendingBatch pb{batch.header, batch.root, {}, {}, {}};
      if (auto early = cs.early.find(number); early != cs.early.end()) {
        for (const auto& [validator, root_sig] : early->second) {
          if (root_sig.first == batch.root) {
            pb.signatures[validator] = root_sig.second;
          } else {
            ++cs.signatures_dropped;
            log.warn("mismatch-" + std::to_string(validator),
                     "validator " + std::to_string(validator) + " signed root 0x" + root_sig.first.hex() +
                         " for chain " + std::to_string(batch.chain_id) + " batch " + std::to_string(number) +
                         ", this node built 0x" + batch.root.hex() + " (settlement config differs?)");
          }
        }
      }
      cs.early.erase(cs.early.begin(), cs.early.upper_bound(number));
      sign_locked(c, number, pb, out);
      cs.pending.emplace(number, std::move(pb));
      cs.wake = true;
    }
  }
  worker_cv.notify_all();
  accumulator.clear();
  broadcast(out);
  return Status::ok();
}

void Settler::Impl::sign_locked(std::size_t c, std::uint64_t number, PendingBatch& pb, std::vector<Bytes>& out) {
  if (!self || !key) return;
  ChainState& cs = chains[c];
  const ChainLayout& chain = layout.chains[c];
  BatchSignatureMessage m;
  m.chain_id = chain.chain_id;
  m.number = number;
  m.root = pb.root;
  m.validator = *self;
  m.signature = key->sign_digest(batch_digest(chain, pb.root)).to_rsv65();
  pb.own = m.signature;
  ++cs.batches_signed;
  // Counted like anyone's: only if it is validator self's signature.
  if (verify_batch_signature(chain, m, validators[*self]).is_ok()) {
    pb.signatures[*self] = m.signature;
  } else {
    ++cs.signatures_dropped;
  }
  out.push_back(m.encode());
}

void Settler::Impl::resend_locked(std::vector<Bytes>& out) {
  if (!self) return;
  for (std::size_t c = 0; c < chains.size(); ++c) {
    const ChainState& cs = chains[c];
    const std::uint64_t first = cs.first_unsettled();
    for (auto it = cs.pending.lower_bound(first); it != cs.pending.end() && it->first < first + kMaxResendBatches; ++it) {
      if (!it->second.own) continue;
      BatchSignatureMessage m{layout.chains[c].chain_id, it->first, it->second.root, *self, *it->second.own};
      out.push_back(m.encode());
    }
  }
}

void Settler::Impl::broadcast(std::vector<Bytes>& out) {
  if (!ports.broadcast) return;
  for (Bytes& m : out) {
    // A port that throws loses that message (peers get it again on resend);
    // the exception never leaves the settler's thread.
    try {
      ports.broadcast(std::move(m));
    } catch (const std::exception& e) {
      log.warn("broadcast-threw", std::string("the broadcast port threw: ") + e.what());
    } catch (...) {
      log.warn("broadcast-threw", "the broadcast port threw a non-exception");
    }
  }
  out.clear();
}

void Settler::Impl::handle_message(const MessageInput& input, std::vector<Bytes>& /*out*/) {
  auto decoded = BatchSignatureMessage::decode(input.bytes);
  if (!decoded.is_ok()) {
    log.warn("malformed-" + std::to_string(input.from), "dropped a malformed message from validator " +
                                                            std::to_string(input.from) + ": " +
                                                            decoded.status().message());
    return;
  }
  const BatchSignatureMessage& m = *decoded;
  std::size_t c = 0;
  while (c < layout.chains.size() && layout.chains[c].chain_id != m.chain_id) ++c;
  if (c == layout.chains.size() || m.validator >= validators.size()) {
    log.warn("foreign-" + std::to_string(input.from),
             "dropped a signature for chain " + std::to_string(m.chain_id) + " by validator " +
                 std::to_string(m.validator) + " (from " + std::to_string(input.from) + "): unknown chain or validator");
    return;
  }
  {
    std::lock_guard lock(mu);
    ChainState& cs = chains[c];
    const std::uint64_t first = cs.first_unsettled();
    if (m.number < first) return;  // settled already
    if (m.number >= first + config.max_future_batches) {
      ++cs.signatures_dropped;
      log.warn("future-" + std::to_string(m.validator),
               "dropped validator " + std::to_string(m.validator) + "'s signature of chain " +
                   std::to_string(m.chain_id) + " batch " + std::to_string(m.number) + ": beyond the window");
      return;
    }
    if (auto it = cs.pending.find(m.number); it != cs.pending.end()) {
      auto held = it->second.signatures.find(m.validator);
      if (held != it->second.signatures.end() && held->second == m.signature) return;  // a resend
    }
  }
  const Status valid = verify_batch_signature(layout.chains[c], m, validators[m.validator]);
  std::lock_guard lock(mu);
  ChainState& cs = chains[c];
  if (!valid.is_ok()) {
    ++cs.signatures_dropped;
    log.warn("invalid-" + std::to_string(m.validator), "dropped a signature of chain " + std::to_string(m.chain_id) +
                                                           " batch " + std::to_string(m.number) + ": " + valid.message());
    return;
  }
  add_signature_locked(cs, c, m.number, m.validator, m.root, m.signature);
}

void Settler::Impl::add_signature_locked(ChainState& cs, std::size_t c, std::uint64_t number, std::uint32_t validator,
                                         const Hash256& root, const Rsv65& sig) {
  if (auto it = cs.pending.find(number); it != cs.pending.end()) {
    PendingBatch& pb = it->second;
    if (root != pb.root) {
      ++cs.signatures_dropped;
      log.warn("mismatch-" + std::to_string(validator),
               "validator " + std::to_string(validator) + " signed root 0x" + root.hex() + " for chain " +
                   std::to_string(layout.chains[c].chain_id) + " batch " + std::to_string(number) +
                   ", this node built 0x" + pb.root.hex() + " (settlement config differs?)");
      return;
    }
    pb.signatures[validator] = sig;
    const std::uint32_t need = cs.threshold ? cs.threshold : signature_threshold(validators.size());
    if (pb.signatures.size() == need) {
      cs.wake = true;
      worker_cv.notify_all();
    }
    return;
  }
  if (number >= cs.head.next_number) cs.early[number][validator] = {root, sig};
}

// ---- reads ----------------------------------------------------------------

SettlementStatus Settler::status() const {
  const Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  SettlementStatus out;
  out.running = s.running;
  out.processed_height = s.processed_height;
  out.withdrawals_unroutable = s.unroutable;
  out.last_error = s.builder_error;
  for (std::size_t c = 0; c < s.chains.size(); ++c) {
    const ChainState& cs = s.chains[c];
    ChainSettlementStatus st;
    st.chain_id = s.layout.chains[c].chain_id;
    st.next_batch_number = cs.head.next_number;
    st.last_settled_batch = cs.record.settled_number;
    st.last_settled_from_height = cs.record.settled_from_height;
    st.last_settled_to_height = cs.record.settled_to_height;
    st.chain_last_batch = cs.chain_last;
    st.batches_built = cs.batches_built;
    st.batches_signed = cs.batches_signed;
    st.batches_pending = cs.pending.size();
    // Heights after the last settled batch, except a tail of ranges that
    // produced no batch for this chain (nothing to settle there).
    const std::uint64_t covered = cs.pending.empty() ? std::max(cs.record.settled_to_height, s.boundary_height)
                                                     : cs.record.settled_to_height;
    st.lag_blocks = s.processed_height > covered ? s.processed_height - covered : 0;
    st.threshold = cs.threshold ? cs.threshold : signature_threshold(s.validators.size());
    if (auto it = cs.pending.find(cs.first_unsettled()); it != cs.pending.end()) {
      st.signatures_held = static_cast<std::uint32_t>(it->second.signatures.size());
    }
    st.signatures_dropped = cs.signatures_dropped;
    st.transactions_sent = cs.transactions_sent;
    st.fee_bumps = cs.fee_bumps;
    if (cs.tx && !cs.tx->hashes.empty()) st.pending_tx = cs.tx->hashes.back();
    st.deposits_seen = cs.deposits_seen;
    st.deposits_attested = cs.deposits_attested;
    st.deposit_scan_block = cs.record.scan_next_block;
    st.rpc_up = cs.rpc_up;
    st.last_error = cs.last_error;
    out.chains.push_back(std::move(st));
  }
  return out;
}

std::optional<WithdrawalClaim> Settler::withdrawal_claim(std::uint64_t withdrawal_id) const {
  const Impl& s = *impl_;
  auto ref_bytes = s.store.get(storage::Column::kSettlement, records::withdrawal_key(withdrawal_id));
  if (!ref_bytes.is_ok()) return std::nullopt;
  auto ref = records::decode_withdrawal_ref(*ref_bytes);
  if (!ref.is_ok()) return std::nullopt;
  auto batch_bytes = s.store.get(storage::Column::kSettlement, records::batch_key(ref->chain_id, ref->number));
  if (!batch_bytes.is_ok()) return std::nullopt;
  auto record = records::decode_batch(*batch_bytes);
  if (!record.is_ok()) return std::nullopt;
  const std::vector<Withdrawal>& ws = record->batch.withdrawals;
  auto it = std::find_if(ws.begin(), ws.end(), [&](const Withdrawal& w) { return w.id == withdrawal_id; });
  if (it == ws.end()) return std::nullopt;
  const std::size_t index = static_cast<std::size_t>(it - ws.begin());

  WithdrawalClaim claim;
  claim.chain_id = ref->chain_id;
  claim.batch_number = ref->number;
  claim.withdrawal = *it;
  claim.proof = StandardMerkleTree::of_withdrawals(ws).proof(index);
  const ChainLayout* chain = s.layout.find(ref->chain_id);
  if (chain == nullptr) return std::nullopt;
  claim.contract = chain->contract;
  std::lock_guard lock(s.mu);
  for (std::size_t c = 0; c < s.chains.size(); ++c) {
    if (s.layout.chains[c].chain_id == ref->chain_id) claim.settled = ref->number <= s.chains[c].record.settled_number;
  }
  return claim;
}

}  // namespace replex::settlement
