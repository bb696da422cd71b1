#include "kv_store.hpp"

#include <algorithm>
#include <map>

#include "frame.hpp"

namespace replex::storage {
namespace {

// Prefixes a Result's error with `context`; values pass through.
template <typename T>
Result<T> with_context(Result<T> result, std::string_view context) {
  if (result.is_ok()) return result;
  return result.status().with_context(context);
}

// Decoding errors name the record they came from.
template <typename T>
Result<T> for_key(Result<T> result, Cf cf, std::string_view key) {
  return with_context(std::move(result), keys::describe(cf, key) + ": ");
}

Status missing(Cf cf, std::string_view key, std::string_view why) {
  return Status::corruption(keys::describe(cf, key) + ": missing, " + std::string(why));
}

std::string call(std::string_view name, std::uint64_t height) {
  return std::string(name) + "(" + std::to_string(height) + "): ";
}

Cf column_family(Column column) {
  switch (column) {
    case Column::kMeta: return Cf::kMeta;
    case Column::kSettlement: return Cf::kSettlement;
  }
  REPLEX_ASSERT_MSG(false, "unknown Column " + std::to_string(static_cast<int>(column)));
  return Cf::kMeta;
}

Status validate_block_record(const BlockRecord& record) {
  if (record.block.empty()) return Status::invalid_argument("block: empty");
  if (record.block_hash.is_zero()) return Status::invalid_argument("block_hash: all zero");
  if (record.tx_codes.size() != record.tx_hashes.size()) {
    return Status::invalid_argument("tx_codes: " + std::to_string(record.tx_codes.size()) + " entries for " +
                                    std::to_string(record.tx_hashes.size()) + " tx_hashes");
  }
  if (record.tx_hashes.size() > UINT32_MAX) {
    return Status::invalid_argument("tx_hashes: " + std::to_string(record.tx_hashes.size()) +
                                    " entries, a block indexes at most 4294967295");
  }
  return Status::ok();
}

}  // namespace

Status StoreOptions::validate() const {
  if (max_record_bytes == 0 || max_record_bytes > kMaxFramePayloadBytes) {
    return Status::invalid_argument("max_record_bytes: " + std::to_string(max_record_bytes) +
                                    "; must be 1.." + std::to_string(kMaxFramePayloadBytes) +
                                    " (a frame's u32 length)");
  }
  if (max_key_bytes == 0) return Status::invalid_argument("max_key_bytes: 0; must be at least 1");
  if (open_check_blocks == 0) return Status::invalid_argument("open_check_blocks: 0; must be at least 1");
  if (sync_policy != SyncPolicy::kAsRequested && sync_policy != SyncPolicy::kAlways) {
    return Status::invalid_argument("sync_policy: unknown value " +
                                    std::to_string(static_cast<int>(sync_policy)));
  }
  return Status::ok();
}

KvStore::KvStore(std::shared_ptr<KvEngine> engine, const StoreOptions& options)
    : engine_(std::move(engine)), options_(options) {
  REPLEX_ASSERT(engine_ != nullptr);
}

Result<std::unique_ptr<KvStore>> KvStore::open(std::shared_ptr<KvEngine> engine,
                                               const StoreOptions& options) {
  REPLEX_RETURN_IF_ERROR(options.validate().with_context("store options: "));
  std::unique_ptr<KvStore> store(new KvStore(std::move(engine), options));
  REPLEX_RETURN_IF_ERROR(store->load().with_context("open: "));
  return store;
}

// --- open-time checks ----------------------------------------------------------

Status KvStore::load() {
  REPLEX_ASSIGN_OR_RETURN(const ChainMeta chain, load_chain_meta());
  REPLEX_RETURN_IF_ERROR(check_block_range(chain));
  const std::uint64_t checked =
      std::min<std::uint64_t>(options_.open_check_blocks, chain.last_height - chain.base_height);
  for (std::uint64_t i = 0; i < checked; ++i) {
    REPLEX_RETURN_IF_ERROR(check_stored_block(chain.last_height - i, chain));
  }
  REPLEX_RETURN_IF_ERROR(check_latest_snapshot(chain));
  REPLEX_ASSIGN_OR_RETURN(const std::uint64_t wal_last, load_wal_last_sequence());
  set_chain(chain);
  std::lock_guard lock(wal_mutex_);
  wal_last_sequence_ = wal_last;
  return Status::ok();
}

Result<ChainMeta> KvStore::load_chain_meta() const {
  const std::string key = keys::chain_meta();
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> raw, engine_->get(Cf::kBlocks, key));
  if (raw) return for_key(decode_chain_meta(*raw), Cf::kBlocks, key);
  // No metadata: a fresh store, unless chain records exist without it.
  for (const keys::KeyRange& range : {keys::blocks_from(0), keys::all_block_hashes()}) {
    REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> found,
                            first_key(Cf::kBlocks, range, ScanOrder::kAscending));
    if (found) return missing(Cf::kBlocks, key, "but " + keys::describe(Cf::kBlocks, *found) + " exists");
  }
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> cert,
                          first_key(Cf::kCerts, keys::all_certificates(), ScanOrder::kAscending));
  if (cert) return missing(Cf::kBlocks, key, "but " + keys::describe(Cf::kCerts, *cert) + " exists");
  return ChainMeta{};
}

