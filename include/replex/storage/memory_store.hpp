// MemoryStore: the Store in memory, for the deterministic simulator.
//
// The same record layout, framing and open-time checks as RocksStore, over a
// MemoryDisk instead of RocksDB. The disk is the durable medium and outlives
// the store, the way a directory outlives a process: a simulated crash
// destroys the store, crashes the disk (losing unsynced writes, optionally
// damaging a record) and opens a new store on it. Deterministic: no clocks,
// no randomness, ordered maps only; faults come from the caller's seeds.
// Thread-safety: all methods of both classes may be called from any thread.
// Durability model: docs/storage.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "replex/storage/forwarding_store.hpp"
#include "replex/storage/store.hpp"
#include "replex/storage/store_options.hpp"

namespace replex::storage {

class KvStore;
class MemoryEngine;

enum class IoKind : std::uint8_t { kRead, kWrite, kSync };

// One request to the disk: a point or batched read or a scan (kRead), one
// atomic batch (kWrite), or a flush of unsynced writes (kSync).
struct IoRequest {
  IoKind kind = IoKind::kRead;
  std::uint64_t index = 0;  // 1-based count of requests of this kind on this disk, failed ones included
};

// Decides whether a request fails with kIoError. A failed request changes
// nothing. It must be deterministic (a pure function of its input and the
// caller's seeded state) and must not call back into the disk.
using FaultPolicy = std::function<bool(const IoRequest&)>;

// Fails exactly the `n`th request (1-based) of `kind`.
FaultPolicy fail_nth(IoKind kind, std::uint64_t n);
// Fails every request of `kind` from the `n`th on, e.g. a disk gone bad.
FaultPolicy fail_from(IoKind kind, std::uint64_t n);

// What a crash does to the newest record that survives it.
struct CrashFault {
  enum class Kind : std::uint8_t {
    kNone,
    kTornRecord,  // the record keeps only its first (seed % size) bytes
    kFlippedBit,  // bit (seed % (8 * size)) of the record is inverted
  };
  Kind kind = Kind::kNone;
  std::uint64_t seed = 0;
};

// The simulated durable medium of one node. Writes are durable once synced;
// a synced write or sync() makes every earlier write durable too, like an
// fsync of RocksDB's log. At most one MemoryStore is open on a disk.
class MemoryDisk {
 public:
  MemoryDisk();
  ~MemoryDisk();
  MemoryDisk(const MemoryDisk&) = delete;
  MemoryDisk& operator=(const MemoryDisk&) = delete;

  // Power loss: discards every unsynced write, then applies `fault` to the
  // newest surviving written record, if that record still exists. Returns
  // which record was damaged and how. Precondition: no store is open on the
  // disk (destroy it first; a killed process flushes nothing).
  std::optional<std::string> crash(const CrashFault& fault = {});

  // Replaces the fault policy; an empty policy never fails.
  void set_fault_policy(FaultPolicy policy);
  // Unsynced changes (one per key written) that a crash would discard.
  std::size_t unsynced_changes() const;

 private:
  friend class MemoryStore;
  std::shared_ptr<MemoryEngine> engine_;
};

class MemoryStore final : public ForwardingStore {
 public:
  // Opens a store on `disk` with the same checks as RocksStore::open.
  // kFailedPrecondition if another store is open on the disk.
  static Result<std::unique_ptr<MemoryStore>> open(std::shared_ptr<MemoryDisk> disk,
                                                   const StoreOptions& options = {});
  // Closes without syncing: unsynced writes stay pending on the disk.
  ~MemoryStore() override;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

 private:
  MemoryStore(std::shared_ptr<MemoryDisk> disk, std::unique_ptr<Store> store);

  std::shared_ptr<MemoryDisk> disk_;
};

}  // namespace replex::storage
