// The store's column families. The names are on disk; never rename one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace replex::storage {

enum class Cf : std::uint8_t { kBlocks, kCerts, kTxIndex, kSnapshots, kWal, kSettlement, kMeta, kEvents };

inline constexpr std::size_t kCfCount = 8;
inline constexpr std::array<Cf, kCfCount> kAllCfs = {Cf::kBlocks, Cf::kCerts,       Cf::kTxIndex, Cf::kSnapshots,
                                                     Cf::kWal,    Cf::kSettlement, Cf::kMeta,    Cf::kEvents};

constexpr std::string_view cf_name(Cf cf) {
  switch (cf) {
    case Cf::kBlocks: return "blocks";
    case Cf::kCerts: return "certs";
    case Cf::kTxIndex: return "tx_index";
    case Cf::kSnapshots: return "snapshots";
    case Cf::kWal: return "wal";
    case Cf::kSettlement: return "settlement";
    case Cf::kMeta: return "meta";
    case Cf::kEvents: return "events";
  }
  return "unknown";
}

constexpr std::size_t cf_index(Cf cf) { return static_cast<std::size_t>(cf); }

static_assert(cf_index(Cf::kEvents) + 1 == kCfCount, "kCfCount must cover every column family");

}  // namespace replex::storage
