// Settler::Impl, shared by settler.cpp (open, the builder thread, the
// public methods) and settler_chain.cpp (one worker thread per chain).
//
// Locking: `in_mu` guards the input queues only; `mu` guards everything the
// builder and the workers share (per-chain state, status). Neither is held
// during a JSON-RPC call, a port call or a signature recovery; the store is
// thread-safe and written without them (each key has one writing thread).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "replex/settlement/batch.hpp"
#include "replex/settlement/eth_client.hpp"
#include "replex/settlement/settler.hpp"
#include "settler_records.hpp"

namespace replex::settlement {

using SteadyClock = std::chrono::steady_clock;

// Logs at most once per interval per key, counting what it held back.
class RateLimitedLog {
 public:
  void warn(const std::string& key, const std::string& text);

 private:
  std::mutex mu_;
  struct Entry {
    SteadyClock::time_point last{};
    std::uint64_t suppressed = 0;
  };
  std::map<std::string, Entry> entries_;
};

// A built batch not yet settled, as held in memory: what is signed and the
// signatures gathered for it. The deltas stay in the store until submission.
struct PendingBatch {
  BatchHeader header;
  Hash256 root;
  std::optional<Rsv65> own;                  // this node's signature (validators)
  std::map<std::uint32_t, Rsv65> signatures; // valid ones over `root`, by validator index
  std::optional<SteadyClock::time_point> ready_at;  // first seen submittable
};

struct ChainState {
  // Builder: the next batch to build. Workers read it.
  ChainHead head;
  std::map<std::uint64_t, PendingBatch> pending;  // by number, built and unsettled
  // Verified signatures of batches not built here yet: number -> validator -> (root, sig).
  std::map<std::uint64_t, std::map<std::uint32_t, std::pair<Hash256, Rsv65>>> early;

  // Worker: what the chain says.
  records::ChainRecord record;           // settled (confirmations deep, root checked), deposit scan
  std::uint64_t chain_last = 0;          // lastBatchNumber at latest
  std::uint32_t threshold = 0;           // the contract's, once read
  bool diverged = false;                 // the chain settled a root this node did not build
  std::optional<records::TxRecord> tx;   // this node's transaction in flight
  SteadyClock::time_point tx_sent_at{};
  bool tx_needs_resend = false;

  // Status.
  std::uint64_t batches_built = 0;
  std::uint64_t batches_signed = 0;
  std::uint64_t signatures_dropped = 0;
  std::uint64_t transactions_sent = 0;
  std::uint64_t fee_bumps = 0;
  std::uint64_t deposits_seen = 0;
  std::uint64_t deposits_attested = 0;
  bool rpc_up = false;
  std::string last_error;
  bool error_from_rpc = false;
  bool contract_checked = false;
  bool wake = false;  // a worker round is due now

  std::uint64_t first_unsettled() const { return std::max(record.settled_number, chain_last) + 1; }
};

struct Settler::Impl {
  Impl(SettlerConfig config_in, std::shared_ptr<const exchange::ChainRules> rules_in, SettlementLayout layout_in,
       std::vector<EthAddress> validators_in, std::optional<std::uint32_t> self_in, std::optional<EthKey> key_in,
       storage::Store& store_in, Ports ports_in);

  // ---- immutable after open ----
  const SettlerConfig config;
  const std::shared_ptr<const exchange::ChainRules> rules;
  const SettlementLayout layout;
  const std::vector<EthAddress> validators;
  const std::optional<std::uint32_t> self;
  const std::optional<EthKey> key;
  storage::Store& store;
  const Ports ports;
  std::vector<ChainConfig> chain_configs;  // parallel to layout.chains (ascending chain id)
  std::map<BalanceKey, std::uint64_t> genesis_totals;
  std::vector<std::optional<EthClient>> clients;  // per chain; used by its worker only

  // ---- input (in_mu) ----
  struct BlockInput {
    std::uint64_t height = 0;
    std::vector<exchange::Event> events;
  };
  struct MessageInput {
    std::uint32_t from = 0;
    Bytes bytes;
  };
  std::mutex in_mu;
  std::condition_variable in_cv;
  std::deque<BlockInput> blocks;
  std::deque<MessageInput> messages;
  std::uint64_t highest_committed = 0;  // highest height announced, queued or dropped
  bool started = false;
  bool stopping = false;
  std::atomic<bool> stop_requested{false};

  // ---- builder thread only ----
  BatchAccumulator accumulator;
  std::uint64_t folded_height = 0;  // last height in the accumulator (>= the head's processed height)
  Status lookup_error;
  bool halted = false;  // a store failure left the accumulator unusable: nothing more is built
  SteadyClock::time_point next_resend{};

  // ---- shared (mu) ----
  mutable std::mutex mu;
  std::condition_variable worker_cv;
  std::vector<ChainState> chains;  // parallel to layout.chains
  std::uint64_t processed_height = 0;
  std::uint64_t boundary_height = 0;  // the last height a range closed at
  std::uint64_t unroutable = 0;
  std::string builder_error;
  bool running = false;

  std::thread builder;
  std::vector<std::thread> workers;
  RateLimitedLog log;

  // settler.cpp
  Status load();
  void builder_main();
  bool fold_next(std::deque<BlockInput>& queued, std::uint64_t target);
  void fold(std::uint64_t height, std::span<const exchange::Event> events);
  Status close_range(std::uint64_t height);
  void handle_message(const MessageInput& m, std::vector<Bytes>& out);
  void add_signature_locked(ChainState& cs, std::size_t chain_index, std::uint64_t number, std::uint32_t validator,
                            const Hash256& root, const Rsv65& sig);
  void sign_locked(std::size_t chain_index, std::uint64_t number, PendingBatch& batch, std::vector<Bytes>& out);
  void resend_locked(std::vector<Bytes>& out);
  std::uint64_t total_before(const exchange::AccountId& account, exchange::AssetIndex asset);
  void broadcast(std::vector<Bytes>& out);
  bool is_stopping();

  // settler_chain.cpp
  void worker_main(std::size_t chain_index);
  void worker_round(std::size_t chain_index);
  bool follow_settlement(std::size_t c, std::uint64_t head, std::uint64_t latest, std::uint64_t confirmed);
  void maybe_submit(std::size_t c, std::uint64_t latest);
  void submit(std::size_t c, std::uint64_t number, std::vector<Rsv65> signatures);
  void track(std::size_t c, std::uint64_t head, std::uint64_t latest);
  void scan_deposits(std::size_t c, std::uint64_t head);
  enum class SendKind : std::uint8_t { kFirst, kReplacement, kResend };
  void send(std::size_t c, const Bytes& raw, SendKind kind);
  void check_contract(std::size_t c);
  void set_error(std::size_t c, std::string text);
  void rpc_failed(std::size_t c, const RpcError& error);
  Status persist_tx(std::size_t c, const std::optional<records::TxRecord>& tx);
  Status persist_chain_record(std::size_t c, const records::ChainRecord& r);
};

}  // namespace replex::settlement
