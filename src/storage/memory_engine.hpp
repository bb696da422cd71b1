// MemoryEngine: a KvEngine in ordered maps, with the crash model and fault
// injection behind MemoryDisk (include/replex/storage/memory_store.hpp).
//
// Unsynced changes keep an undo entry (the key's previous value); a synced
// write or sync() makes them durable by dropping the undo log, and crash()
// applies it backwards. Thread-safety: one mutex guards everything; the fault
// policy and scan visitors run under it and must not call back in.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kv_engine.hpp"
#include "replex/storage/memory_store.hpp"

namespace replex::storage {

class MemoryEngine final : public KvEngine {
 public:
  Result<std::optional<std::string>> get(Cf cf, std::string_view key) const override;
  Result<std::vector<std::optional<std::string>>> multi_get(std::span<const CfKey> keys) const override;
  Status scan(Cf cf, std::string_view begin, std::string_view end, ScanOrder order,
              const ScanVisitor& visit) const override;
  Status write(const WriteBatch& batch, bool sync) override;
  Status sync() override;

  std::optional<std::string> crash(const CrashFault& fault);
  void set_fault_policy(FaultPolicy policy);
  std::size_t unsynced_changes() const;

  // The single-open-store lock (RocksDB's LOCK file).
  bool try_lock_for_store();
  void unlock_for_store();

 private:
  using Table = std::map<std::string, std::string, std::less<>>;

  struct Undo {
    Cf cf = Cf::kBlocks;
    std::string key;
    std::optional<std::string> previous;  // nullopt: the key did not exist
  };
  struct RecordRef {
    Cf cf = Cf::kBlocks;
    std::string key;
  };

  // Counts the request and asks the fault policy; true when it must fail.
  bool injected_failure(IoKind kind) const;
  Status injected_error(IoKind kind, std::string_view what) const;
  void set(Cf cf, const std::string& key, std::optional<std::string> value, bool sync);
  void make_durable();

  mutable std::mutex mutex_;
  std::array<Table, kCfCount> tables_;
  std::vector<Undo> undo_;  // unsynced changes, oldest first
  std::optional<RecordRef> newest_put_;
  std::optional<RecordRef> newest_durable_put_;
  FaultPolicy fault_policy_;
  mutable std::array<std::uint64_t, 3> requests_{};  // by IoKind
  bool store_open_ = false;
};

}  // namespace replex::storage
