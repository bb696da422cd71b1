#include "replex/p2p/handshake.hpp"

#include <gtest/gtest.h>

#include "replex/core/hash.hpp"
#include "replex/p2p/frame.hpp"

namespace replex::p2p {
namespace {

constexpr std::string_view kChain = "replex-p2p-test";

// Runs both sides of a handshake in memory.
struct Pair {
  KeyPair initiator_key = KeyPair::from_label("initiator");
  KeyPair responder_key = KeyPair::from_label("responder");
  Handshake initiator{Role::kInitiator, initiator_key, std::string(kChain), 26656};
  Handshake responder{Role::kResponder, responder_key, std::string(kChain), 0};
};

TEST(Handshake, BothSidesAgreeOnPerDirectionKeys) {
  Pair p;
  ASSERT_TRUE(p.initiator.receive_hello(p.responder.local_hello()).is_ok());
  ASSERT_TRUE(p.responder.receive_hello(p.initiator.local_hello()).is_ok());
  EXPECT_EQ(p.initiator.remote_hello().identity, p.responder_key.public_key());
  EXPECT_EQ(p.responder.remote_hello().identity, p.initiator_key.public_key());
  EXPECT_EQ(p.responder.remote_hello().listen_port, 26656);
  EXPECT_EQ(p.initiator.remote_hello().listen_port, 0);

  const Signature from_initiator = p.initiator.local_auth();
  const Signature from_responder = p.responder.local_auth();
  EXPECT_NE(from_initiator, from_responder);  // the role byte differs even for one transcript
  ASSERT_TRUE(p.responder.receive_auth(from_initiator.view()).is_ok());
  ASSERT_TRUE(p.initiator.receive_auth(from_responder.view()).is_ok());

  SessionKeys i = p.initiator.take_keys();
  SessionKeys r = p.responder.take_keys();
  EXPECT_TRUE(i.send == r.receive);
  EXPECT_TRUE(i.receive == r.send);
  EXPECT_FALSE(i.send == i.receive);

  // Frames sealed by one side open on the other, in both directions.
  FrameSealer seal_i(std::move(i.send));
  FrameOpener open_r(std::move(r.receive));
  FrameSealer seal_r(std::move(r.send));
  FrameOpener open_i(std::move(i.receive));
  const Bytes msg = {1, 2, 3, 4};
  const Bytes to_responder = seal_i.seal(msg);
  const Bytes to_initiator = seal_r.seal(msg);
  auto at_responder = open_r.open(ByteView(to_responder).first(kFrameHeaderBytes),
                                  ByteView(to_responder).subspan(kFrameHeaderBytes));
  auto at_initiator = open_i.open(ByteView(to_initiator).first(kFrameHeaderBytes),
                                  ByteView(to_initiator).subspan(kFrameHeaderBytes));
  ASSERT_TRUE(at_responder.is_ok());
  ASSERT_TRUE(at_initiator.is_ok());
  EXPECT_EQ(*at_responder, msg);
  EXPECT_EQ(*at_initiator, msg);
  EXPECT_NE(to_responder, to_initiator);  // different keys per direction
}

TEST(Handshake, SignatureCoversTheDocumentedTranscript) {
  Pair p;
  ASSERT_TRUE(p.initiator.receive_hello(p.responder.local_hello()).is_ok());
  const Bytes transcript =
      handshake_transcript(Role::kInitiator, p.initiator.local_hello(), p.responder.local_hello());
  ASSERT_EQ(transcript.size(), 1 + 2 * kHelloBytes);
  EXPECT_EQ(transcript[0], 1);
  EXPECT_TRUE(verify(p.initiator_key.public_key(), domain::kP2pHandshake, kChain, transcript,
                     p.initiator.local_auth()));
  EXPECT_FALSE(verify(p.initiator_key.public_key(), domain::kP2pHandshake, "other-chain", transcript,
                      p.initiator.local_auth()));
}

TEST(Handshake, HelloLayoutIsFixed) {
  Pair p;
  const Bytes& hello = p.initiator.local_hello();
  ASSERT_EQ(hello.size(), kHelloBytes);
  EXPECT_EQ(std::string(hello.begin(), hello.begin() + 4), "RPXP");
  EXPECT_EQ(hello[4], kProtocolVersion);
  const Hash256 chain_hash = sha256(kChain);
  EXPECT_TRUE(std::equal(chain_hash.bytes.begin(), chain_hash.bytes.end(), hello.begin() + 5));
  const auto& id = p.initiator_key.public_key().bytes;
  EXPECT_TRUE(std::equal(id.begin(), id.end(), hello.begin() + 69));
  EXPECT_EQ(hello[101], 26656 >> 8);
  EXPECT_EQ(hello[102], 26656 & 0xff);
  auto decoded = Hello::decode(hello);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(decoded->encode(), hello);
}

TEST(Handshake, DifferentChainIsNamed) {
  KeyPair a = KeyPair::from_label("a");
  KeyPair b = KeyPair::from_label("b");
  Handshake mine(Role::kInitiator, a, "chain-one", 0);
  Handshake theirs(Role::kResponder, b, "chain-two", 0);
  const Status s = mine.receive_hello(theirs.local_hello());
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("different chain"), std::string::npos) << s.message();
}

TEST(Handshake, JunkHelloIsRefused) {
  Pair p;
  Bytes junk(kHelloBytes, 'x');
  EXPECT_NE(p.initiator.receive_hello(junk).message().find("hello.magic"), std::string::npos);
  Bytes short_hello(p.responder.local_hello().begin(), p.responder.local_hello().end() - 1);
  EXPECT_EQ(Hello::decode(short_hello).status().code(), StatusCode::kCorruption);
  Bytes bad_version = p.responder.local_hello();
  bad_version[4] = 9;
  EXPECT_NE(Hello::decode(bad_version).status().message().find("hello.version"), std::string::npos);
}

TEST(Handshake, ReflectedHelloIsRefused) {
  Pair p;
  const Status s = p.initiator.receive_hello(p.initiator.local_hello());
  EXPECT_FALSE(s.is_ok());
}

TEST(Handshake, ForgedOrMisdirectedAuthIsRefused) {
  Pair p;
  ASSERT_TRUE(p.initiator.receive_hello(p.responder.local_hello()).is_ok());
  ASSERT_TRUE(p.responder.receive_hello(p.initiator.local_hello()).is_ok());
  // The responder echoing the initiator's own signature: wrong role, wrong key.
  EXPECT_EQ(p.initiator.receive_auth(p.initiator.local_auth().view()).code(), StatusCode::kUnauthenticated);
  // A third party signing the right transcript under its own key.
  const KeyPair mallory = KeyPair::from_label("mallory");
  const Bytes transcript =
      handshake_transcript(Role::kResponder, p.initiator.local_hello(), p.responder.local_hello());
  const Signature forged = mallory.sign(domain::kP2pHandshake, kChain, transcript);
  EXPECT_EQ(p.initiator.receive_auth(forged.view()).code(), StatusCode::kUnauthenticated);
  EXPECT_FALSE(p.initiator.receive_auth(Bytes(10)).is_ok());
}

TEST(Handshake, ManInTheMiddleSwappingEphemeralKeysFailsAuth) {
  Pair p;
  const KeyPair mallory_key = KeyPair::from_label("mallory");
  Handshake mallory(Role::kResponder, mallory_key, std::string(kChain), 0);
  // Mallory forwards the responder's identity but substitutes her ephemeral key.
  auto hello = Hello::decode(p.responder.local_hello());
  ASSERT_TRUE(hello.is_ok());
  auto mallory_hello = Hello::decode(mallory.local_hello());
  hello->ephemeral_key = mallory_hello->ephemeral_key;
  ASSERT_TRUE(p.initiator.receive_hello(hello->encode()).is_ok());
  ASSERT_TRUE(p.responder.receive_hello(p.initiator.local_hello()).is_ok());
  // The real responder's signature covers the real Hello, not the substituted one.
  EXPECT_EQ(p.initiator.receive_auth(p.responder.local_auth().view()).code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace replex::p2p
