// The plaintext inside a sealed frame: a message kind byte, then its fields.
//
// Pure encoding, no I/O. Decoding checks every field and names the first one
// that is wrong; a peer that sends anything that does not decode is dropped.
// Byte layout: docs/wire-formats.md (p2p).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"
#include "replex/p2p/channel.hpp"
#include "replex/p2p/config.hpp"

namespace replex::p2p {

enum class MessageKind : std::uint8_t {
  kPing = 1,
  kPong = 2,
  kDirect = 3,
  kGossip = 4,
  kRequest = 5,
  kResponse = 6,
};

struct Ping {
  std::uint64_t nonce = 0;
};
struct Pong {
  std::uint64_t nonce = 0;  // echoes the ping's
};
struct Direct {
  Channel channel = Channel::kConsensus;
  Bytes payload;
};
// Pushed payloads of one channel, batched. `also_sent_to` names peers the
// sender pushes the same payloads to, so the receiver does not forward them
// there (a hint: a lie only withholds what the sender could withhold anyway).
struct Gossip {
  Channel channel = Channel::kTransactions;
  std::vector<NodeId> also_sent_to;  // at most kMaxGossipAlsoSentTo
  std::vector<Bytes> payloads;       // at least one
};
struct Request {
  Channel channel = Channel::kStateTransfer;
  std::uint64_t id = 0;
  Bytes payload;
};
// Either a payload (error ok) or an error with its code and message.
struct Response {
  std::uint64_t id = 0;
  Status error;
  Bytes payload;
};

using Message = std::variant<Ping, Pong, Direct, Gossip, Request, Response>;

// The longest header any message puts before its payload (request: kind,
// channel, id; response: kind, id, code).
inline constexpr std::size_t kMaxMessageHeaderBytes = 1 + 1 + 8;
// Gossip: each payload is preceded by its u32 length; the hint list by its u8 count.
inline constexpr std::size_t kGossipEntryOverheadBytes = 4;
inline constexpr std::size_t kMaxGossipAlsoSentTo = 255;
// Longer error messages are cut to this length when encoded.
inline constexpr std::size_t kMaxResponseErrorBytes = 1024;

Bytes encode_message(const Message& message);
// A Gossip message from borrowed payloads, without copying them first.
Bytes encode_gossip(Channel channel, std::span<const NodeId> also_sent_to, std::span<const ByteView> payloads);
// Its encoded size, for batching under max_payload_bytes.
std::size_t gossip_message_bytes(std::size_t also_sent_to, std::size_t payload_bytes_with_overhead);
// Takes the plaintext by value so the payload moves out without a copy.
Result<Message> decode_message(Bytes plaintext);

// One peer exchange entry: a peer's identity and the IP and port it listens on.
struct PexAddress {
  NodeId id;
  std::string ip;  // IPv4 or IPv6 literal
  std::uint16_t port = 0;
  friend bool operator==(const PexAddress&, const PexAddress&) = default;
};

// Entries whose ip is not an IP literal are skipped.
Bytes encode_pex_addresses(std::span<const PexAddress> addresses);
// Refuses more than max_addresses entries, unknown address families and port 0.
Result<std::vector<PexAddress>> decode_pex_addresses(ByteView payload, std::uint32_t max_addresses);

}  // namespace replex::p2p
