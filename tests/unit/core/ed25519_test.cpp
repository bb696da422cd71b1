#include "replex/core/ed25519.hpp"

#include <gtest/gtest.h>

namespace replex {
namespace {

TEST(Ed25519, Rfc8032SeedGivesKnownPublicKey) {
  auto seed = from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  auto kp = KeyPair::from_seed(*seed);
  ASSERT_TRUE(kp.is_ok());
  EXPECT_EQ(kp->public_key().hex(), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(to_hex(kp->seed()), to_hex(*seed));
}

TEST(Ed25519, SignVerifyUnderDomainAndChain) {
  const KeyPair kp = KeyPair::generate();
  const Bytes msg = to_bytes("place order");
  const Signature sig = kp.sign(domain::kTransaction, "replex-test", msg);
  EXPECT_TRUE(verify(kp.public_key(), domain::kTransaction, "replex-test", msg, sig));
  // Another purpose, another chain, another message or another key: no.
  EXPECT_FALSE(verify(kp.public_key(), domain::kConsensus, "replex-test", msg, sig));
  EXPECT_FALSE(verify(kp.public_key(), domain::kTransaction, "other-chain", msg, sig));
  EXPECT_FALSE(verify(kp.public_key(), domain::kTransaction, "replex-test", to_bytes("place 0rder"), sig));
  EXPECT_FALSE(verify(KeyPair::generate().public_key(), domain::kTransaction, "replex-test", msg, sig));
  Signature flipped = sig;
  flipped.bytes[10] ^= 1;
  EXPECT_FALSE(verify(kp.public_key(), domain::kTransaction, "replex-test", msg, flipped));
}

TEST(Ed25519, SigningBytesAreLengthPrefixed) {
  // ("ab", "c") and ("a", "bc") must not collide.
  EXPECT_NE(signing_bytes("ab", "c", {}), signing_bytes("a", "bc", {}));
  const Bytes b = signing_bytes("d", "c", to_bytes("m"));
  EXPECT_EQ(b, (Bytes{1, 'd', 1, 'c', 'm'}));
}

TEST(Ed25519, LabelKeysAreDeterministicAndMovable) {
  KeyPair a = KeyPair::from_label("validator-0");
  EXPECT_EQ(a.public_key(), KeyPair::from_label("validator-0").public_key());
  EXPECT_NE(a.public_key(), KeyPair::from_label("validator-1").public_key());
  const PublicKey pk = a.public_key();
  KeyPair b = std::move(a);
  EXPECT_EQ(b.public_key(), pk);
  EXPECT_TRUE(verify(pk, "d", "c", {}, b.sign("d", "c", {})));
}

TEST(Ed25519, KeyParsingNamesTheProblem) {
  EXPECT_NE(PublicKey::from_bytes(Bytes(31)).status().message().find("expected 32 bytes, got 31"),
            std::string::npos);
  EXPECT_FALSE(Signature::from_bytes(Bytes(63)).is_ok());
  EXPECT_FALSE(KeyPair::from_seed(Bytes(5)).is_ok());
  EXPECT_FALSE(PublicKey::from_hex("xyz").is_ok());
}

}  // namespace
}  // namespace replex
