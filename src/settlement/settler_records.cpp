#include "settler_records.hpp"

#include <algorithm>

#include "replex/core/big_endian.hpp"
#include "replex/core/codec.hpp"

namespace replex::settlement::records {

namespace {

std::string key_with(std::string_view prefix, std::initializer_list<std::uint64_t> numbers) {
  std::string key(prefix);
  for (std::uint64_t n : numbers) {
    char buf[8];
    store_be64(buf, n);
    key.append(buf, sizeof buf);
  }
  return key;
}

void put_address(ByteWriter& w, const EthAddress& a) { w.raw(ByteView(a.data(), a.size())); }
EthAddress get_address(ByteReader& r, std::string_view field) {
  EthAddress a{};
  const ByteView v = r.raw(a.size(), field);
  if (v.size() == a.size()) std::copy(v.begin(), v.end(), a.begin());
  return a;
}
void put_word(ByteWriter& w, const Word& word) { w.raw(ByteView(word.data(), word.size())); }
Word get_word(ByteReader& r, std::string_view field) {
  Word word{};
  const ByteView v = r.raw(word.size(), field);
  if (v.size() == word.size()) std::copy(v.begin(), v.end(), word.begin());
  return word;
}

Status check_version(ByteReader& r, std::string_view record) {
  const std::uint8_t v = r.u8("version");
  if (r.ok() && v != kVersion) {
    return Status::corruption(std::string(record) + ": version " + std::to_string(v) + ", expected " +
                              std::to_string(kVersion));
  }
  return Status::ok();
}

// A count of items each at least `min_size` bytes long, checked against what is left.
std::uint32_t get_count(ByteReader& r, std::size_t min_size, std::string_view field) {
  const std::uint32_t n = r.u32(field);
  if (r.ok() && static_cast<std::uint64_t>(n) * min_size > r.remaining()) {
    r.fail(field, std::to_string(n) + " items cannot fit in " + std::to_string(r.remaining()) + " bytes");
    return 0;
  }
  return n;
}

template <typename T>
Result<T> finish(ByteReader& r, T value, std::string_view record) {
  Status s = r.finish();
  if (!s.is_ok()) return Status::corruption(std::string(record) + ": " + s.message());
  return value;
}

}  // namespace

// ---- head -----------------------------------------------------------------

std::string head_key() { return "head"; }

Bytes encode(const HeadRecord& r) {
  ByteWriter w;
  w.u8(kVersion);
  w.u64(r.processed_height);
  w.u32(static_cast<std::uint32_t>(r.chains.size()));
  for (const auto& [chain_id, head] : r.chains) {
    w.u64(chain_id);
    w.u64(head.next_number);
    w.hash(head.prev_root);
    w.u64(head.last_to_height);
  }
  return w.take();
}

Result<HeadRecord> decode_head(ByteView bytes) {
  ByteReader r(bytes);
  REPLEX_RETURN_IF_ERROR(check_version(r, "settlement head"));
  HeadRecord out;
  out.processed_height = r.u64("processed_height");
  const std::uint32_t n = get_count(r, 56, "chains");
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    std::uint64_t chain_id = r.u64("chain_id");
    ChainHead head;
    head.next_number = r.u64("next_number");
    head.prev_root = r.hash("prev_root");
    head.last_to_height = r.u64("last_to_height");
    out.chains.emplace_back(chain_id, head);
  }
  return finish(r, std::move(out), "settlement head");
}

// ---- totals ---------------------------------------------------------------

std::string total_key(const exchange::AccountId& account, exchange::AssetIndex asset) {
  std::string key = "total/";
  key.append(reinterpret_cast<const char*>(account.bytes.data()), account.bytes.size());
  char buf[4];
  store_be32(buf, asset);
  key.append(buf, sizeof buf);
  return key;
}

Bytes encode_total(std::uint64_t total) {
  ByteWriter w(9);
  w.u8(kVersion);
  w.u64(total);
  return w.take();
}

Result<std::uint64_t> decode_total(ByteView bytes) {
  ByteReader r(bytes);
  REPLEX_RETURN_IF_ERROR(check_version(r, "settlement total"));
  const std::uint64_t total = r.u64("total");
  return finish(r, total, "settlement total");
}

// ---- batches --------------------------------------------------------------

std::string batch_key(std::uint64_t chain_id, std::uint64_t number) { return key_with("batch/", {chain_id, number}); }

Bytes encode(const BatchRecord& r) {
  const Batch& b = r.batch;
  ByteWriter w;
  w.u8(kVersion);
  w.boolean(r.slim);
  w.u64(b.chain_id);
  w.u64(b.header.number);
  w.u64(b.header.from_height);
  w.u64(b.header.to_height);
  w.hash(b.header.prev_root);
  w.hash(b.header.trades_root);
  w.hash(b.header.deltas_hash);
  w.hash(b.header.withdrawals_root);
  w.hash(b.root);
  const std::size_t deltas = r.slim ? 0 : b.deltas.size();
  w.u32(static_cast<std::uint32_t>(deltas));
  for (std::size_t i = 0; i < deltas; ++i) {
    const Delta& d = b.deltas[i];
    w.hash(d.account);
    put_address(w, d.token);
    put_word(w, int256_to_word(d.amount));
  }
  w.u32(static_cast<std::uint32_t>(b.withdrawals.size()));
  for (const Withdrawal& x : b.withdrawals) {
    w.u64(x.id);
    put_address(w, x.recipient);
    put_address(w, x.token);
    put_word(w, to_word(x.amount));
  }
  return w.take();
}

