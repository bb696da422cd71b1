// Settler chain workers: one thread per configured chain, the only user of
// that chain's EthClient. Each round (every poll_interval_ms, or sooner when
// the builder has news): read the contract's position, follow settlement
// (root checks, pruning), submit or track this node's transaction, scan for
// deposits. Nothing here holds `mu` across a JSON-RPC call or a port call.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "replex/settlement/abi.hpp"
#include "settler_impl.hpp"

namespace replex::settlement {

namespace {

using storage::Column;

// Settled batches followed per round (each costs one eth_call), and
// eth_getLogs calls per round while catching up on deposits.
constexpr int kMaxSettledPerRound = 256;
constexpr int kMaxLogCallsPerRound = 8;

const Hash256& deposit_topic() {
  static const Hash256 topic = event_topic("Deposit(address,uint256,bytes32,uint64)");
  return topic;
}

RpcResult<std::uint64_t> read_u64(EthClient& client, const EthAddress& contract, std::string_view signature,
                                  BlockTag tag) {
  auto out = client.call(contract, encode_call(signature, {}), tag);
  if (!out.is_ok()) return out.error();
  auto v = AbiReader(*out).uint64(0);
  if (!v.is_ok()) {
    RpcError e;
    e.kind = RpcErrorKind::kMalformed;
    e.method = "eth_call";
    e.text = "eth_call " + std::string(signature) + ": " + v.status().message();
    return e;
  }
  return *v;
}

std::uint64_t ms_since(SteadyClock::time_point t) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - t).count());
}

}  // namespace

void Settler::Impl::worker_main(std::size_t c) {
  while (!is_stopping()) {
    worker_round(c);
    std::unique_lock lock(mu);
    worker_cv.wait_for(lock, std::chrono::milliseconds(config.poll_interval_ms),
                       [&] { return stop_requested.load() || chains[c].wake; });
    chains[c].wake = false;
  }
}

void Settler::Impl::rpc_failed(std::size_t c, const RpcError& error) {
  const std::string text = "chain " + std::to_string(layout.chains[c].chain_id) + ": " + error.text;
  {
    std::lock_guard lock(mu);
    chains[c].rpc_up = false;
    chains[c].last_error = text;
    chains[c].error_from_rpc = true;
  }
  log.warn("rpc-" + std::to_string(c), text);
}

void Settler::Impl::set_error(std::size_t c, std::string text) {
  text = "chain " + std::to_string(layout.chains[c].chain_id) + ": " + text;
  log.warn("error-" + std::to_string(c) + "-" + text.substr(0, 48), text);
  std::lock_guard lock(mu);
  chains[c].last_error = std::move(text);
  chains[c].error_from_rpc = false;
}

Status Settler::Impl::persist_tx(std::size_t c, const std::optional<records::TxRecord>& tx) {
  const std::string k = records::tx_key(layout.chains[c].chain_id);
  Status s = tx ? store.put(Column::kSettlement, k, records::encode(*tx), true) : store.erase(Column::kSettlement, k, true);
  std::lock_guard lock(mu);
  if (s.is_ok()) chains[c].tx = tx;
  return s;
}

Status Settler::Impl::persist_chain_record(std::size_t c, const records::ChainRecord& r) {
  REPLEX_RETURN_IF_ERROR(
      store.put(Column::kSettlement, records::chain_key(layout.chains[c].chain_id), records::encode(r), true));
  std::lock_guard lock(mu);
  chains[c].record = r;
  return Status::ok();
}

