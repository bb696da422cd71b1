#include "keys.hpp"

#include <algorithm>

#include "replex/core/assert.hpp"
#include "replex/core/big_endian.hpp"

namespace replex::storage::keys {
namespace {

constexpr std::size_t kU64Bytes = 8;

void append_be64(std::string& out, std::uint64_t v) {
  char buf[kU64Bytes];
  store_be64(buf, v);
  out.append(buf, sizeof buf);
}

// Precondition: `in` holds at least 8 bytes.
std::uint64_t read_be64(std::string_view in) {
  REPLEX_ASSERT(in.size() >= kU64Bytes);
  return load_be64(in.data());
}

std::string tagged_height(char tag, std::uint64_t height) {
  std::string key(1, tag);
  append_be64(key, height);
  return key;
}

std::string tagged_hash(char tag, const Hash256& hash) {
  std::string key(1, tag);
  key.append(as_chars(hash.view()));
  return key;
}

// Every key of one tag: [tag, tag + 1).
KeyRange tag_range(char tag) { return {std::string(1, tag), std::string(1, static_cast<char>(tag + 1))}; }

// Every key of exactly `size` bytes, untagged: "" up to a key greater than all of them.
KeyRange fixed_size_range(std::size_t size) { return {std::string(), std::string(size + 1, '\xff')}; }

std::optional<std::uint64_t> parse_tagged_height(char tag, std::string_view key) {
  if (key.size() != 1 + kU64Bytes || key[0] != tag) return std::nullopt;
  return read_be64(key.substr(1));
}

bool printable(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

std::string interpret(Cf cf, std::string_view key) {
  switch (cf) {
    case Cf::kBlocks:
      if (key == chain_meta()) return "chain metadata";
      if (auto h = parse_tagged_height(kBlockTag, key)) return "block at height " + std::to_string(*h);
      if (key.size() == 1 + Hash256::kSize && key[0] == kBlockHashTag) return "block hash index";
      break;
    case Cf::kCerts:
      if (key.size() == kU64Bytes) return "certificate at height " + std::to_string(read_be64(key));
      break;
    case Cf::kEvents:
      if (key.size() == kU64Bytes) return "events at height " + std::to_string(read_be64(key));
      break;
    case Cf::kTxIndex:
      if (key.size() == Hash256::kSize) return "tx index entry";
      break;
    case Cf::kSnapshots:
      if (auto h = parse_tagged_height(kSnapshotInfoTag, key)) {
        return "snapshot index entry at height " + std::to_string(*h);
      }
      if (auto h = parse_tagged_height(kSnapshotDataTag, key)) {
        return "snapshot at height " + std::to_string(*h);
      }
      if (auto h = parse_tagged_height(kSnapshotProofTag, key)) {
        return "snapshot proof at height " + std::to_string(*h);
      }
      break;
    case Cf::kWal:
      if (auto k = parse_wal_entry(key)) {
        return "WAL record of height " + std::to_string(k->height) + ", sequence " +
               std::to_string(k->sequence);
      }
      if (key == wal_floor()) return "WAL sequence floor";
      break;
    case Cf::kSettlement:
    case Cf::kMeta: return {};
  }
  return "unrecognised key";
}

}  // namespace

std::string chain_meta() { return std::string(1, kChainTag); }
std::string block(std::uint64_t height) { return tagged_height(kBlockTag, height); }
std::string block_hash(const Hash256& hash) { return tagged_hash(kBlockHashTag, hash); }

std::string certificate(std::uint64_t height) {
  std::string key;
  append_be64(key, height);
  return key;
}

std::string events(std::uint64_t height) { return certificate(height); }  // the same layout, another column

std::string tx(const Hash256& tx_hash) { return std::string(as_chars(tx_hash.view())); }
std::string snapshot_info(std::uint64_t height) { return tagged_height(kSnapshotInfoTag, height); }
std::string snapshot_data(std::uint64_t height) { return tagged_height(kSnapshotDataTag, height); }
std::string snapshot_proof(std::uint64_t height) { return tagged_height(kSnapshotProofTag, height); }

std::string wal_entry(std::uint64_t height, std::uint64_t sequence) {
  std::string key = tagged_height(kWalEntryTag, height);
  append_be64(key, sequence);
  return key;
}

std::string wal_floor() { return std::string(1, kWalFloorTag); }

KeyRange blocks_from(std::uint64_t height) { return {block(height), tag_range(kBlockTag).end}; }
KeyRange all_block_hashes() { return tag_range(kBlockHashTag); }
KeyRange all_certificates() { return fixed_size_range(kU64Bytes); }
KeyRange all_events() { return fixed_size_range(kU64Bytes); }
KeyRange all_txs() { return fixed_size_range(Hash256::kSize); }
KeyRange all_snapshot_infos() { return tag_range(kSnapshotInfoTag); }
KeyRange all_wal_entries() { return tag_range(kWalEntryTag); }
KeyRange wal_entries_below(std::uint64_t height) {
  return {wal_entry(0, 0), tagged_height(kWalEntryTag, height)};
}

std::optional<std::uint64_t> parse_block(std::string_view key) { return parse_tagged_height(kBlockTag, key); }

std::optional<std::uint64_t> parse_snapshot_info(std::string_view key) {
  return parse_tagged_height(kSnapshotInfoTag, key);
}

std::optional<WalKey> parse_wal_entry(std::string_view key) {
  if (key.size() != 1 + 2 * kU64Bytes || key[0] != kWalEntryTag) return std::nullopt;
  return WalKey{read_be64(key.substr(1)), read_be64(key.substr(1 + kU64Bytes))};
}

std::string describe(Cf cf, std::string_view key) {
  std::string out = "column family '";
  out += cf_name(cf);
  out += "', key ";
  const bool opaque = cf == Cf::kMeta || cf == Cf::kSettlement;
  if (opaque && printable(key)) {
    out += '"';
    out += key;
    out += '"';
    return out;
  }
  out += key.empty() ? std::string("(empty)") : to_hex(as_bytes(key));
  if (const std::string meaning = interpret(cf, key); !meaning.empty()) out += " (" + meaning + ")";
  return out;
}

}  // namespace replex::storage::keys
