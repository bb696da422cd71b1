// StoreOptions: the limits and checks every Store implementation shares.
//
// A plain value type; validate() names the first field that is out of range.
#pragma once

#include <cstdint>

#include "replex/core/status.hpp"

namespace replex::storage {

// Whether the store honours the caller's `sync` flag on wal_append, put and
// erase, or syncs every write (put_block, put_snapshot, reset_chain_to and
// wal_truncate_below are always synced).
enum class SyncPolicy : std::uint8_t {
  kAsRequested,  // unsynced writes survive a process crash, not power loss
  kAlways,       // every write survives power loss; costs one fsync per write
};

struct StoreOptions {
  // Largest payload of one stored value: a block's bytes plus 76 bytes of
  // header, a certificate, a snapshot's state plus proof, a WAL record, a
  // meta/settlement value. Frames carry a u32 length, so at most 4 GiB - 1.
  std::uint64_t max_record_bytes = std::uint64_t{1} << 30;
  // Longest key in the meta and settlement columns.
  std::uint32_t max_key_bytes = 1024;
  // How many of the newest blocks open() verifies (frame, height, certificate,
  // hash index) before it returns a store; at least 1.
  std::uint32_t open_check_blocks = 16;
  SyncPolicy sync_policy = SyncPolicy::kAsRequested;

  Status validate() const;
};

}  // namespace replex::storage