void Settler::Impl::worker_round(std::size_t c) {
  EthClient& client = *clients[c];
  const ChainLayout& chain = layout.chains[c];
  const std::uint32_t confirmations = chain_configs[c].confirmations;

  // Every read of a round is pinned to a block number: two reads at
  // "latest" may see different blocks.
  auto head = client.block_number();
  if (!head.is_ok()) return rpc_failed(c, head.error());
  auto latest = read_u64(client, chain.contract, "lastBatchNumber()", BlockTag::number(*head));
  if (!latest.is_ok()) return rpc_failed(c, latest.error());
  std::uint64_t confirmed = *latest;
  if (confirmations > 1) {
    confirmed = 0;
    if (*head + 1 >= confirmations) {
      auto deep = read_u64(client, chain.contract, "lastBatchNumber()", BlockTag::number(*head + 1 - confirmations));
      if (!deep.is_ok()) return rpc_failed(c, deep.error());
      confirmed = *deep;
    }
  }
  {
    std::lock_guard lock(mu);
    ChainState& cs = chains[c];
    if (cs.error_from_rpc) cs.last_error.clear();
    cs.error_from_rpc = false;
    cs.rpc_up = true;
    cs.chain_last = *latest;
  }
  check_contract(c);
  if (is_stopping()) return;
  if (!follow_settlement(c, *head, *latest, confirmed)) return;
  bool diverged = false;
  bool has_tx = false;
  {
    std::lock_guard lock(mu);
    diverged = chains[c].diverged;
    has_tx = chains[c].tx.has_value();
  }
  if (self && key && !diverged && !is_stopping()) {
    if (has_tx) {
      track(c, *head, *latest);
    } else {
      maybe_submit(c, *latest);
    }
  }
  if (self && key && !is_stopping()) scan_deposits(c, *head);
}

// Reads the contract's threshold and validator set once, and says so when
// they are not what this node was given.
void Settler::Impl::check_contract(std::size_t c) {
  {
    std::lock_guard lock(mu);
    if (chains[c].contract_checked) return;
  }
  EthClient& client = *clients[c];
  const ChainLayout& chain = layout.chains[c];
  auto threshold_data = client.call(chain.contract, encode_call("threshold()", {}));
  if (!threshold_data.is_ok()) return rpc_failed(c, threshold_data.error());
  auto threshold = AbiReader(*threshold_data).uint256(0);
  auto set_data = client.call(chain.contract, encode_call("validators()", {}));
  if (!set_data.is_ok()) return rpc_failed(c, set_data.error());
  const AbiReader set_reader(*set_data);
  auto count = set_reader.uint64(1);
  std::vector<EthAddress> on_chain;
  for (std::uint64_t i = 0; count.is_ok() && i < *count && i < 100'000; ++i) {
    auto a = set_reader.address(2 + i);
    if (!a.is_ok()) break;
    on_chain.push_back(*a);
  }
  std::vector<EthAddress> mine = validators;
  std::sort(mine.begin(), mine.end());
  std::string problem;
  if (!threshold.is_ok() || *threshold == 0 || *threshold > validators.size()) {
    problem = "the contract's threshold() is unusable";
  } else if (on_chain != mine) {
    problem = "the contract's validator set differs from this node's (" + std::to_string(on_chain.size()) +
              " on chain, " + std::to_string(mine.size()) + " here): signatures may be refused";
  }
  if (!problem.empty()) set_error(c, problem);
  std::lock_guard lock(mu);
  ChainState& cs = chains[c];
  cs.contract_checked = true;
  if (threshold.is_ok() && *threshold > 0 && *threshold <= validators.size()) {
    cs.threshold = threshold->convert_to<std::uint32_t>();
  }
}