// The stored blocks are exactly base_height + 1 .. last_height: the lowest and
// highest block keys must be those two heights.
Status KvStore::check_block_range(const ChainMeta& chain) const {
  const std::string meta = keys::describe(Cf::kBlocks, keys::chain_meta());
  const std::string claim = "base height " + std::to_string(chain.base_height) + ", last height " +
                            std::to_string(chain.last_height);
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> lowest,
                          first_key(Cf::kBlocks, keys::blocks_from(0), ScanOrder::kAscending));
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> highest,
                          first_key(Cf::kBlocks, keys::blocks_from(0), ScanOrder::kDescending));
  if (chain.first_height() == 0) {
    if (lowest) {
      return Status::corruption(meta + " says " + claim + " (no blocks), but " +
                                keys::describe(Cf::kBlocks, *lowest) + " exists");
    }
    return Status::ok();
  }
  if (!lowest || !highest) {
    return missing(Cf::kBlocks, keys::block(chain.last_height), "but " + meta + " says " + claim);
  }
  if (*highest != keys::block(chain.last_height)) {
    const std::optional<std::uint64_t> h = keys::parse_block(*highest);
    if (h && *h > chain.last_height) {
      return Status::corruption(keys::describe(Cf::kBlocks, *highest) + ": stored above the last height in " +
                                meta + " (" + claim + ")");
    }
    return missing(Cf::kBlocks, keys::block(chain.last_height), "but " + meta + " says " + claim);
  }
  if (*lowest != keys::block(chain.first_height())) {
    return Status::corruption(keys::describe(Cf::kBlocks, *lowest) + ": the lowest stored block, but " +
                              meta + " says " + claim);
  }
  return Status::ok();
}

// One block with everything its put_block wrote besides tx index entries.
Status KvStore::check_stored_block(std::uint64_t height, const ChainMeta& chain) const {
  const std::string why = "but the chain holds heights " + std::to_string(chain.first_height()) + ".." +
                          std::to_string(chain.last_height);
  const std::string block_key = keys::block(height);
  const std::string cert_key = keys::certificate(height);
  const std::vector<CfKey> lookups = {{Cf::kBlocks, block_key}, {Cf::kCerts, cert_key}};
  REPLEX_ASSIGN_OR_RETURN(const auto found, engine_->multi_get(lookups));
  if (!found[0]) return missing(Cf::kBlocks, block_key, why);
  if (!found[1]) return missing(Cf::kCerts, cert_key, why);
  REPLEX_ASSIGN_OR_RETURN(const StoredBlock block,
                          for_key(decode_block(*found[0], height), Cf::kBlocks, block_key));
  REPLEX_RETURN_IF_ERROR(for_key(decode_certificate(*found[1], height), Cf::kCerts, cert_key).status());

  const std::string hash_key = keys::block_hash(block.block_hash);
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> indexed, engine_->get(Cf::kBlocks, hash_key));
  if (!indexed) {
    return missing(Cf::kBlocks, hash_key, "but block " + std::to_string(height) + " has this hash");
  }
  REPLEX_ASSIGN_OR_RETURN(const std::uint64_t indexed_height,
                          for_key(decode_height(*indexed), Cf::kBlocks, hash_key));
  if (indexed_height != height) {
    return Status::corruption(keys::describe(Cf::kBlocks, hash_key) + ": points at height " +
                              std::to_string(indexed_height) + ", but the block with this hash is at " +
                              std::to_string(height));
  }
  return Status::ok();
}