Result<BatchRecord> decode_batch(ByteView bytes) {
  ByteReader r(bytes);
  REPLEX_RETURN_IF_ERROR(check_version(r, "settlement batch"));
  BatchRecord out;
  Batch& b = out.batch;
  out.slim = r.boolean("slim");
  b.chain_id = r.u64("chain_id");
  b.header.number = r.u64("number");
  b.header.from_height = r.u64("from_height");
  b.header.to_height = r.u64("to_height");
  b.header.prev_root = r.hash("prev_root");
  b.header.trades_root = r.hash("trades_root");
  b.header.deltas_hash = r.hash("deltas_hash");
  b.header.withdrawals_root = r.hash("withdrawals_root");
  b.root = r.hash("root");
  const std::uint32_t deltas = get_count(r, 84, "deltas");
  for (std::uint32_t i = 0; i < deltas && r.ok(); ++i) {
    Delta d;
    d.account = r.hash("delta.account");
    d.token = get_address(r, "delta.token");
    d.amount = int256_from_word(get_word(r, "delta.amount"));
    b.deltas.push_back(d);
  }
  const std::uint32_t withdrawals = get_count(r, 80, "withdrawals");
  for (std::uint32_t i = 0; i < withdrawals && r.ok(); ++i) {
    Withdrawal x;
    x.id = r.u64("withdrawal.id");
    x.recipient = get_address(r, "withdrawal.recipient");
    x.token = get_address(r, "withdrawal.token");
    x.amount = u256_from_word(get_word(r, "withdrawal.amount"));
    b.withdrawals.push_back(x);
  }
  auto result = finish(r, std::move(out), "settlement batch");
  if (result.is_ok() && batch_struct_hash(result->batch.header) != result->batch.root) {
    return Status::corruption("settlement batch: root does not match the header");
  }
  return result;
}

// ---- withdrawal index -----------------------------------------------------

std::string withdrawal_key(std::uint64_t withdrawal_id) { return key_with("wd/", {withdrawal_id}); }

Bytes encode(const WithdrawalRef& r) {
  ByteWriter w(17);
  w.u8(kVersion);
  w.u64(r.chain_id);
  w.u64(r.number);
  return w.take();
}

Result<WithdrawalRef> decode_withdrawal_ref(ByteView bytes) {
  ByteReader r(bytes);
  REPLEX_RETURN_IF_ERROR(check_version(r, "settlement withdrawal"));
  WithdrawalRef out;
  out.chain_id = r.u64("chain_id");
  out.number = r.u64("number");
  return finish(r, out, "settlement withdrawal");
}

// ---- chain ----------------------------------------------------------------

std::string chain_key(std::uint64_t chain_id) { return key_with("chain/", {chain_id}); }

Bytes encode(const ChainRecord& r) {
  ByteWriter w(33);
  w.u8(kVersion);
  w.u64(r.settled_number);
  w.u64(r.settled_from_height);
  w.u64(r.settled_to_height);
  w.u64(r.scan_next_block);
  return w.take();
}

Result<ChainRecord> decode_chain(ByteView bytes) {
  ByteReader r(bytes);
  REPLEX_RETURN_IF_ERROR(check_version(r, "settlement chain"));
  ChainRecord out;
  out.settled_number = r.u64("settled_number");
  out.settled_from_height = r.u64("settled_from_height");
  out.settled_to_height = r.u64("settled_to_height");
  out.scan_next_block = r.u64("scan_next_block");
  return finish(r, out, "settlement chain");
}

// ---- transaction in flight ------------------------------------------------

std::string tx_key(std::uint64_t chain_id) { return key_with("tx/", {chain_id}); }

Bytes encode(const TxRecord& r) {
  ByteWriter w;
  w.u8(kVersion);
  w.u64(r.batch_number);
  w.boolean(r.cancel);
  w.u64(r.nonce);
  put_word(w, to_word(r.fees.max_fee_per_gas));
  put_word(w, to_word(r.fees.max_priority_fee_per_gas));
  w.u64(r.gas_limit);
  w.u32(static_cast<std::uint32_t>(r.hashes.size()));
  for (const Hash256& h : r.hashes) w.hash(h);
  w.bytes(r.raw);
  return w.take();
}

Result<TxRecord> decode_tx(ByteView bytes) {
  ByteReader r(bytes);
  REPLEX_RETURN_IF_ERROR(check_version(r, "settlement tx"));
  TxRecord out;
  out.batch_number = r.u64("batch_number");
  out.cancel = r.boolean("cancel");
  out.nonce = r.u64("nonce");
  out.fees.max_fee_per_gas = u256_from_word(get_word(r, "max_fee_per_gas"));
  out.fees.max_priority_fee_per_gas = u256_from_word(get_word(r, "max_priority_fee_per_gas"));
  out.gas_limit = r.u64("gas_limit");
  const std::uint32_t n = get_count(r, 32, "hashes");
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) out.hashes.push_back(r.hash("hash"));
  out.raw = r.bytes("raw");
  return finish(r, std::move(out), "settlement tx");
}

// ---- deposits -------------------------------------------------------------

std::string deposit_key(std::uint64_t chain_id, std::uint64_t deposit_id) {
  return key_with("dep/", {chain_id, deposit_id});
}

}  // namespace replex::settlement::records