// Moves the settled mark over every batch the chain settled `confirmations`
// deep that this node built, checking each root. False on an RPC failure.
bool Settler::Impl::follow_settlement(std::size_t c, std::uint64_t head, std::uint64_t /*latest*/,
                                      std::uint64_t confirmed) {
  const std::uint32_t confirmations = chain_configs[c].confirmations;
  if (head + 1 < confirmations) return true;
  const BlockTag final_block = BlockTag::number(head + 1 - confirmations);
  EthClient& client = *clients[c];
  const ChainLayout& chain = layout.chains[c];
  for (int i = 0; i < kMaxSettledPerRound && !is_stopping(); ++i) {
    std::uint64_t n = 0;
    Hash256 root;
    records::ChainRecord record;
    {
      std::lock_guard lock(mu);
      ChainState& cs = chains[c];
      if (cs.diverged) return true;
      n = cs.record.settled_number + 1;
      if (n > confirmed) return true;
      auto it = cs.pending.find(n);
      if (it == cs.pending.end()) return true;  // not built here yet: checked once it is
      root = it->second.root;
      record = cs.record;
    }
    auto info = client.call(chain.contract, encode_call("batches(uint64)", {AbiValue::uint64(n)}), final_block);
    if (!info.is_ok()) {
      rpc_failed(c, info.error());
      return false;
    }
    const AbiReader reader(*info);
    auto on_chain_root = reader.bytes32(0);
    auto from = reader.uint64(1);
    auto to = reader.uint64(2);
    if (!on_chain_root.is_ok() || !from.is_ok() || !to.is_ok()) {
      set_error(c, "batches(" + std::to_string(n) + "): malformed answer");
      return false;
    }
    if (on_chain_root->is_zero()) return true;  // not there at that block after all: next round
    if (*on_chain_root != root) {
      const std::string text = "batch " + std::to_string(n) + " settled on chain with root 0x" + on_chain_root->hex() +
                               ", this node built 0x" + root.hex() + "; this node submits nothing more here";
      spdlog::error("settlement: chain {}: {}", chain.chain_id, text);
      set_error(c, text);
      std::lock_guard lock(mu);
      chains[c].diverged = true;
      return true;
    }
    record.settled_number = n;
    record.settled_from_height = *from;
    record.settled_to_height = *to;
    if (Status s = persist_chain_record(c, record); !s.is_ok()) {
      set_error(c, "persisting the settled position: " + s.to_string());
      return false;
    }
    // Keep what claims need (header, withdrawals); drop the deltas.
    const std::string k = records::batch_key(chain.chain_id, n);
    if (auto bytes = store.get(Column::kSettlement, k); bytes.is_ok()) {
      if (auto r = records::decode_batch(*bytes); r.is_ok() && !r->slim) {
        r->slim = true;
        r->batch.deltas.clear();
        (void)store.put(Column::kSettlement, k, records::encode(*r), false);
      }
    }
    if (n > config.max_settled_batches_kept) {
      const std::string old = records::batch_key(chain.chain_id, n - config.max_settled_batches_kept);
      if (auto bytes = store.get(Column::kSettlement, old); bytes.is_ok()) {
        if (auto r = records::decode_batch(*bytes); r.is_ok()) {
          for (const Withdrawal& w : r->batch.withdrawals) {
            (void)store.erase(Column::kSettlement, records::withdrawal_key(w.id), false);
          }
        }
        (void)store.erase(Column::kSettlement, old, false);
      }
    }
    std::lock_guard lock(mu);
    ChainState& cs = chains[c];
    cs.pending.erase(n);
    cs.early.erase(cs.early.begin(), cs.early.upper_bound(n));
    if (!cs.error_from_rpc) cs.last_error.clear();
    spdlog::info("settlement: chain {} batch {} settled (heights {}..{})", chain.chain_id, n, *from, *to);
  }
  return true;
}