// The latest snapshot must be whole, and after reset_chain_to it must reach
// the chain's base, or the node could not rebuild its state on restart.
Status KvStore::check_latest_snapshot(const ChainMeta& chain) const {
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> latest,
                          first_key(Cf::kSnapshots, keys::all_snapshot_infos(), ScanOrder::kDescending));
  std::optional<std::uint64_t> height;
  if (latest) {
    height = keys::parse_snapshot_info(*latest);
    if (!height) return Status::corruption(keys::describe(Cf::kSnapshots, *latest) + ": malformed key");
    REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> raw_info, engine_->get(Cf::kSnapshots, *latest));
    if (!raw_info) return missing(Cf::kSnapshots, *latest, "although a scan listed it");
    REPLEX_ASSIGN_OR_RETURN(const SnapshotInfo info,
                            for_key(decode_snapshot_info(*raw_info, *height), Cf::kSnapshots, *latest));
    REPLEX_ASSIGN_OR_RETURN(const SnapshotRecord snapshot, read_snapshot(*height));
    if (snapshot.state.size() != info.state_bytes || snapshot.proof.size() != info.proof_bytes) {
      return Status::corruption(keys::describe(Cf::kSnapshots, keys::snapshot_data(*height)) + ": holds " +
                                std::to_string(snapshot.state.size()) + " state and " +
                                std::to_string(snapshot.proof.size()) +
                                " proof bytes, its index entry says " + std::to_string(info.state_bytes) +
                                " and " + std::to_string(info.proof_bytes));
    }
  }
  if (chain.base_height > 0 && (!height || *height < chain.base_height)) {
    return Status::corruption(keys::describe(Cf::kBlocks, keys::chain_meta()) +
                              ": the chain restarts after height " + std::to_string(chain.base_height) +
                              ", but the latest snapshot is " +
                              (height ? "at height " + std::to_string(*height) : std::string("absent")) +
                              "; state cannot be rebuilt");
  }
  return Status::ok();
}

Result<std::uint64_t> KvStore::load_wal_last_sequence() const {
  std::uint64_t last = 0;
  const std::string floor_key = keys::wal_floor();
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> floor, engine_->get(Cf::kWal, floor_key));
  if (floor) {
    REPLEX_ASSIGN_OR_RETURN(last, for_key(decode_sequence(*floor), Cf::kWal, floor_key));
  }
  // Reading every record verifies the WAL the replica replays right after open.
  REPLEX_ASSIGN_OR_RETURN(const std::vector<WalEntry> entries, wal_read_all());
  for (const WalEntry& entry : entries) last = std::max(last, entry.sequence);
  return last;
}

// --- cached chain state ---------------------------------------------------------

ChainMeta KvStore::chain() const {
  std::lock_guard lock(chain_mutex_);
  return chain_;
}

void KvStore::set_chain(const ChainMeta& chain) {
  REPLEX_ASSERT_MSG(
      chain.base_height <= chain.last_height,
      "base " + std::to_string(chain.base_height) + " > last " + std::to_string(chain.last_height));
  std::lock_guard lock(chain_mutex_);
  chain_ = chain;
}

std::uint64_t KvStore::last_height() const { return chain().last_height; }
std::uint64_t KvStore::first_height() const { return chain().first_height(); }

std::string KvStore::stored_range_note() const {
  const ChainMeta c = chain();
  if (c.first_height() == 0) return " (no blocks stored)";
  return " (stored heights: " + std::to_string(c.first_height()) + ".." + std::to_string(c.last_height) + ")";
}

bool KvStore::effective_sync(bool requested) const {
  return requested || options_.sync_policy == SyncPolicy::kAlways;
}

