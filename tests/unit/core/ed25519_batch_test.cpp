// Our edwards25519 arithmetic and batch verification, checked against
// libsodium: the group operations against its crypto_core_ed25519_* and
// crypto_scalarmult_ed25519_*, the verdicts against crypto_sign_verify_detached.
#include <gtest/gtest.h>
#include <sodium.h>

#include <random>
#include <vector>

#include "edwards25519.hpp"
#include "replex/core/ed25519.hpp"
#include "replex/core/sodium.hpp"

namespace replex {
namespace {

namespace ed = edwards25519;
using Bytes32 = std::array<std::uint8_t, 32>;

constexpr std::string_view kChain = "replex-test";

// A point of order 8 (one of libsodium's small-order blocklist).
constexpr Bytes32 kOrder8 = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
                             0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
                             0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};

// y = p + 1 = 2^255 - 18: the identity's y, not canonically encoded.
constexpr Bytes32 kPPlus1 = {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                             0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                             0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};

Bytes32 random_scalar() {
  Bytes32 s;
  crypto_core_ed25519_scalar_random(s.data());
  return s;
}

Bytes32 base_times(const Bytes32& s) {
  Bytes32 out;
  EXPECT_EQ(crypto_scalarmult_ed25519_base_noclamp(out.data(), s.data()), 0);
  return out;
}

ed::Point decoded(const Bytes32& b) {
  const auto p = ed::decode(b.data());
  EXPECT_TRUE(p.has_value());
  return p.value_or(ed::identity());
}

class Edwards25519 : public ::testing::Test {
 protected:
  void SetUp() override { ensure_sodium(); }
};

TEST_F(Edwards25519, TheBasePointRoundTripsAndHasOrderL) {
  const Bytes32 one = [] {
    Bytes32 s{};
    s[0] = 1;
    return s;
  }();
  EXPECT_EQ(ed::encode(ed::base_point()), base_times(one));
  // L = 2^252 + 27742317777372353535851937790883648493.
  const Bytes32 order = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                         0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
  const ed::Point b = ed::base_point();
  EXPECT_TRUE(ed::is_identity(ed::multiscalar_mul({&b, 1}, {&order, 1})));
  EXPECT_FALSE(ed::has_small_order(b));
}

TEST_F(Edwards25519, ScalarMultiplesAndSumsMatchLibsodium) {
  for (int round = 0; round < 50; ++round) {
    const Bytes32 s = random_scalar();
    const ed::Point b = ed::base_point();
    EXPECT_EQ(ed::encode(ed::multiscalar_mul({&b, 1}, {&s, 1})), base_times(s)) << round;

    const Bytes32 p = base_times(random_scalar());
    const Bytes32 q = base_times(random_scalar());
    Bytes32 sum;
    ASSERT_EQ(crypto_core_ed25519_add(sum.data(), p.data(), q.data()), 0);
    EXPECT_EQ(ed::encode(ed::add(decoded(p), decoded(q))), sum) << round;
    EXPECT_EQ(ed::encode(decoded(p)), p);
  }
}

TEST_F(Edwards25519, AMultiScalarMultiplicationIsTheSumOfItsTerms) {
  for (const std::size_t n : {1u, 2u, 7u, 33u}) {
    std::vector<ed::Point> points;
    std::vector<ed::Scalar> scalars;
    Bytes32 expected{};
    bool have_expected = false;
    for (std::size_t i = 0; i < n; ++i) {
      const Bytes32 p = base_times(random_scalar());
      Bytes32 s = random_scalar();
      if (i % 3 == 1) std::fill(s.begin() + 16, s.end(), 0);  // short scalars, like the batch's weights
      Bytes32 term;
      ASSERT_EQ(crypto_scalarmult_ed25519_noclamp(term.data(), s.data(), p.data()), 0);
      if (have_expected) {
        ASSERT_EQ(crypto_core_ed25519_add(expected.data(), expected.data(), term.data()), 0);
      } else {
        expected = term;
        have_expected = true;
      }
      points.push_back(decoded(p));
      scalars.push_back(s);
    }
    EXPECT_EQ(ed::encode(ed::multiscalar_mul(points, scalars)), expected) << n;
  }
}

TEST_F(Edwards25519, DecodingRefusesNonCanonicalAndOffCurveBytes) {
  EXPECT_FALSE(ed::decode(kPPlus1.data()).has_value());
  Bytes32 minus_zero{};  // the identity with the sign bit set
  minus_zero[0] = 1;
  minus_zero[31] = 0x80;
  EXPECT_FALSE(ed::decode(minus_zero.data()).has_value());
  int off_curve = 0;
  for (std::uint8_t y = 2; y < 40; ++y) {
    for (const std::uint8_t sign : {0x00, 0x80}) {
      Bytes32 b{};
      b[0] = y;
      b[31] = sign;
      if (const auto p = ed::decode(b.data())) {
        EXPECT_EQ(ed::encode(*p), b) << int(y);  // x's sign as asked
      } else {
        ++off_curve;  // y^2 - 1 / (dy^2 + 1) is not a square
      }
    }
  }
  EXPECT_GT(off_curve, 0);
  const ed::Point t = decoded(kOrder8);
  EXPECT_TRUE(ed::has_small_order(t));
  EXPECT_FALSE(ed::is_identity(ed::add(ed::add(t, t), ed::add(t, t))));  // [4]T is not the identity
}

// A signature made by hand, with the nonce R and the key A free to carry a
// small-order component (libsodium refuses those; the cofactored rule does not).
struct Crafted {
  PublicKey key;
  Signature signature;
  Bytes message;
};

Crafted craft(bool torsion_in_r, bool torsion_in_key) {
  const Bytes32 a = random_scalar();
  const Bytes32 r = random_scalar();
  Bytes32 key = base_times(a);
  Bytes32 nonce = base_times(r);
  if (torsion_in_r) {
    EXPECT_EQ(crypto_core_ed25519_add(nonce.data(), nonce.data(), kOrder8.data()), 0);
  }
  if (torsion_in_key) {
    EXPECT_EQ(crypto_core_ed25519_add(key.data(), key.data(), kOrder8.data()), 0);
  }
  Crafted c{PublicKey::from_bytes(key).value(), {}, to_bytes("crafted")};
  const Bytes signed_bytes = signing_bytes(domain::kTransaction, kChain, c.message);
  Bytes hashed(nonce.begin(), nonce.end());
  hashed.insert(hashed.end(), key.begin(), key.end());
  hashed.insert(hashed.end(), signed_bytes.begin(), signed_bytes.end());
  std::uint8_t digest[64];
  crypto_hash_sha512(digest, hashed.data(), hashed.size());
  Bytes32 k, ka, s;
  crypto_core_ed25519_scalar_reduce(k.data(), digest);
  crypto_core_ed25519_scalar_mul(ka.data(), k.data(), a.data());
  crypto_core_ed25519_scalar_add(s.data(), r.data(), ka.data());
  std::copy(nonce.begin(), nonce.end(), c.signature.bytes.begin());
  std::copy(s.begin(), s.end(), c.signature.bytes.begin() + 32);
  return c;
}

bool libsodium_accepts(const PublicKey& key, ByteView message, const Signature& sig) {
  const Bytes input = signing_bytes(domain::kTransaction, kChain, message);
  return crypto_sign_verify_detached(sig.bytes.data(), input.data(), input.size(), key.bytes.data()) == 0;
}

struct Signed {
  PublicKey key;
  Signature signature;
  Bytes message;
};

std::vector<Signed> honest(std::size_t n) {
  std::vector<Signed> out;
  for (std::size_t i = 0; i < n; ++i) {
    const KeyPair kp = KeyPair::generate();
    Bytes message = to_bytes("order " + std::to_string(i));
    out.push_back({kp.public_key(), kp.sign(domain::kTransaction, kChain, message), std::move(message)});
  }
  return out;
}

std::vector<SignatureCheck> checks_of(const std::vector<Signed>& items) {
  std::vector<SignatureCheck> checks;
  for (const Signed& s : items) checks.push_back({&s.key, &s.signature, s.message});
  return checks;
}

TEST_F(Edwards25519, HandMadeSignaturesVerifyLikeLibsodiumsOwn) {
  const Crafted plain = craft(false, false);
  EXPECT_TRUE(libsodium_accepts(plain.key, plain.message, plain.signature));
  EXPECT_TRUE(verify_cofactored(plain.key, domain::kTransaction, kChain, plain.message, plain.signature));
  // The refusals verify_cofactored() relies on (ed25519_verify.cpp) came with 1.0.18 (library 10.3).
  EXPECT_GE(sodium_library_version_major() * 100 + sodium_library_version_minor(), 1003);
}

TEST(Ed25519Batch, HonestSignaturesAllVerifyInOneBatch) {
  for (const std::size_t n : {1u, 3u, 4u, 64u, 200u}) {
    const std::vector<Signed> items = honest(n);
    std::vector<SignatureCheck> checks = checks_of(items);
    verify_batch(domain::kTransaction, kChain, checks);
    for (const SignatureCheck& c : checks) EXPECT_TRUE(c.valid) << n;
  }
}

TEST(Ed25519Batch, SignaturesByOneKeyShareItsTermYetEachIsJudged) {
  std::vector<KeyPair> keys;
  for (int k = 0; k < 3; ++k) keys.push_back(KeyPair::generate());
  std::vector<Signed> items;
  for (std::size_t i = 0; i < 40; ++i) {
    const KeyPair& kp = keys[i % keys.size()];
    Bytes message = to_bytes("order " + std::to_string(i));
    items.push_back({kp.public_key(), kp.sign(domain::kTransaction, kChain, message), std::move(message)});
  }
  std::vector<SignatureCheck> checks = checks_of(items);
  verify_batch(domain::kTransaction, kChain, checks);
  for (const SignatureCheck& c : checks) EXPECT_TRUE(c.valid);
  // Two signatures by one key swapped: each is valid for the other's
  // message only, so the key's combined term must not hide them.
  std::swap(items[3].signature, items[6].signature);
  checks = checks_of(items);
  verify_batch(domain::kTransaction, kChain, checks);
  for (std::size_t i = 0; i < checks.size(); ++i) EXPECT_EQ(checks[i].valid, i != 3 && i != 6) << i;
}

TEST(Ed25519Batch, VerdictsEqualLibsodiumsUnderRandomCorruption) {
  std::mt19937_64 rng(20261206);
  std::vector<Signed> items = honest(300);
  for (Signed& s : items) {
    switch (rng() % 6) {
      case 0:  // a flipped bit of R or S
        s.signature.bytes[rng() % 64] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // another message
        s.message.push_back('!');
        break;
      case 2:  // another key, or bytes that may not be a point
        s.key.bytes[rng() % 32] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      case 3: {  // S + L: the same residue, not canonical
        Bytes32 s_plus_l;
        std::copy_n(s.signature.bytes.begin() + 32, 32, s_plus_l.begin());
        unsigned carry = 0;
        const Bytes32 order = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                               0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                               0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
        for (std::size_t i = 0; i < 32; ++i) {
          carry += s_plus_l[i] + order[i];
          s_plus_l[i] = static_cast<std::uint8_t>(carry);
          carry >>= 8;
        }
        std::copy(s_plus_l.begin(), s_plus_l.end(), s.signature.bytes.begin() + 32);
        break;
      }
      default:
        break;  // left valid: a third of them
    }
  }
  std::vector<SignatureCheck> checks = checks_of(items);
  verify_batch(domain::kTransaction, kChain, checks);
  int valid = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const bool expected = libsodium_accepts(items[i].key, items[i].message, items[i].signature);
    EXPECT_EQ(checks[i].valid, expected) << i;
    EXPECT_EQ(verify_cofactored(items[i].key, domain::kTransaction, kChain, items[i].message, items[i].signature),
              expected)
        << i;
    valid += expected ? 1 : 0;
  }
  EXPECT_GT(valid, 50);
  EXPECT_LT(valid, 150);
}

