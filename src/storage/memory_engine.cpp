#include "memory_engine.hpp"

#include "keys.hpp"

namespace replex::storage {
namespace {

std::string_view kind_name(IoKind kind) {
  switch (kind) {
    case IoKind::kRead: return "read";
    case IoKind::kWrite: return "write";
    case IoKind::kSync: return "sync";
  }
  return "unknown";
}

}  // namespace

bool MemoryEngine::injected_failure(IoKind kind) const {
  const std::uint64_t index = ++requests_[static_cast<std::size_t>(kind)];
  return fault_policy_ && fault_policy_(IoRequest{kind, index});
}

// Built only when a request fails, so reads pay nothing for the message.
Status MemoryEngine::injected_error(IoKind kind, std::string_view what) const {
  return Status::io_error(std::string(what) + ": injected I/O error (" + std::string(kind_name(kind)) +
                          " request #" + std::to_string(requests_[static_cast<std::size_t>(kind)]) + ")");
}

Result<std::optional<std::string>> MemoryEngine::get(Cf cf, std::string_view key) const {
  std::lock_guard lock(mutex_);
  if (injected_failure(IoKind::kRead)) {
    return injected_error(IoKind::kRead, "read " + keys::describe(cf, key));
  }
  const Table& table = tables_[cf_index(cf)];
  const auto it = table.find(key);
  if (it == table.end()) return std::optional<std::string>{};
  return std::optional<std::string>{it->second};
}

Result<std::vector<std::optional<std::string>>> MemoryEngine::multi_get(std::span<const CfKey> keys) const {
  std::lock_guard lock(mutex_);
  if (injected_failure(IoKind::kRead)) {
    return injected_error(IoKind::kRead, "read of " + std::to_string(keys.size()) + " keys");
  }
  std::vector<std::optional<std::string>> out;
  out.reserve(keys.size());
  for (const CfKey& k : keys) {
    const Table& table = tables_[cf_index(k.cf)];
    const auto it = table.find(k.key);
    out.push_back(it == table.end() ? std::nullopt : std::optional<std::string>{it->second});
  }
  return out;
}

Status MemoryEngine::scan(Cf cf, std::string_view begin, std::string_view end, ScanOrder order,
                          const ScanVisitor& visit) const {
  std::lock_guard lock(mutex_);
  if (injected_failure(IoKind::kRead)) {
    return injected_error(IoKind::kRead, "scan of column family '" + std::string(cf_name(cf)) + "'");
  }
  const Table& table = tables_[cf_index(cf)];
  const auto first = table.lower_bound(begin);
  const auto last = table.lower_bound(end);
  if (first == table.end() || begin >= end) return Status::ok();
  if (order == ScanOrder::kAscending) {
    for (auto it = first; it != last; ++it) {
      if (!visit(it->first, it->second)) break;
    }
  } else {
    for (auto it = last; it != first;) {
      --it;
      if (!visit(it->first, it->second)) break;
    }
  }
  return Status::ok();
}

void MemoryEngine::set(Cf cf, const std::string& key, std::optional<std::string> value, bool sync) {
  Table& table = tables_[cf_index(cf)];
  const auto it = table.find(key);
  if (!sync) {
    undo_.push_back({cf, key, it == table.end() ? std::nullopt : std::optional<std::string>{it->second}});
  }
  if (value) {
    table.insert_or_assign(key, std::move(*value));
    newest_put_ = RecordRef{cf, key};
  } else if (it != table.end()) {
    table.erase(it);
  }
}

Status MemoryEngine::write(const WriteBatch& batch, bool sync) {
  std::lock_guard lock(mutex_);
  if (injected_failure(IoKind::kWrite)) {
    return injected_error(IoKind::kWrite, "write of " + std::to_string(batch.ops().size()) + " operations");
  }
  for (const WriteBatch::Op& op : batch.ops()) {
    switch (op.kind) {
      case WriteBatch::OpKind::kPut: set(op.cf, op.key, op.value, sync); break;
      case WriteBatch::OpKind::kErase: set(op.cf, op.key, std::nullopt, sync); break;
      case WriteBatch::OpKind::kEraseRange: {
        Table& table = tables_[cf_index(op.cf)];
        std::vector<std::string> doomed;
        for (auto it = table.lower_bound(op.key); it != table.end() && it->first < op.value; ++it) {
          doomed.push_back(it->first);
        }
        for (const std::string& key : doomed) set(op.cf, key, std::nullopt, sync);
        break;
      }
    }
  }
  // Like an fsync of RocksDB's log: a synced write makes all earlier ones durable.
  if (sync) make_durable();
  return Status::ok();
}

void MemoryEngine::make_durable() {
  undo_.clear();
  newest_durable_put_ = newest_put_;
}

Status MemoryEngine::sync() {
  std::lock_guard lock(mutex_);
  if (injected_failure(IoKind::kSync)) return injected_error(IoKind::kSync, "sync");
  make_durable();
  return Status::ok();
}

std::optional<std::string> MemoryEngine::crash(const CrashFault& fault) {
  std::lock_guard lock(mutex_);
  REPLEX_ASSERT_MSG(!store_open_, "crash() with a MemoryStore open: destroy the store first");
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    Table& table = tables_[cf_index(it->cf)];
    if (it->previous) {
      table.insert_or_assign(it->key, std::move(*it->previous));
    } else {
      table.erase(it->key);
    }
  }
  undo_.clear();
  newest_put_ = newest_durable_put_;

  if (fault.kind == CrashFault::Kind::kNone || !newest_durable_put_) return std::nullopt;
  Table& table = tables_[cf_index(newest_durable_put_->cf)];
  const auto it = table.find(newest_durable_put_->key);
  if (it == table.end() || it->second.empty()) return std::nullopt;  // erased since it was written
  std::string& value = it->second;
  const std::string where = keys::describe(newest_durable_put_->cf, newest_durable_put_->key);
  const std::size_t size = value.size();
  if (fault.kind == CrashFault::Kind::kTornRecord) {
    value.resize(static_cast<std::size_t>(fault.seed % size));
    return where + ": torn to " + std::to_string(value.size()) + " of " + std::to_string(size) + " bytes";
  }
  const std::uint64_t bit = fault.seed % (std::uint64_t{8} * size);
  value[bit / 8] = static_cast<char>(value[bit / 8] ^ (1u << (bit % 8)));
  return where + ": bit " + std::to_string(bit) + " of " + std::to_string(size) + " bytes flipped";
}

void MemoryEngine::set_fault_policy(FaultPolicy policy) {
  std::lock_guard lock(mutex_);
  fault_policy_ = std::move(policy);
}

std::size_t MemoryEngine::unsynced_changes() const {
  std::lock_guard lock(mutex_);
  return undo_.size();
}

bool MemoryEngine::try_lock_for_store() {
  std::lock_guard lock(mutex_);
  if (store_open_) return false;
  store_open_ = true;
  return true;
}

void MemoryEngine::unlock_for_store() {
  std::lock_guard lock(mutex_);
  REPLEX_ASSERT(store_open_);
  store_open_ = false;
}

}  // namespace replex::storage