Status KvStore::check_payload_size(std::string_view field, std::uint64_t payload_bytes) const {
  if (payload_bytes <= options_.max_record_bytes) return Status::ok();
  return Status::invalid_argument(std::string(field) + ": record of " + std::to_string(payload_bytes) +
                                  " bytes exceeds max_record_bytes " +
                                  std::to_string(options_.max_record_bytes));
}

Status KvStore::check_opaque_key(std::string_view key) const {
  if (key.empty()) return Status::invalid_argument("key: empty");
  if (key.size() > options_.max_key_bytes) {
    return Status::invalid_argument("key: " + std::to_string(key.size()) + " bytes exceeds max_key_bytes " +
                                    std::to_string(options_.max_key_bytes));
  }
  return Status::ok();
}

Result<std::optional<std::string>> KvStore::first_key(Cf cf, const keys::KeyRange& range,
                                                      ScanOrder order) const {
  std::optional<std::string> found;
  REPLEX_RETURN_IF_ERROR(
      engine_->scan(cf, range.begin, range.end, order, [&found](std::string_view key, std::string_view) {
        found = std::string(key);
        return false;
      }));
  return found;
}

// --- blocks ---------------------------------------------------------------------

Status KvStore::put_block(const BlockRecord& record) {
  const std::string op = call("put_block", record.height);
  REPLEX_RETURN_IF_ERROR(validate_block_record(record).with_context(op));
  REPLEX_RETURN_IF_ERROR(
      check_payload_size("block", kBlockPayloadOverheadBytes + record.block.size()).with_context(op));
  REPLEX_RETURN_IF_ERROR(
      check_payload_size("certificate", kCertificatePayloadOverheadBytes + record.certificate.size())
          .with_context(op));
  REPLEX_RETURN_IF_ERROR(
      check_payload_size("events", kCertificatePayloadOverheadBytes + record.events.size()).with_context(op));

  std::lock_guard write_lock(chain_write_mutex_);
  const ChainMeta chain = this->chain();
  if (record.height != chain.last_height + 1) {
    return Status::failed_precondition(op + "height does not extend the chain: last height is " +
                                       std::to_string(chain.last_height) + ", expected " +
                                       std::to_string(chain.last_height + 1));
  }

  // One consistent read: the block hash index, then every tx index entry.
  std::vector<CfKey> lookups;
  lookups.reserve(1 + record.tx_hashes.size());
  lookups.push_back({Cf::kBlocks, keys::block_hash(record.block_hash)});
  for (const Hash256& tx : record.tx_hashes) lookups.push_back({Cf::kTxIndex, keys::tx(tx)});
  REPLEX_ASSIGN_OR_RETURN(const auto found, with_context(engine_->multi_get(lookups), op));
  REPLEX_ASSERT(found.size() == lookups.size());
  if (found[0]) {
    REPLEX_ASSIGN_OR_RETURN(const std::uint64_t other,
                            with_context(for_key(decode_height(*found[0]), Cf::kBlocks, lookups[0].key), op));
    return Status::failed_precondition(op + "block_hash " + record.block_hash.hex() +
                                       " is already stored at height " + std::to_string(other));
  }

  // A hash seen before keeps its applied (code 0) occurrence; otherwise the
  // latest occurrence wins. Ordered map: the batch is the same on every run.
  std::map<Hash256, TxLocation> indexed;
  for (std::size_t i = 0; i < record.tx_hashes.size(); ++i) {
    const Hash256& tx = record.tx_hashes[i];
    std::optional<TxLocation> previous;
    if (const auto it = indexed.find(tx); it != indexed.end()) {
      previous = it->second;
    } else if (const auto& raw = found[1 + i]) {
      REPLEX_ASSIGN_OR_RETURN(
          previous, with_context(for_key(decode_tx_location(*raw), Cf::kTxIndex, lookups[1 + i].key), op));
    }
    if (previous && previous->code == 0) continue;
    indexed[tx] = TxLocation{record.height, static_cast<std::uint32_t>(i), record.tx_codes[i]};
  }

  const ChainMeta next{chain.base_height, record.height};
  WriteBatch batch;
  batch.put(Cf::kBlocks, keys::block(record.height), encode_block(record));
  batch.put(Cf::kCerts, keys::certificate(record.height),
            encode_certificate(record.height, record.certificate));
  if (!record.events.empty()) {
    batch.put(Cf::kEvents, keys::events(record.height), encode_events(record.height, record.events));
  }
  batch.put(Cf::kBlocks, lookups[0].key, encode_height(record.height));
  for (const auto& [tx, location] : indexed) {
    batch.put(Cf::kTxIndex, keys::tx(tx), encode_tx_location(location));
  }
  // Chain metadata goes last: it is the record a torn write would hit.
  batch.put(Cf::kBlocks, keys::chain_meta(), encode_chain_meta(next));
  REPLEX_RETURN_IF_ERROR(engine_->write(batch, /*sync=*/true).with_context(op));
  set_chain(next);
  return Status::ok();
}

