#include "replex/core/tx_envelope.hpp"

#include <gtest/gtest.h>

#include "replex/v1/tx.pb.h"

namespace replex {
namespace {

constexpr std::string_view kChain = "replex-test";

TEST(TxEnvelope, SealThenOpen) {
  const KeyPair kp = KeyPair::from_label("alice");
  const Bytes body = to_bytes("body-bytes");
  const Bytes env = seal_envelope(kp, kChain, body);
  auto opened = open_envelope(env, kChain);
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  EXPECT_EQ(opened->signer, kp.public_key());
  EXPECT_EQ(opened->body, body);
  EXPECT_EQ(tx_hash(env), tx_hash(env));
}

TEST(TxEnvelope, RejectsWrongChainTamperedBodyAndJunk) {
  const KeyPair kp = KeyPair::from_label("alice");
  const Bytes env = seal_envelope(kp, kChain, to_bytes("body"));
  EXPECT_EQ(open_envelope(env, "other-chain").status().code(), StatusCode::kUnauthenticated);
  // Without verification (bytes verified before) the wrong chain is not noticed.
  EXPECT_TRUE(open_envelope(env, "other-chain", false).is_ok());

  replex::v1::SignedTransaction parsed;
  ASSERT_TRUE(parsed.ParseFromArray(env.data(), static_cast<int>(env.size())));
  parsed.set_body("bodY");
  const std::string tampered = parsed.SerializeAsString();
  EXPECT_NE(open_envelope(as_bytes(tampered), kChain).status().message().find("does not verify"),
            std::string::npos);

  parsed.set_public_key("short");
  const std::string bad_key = parsed.SerializeAsString();
  EXPECT_NE(open_envelope(as_bytes(bad_key), kChain).status().message().find("envelope.public_key"),
            std::string::npos);

  const Bytes junk = {0xff, 0xff, 0xff};
  EXPECT_FALSE(open_envelope(junk, kChain).is_ok());
  EXPECT_FALSE(open_envelope(Bytes{}, kChain).is_ok());
  EXPECT_NE(open_envelope(Bytes(5000, 1), kChain).status().message().find("max_tx_bytes"),
            std::string::npos);
}

}  // namespace
}  // namespace replex
