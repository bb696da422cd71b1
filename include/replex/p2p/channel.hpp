// Channels: the only thing p2p knows about what it carries.
//
// Every application payload travels on one numbered channel; p2p routes by
// channel and never parses payloads. Numbers are wire values: never reuse one.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace replex::p2p {

enum class Channel : std::uint8_t {
  kConsensus = 1,      // PBFT messages between validators
  kTransactions = 2,   // signed transactions (push gossip)
  kBlocks = 3,         // committed blocks with their commit certificates
  kStateTransfer = 4,  // snapshot and block requests from laggards (request/response)
  kSettlement = 5,     // settlement batch signatures between validators
  kPeerExchange = 6,   // reserved for p2p itself: address exchange (see docs/p2p.md)
};

// Lower-case name for logs and metrics ("consensus", "peer_exchange").
std::string_view channel_name(Channel channel);

// The channel with wire value `value`, or nullopt if no such channel exists.
std::optional<Channel> channel_from_wire(std::uint8_t value);

// True for channels the node may send on; kPeerExchange belongs to p2p.
inline bool is_application_channel(Channel channel) { return channel != Channel::kPeerExchange; }

}  // namespace replex::p2p
