// The replica host's ports: how it reaches the outside world.
//
// The host owns no sockets, threads or clocks. A driver (the node on Asio,
// or the simulator) implements these small interfaces; the host calls them
// from the thread that drives it, in the order the consensus core asked.
// Implementations must not call back into the host from inside a call.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "replex/consensus/block.hpp"
#include "replex/consensus/certificates.hpp"
#include "replex/consensus/inputs_and_actions.hpp"

namespace replex::host {

// Consensus messages and catch-up requests to peers. Answers to requests come
// back through ReplicaHost::handle as BlocksReceived / StateReceived.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void send(consensus::ValidatorIndex to, consensus::MessageType type,
                    const consensus::SharedBytes& bytes) = 0;
  // To every other validator.
  virtual void broadcast(consensus::MessageType type, const consensus::SharedBytes& bytes) = 0;
  // Ask a peer (the first of request.peers that is reachable) for blocks.
  virtual void request_blocks(const consensus::RequestBlocks& request) = 0;
  virtual void request_state(const consensus::RequestState& request) = 0;
  // Ask a peer for one snapshot chunk; the answer comes back as ChunkReceived.
  // A transport that cannot drops it: the core gives the transfer up after
  // every peer was asked twice, and catch-up goes on by whole answers.
  virtual void request_chunk(const consensus::RequestChunk& request) { (void)request; }
};

// One timer per kind. A set replaces the kind's previous deadline; expiry
// comes back as a TimerFired input (stale expiries are harmless).
class Timers {
 public:
  virtual ~Timers() = default;
  virtual void set(consensus::TimerKind kind, std::uint64_t deadline_ms) = 0;
  virtual void cancel(consensus::TimerKind kind) = 0;
};

// A block the node executed and stored: what the read side, streams and
// settlement consume.
struct CommittedBlock {
  consensus::Height height = 0;
  Hash256 block_hash;
  std::uint64_t time_ms = 0;  // header time
  Hash256 app_hash;           // after this block
  std::vector<Hash256> tx_hashes;
  std::vector<std::uint32_t> tx_codes;  // per transaction: 0 applied, else a reason code
  Bytes events;                         // the application's canonical events of the block
  std::shared_ptr<const consensus::Block> block;
  consensus::CommitCertificate certificate;
};

// State transfer replaced the application's state with a peer's snapshot.
struct InstalledState {
  consensus::Height height = 0;
  Hash256 block_hash;
  Hash256 app_hash;
};

// What the host reports. Every method has an empty default, so a listener
// overrides only what it consumes.
class Listener {
 public:
  virtual ~Listener() = default;
  virtual void on_block_committed(const CommittedBlock& /*block*/) {}
  virtual void on_state_installed(const InstalledState& /*state*/) {}
  // The mempool's verdict on a submitted transaction, or a later eviction.
  virtual void on_tx_status(const consensus::TxStatusReport& /*report*/) {}
  virtual void on_view_changed(const consensus::ViewChanged& /*change*/) {}
  virtual void on_evidence(const consensus::Evidence& /*evidence*/) {}
};

}  // namespace replex::host
