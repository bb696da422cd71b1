#include "replex/p2p/message.hpp"

#include <gtest/gtest.h>

namespace replex::p2p {
namespace {

Message round_trip(const Message& m) {
  auto decoded = decode_message(encode_message(m));
  EXPECT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  return decoded.is_ok() ? std::move(decoded).value() : Message{Ping{}};
}

TEST(Message, EveryKindRoundTrips) {
  EXPECT_EQ(std::get<Ping>(round_trip(Ping{7})).nonce, 7u);
  EXPECT_EQ(std::get<Pong>(round_trip(Pong{8})).nonce, 8u);
  const Bytes payload = {1, 2, 3};
  auto direct = std::get<Direct>(round_trip(Direct{Channel::kConsensus, payload}));
  EXPECT_EQ(direct.channel, Channel::kConsensus);
  EXPECT_EQ(direct.payload, payload);
  const NodeId other = KeyPair::from_label("other").public_key();
  auto gossip =
      std::get<Gossip>(round_trip(Gossip{Channel::kTransactions, {other}, {payload, Bytes{}, Bytes{9}}}));
  EXPECT_EQ(gossip.channel, Channel::kTransactions);
  EXPECT_EQ(gossip.also_sent_to, std::vector<NodeId>{other});
  EXPECT_EQ(gossip.payloads, (std::vector<Bytes>{payload, Bytes{}, Bytes{9}}));
  auto request = std::get<Request>(round_trip(Request{Channel::kStateTransfer, 99, payload}));
  EXPECT_EQ(request.id, 99u);
  EXPECT_EQ(request.payload, payload);
  auto ok = std::get<Response>(round_trip(Response{5, Status::ok(), payload}));
  EXPECT_TRUE(ok.error.is_ok());
  EXPECT_EQ(ok.payload, payload);
  auto err = std::get<Response>(round_trip(Response{6, Status::not_found("no snapshot at 12"), {}}));
  EXPECT_EQ(err.error.code(), StatusCode::kNotFound);
  EXPECT_EQ(err.error.message(), "no snapshot at 12");
  auto empty = std::get<Direct>(round_trip(Direct{Channel::kBlocks, {}}));
  EXPECT_TRUE(empty.payload.empty());
}

TEST(Message, LayoutIsDocumented) {
  EXPECT_EQ(encode_message(Ping{0x0102030405060708}), (Bytes{1, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(encode_message(Direct{Channel::kBlocks, {0xaa}}), (Bytes{3, 3, 0xaa}));
  EXPECT_EQ(encode_message(Gossip{Channel::kTransactions, {}, {{0xaa}, {0xbb, 0xcc}}}),
            (Bytes{4, 2, 0, 0, 0, 0, 1, 0xaa, 0, 0, 0, 2, 0xbb, 0xcc}));
  EXPECT_EQ(encode_message(Request{Channel::kStateTransfer, 1, {0xbb}}),
            (Bytes{5, 4, 0, 0, 0, 0, 0, 0, 0, 1, 0xbb}));
  EXPECT_EQ(encode_message(Response{2, Status::ok(), {0xcc}}), (Bytes{6, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0xcc}));
}

TEST(Message, LongErrorsAreCut) {
  const std::string long_text(5000, 'e');
  auto r = std::get<Response>(round_trip(Response{1, Status::internal(long_text), {}}));
  EXPECT_EQ(r.error.message().size(), kMaxResponseErrorBytes);
}

TEST(Message, MalformedInputNamesTheField) {
  const auto error_of = [](Bytes b) { return decode_message(std::move(b)).status().message(); };
  EXPECT_NE(error_of({}).find("message.kind"), std::string::npos);
  EXPECT_NE(error_of({0}).find("message.kind: unknown kind 0"), std::string::npos);
  EXPECT_NE(error_of({42}).find("unknown kind 42"), std::string::npos);
  EXPECT_NE(error_of({1, 0, 0}).find("ping.nonce"), std::string::npos);
  EXPECT_NE(error_of({1, 0, 0, 0, 0, 0, 0, 0, 0, 9}).find("trailing bytes"), std::string::npos);
  EXPECT_NE(error_of({3}).find("message.channel"), std::string::npos);
  EXPECT_NE(error_of({3, 77, 1}).find("unknown channel 77"), std::string::npos);
  EXPECT_NE(error_of({4, 6, 1}).find("peer_exchange"), std::string::npos);
  EXPECT_NE(error_of({4, 1, 0}).find("gossip.payloads: at least one"), std::string::npos);
  EXPECT_NE(error_of({4, 1, 1, 7}).find("gossip.also_sent_to"), std::string::npos);
  EXPECT_NE(error_of({4, 1, 0, 0, 0}).find("gossip.payload_length"), std::string::npos);
  EXPECT_NE(error_of({4, 1, 0, 0, 0, 0, 2, 0xaa}).find("gossip.payload"), std::string::npos);
  EXPECT_NE(error_of({5, 4, 0, 0}).find("request.id"), std::string::npos);
  EXPECT_NE(error_of({6, 0, 0, 0, 0, 0, 0, 0, 1, 200}).find("response.code"), std::string::npos);
}

TEST(PeerExchange, AddressesRoundTrip) {
  std::vector<PexAddress> in = {
      {KeyPair::from_label("a").public_key(), "127.0.0.1", 26656},
      {KeyPair::from_label("b").public_key(), "::1", 1},
      {KeyPair::from_label("c").public_key(), "not-an-ip", 5},  // skipped
  };
  const Bytes encoded = encode_pex_addresses(in);
  auto out = decode_pex_addresses(encoded, 10);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0], in[0]);
  EXPECT_EQ((*out)[1], in[1]);
}

TEST(PeerExchange, LimitsAndJunkAreRefused) {
  std::vector<PexAddress> in(3, PexAddress{KeyPair::from_label("a").public_key(), "10.0.0.1", 7});
  const Bytes encoded = encode_pex_addresses(in);
  EXPECT_NE(decode_pex_addresses(encoded, 2).status().message().find("max_pex_addresses"), std::string::npos);
  Bytes bad_family = encode_pex_addresses(std::span(in).first(1));
  bad_family[2 + 32] = 5;
  EXPECT_NE(decode_pex_addresses(bad_family, 2).status().message().find("pex.family"), std::string::npos);
  Bytes zero_port = encode_pex_addresses(std::span(in).first(1));
  zero_port[zero_port.size() - 1] = 0;
  zero_port[zero_port.size() - 2] = 0;
  EXPECT_NE(decode_pex_addresses(zero_port, 2).status().message().find("pex.port"), std::string::npos);
  Bytes truncated = encoded;
  truncated.pop_back();
  EXPECT_FALSE(decode_pex_addresses(truncated, 10).is_ok());
  Bytes trailing = encoded;
  trailing.push_back(0);
  EXPECT_FALSE(decode_pex_addresses(trailing, 10).is_ok());
}

}  // namespace
}  // namespace replex::p2p