TEST(Ed25519Batch, ASmallOrderComponentIsAcceptedOneByOneAndInABatchAlike) {
  ensure_sodium();
  for (const auto& [in_r, in_key] : {std::pair{true, false}, std::pair{false, true}, std::pair{true, true}}) {
    const Crafted c = craft(in_r, in_key);
    // Cofactorless, libsodium refuses a torsioned R alone (a torsioned key
    // too unless k is a multiple of 8; both unless k = -1 mod 8); the
    // cofactored rule accepts all three.
    if (in_r && !in_key) {
      EXPECT_FALSE(libsodium_accepts(c.key, c.message, c.signature));
      EXPECT_FALSE(verify(c.key, domain::kTransaction, kChain, c.message, c.signature));  // strict
    }
    EXPECT_TRUE(verify_cofactored(c.key, domain::kTransaction, kChain, c.message, c.signature));
    std::vector<Signed> items = honest(8);
    items[5] = {c.key, c.signature, c.message};
    std::vector<SignatureCheck> checks = checks_of(items);
    verify_batch(domain::kTransaction, kChain, checks);
    for (const SignatureCheck& check : checks) EXPECT_TRUE(check.valid);
    // Beside an invalid one, the batch fails and each is checked alone: same verdicts.
    items[2].message.push_back('!');
    checks = checks_of(items);
    verify_batch(domain::kTransaction, kChain, checks);
    for (std::size_t i = 0; i < checks.size(); ++i) EXPECT_EQ(checks[i].valid, i != 2) << i;
  }
}

