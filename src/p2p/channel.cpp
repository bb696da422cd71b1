#include "replex/p2p/channel.hpp"

namespace replex::p2p {

std::string_view channel_name(Channel channel) {
  switch (channel) {
    case Channel::kConsensus: return "consensus";
    case Channel::kTransactions: return "transactions";
    case Channel::kBlocks: return "blocks";
    case Channel::kStateTransfer: return "state_transfer";
    case Channel::kSettlement: return "settlement";
    case Channel::kPeerExchange: return "peer_exchange";
  }
  return "unknown";
}

std::optional<Channel> channel_from_wire(std::uint8_t value) {
  switch (value) {
    case static_cast<std::uint8_t>(Channel::kConsensus):
    case static_cast<std::uint8_t>(Channel::kTransactions):
    case static_cast<std::uint8_t>(Channel::kBlocks):
    case static_cast<std::uint8_t>(Channel::kStateTransfer):
    case static_cast<std::uint8_t>(Channel::kSettlement):
    case static_cast<std::uint8_t>(Channel::kPeerExchange): return static_cast<Channel>(value);
    default: return std::nullopt;
  }
}

}  // namespace replex::p2p
