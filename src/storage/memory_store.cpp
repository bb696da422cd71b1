#include "replex/storage/memory_store.hpp"

#include "kv_store.hpp"
#include "memory_engine.hpp"

namespace replex::storage {

FaultPolicy fail_nth(IoKind kind, std::uint64_t n) {
  return [kind, n](const IoRequest& request) { return request.kind == kind && request.index == n; };
}

FaultPolicy fail_from(IoKind kind, std::uint64_t n) {
  return [kind, n](const IoRequest& request) { return request.kind == kind && request.index >= n; };
}

MemoryDisk::MemoryDisk() : engine_(std::make_shared<MemoryEngine>()) {}
MemoryDisk::~MemoryDisk() = default;

std::optional<std::string> MemoryDisk::crash(const CrashFault& fault) { return engine_->crash(fault); }
void MemoryDisk::set_fault_policy(FaultPolicy policy) { engine_->set_fault_policy(std::move(policy)); }
std::size_t MemoryDisk::unsynced_changes() const { return engine_->unsynced_changes(); }

Result<std::unique_ptr<MemoryStore>> MemoryStore::open(std::shared_ptr<MemoryDisk> disk,
                                                       const StoreOptions& options) {
  if (disk == nullptr) return Status::invalid_argument("MemoryStore::open: disk: null");
  if (!disk->engine_->try_lock_for_store()) {
    return Status::failed_precondition("MemoryStore::open: another store is open on this disk");
  }
  Result<std::unique_ptr<KvStore>> store = KvStore::open(disk->engine_, options);
  if (!store.is_ok()) {
    disk->engine_->unlock_for_store();
    return store.status();
  }
  return std::unique_ptr<MemoryStore>(new MemoryStore(std::move(disk), std::move(store).value()));
}

MemoryStore::MemoryStore(std::shared_ptr<MemoryDisk> disk, std::unique_ptr<Store> store)
    : ForwardingStore(std::move(store)), disk_(std::move(disk)) {}

MemoryStore::~MemoryStore() {
  close_inner();  // the store closes before the disk takes another
  disk_->engine_->unlock_for_store();
}

}  // namespace replex::storage