TEST(Ed25519Batch, SmallOrderAndNonCanonicalPointsAreRefusedLikeLibsodium) {
  ensure_sodium();
  std::vector<Signed> items = honest(6);
  std::copy(kOrder8.begin(), kOrder8.end(), items[1].signature.bytes.begin());  // R of small order
  items[3].key = PublicKey::from_bytes(kOrder8).value();                        // key of small order
  // Not canonical: R and a key with y = p + 1.
  const Bytes32 p_plus_1 = kPPlus1;
  std::copy(p_plus_1.begin(), p_plus_1.end(), items[4].signature.bytes.begin());
  items[5].key = PublicKey::from_bytes(p_plus_1).value();
  std::vector<SignatureCheck> checks = checks_of(items);
  verify_batch(domain::kTransaction, kChain, checks);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const bool honest_one = i == 0 || i == 2;
    EXPECT_EQ(checks[i].valid, honest_one) << i;
    EXPECT_EQ(verify_cofactored(items[i].key, domain::kTransaction, kChain, items[i].message, items[i].signature),
              honest_one)
        << i;
    // The rule trusts libsodium's accepts: it must refuse all of these.
    EXPECT_EQ(libsodium_accepts(items[i].key, items[i].message, items[i].signature), honest_one) << i;
  }
}

TEST(Ed25519Batch, AnUnknownDomainOrALongChainIdVerifiesNothing) {
  const std::vector<Signed> items = honest(5);
  std::vector<SignatureCheck> checks = checks_of(items);
  verify_batch(domain::kTransaction, std::string(kMaxChainIdBytes + 1, 'c'), checks);
  for (const SignatureCheck& c : checks) EXPECT_FALSE(c.valid);
  verify_batch(domain::kConsensus, kChain, checks);
  for (const SignatureCheck& c : checks) EXPECT_FALSE(c.valid);
}

}  // namespace
}  // namespace replex
