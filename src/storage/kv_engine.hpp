// KvEngine: the ordered key/value engine under KvStore (LevelDB's Env idea).
//
// RocksEngine puts it on RocksDB; MemoryEngine keeps it in memory with a
// crash model and injected faults. Keys are ordered bytewise. A WriteBatch is
// applied atomically; with `sync` it and every earlier write are durable when
// write() returns. Errors carry the operation, column family and key.
// Thread-safety: implementations are safe to call from any thread.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "column_family.hpp"
#include "replex/core/status.hpp"

namespace replex::storage {

class WriteBatch {
 public:
  enum class OpKind : std::uint8_t { kPut, kErase, kEraseRange };
  struct Op {
    OpKind kind = OpKind::kPut;
    Cf cf = Cf::kBlocks;
    std::string key;    // kEraseRange: the first key erased
    std::string value;  // kPut: the value; kEraseRange: the end key (excluded)
  };

  void put(Cf cf, std::string key, std::string value) {
    ops_.push_back({OpKind::kPut, cf, std::move(key), std::move(value)});
  }
  void erase(Cf cf, std::string key) { ops_.push_back({OpKind::kErase, cf, std::move(key), {}}); }
  void erase_range(Cf cf, std::string begin, std::string end) {
    ops_.push_back({OpKind::kEraseRange, cf, std::move(begin), std::move(end)});
  }

  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }

 private:
  std::vector<Op> ops_;
};

struct CfKey {
  Cf cf = Cf::kBlocks;
  std::string key;
};

enum class ScanOrder : std::uint8_t { kAscending, kDescending };

// Receives one entry of a scan; returns false to stop the scan. It must not
// call back into the engine.
using ScanVisitor = std::function<bool(std::string_view key, std::string_view value)>;

class KvEngine {
 public:
  virtual ~KvEngine() = default;

  // The value, or nullopt when the key is absent.
  virtual Result<std::optional<std::string>> get(Cf cf, std::string_view key) const = 0;
  // Several keys read from one consistent view, in the order given.
  virtual Result<std::vector<std::optional<std::string>>> multi_get(std::span<const CfKey> keys) const = 0;
  // Visits the entries with begin <= key < end in `order`.
  virtual Status scan(Cf cf, std::string_view begin, std::string_view end, ScanOrder order,
                      const ScanVisitor& visit) const = 0;
  virtual Status write(const WriteBatch& batch, bool sync) = 0;
  // Makes every write so far durable.
  virtual Status sync() = 0;
};

}  // namespace replex::storage
