// The faults the simulator injects, by name, and counters of what happened.
//
// A FaultSet is what a run may inject; FaultCounts is what it did (and what
// the cluster did in response: view changes, state transfers...). The suite
// asserts that across its seeds every kind was really exercised.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace replex::sim {

enum class Fault : std::uint8_t {
  // --- network -------------------------------------------------------------
  kDrop,       // messages lost
  kDuplicate,  // messages delivered twice
  kDelay,      // a latency tail: some messages take many times the usual
  kReorder,    // latency jitter large enough to reorder a link's messages
  kPartition,  // groups of nodes cut off from each other, then healed
  // --- nodes ---------------------------------------------------------------
  kCrash,           // kill the host, lose the disk's unsynced writes, restart from disk
  kOutage,          // one node down from early on until the heal: it catches up by state transfer
  kDiskError,       // injected I/O errors: the host stops, the node restarts
  kDiskCorruption,  // a crash damages a record: the node refuses to start, is wiped and resyncs
  kClockSkew,       // per-node clock offsets
  // --- clients --------------------------------------------------------------
  kNonceReuse,  // a client sends a second, different transaction with a nonce it just used, to another node
  // --- Byzantine validators (at most f) ------------------------------------
  kEquivocate,       // a primary sends two blocks for one height to two halves
  kSilent,           // sends nothing, answers nothing
  kForge,            // invalid signatures; messages claiming another sender
  kDoubleVote,       // a second, different vote for each (view, height) / checkpoint
  kReplay,           // re-sends messages of views it has left
  kInvalidProposal,  // a primary proposes a block with an invalid transaction
  kLyingViewChange,  // VIEW-CHANGEs that omit, fake or mismatch prepared certificates
};
inline constexpr std::size_t kFaultKinds = 18;

std::string_view fault_name(Fault f);
std::optional<Fault> fault_from_name(std::string_view name);
bool is_byzantine(Fault f);

class FaultSet {
 public:
  FaultSet() = default;
  void add(Fault f) { bits_ |= bit(f); }
  void remove(Fault f) { bits_ &= ~bit(f); }
  bool has(Fault f) const { return (bits_ & bit(f)) != 0; }
  bool empty() const { return bits_ == 0; }
  bool has_byzantine() const;
  // "drop,crash,equivocate" in enum order; "none" when empty.
  std::string to_string() const;
  // Parses a comma-separated list of names; "none" is the empty set.
  static std::optional<FaultSet> parse(std::string_view list, std::string* error);
  friend bool operator==(const FaultSet&, const FaultSet&) = default;

 private:
  static std::uint32_t bit(Fault f) { return 1u << static_cast<unsigned>(f); }
  std::uint32_t bits_ = 0;
};

// Occurrences per fault kind, plus what the cluster did about them.
struct FaultCounts {
  std::array<std::uint64_t, kFaultKinds> injected{};
  std::uint64_t view_changes = 0;     // NEW-VIEWs entered by honest replicas
  std::uint64_t crash_restarts = 0;   // honest nodes restarted from their disk
  std::uint64_t state_transfers = 0;  // states installed by honest replicas
  std::uint64_t chunks_served = 0;    // snapshot chunks honest replicas served
  // Chunked transfers whose height a replica's commits reached before any
  // install: blocks overtook it, or it was given up or failed and blocks
  // caught up. Counted on every replica (a Byzantine one runs the same core).
  std::uint64_t transfers_overtaken = 0;
  std::uint64_t refused_starts = 0;   // restarts refused on damaged stored data
  std::uint64_t evidence = 0;         // evidence reported by honest replicas

  std::uint64_t& operator[](Fault f) { return injected[static_cast<std::size_t>(f)]; }
  std::uint64_t operator[](Fault f) const { return injected[static_cast<std::size_t>(f)]; }
  FaultCounts& operator+=(const FaultCounts& other);
};

}  // namespace replex::sim