Result<StoredBlock> KvStore::block_at(std::uint64_t height) const {
  const std::string op = call("block_at", height);
  const std::vector<CfKey> lookups = {{Cf::kBlocks, keys::block(height)},
                                      {Cf::kCerts, keys::certificate(height)}};
  REPLEX_ASSIGN_OR_RETURN(const auto found, with_context(engine_->multi_get(lookups), op));
  if (!found[0]) {
    return Status::not_found(op + "no block at height " + std::to_string(height) + stored_range_note());
  }
  if (!found[1]) return missing(Cf::kCerts, lookups[1].key, "but its block is stored").with_context(op);
  REPLEX_ASSIGN_OR_RETURN(
      StoredBlock block,
      with_context(for_key(decode_block(*found[0], height), Cf::kBlocks, lookups[0].key), op));
  REPLEX_ASSIGN_OR_RETURN(
      block.certificate,
      with_context(for_key(decode_certificate(*found[1], height), Cf::kCerts, lookups[1].key), op));
  return block;
}

Result<Bytes> KvStore::events_at(std::uint64_t height) const {
  const std::string op = call("events_at", height);
  const std::string key = keys::events(height);
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> raw, with_context(engine_->get(Cf::kEvents, key), op));
  if (!raw) return Status::not_found(op + "no events stored at height " + std::to_string(height));
  return with_context(for_key(decode_events(*raw, height), Cf::kEvents, key), op);
}

Result<std::uint64_t> KvStore::height_of(const Hash256& block_hash) const {
  const std::string op = "height_of(" + block_hash.hex() + "): ";
  const std::string key = keys::block_hash(block_hash);
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> raw,
                          with_context(engine_->get(Cf::kBlocks, key), op));
  if (!raw) return Status::not_found(op + "no block with this hash");
  return with_context(for_key(decode_height(*raw), Cf::kBlocks, key), op);
}

Result<TxLocation> KvStore::find_tx(const Hash256& tx_hash) const {
  const std::string op = "find_tx(" + tx_hash.hex() + "): ";
  const std::string key = keys::tx(tx_hash);
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> raw,
                          with_context(engine_->get(Cf::kTxIndex, key), op));
  if (!raw) return Status::not_found(op + "no transaction with this hash");
  return with_context(for_key(decode_tx_location(*raw), Cf::kTxIndex, key), op);
}

// --- snapshots ------------------------------------------------------------------

Result<std::vector<std::uint64_t>> KvStore::list_snapshot_heights() const {
  std::vector<std::uint64_t> heights;
  Status bad;
  const keys::KeyRange range = keys::all_snapshot_infos();
  REPLEX_RETURN_IF_ERROR(
      engine_->scan(Cf::kSnapshots, range.begin, range.end, ScanOrder::kAscending,
                    [&](std::string_view key, std::string_view value) {
                      const std::optional<std::uint64_t> h = keys::parse_snapshot_info(key);
                      if (!h) {
                        bad = Status::corruption(keys::describe(Cf::kSnapshots, key) + ": malformed key");
                        return false;
                      }
                      bad = for_key(decode_snapshot_info(value, *h), Cf::kSnapshots, key).status();
                      heights.push_back(*h);
                      return bad.is_ok();
                    }));
  REPLEX_RETURN_IF_ERROR(bad);
  return heights;
}

