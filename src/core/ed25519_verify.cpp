// Signature verification: libsodium's strict check, and the cofactored rule
// of transactions (ed25519.hpp), one at a time and in batches. For the
// latter libsodium answers first, since every signature it accepts is valid
// under the rule (with libsodium >= 1.0.18 built without ED25519_COMPAT, as
// Debian's: it refuses S >= L, small-order R and keys, and any R but the
// canonical encoding; a core test checks those refusals); our own check
// decides the rest.
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "edwards25519.hpp"
#include "replex/core/ed25519.hpp"
#include "replex/core/sodium.hpp"

namespace replex {
namespace {

namespace ed = edwards25519;

// L, the order of the base point, little-endian.
constexpr std::uint8_t kOrder[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                     0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                                     0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

// Below this many signatures a batch is checked one by one: the shared
// doublings only pay off with a few signatures to share them.
constexpr std::size_t kMinBatch = 4;

bool is_canonical_scalar(const std::uint8_t* s) {
  for (int i = 31; i >= 0; --i) {
    if (s[i] != kOrder[i]) return s[i] < kOrder[i];
  }
  return false;  // s == L
}

bool signing_context_ok(std::string_view domain, std::string_view chain_id) {
  return domain.size() <= 255 && chain_id.size() <= kMaxChainIdBytes;
}

// One signature's part of the equation [8]([S]B - R - [k]A) = 0.
struct Parsed {
  ed::Point neg_r;
  ed::Point neg_a;
  ed::Scalar s;
  ed::Scalar k;
};

// -A for a key that passes the rule's checks (canonical, not of small order),
// else nullopt. A client signs many transactions with one key, and decoding
// costs a fifth of a verification, so each thread keeps the last keys it
// decoded (direct-mapped; a collision only costs a decode).
std::optional<ed::Point> negated_key(const PublicKey& key) {
  struct Entry {
    PublicKey key;
    ed::Point neg_a;
    bool used = false;
  };
  constexpr std::size_t kEntries = 1024;
  thread_local std::unique_ptr<Entry[]> cache;
  if (!cache) cache = std::make_unique<Entry[]>(kEntries);
  std::uint64_t prefix;
  std::memcpy(&prefix, key.bytes.data(), sizeof prefix);
  Entry& entry = cache[prefix % kEntries];
  if (entry.used && entry.key == key) return entry.neg_a;
  const auto a = ed::decode(key.bytes.data());
  if (!a || ed::has_small_order(*a)) return std::nullopt;
  entry = {key, ed::negate(*a), true};
  return entry.neg_a;
}

// nullopt when the signature fails the rule's encoding checks.
std::optional<Parsed> parse(const PublicKey& key, const Signature& sig, std::string_view domain,
                            std::string_view chain_id, ByteView message) {
  const std::uint8_t* r = sig.bytes.data();
  const std::uint8_t* s = r + 32;
  if (!is_canonical_scalar(s)) return std::nullopt;
  const std::optional<ed::Point> neg_a = negated_key(key);
  if (!neg_a) return std::nullopt;
  const auto r_point = ed::decode(r);
  if (!r_point || ed::has_small_order(*r_point)) return std::nullopt;

  Parsed p{ed::negate(*r_point), *neg_a, {}, {}};
  std::copy_n(s, 32, p.s.begin());
  // k = SHA-512(R || A || signing_bytes(domain, chain_id, message)) mod L.
  crypto_hash_sha512_state hash;
  crypto_hash_sha512_init(&hash);
  crypto_hash_sha512_update(&hash, r, 32);
  crypto_hash_sha512_update(&hash, key.bytes.data(), 32);
  for (const std::string_view part : {domain, chain_id}) {
    const auto length = static_cast<std::uint8_t>(part.size());
    crypto_hash_sha512_update(&hash, &length, 1);
    crypto_hash_sha512_update(&hash, reinterpret_cast<const unsigned char*>(part.data()), part.size());
  }
  crypto_hash_sha512_update(&hash, message.data(), message.size());
  std::uint8_t digest[64];
  crypto_hash_sha512_final(&hash, digest);
  crypto_core_ed25519_scalar_reduce(p.k.data(), digest);
  return p;
}

// Keys are points an adversary can choose, but a collision only costs a probe.
struct KeyPrefixHash {
  std::size_t operator()(const PublicKey& key) const noexcept {
    std::size_t prefix;
    std::memcpy(&prefix, key.bytes.data(), sizeof prefix);
    return prefix;
  }
};

bool holds(std::span<const ed::Point> points, std::span<const ed::Scalar> scalars) {
  return ed::is_identity(ed::mul_by_cofactor(ed::multiscalar_mul(points, scalars)));
}

bool holds_alone(const Parsed& p) {
  ed::Scalar one{};
  one[0] = 1;
  const ed::Point points[] = {ed::base_point(), p.neg_r, p.neg_a};
  const ed::Scalar scalars[] = {p.s, one, p.k};
  return holds(points, scalars);
}

}  // namespace

bool verify(const PublicKey& key, std::string_view domain, std::string_view chain_id, ByteView message,
            const Signature& sig) {
  if (!signing_context_ok(domain, chain_id)) return false;
  ensure_sodium();
  const Bytes input = signing_bytes(domain, chain_id, message);
  return crypto_sign_verify_detached(sig.bytes.data(), input.data(), input.size(), key.bytes.data()) == 0;
}

bool verify_cofactored(const PublicKey& key, std::string_view domain, std::string_view chain_id,
                       ByteView message, const Signature& sig) {
  if (verify(key, domain, chain_id, message, sig)) return true;
  // libsodium compares R cofactorless; the rule is cofactored.
  if (!signing_context_ok(domain, chain_id)) return false;
  const auto parsed = parse(key, sig, domain, chain_id, message);
  return parsed && holds_alone(*parsed);
}

void verify_batch(std::string_view domain, std::string_view chain_id, std::span<SignatureCheck> items) {
  for (SignatureCheck& item : items) item.valid = false;
  if (!signing_context_ok(domain, chain_id)) return;
  ensure_sodium();
  if (items.size() < kMinBatch) {
    for (SignatureCheck& item : items) {
      item.valid = verify_cofactored(*item.key, domain, chain_id, item.message, *item.signature);
    }
    return;
  }
  // A signature that fails parse() is invalid under the rule (libsodium refuses it too).
  std::vector<Parsed> parsed;
  std::vector<SignatureCheck*> owners;
  parsed.reserve(items.size());
  owners.reserve(items.size());
  for (SignatureCheck& item : items) {
    if (auto p = parse(*item.key, *item.signature, domain, chain_id, item.message)) {
      parsed.push_back(*p);
      owners.push_back(&item);
    }
  }
  if (parsed.empty()) return;

  // sum z_i ([S_i]B - R_i - [k_i]A_i) with 128-bit weights z_i: zero for
  // valid signatures; with an invalid one, zero with probability about
  // 2^-125. The weights are drawn from a hash of the whole batch, so they
  // are fixed only once every signature is (no signer can aim at them), and
  // one batch always gets one verdict: no randomness, as core promises.
  const std::size_t n = parsed.size();
  std::vector<std::uint8_t> weights(16 * n);
  {
    crypto_hash_sha512_state hash;
    crypto_hash_sha512_init(&hash);
    for (std::size_t i = 0; i < n; ++i) {
      crypto_hash_sha512_update(&hash, owners[i]->signature->bytes.data(), Signature::kSize);
      crypto_hash_sha512_update(&hash, owners[i]->key->bytes.data(), PublicKey::kSize);
      crypto_hash_sha512_update(&hash, parsed[i].k.data(), parsed[i].k.size());
    }
    std::uint8_t seed[crypto_hash_sha512_BYTES];
    crypto_hash_sha512_final(&hash, seed);
    static_assert(crypto_stream_chacha20_KEYBYTES <= sizeof seed);
    const std::uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {};
    crypto_stream_chacha20(weights.data(), weights.size(), nonce, seed);
  }
  std::vector<ed::Point> points;
  std::vector<ed::Scalar> scalars;
  points.reserve(2 * n + 1);
  scalars.reserve(2 * n + 1);
  points.push_back(ed::base_point());
  scalars.push_back({});
  // Signatures by one key share its term: sum_i (z_i k_i) A is one 253-bit
  // scalar multiple of A, where each signature's own would cost as much
  // again as its R term (a trader signs many orders with one key).
  std::unordered_map<PublicKey, std::size_t, KeyPrefixHash> key_terms;
  key_terms.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    ed::Scalar z{};
    std::copy_n(weights.data() + 16 * i, 16, z.begin());
    ed::Scalar zs;
    crypto_core_ed25519_scalar_mul(zs.data(), z.data(), parsed[i].s.data());
    crypto_core_ed25519_scalar_add(scalars[0].data(), scalars[0].data(), zs.data());
    points.push_back(parsed[i].neg_r);
    scalars.push_back(z);
    ed::Scalar zk;
    crypto_core_ed25519_scalar_mul(zk.data(), z.data(), parsed[i].k.data());
    const auto [term, fresh] = key_terms.try_emplace(*owners[i]->key, points.size());
    if (fresh) {
      points.push_back(parsed[i].neg_a);
      scalars.push_back(zk);
    } else {
      crypto_core_ed25519_scalar_add(scalars[term->second].data(), scalars[term->second].data(), zk.data());
    }
  }
  if (holds(points, scalars)) {
    for (SignatureCheck* owner : owners) owner->valid = true;
    return;
  }
  // Some signature is invalid: each one alone (exactly verify_cofactored, as
  // parse() passed). An adversary can force this with one bad signature per
  // batch; it costs what verifying one by one always did.
  for (std::size_t i = 0; i < n; ++i) owners[i]->valid = holds_alone(parsed[i]);
}

}  // namespace replex
