// Recoverable ECDSA over secp256k1: round trips, cast's signatures, and the
// signatures recovery must refuse.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "cast.hpp"
#include "replex/settlement/keccak.hpp"
#include "replex/settlement/secp256k1.hpp"
#include "replex/settlement/uint256.hpp"

namespace replex::settlement {
namespace {

using testing::cast;

const U256 kGroupOrder =
    parse_u256("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141").value();

EthKey known_key() {
  return EthKey::from_bytes(from_hex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318").value())
      .value();
}

TEST(Secp256k1, SignThenRecoverGivesTheSignersAddress) {
  for (int i = 0; i < 20; ++i) {
    const EthKey key = EthKey::generate();
    const Hash256 digest = keccak256("message " + std::to_string(i));
    const EthSignature sig = key.sign_digest(digest);
    auto recovered = recover_address(digest, sig);
    ASSERT_TRUE(recovered.is_ok()) << recovered.status().to_string();
    EXPECT_EQ(*recovered, key.address());
    EXPECT_LE(u256_from_word(sig.s), kGroupOrder / 2) << "libsecp256k1 signs low-s";
    // Another digest recovers some other key, never the signer.
    auto other = recover_address(keccak256("another"), sig);
    if (other.is_ok()) {
      EXPECT_NE(*other, key.address());
    }
  }
}

TEST(Secp256k1, SigningIsDeterministic) {
  const EthKey key = known_key();
  const Hash256 digest = keccak256("rfc6979");
  EXPECT_EQ(key.sign_digest(digest), key.sign_digest(digest));
}

TEST(Secp256k1, Rsv65HasVOf27Or28AndRoundTrips) {
  const EthKey key = known_key();
  for (int i = 0; i < 8; ++i) {
    const EthSignature sig = key.sign_digest(keccak256("rsv " + std::to_string(i)));
    const auto rsv = sig.to_rsv65();
    EXPECT_EQ(rsv[64], 27 + sig.recovery_id);
    EXPECT_EQ(EthSignature::from_rsv65(ByteView(rsv.data(), rsv.size())).value(), sig);
    auto zero_one = rsv;
    zero_one[64] = sig.recovery_id;
    EXPECT_EQ(EthSignature::from_rsv65(ByteView(zero_one.data(), zero_one.size())).value(), sig);
  }
  std::array<std::uint8_t, 65> bad_v{};
  bad_v[64] = 29;
  EXPECT_FALSE(EthSignature::from_rsv65(ByteView(bad_v.data(), bad_v.size())).is_ok());
  EXPECT_FALSE(EthSignature::from_rsv65(ByteView(bad_v.data(), 64)).is_ok());
}

TEST(Secp256k1, MatchesCastWalletSignNoHash) {
  REPLEX_REQUIRE_CAST();
  const EthKey key = known_key();
  const std::string secret = testing::hex0x(ByteView(key.secret().data(), key.secret().size()));
  for (int i = 0; i < 4; ++i) {
    const Hash256 digest = keccak256("cast digest " + std::to_string(i));
    const auto rsv = key.sign_digest(digest).to_rsv65();
    EXPECT_EQ(cast({"wallet", "sign", "--no-hash", "--private-key", secret, "0x" + digest.hex()}),
              testing::hex0x(ByteView(rsv.data(), rsv.size())))
        << "digest " << digest.hex();
  }
}

TEST(Secp256k1, HighSTwinOfAValidSignatureIsRefused) {
  const EthKey key = known_key();
  const Hash256 digest = keccak256("malleable");
  const EthSignature low = key.sign_digest(digest);
  ASSERT_TRUE(recover_address(digest, low).is_ok());
  // (r, n - s, recid ^ 1) is the same point's other signature: ecrecover would
  // accept it, EIP-2 and OpenZeppelin's ECDSA refuse it, and so do we.
  EthSignature high = low;
  high.s = to_word(kGroupOrder - u256_from_word(low.s));
  high.recovery_id = low.recovery_id ^ 1;
  auto refused = recover_address(digest, high);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("high s"), std::string::npos) << refused.status().to_string();
}

TEST(Secp256k1, GarbageSignaturesAreRefused) {
  const EthKey key = known_key();
  const Hash256 digest = keccak256("garbage");
  const EthSignature good = key.sign_digest(digest);

  EthSignature zero_r = good;
  zero_r.r = {};
  EXPECT_FALSE(recover_address(digest, zero_r).is_ok());

  EthSignature zero_s = good;
  zero_s.s = {};
  EXPECT_FALSE(recover_address(digest, zero_s).is_ok());

  EthSignature r_too_big = good;
  r_too_big.r = to_word(kGroupOrder);
  EXPECT_FALSE(recover_address(digest, r_too_big).is_ok());

  EthSignature all_ff = good;
  all_ff.r.fill(0xff);
  all_ff.s.fill(0xff);
  EXPECT_FALSE(recover_address(digest, all_ff).is_ok());

  EthSignature bad_recid = good;
  bad_recid.recovery_id = 2;
  EXPECT_FALSE(recover_address(digest, bad_recid).is_ok());

  // An r that is no point's x coordinate: x = 5 has no y on secp256k1
  // (5^3 + 7 = 132 is not a square mod p), so nothing recovers.
  EthSignature not_on_curve = good;
  not_on_curve.r = to_word(U256(5));
  EXPECT_FALSE(recover_address(digest, not_on_curve).is_ok());
}

// The shared context is used from many threads at once (the submitter, the
// batch signer, RPC verification); every result must still be right.
TEST(Secp256k1, ConcurrentSigningAndRecoveryAgree) {
  const EthKey key = known_key();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&key, &wrong, t] {
      for (int i = 0; i < 200; ++i) {
        const Hash256 digest = keccak256("thread " + std::to_string(t) + " " + std::to_string(i));
        const EthSignature sig = key.sign_digest(digest);
        auto recovered = recover_address(digest, sig);
        if (!recovered.is_ok() || *recovered != key.address()) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Secp256k1, AddressFromUncompressedPublicKey) {
  // The generator G: its address is that of the secret key 1.
  const Bytes g = from_hex(
                      "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
                      "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8")
                      .value();
  Bytes one(32, 0);
  one[31] = 1;
  EXPECT_EQ(address_from_public_key(g).value(), EthKey::from_bytes(one).value().address());
  EXPECT_EQ(to_checksum_hex(address_from_public_key(g).value()), "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
  Bytes off_curve = g;
  off_curve[64] ^= 1;
  EXPECT_FALSE(address_from_public_key(off_curve).is_ok());
  EXPECT_FALSE(address_from_public_key(ByteView(g.data(), 33)).is_ok());
}

}  // namespace
}  // namespace replex::settlement