Result<SnapshotRecord> KvStore::read_snapshot(std::uint64_t height) const {
  const std::string key = keys::snapshot_data(height);
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> raw, engine_->get(Cf::kSnapshots, key));
  if (!raw) return Status::not_found("no snapshot at height " + std::to_string(height));
  REPLEX_ASSIGN_OR_RETURN(SnapshotRecord snapshot, for_key(decode_snapshot(*raw, height), Cf::kSnapshots, key));
  // A proof put later (put_snapshot_proof) replaces the one inside the record.
  const std::string proof_key = keys::snapshot_proof(height);
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> proof, engine_->get(Cf::kSnapshots, proof_key));
  if (proof) {
    REPLEX_ASSIGN_OR_RETURN(snapshot.proof,
                            for_key(decode_snapshot_proof(*proof, height), Cf::kSnapshots, proof_key));
  }
  return snapshot;
}

Status KvStore::put_snapshot(const SnapshotRecord& snapshot, std::size_t keep) {
  const std::string op = call("put_snapshot", snapshot.height);
  if (keep == 0) return Status::invalid_argument(op + "keep: 0; at least one snapshot must be kept");
  REPLEX_RETURN_IF_ERROR(check_payload_size("snapshot", kSnapshotPayloadOverheadBytes +
                                                            snapshot.state.size() + snapshot.proof.size())
                             .with_context(op));

  std::lock_guard write_lock(chain_write_mutex_);
  REPLEX_ASSIGN_OR_RETURN(std::vector<std::uint64_t> heights, with_context(list_snapshot_heights(), op));
  if (!std::binary_search(heights.begin(), heights.end(), snapshot.height)) {
    heights.insert(std::upper_bound(heights.begin(), heights.end(), snapshot.height), snapshot.height);
  }
  // The oldest beyond `keep` go; the newest height always stays, so the
  // latest snapshot never moves down (reset_chain_to relies on it).
  const std::size_t doomed = heights.size() > keep ? heights.size() - keep : 0;
  WriteBatch batch;
  bool retained = true;
  for (std::size_t i = 0; i < doomed; ++i) {
    if (heights[i] == snapshot.height) retained = false;
    batch.erase(Cf::kSnapshots, keys::snapshot_info(heights[i]));
    batch.erase(Cf::kSnapshots, keys::snapshot_data(heights[i]));
    batch.erase(Cf::kSnapshots, keys::snapshot_proof(heights[i]));
  }
  if (retained) {
    batch.put(Cf::kSnapshots, keys::snapshot_data(snapshot.height), encode_snapshot(snapshot));
    batch.erase(Cf::kSnapshots, keys::snapshot_proof(snapshot.height));  // the record's own proof holds
    batch.put(Cf::kSnapshots, keys::snapshot_info(snapshot.height),
              encode_snapshot_info({snapshot.height, snapshot.state.size(), snapshot.proof.size()}));
  }
  if (batch.empty()) return Status::ok();  // older than every kept snapshot, nothing to prune
  return engine_->write(batch, /*sync=*/true).with_context(op);
}

Status KvStore::put_snapshot_proof(std::uint64_t height, ByteView proof) {
  const std::string op = call("put_snapshot_proof", height);
  REPLEX_RETURN_IF_ERROR(check_payload_size("snapshot proof", kCertificatePayloadOverheadBytes + proof.size())
                             .with_context(op));
  std::lock_guard write_lock(chain_write_mutex_);
  const std::string info_key = keys::snapshot_info(height);
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> raw, with_context(engine_->get(Cf::kSnapshots, info_key), op));
  if (!raw) return Status::not_found(op + "no snapshot at height " + std::to_string(height));
  REPLEX_ASSIGN_OR_RETURN(SnapshotInfo info,
                          with_context(for_key(decode_snapshot_info(*raw, height), Cf::kSnapshots, info_key), op));
  info.proof_bytes = proof.size();
  WriteBatch batch;
  batch.put(Cf::kSnapshots, keys::snapshot_proof(height), encode_snapshot_proof(height, proof));
  batch.put(Cf::kSnapshots, info_key, encode_snapshot_info(info));
  return engine_->write(batch, /*sync=*/true).with_context(op);
}