// Submits the contract's next batch if this node holds a threshold of
// signatures for it and is its submitter now.
void Settler::Impl::maybe_submit(std::size_t c, std::uint64_t latest) {
  const std::uint64_t number = latest + 1;
  std::vector<std::pair<EthAddress, Rsv65>> signed_by;
  {
    std::lock_guard lock(mu);
    ChainState& cs = chains[c];
    auto it = cs.pending.find(number);
    if (it == cs.pending.end()) return;
    PendingBatch& pb = it->second;
    const std::uint32_t need = cs.threshold ? cs.threshold : signature_threshold(validators.size());
    if (pb.signatures.size() < need) return;
    if (!pb.ready_at) pb.ready_at = SteadyClock::now();
    const std::uint32_t who =
        designated_submitter(number, validators.size(), ms_since(*pb.ready_at), config.submit_timeout_ms);
    if (who != *self) return;
    for (const auto& [validator, sig] : pb.signatures) signed_by.emplace_back(validators[validator], sig);
    std::sort(signed_by.begin(), signed_by.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    signed_by.resize(need);
  }
  std::vector<Rsv65> sigs;
  for (const auto& s : signed_by) sigs.push_back(s.second);
  submit(c, number, std::move(sigs));
}

void Settler::Impl::submit(std::size_t c, std::uint64_t number, std::vector<Rsv65> sigs) {
  EthClient& client = *clients[c];
  const ChainLayout& chain = layout.chains[c];
  auto bytes = store.get(Column::kSettlement, records::batch_key(chain.chain_id, number));
  if (!bytes.is_ok()) return set_error(c, "batch " + std::to_string(number) + ": " + bytes.status().to_string());
  auto record = records::decode_batch(*bytes);
  if (!record.is_ok() || record->slim) {
    return set_error(c, "batch " + std::to_string(number) + ": stored record unusable for submission");
  }
  CallRequest call;
  call.from = key->address();
  call.to = chain.contract;
  call.data = submit_batch_calldata(record->batch, sigs);
  auto gas = client.estimate_gas(call);
  if (!gas.is_ok()) {
    if (gas.error().kind != RpcErrorKind::kExecutionReverted) return rpc_failed(c, gas.error());
    const std::string why = describe_contract_error(gas.error().revert_data);
    if (why.starts_with("WrongBatchNumber")) return;  // settled meanwhile, by someone else
    return set_error(c, "batch " + std::to_string(number) + ": submitBatch would revert: " + why);
  }
  if (*gas > config.max_gas_per_batch) {
    return set_error(c, "batch " + std::to_string(number) + " needs " + std::to_string(*gas) +
                            " gas, above max_gas_per_batch " + std::to_string(config.max_gas_per_batch));
  }
  const std::uint64_t gas_limit =
      std::min<std::uint64_t>(*gas + *gas * config.gas_margin_percent / 100, config.max_gas_per_batch);
  auto fees = client.suggest_fees();
  if (!fees.is_ok()) return rpc_failed(c, fees.error());
  auto nonce = client.transaction_count(key->address(), BlockTag::pending());
  if (!nonce.is_ok()) return rpc_failed(c, nonce.error());

  Eip1559Transaction tx;
  tx.chain_id = chain.chain_id;
  tx.nonce = *nonce;
  tx.max_priority_fee_per_gas = fees->max_priority_fee_per_gas;
  tx.max_fee_per_gas = fees->max_fee_per_gas;
  tx.gas_limit = gas_limit;
  tx.to = chain.contract;
  tx.data = std::move(call.data);
  if (Status v = tx.validate(); !v.is_ok()) return set_error(c, "batch transaction: " + v.message());
  records::TxRecord rec;
  rec.batch_number = number;
  rec.nonce = *nonce;
  rec.fees = *fees;
  rec.gas_limit = gas_limit;
  rec.raw = tx.sign(*key);
  rec.hashes.push_back(transaction_hash(rec.raw));
  // Persist before send: a restart finds the transaction and tracks it
  // instead of sending another.
  if (Status s = persist_tx(c, rec); !s.is_ok()) return set_error(c, "persisting the transaction: " + s.to_string());
  {
    std::lock_guard lock(mu);
    chains[c].tx_sent_at = SteadyClock::now();
    chains[c].tx_needs_resend = false;
  }
  spdlog::info("settlement: chain {} batch {}: sending 0x{} (nonce {}, gas {}, {} signatures)", chain.chain_id, number,
               rec.hashes.back().hex(), rec.nonce, gas_limit, sigs.size());
  send(c, rec.raw, SendKind::kFirst);
}

void Settler::Impl::send(std::size_t c, const Bytes& raw, SendKind kind) {
  auto sent = clients[c]->send_raw_transaction(raw);
  if (sent.is_ok() || sent.error().kind == RpcErrorKind::kAlreadyKnown) {
    std::lock_guard lock(mu);
    if (kind != SendKind::kResend) ++chains[c].transactions_sent;
    if (kind == SendKind::kReplacement) ++chains[c].fee_bumps;
    chains[c].tx_needs_resend = false;
    return;
  }
  const RpcError& e = sent.error();
  switch (e.kind) {
    case RpcErrorKind::kNonceTooLow:             // mined already (ours, or another): track() sorts it out
    case RpcErrorKind::kReplacementUnderpriced:  // the next bump starts from the higher caps
      set_error(c, e.text);
      return;
    case RpcErrorKind::kTransport:
    case RpcErrorKind::kTimeout:
    case RpcErrorKind::kHttpStatus:
    case RpcErrorKind::kTooLarge:
    case RpcErrorKind::kMalformed: {
      // It may or may not have arrived: send the same bytes again later.
      rpc_failed(c, e);
      std::lock_guard lock(mu);
      chains[c].tx_needs_resend = true;
      return;
    }
    default:
      set_error(c, e.text);
      // A first send the node refused leaves nothing pending: forget it. A
      // refused replacement leaves the previous one pending: keep tracking.
      if (kind == SendKind::kFirst) (void)persist_tx(c, std::nullopt);
      return;
  }
}

// Follows this node's transaction in flight: mined (done, or a revert
// explained), replaced when stuck, cancelled when the batch was settled by
// someone else, sent again after a restart or a transport failure.
void Settler::Impl::track(std::size_t c, std::uint64_t head, std::uint64_t latest) {
  EthClient& client = *clients[c];
  const ChainLayout& chain = layout.chains[c];
  records::TxRecord rec;
  SteadyClock::time_point sent_at;
  bool needs_resend = false;
  {
    std::lock_guard lock(mu);
    rec = *chains[c].tx;
    sent_at = chains[c].tx_sent_at;
    needs_resend = chains[c].tx_needs_resend;
  }
  for (auto h = rec.hashes.rbegin(); h != rec.hashes.rend(); ++h) {
    auto receipt = client.transaction_receipt(*h);
    if (!receipt.is_ok()) return rpc_failed(c, receipt.error());
    if (!receipt->has_value()) continue;
    const TransactionReceipt& r = **receipt;
    // Followed until `confirmations` deep: a reorg that drops it before then
    // finds the record still here (and the transaction is sent again).
    if (head < r.block_number || head - r.block_number + 1 < chain_configs[c].confirmations) return;
    if (r.succeeded()) {
      spdlog::info("settlement: chain {} {} 0x{} mined in block {} ({} gas)", chain.chain_id,
                   rec.cancel ? "cancel" : "batch " + std::to_string(rec.batch_number), h->hex(), r.block_number,
                   r.gas_used);
    } else if (!rec.cancel && latest < rec.batch_number) {
      std::string why = "no revert data";
      if (auto signed_tx = decode_signed_eip1559(rec.raw); signed_tx.is_ok()) {
        CallRequest call;
        call.from = key->address();
        call.to = chain.contract;
        call.data = signed_tx->tx.data;
        auto replay = client.call(call, BlockTag::number(r.block_number > 0 ? r.block_number - 1 : 0));
        if (!replay.is_ok() && replay.error().kind == RpcErrorKind::kExecutionReverted) {
          why = describe_contract_error(replay.error().revert_data);
        } else if (!replay.is_ok()) {
          why = replay.error().text;
        } else {
          why = "passes when replayed (out of gas?)";
        }
      }
      set_error(c, "batch " + std::to_string(rec.batch_number) + ": transaction 0x" + h->hex() + " reverted: " + why);
    } else {
      spdlog::info("settlement: chain {} batch {}: 0x{} reverted, someone else settled it first", chain.chain_id,
                   rec.batch_number, h->hex());
    }
    if (Status s = persist_tx(c, std::nullopt); !s.is_ok()) set_error(c, "forgetting the transaction: " + s.to_string());
    return;
  }

  // At the round's block, read before the receipts: if the nonce was spent by then
  // and none of our hashes has a receipt, it was spent by something else.
  auto mined_nonce = client.transaction_count(key->address(), BlockTag::number(head));
  if (!mined_nonce.is_ok()) return rpc_failed(c, mined_nonce.error());
  if (*mined_nonce > rec.nonce) {
    // The nonce went to a transaction this record does not hold, or the
    // node forgot ours. Either way nothing of ours is pending with it.
    spdlog::warn("settlement: chain {}: nonce {} used outside the tracked transaction; forgetting it", chain.chain_id,
                 rec.nonce);
    (void)persist_tx(c, std::nullopt);
    return;
  }
  const bool obsolete = !rec.cancel && latest >= rec.batch_number;
  if (ms_since(sent_at) < config.stuck_after_ms) {
    // An obsolete transaction the node may never have received is not sent
    // again (it could only revert); once stuck it is cancelled, which also
    // frees the nonce if the node never had it.
    if (needs_resend && !obsolete) send(c, rec.raw, SendKind::kResend);
    return;
  }

  // Stuck: replace with the same nonce and bumped fees.
  auto suggested = client.suggest_fees();
  if (!suggested.is_ok()) return rpc_failed(c, suggested.error());
  const FeeCaps fees = bumped_fees(rec.fees, *suggested);
  Eip1559Transaction tx;
  if (obsolete || rec.cancel) {
    // The batch is settled: spend the nonce on the cheapest transaction there is.
    tx.chain_id = chain.chain_id;
    tx.nonce = rec.nonce;
    tx.gas_limit = 21'000;
    tx.to = key->address();
    rec.cancel = true;
  } else {
    auto previous = decode_signed_eip1559(rec.raw);
    if (!previous.is_ok()) return set_error(c, "stored transaction unreadable: " + previous.status().message());
    tx = previous->tx;
  }
  tx.max_fee_per_gas = fees.max_fee_per_gas;
  tx.max_priority_fee_per_gas = fees.max_priority_fee_per_gas;
  rec.fees = fees;
  rec.gas_limit = tx.gas_limit;
  rec.raw = tx.sign(*key);
  rec.hashes.push_back(transaction_hash(rec.raw));
  if (Status s = persist_tx(c, rec); !s.is_ok()) return set_error(c, "persisting the replacement: " + s.to_string());
  {
    std::lock_guard lock(mu);
    chains[c].tx_sent_at = SteadyClock::now();
  }
  spdlog::info("settlement: chain {} {}: replacing a stuck transaction (nonce {}) with 0x{}, max fee {} priority {}",
               chain.chain_id, rec.cancel ? std::string("cancel") : "batch " + std::to_string(rec.batch_number),
               rec.nonce, rec.hashes.back().hex(), to_decimal(fees.max_fee_per_gas),
               to_decimal(fees.max_priority_fee_per_gas));
  send(c, rec.raw, SendKind::kReplacement);
}

// Attests every deposit `confirmations` deep exactly once: the mark is
// written after the port call, so a crash in between re-attests (which the
// exchange refuses as a duplicate) rather than never attesting.
void Settler::Impl::scan_deposits(std::size_t c, std::uint64_t head) {
  EthClient& client = *clients[c];
  const ChainLayout& chain = layout.chains[c];
  const std::uint32_t confirmations = chain_configs[c].confirmations;
  if (head + 1 < confirmations) return;
  const std::uint64_t safe = head + 1 - confirmations;
  for (int call = 0; call < kMaxLogCallsPerRound && !is_stopping(); ++call) {
    records::ChainRecord record;
    {
      std::lock_guard lock(mu);
      record = chains[c].record;
    }
    const std::uint64_t from = record.scan_next_block;
    if (from > safe) return;
    const std::uint64_t to = std::min<std::uint64_t>(safe, from + config.max_log_blocks - 1);
    LogFilter filter;
    filter.addresses = {chain.contract};
    filter.topics = {{deposit_topic()}};
    filter.from_block = BlockTag::number(from);
    filter.to_block = BlockTag::number(to);
    auto logs = client.get_logs(filter);
    if (!logs.is_ok()) return rpc_failed(c, logs.error());
    std::sort(logs->begin(), logs->end(), [](const Log& a, const Log& b) {
      return std::pair(a.block_number, a.log_index) < std::pair(b.block_number, b.log_index);
    });
    for (const Log& log_entry : *logs) {
      if (log_entry.removed || log_entry.address != chain.contract || log_entry.topics.size() != 3) continue;
      auto token = AbiReader(log_entry.topics[1].view()).address(0);
      const AbiReader data(log_entry.data);
      auto amount = data.uint256(0);
      auto deposit_id = data.uint64(1);
      if (!token.is_ok() || !amount.is_ok() || !deposit_id.is_ok()) {
        log.warn("bad-deposit-" + std::to_string(c), "chain " + std::to_string(chain.chain_id) +
                                                         ": malformed Deposit log in tx 0x" +
                                                         log_entry.transaction_hash.hex());
        continue;
      }
      {
        std::lock_guard lock(mu);
        ++chains[c].deposits_seen;
      }
      const std::string mark = records::deposit_key(chain.chain_id, *deposit_id);
      auto seen = store.get(Column::kSettlement, mark);
      if (seen.is_ok()) continue;  // attested before
      if (seen.status().code() != StatusCode::kNotFound) {
        return set_error(c, "reading deposit marks: " + seen.status().to_string());
      }
      const std::string where = "deposit " + std::to_string(*deposit_id) + " (tx 0x" +
                                log_entry.transaction_hash.hex() + ")";
      auto asset = std::find_if(chain.tokens.begin(), chain.tokens.end(),
                                [&](const auto& t) { return t.second.address == *token; });
      if (asset == chain.tokens.end()) {
        log.warn("unknown-token-" + std::to_string(c), "chain " + std::to_string(chain.chain_id) + ": " + where +
                                                           " of token " + to_checksum_hex(*token) +
                                                           ", which no asset maps to: not attested");
        continue;
      }
      const std::optional<std::uint64_t> units = to_replex_units(*amount, asset->second.scale_exp);
      if (!units || *units == 0) {
        log.warn("odd-deposit-" + std::to_string(c),
                 "chain " + std::to_string(chain.chain_id) + ": " + where + " of " + to_decimal(*amount) +
                     " base units is " + (units ? "below one Replex unit" : "above 2^64 - 1 Replex units") +
                     ": not attested");
        continue;
      }
      DepositObserved observed;
      observed.chain_id = chain.chain_id;
      observed.deposit_id = *deposit_id;
      std::copy(log_entry.topics[2].bytes.begin(), log_entry.topics[2].bytes.end(), observed.account.bytes.begin());
      observed.asset = rules->asset(asset->first).symbol;
      observed.amount = *units;
      std::copy(log_entry.transaction_hash.bytes.begin(), log_entry.transaction_hash.bytes.end(),
                observed.eth_tx_hash.begin());
      try {
        ports.attest(observed);
      } catch (const std::exception& e) {
        // Not marked: the next scan of this block range is not done either,
        // since the position is not advanced; retried next round.
        return set_error(c, std::string("the attest port threw: ") + e.what());
      } catch (...) {
        return set_error(c, "the attest port threw a non-exception");
      }
      const std::uint8_t one = 1;
      (void)store.put(Column::kSettlement, mark, ByteView(&one, 1), false);
      std::lock_guard lock(mu);
      ++chains[c].deposits_attested;
    }
    record.scan_next_block = to + 1;
    if (Status s = persist_chain_record(c, record); !s.is_ok()) {
      return set_error(c, "persisting the deposit scan position: " + s.to_string());
    }
  }
}

}  // namespace replex::settlement
