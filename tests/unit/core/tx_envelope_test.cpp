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

// EnvelopeReader reads the canonical encoding in place. Every other encoding
// protobuf would parse to the same fields is refused, so a relay cannot mint
// copies of a transaction with other hashes.
TEST(TxEnvelope, OnlyTheCanonicalEncodingIsAccepted) {
  const KeyPair kp = KeyPair::from_label("alice");
  const Bytes body = to_bytes("body-bytes");
  const Bytes env = seal_envelope(kp, kChain, body);
  EnvelopeReader reader;

  auto canonical = reader.open(env, kChain);
  ASSERT_TRUE(canonical.is_ok()) << canonical.status().to_string();
  EXPECT_EQ(canonical->signer, kp.public_key());
  EXPECT_EQ(Bytes(canonical->body.begin(), canonical->body.end()), body);
  EXPECT_TRUE(canonical->body.data() >= env.data() && canonical->body.data() < env.data() + env.size())
      << "the canonical layout is read in place";

  replex::v1::SignedTransaction parsed;
  ASSERT_TRUE(parsed.ParseFromArray(env.data(), static_cast<int>(env.size())));
  const std::string body_field = "\x0a\x01x";                  // body "x", overridden below
  const std::string unknown_field = std::string("\x48\x01", 2);  // field 9, varint 1
  const auto body_end = env.begin() + static_cast<std::ptrdiff_t>(2 + body.size());
  // The body's length as a two-byte varint where one byte does.
  std::string overlong = std::string("\x0a", 1) + static_cast<char>(0x80 | body.size()) + std::string(1, '\0');
  overlong += std::string(env.begin() + 2, env.end());
  // Fields repeated (the last wins), reordered, followed by an unknown one,
  // or with an over-long length: all the same transaction to protobuf.
  const std::vector<std::string> layouts = {
      body_field + std::string(env.begin(), env.end()),
      parsed.SerializeAsString() + unknown_field,
      std::string(body_end, env.end()) + std::string(env.begin(), body_end),
      overlong,
  };
  for (const std::string& layout : layouts) {
    replex::v1::SignedTransaction same;
    ASSERT_TRUE(same.ParseFromString(layout));
    ASSERT_EQ(same.body(), parsed.body());
    ASSERT_EQ(same.signature(), parsed.signature());
    auto opened = reader.open(as_bytes(layout), kChain);
    ASSERT_FALSE(opened.is_ok());
    EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(opened.status().message().find("not the canonical encoding"), std::string::npos)
        << opened.status().to_string();
    EXPECT_NE(tx_hash(as_bytes(layout)), tx_hash(env)) << "each would be a copy with another id";
  }
  // A canonical prefix that stops short is not an envelope.
  const Bytes truncated(env.begin(), env.end() - 1);
  EXPECT_NE(reader.open(truncated, kChain).status().message().find("not a SignedTransaction"), std::string::npos);
  // A bad field is named before the encoding is blamed.
  replex::v1::SignedTransaction empty_body = parsed;
  empty_body.set_body("");
  const std::string no_body = std::string("\x0a\x00", 2) + empty_body.SerializeAsString();
  EXPECT_NE(reader.open(as_bytes(no_body), kChain).status().message().find("envelope.body: empty"), std::string::npos);
  const std::string protobuf_no_body = empty_body.SerializeAsString();
  EXPECT_NE(open_envelope(as_bytes(protobuf_no_body), kChain).status().message().find("envelope.body: empty"),
            std::string::npos);
}

// Lengths take up to three varint bytes, so the largest max_tx_bytes (1 MiB)
// still has a canonical encoding, read in place.
TEST(TxEnvelope, LargeBodiesHaveACanonicalEncoding) {
  const KeyPair kp = KeyPair::from_label("alice");
  for (const std::size_t size : {127u, 128u, 16383u, 16384u, 1u << 20}) {
    const Bytes body(size, 7);
    const Bytes env = seal_envelope(kp, kChain, body);
    auto opened = EnvelopeReader().open(env, kChain, true, 2u << 20);
    ASSERT_TRUE(opened.is_ok()) << size << ": " << opened.status().to_string();
    EXPECT_EQ(opened->body.size(), size);
    EXPECT_TRUE(opened->body.data() > env.data() && opened->body.data() < env.data() + env.size());
  }
}

}  // namespace
}  // namespace replex