Result<SnapshotRecord> KvStore::latest_snapshot() const {
  const std::string op = "latest_snapshot: ";
  REPLEX_ASSIGN_OR_RETURN(
      const std::optional<std::string> latest,
      with_context(first_key(Cf::kSnapshots, keys::all_snapshot_infos(), ScanOrder::kDescending), op));
  if (!latest) return Status::not_found(op + "no snapshot stored");
  const std::optional<std::uint64_t> height = keys::parse_snapshot_info(*latest);
  if (!height) return Status::corruption(op + keys::describe(Cf::kSnapshots, *latest) + ": malformed key");
  Result<SnapshotRecord> snapshot = read_snapshot(*height);
  if (!snapshot.is_ok() && snapshot.status().code() == StatusCode::kNotFound) {
    return missing(Cf::kSnapshots, keys::snapshot_data(*height), "but its index entry exists")
        .with_context(op);
  }
  return with_context(std::move(snapshot), op);
}

Result<SnapshotRecord> KvStore::snapshot_at(std::uint64_t height) const {
  return with_context(read_snapshot(height), call("snapshot_at", height));
}

Result<std::vector<std::uint64_t>> KvStore::snapshot_heights() const {
  return with_context(list_snapshot_heights(), "snapshot_heights: ");
}

Status KvStore::reset_chain_to(std::uint64_t height) {
  const std::string op = call("reset_chain_to", height);
  std::lock_guard write_lock(chain_write_mutex_);
  const ChainMeta chain = this->chain();
  if (height < chain.last_height) {
    return Status::failed_precondition(op + "the chain already reaches height " +
                                       std::to_string(chain.last_height) +
                                       "; committed blocks are never discarded");
  }
  const std::string info_key = keys::snapshot_info(height);
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> info,
                          with_context(engine_->get(Cf::kSnapshots, info_key), op));
  if (!info) {
    return Status::failed_precondition(op + "no snapshot stored at height " + std::to_string(height) +
                                       "; put_snapshot first, so a restart can rebuild state");
  }
  REPLEX_RETURN_IF_ERROR(
      with_context(for_key(decode_snapshot_info(*info, height), Cf::kSnapshots, info_key), op).status());
  if (height == chain.last_height) return Status::ok();  // the chain already ends there

  // Nothing stored can continue into height + 1: drop every block record.
  const ChainMeta next{height, height};
  WriteBatch batch;
  const keys::KeyRange blocks = keys::blocks_from(0);
  const keys::KeyRange hashes = keys::all_block_hashes();
  const keys::KeyRange certs = keys::all_certificates();
  const keys::KeyRange events = keys::all_events();
  const keys::KeyRange txs = keys::all_txs();
  batch.erase_range(Cf::kBlocks, blocks.begin, blocks.end);
  batch.erase_range(Cf::kBlocks, hashes.begin, hashes.end);
  batch.erase_range(Cf::kCerts, certs.begin, certs.end);
  batch.erase_range(Cf::kEvents, events.begin, events.end);
  batch.erase_range(Cf::kTxIndex, txs.begin, txs.end);
  batch.put(Cf::kBlocks, keys::chain_meta(), encode_chain_meta(next));
  REPLEX_RETURN_IF_ERROR(engine_->write(batch, /*sync=*/true).with_context(op));
  set_chain(next);
  return Status::ok();
}

// --- consensus write-ahead log ------------------------------------------------------

Result<std::uint64_t> KvStore::wal_append(std::uint64_t height, ByteView record, bool sync) {
  const std::string op = call("wal_append", height);
  REPLEX_RETURN_IF_ERROR(
      check_payload_size("record", kWalPayloadOverheadBytes + record.size()).with_context(op));
  std::lock_guard lock(wal_mutex_);
  REPLEX_ASSERT_MSG(wal_last_sequence_ < UINT64_MAX, "WAL sequence exhausted");
  const std::uint64_t sequence = wal_last_sequence_ + 1;
  WriteBatch batch;
  batch.put(Cf::kWal, keys::wal_entry(height, sequence), encode_wal_entry(height, sequence, record));
  REPLEX_RETURN_IF_ERROR(engine_->write(batch, effective_sync(sync)).with_context(op));
  wal_last_sequence_ = sequence;
  return sequence;
}

Result<std::vector<WalEntry>> KvStore::wal_read_all() const {
  const std::string op = "wal_read_all: ";
  std::vector<WalEntry> entries;
  Status bad;
  const keys::KeyRange range = keys::all_wal_entries();
  REPLEX_RETURN_IF_ERROR(
      engine_
          ->scan(Cf::kWal, range.begin, range.end, ScanOrder::kAscending,
                 [&](std::string_view key, std::string_view value) {
                   const std::optional<keys::WalKey> k = keys::parse_wal_entry(key);
                   if (!k) {
                     bad = Status::corruption(keys::describe(Cf::kWal, key) + ": malformed key");
                     return false;
                   }
                   Result<WalEntry> entry =
                       for_key(decode_wal_entry(value, k->height, k->sequence), Cf::kWal, key);
                   if (!entry.is_ok()) {
                     bad = entry.status();
                     return false;
                   }
                   entries.push_back(std::move(entry).value());
                   return true;
                 })
          .with_context(op));
  REPLEX_RETURN_IF_ERROR(bad.with_context(op));
  // Keys order records by height; callers replay them in the order written.
  std::sort(entries.begin(), entries.end(),
            [](const WalEntry& a, const WalEntry& b) { return a.sequence < b.sequence; });
  for (std::size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].sequence == entries[i - 1].sequence) {
      return Status::corruption(op + "sequence " + std::to_string(entries[i].sequence) +
                                " is stored at heights " + std::to_string(entries[i - 1].height) + " and " +
                                std::to_string(entries[i].height));
    }
  }
  return entries;
}

Status KvStore::wal_truncate_below(std::uint64_t height) {
  const std::string op = call("wal_truncate_below", height);
  std::lock_guard lock(wal_mutex_);
  const keys::KeyRange doomed = keys::wal_entries_below(height);
  WriteBatch batch;
  batch.erase_range(Cf::kWal, doomed.begin, doomed.end);
  // Remember the highest sequence, which may have just been erased, so that
  // sequences keep increasing after a restart.
  batch.put(Cf::kWal, keys::wal_floor(), encode_sequence(wal_last_sequence_));
  return engine_->write(batch, /*sync=*/true).with_context(op);
}

// --- opaque key/value columns -------------------------------------------------------

Status KvStore::put(Column column, std::string_view key, ByteView value, bool sync) {
  const Cf cf = column_family(column);
  const std::string op = "put(" + std::string(cf_name(cf)) + "): ";
  REPLEX_RETURN_IF_ERROR(check_opaque_key(key).with_context(op));
  REPLEX_RETURN_IF_ERROR(check_payload_size("value", value.size()).with_context(op));
  WriteBatch batch;
  batch.put(cf, std::string(key), encode_opaque(value));
  return engine_->write(batch, effective_sync(sync)).with_context(op);
}

Result<Bytes> KvStore::get(Column column, std::string_view key) const {
  const Cf cf = column_family(column);
  const std::string op = "get(" + std::string(cf_name(cf)) + "): ";
  REPLEX_RETURN_IF_ERROR(check_opaque_key(key).with_context(op));
  REPLEX_ASSIGN_OR_RETURN(const std::optional<std::string> raw, with_context(engine_->get(cf, key), op));
  if (!raw) return Status::not_found(op + keys::describe(cf, key) + ": absent");
  return with_context(for_key(decode_opaque(*raw), cf, key), op);
}

Status KvStore::erase(Column column, std::string_view key, bool sync) {
  const Cf cf = column_family(column);
  const std::string op = "erase(" + std::string(cf_name(cf)) + "): ";
  REPLEX_RETURN_IF_ERROR(check_opaque_key(key).with_context(op));
  WriteBatch batch;
  batch.erase(cf, std::string(key));
  return engine_->write(batch, effective_sync(sync)).with_context(op);
}

Status KvStore::sync() { return engine_->sync().with_context("sync: "); }

}  // namespace replex::storage
