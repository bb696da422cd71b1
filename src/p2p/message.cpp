#include "replex/p2p/message.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <limits>

#include "replex/core/codec.hpp"
#include "replex/core/overloaded.hpp"

namespace replex::p2p {
namespace {

constexpr std::uint8_t kFamilyIpv4 = 4;
constexpr std::uint8_t kFamilyIpv6 = 6;

void put_u16(ByteWriter& w, std::uint16_t v) {
  w.u8(static_cast<std::uint8_t>(v >> 8));
  w.u8(static_cast<std::uint8_t>(v & 0xff));
}

std::uint16_t get_u16(ByteReader& r, std::string_view field) {
  const std::uint8_t hi = r.u8(field);
  const std::uint8_t lo = r.u8(field);
  return static_cast<std::uint16_t>((hi << 8) | lo);
}

Result<Channel> read_channel(ByteReader& r, std::string_view field) {
  const std::uint8_t raw = r.u8(field);
  REPLEX_RETURN_IF_ERROR(r.status());
  const auto channel = channel_from_wire(raw);
  if (!channel) return Status::corruption(std::string(field) + ": unknown channel " + std::to_string(raw));
  return *channel;
}

// The bytes after the header, moved out of the plaintext without a copy.
Bytes take_rest(Bytes& plaintext, std::size_t header_bytes) {
  plaintext.erase(plaintext.begin(), plaintext.begin() + static_cast<std::ptrdiff_t>(header_bytes));
  return std::move(plaintext);
}

}  // namespace

std::size_t gossip_message_bytes(std::size_t also_sent_to, std::size_t payload_bytes_with_overhead) {
  return 3 + also_sent_to * PublicKey::kSize + payload_bytes_with_overhead;
}

Bytes encode_gossip(Channel channel, std::span<const NodeId> also_sent_to, std::span<const ByteView> payloads) {
  REPLEX_ASSERT(!payloads.empty() && also_sent_to.size() <= kMaxGossipAlsoSentTo);
  std::size_t payload_bytes = 0;
  for (ByteView p : payloads) payload_bytes += kGossipEntryOverheadBytes + p.size();
  ByteWriter w(gossip_message_bytes(also_sent_to.size(), payload_bytes));
  w.u8(static_cast<std::uint8_t>(MessageKind::kGossip));
  w.u8(static_cast<std::uint8_t>(channel));
  w.u8(static_cast<std::uint8_t>(also_sent_to.size()));
  for (const NodeId& id : also_sent_to) w.raw(id.bytes);
  for (ByteView p : payloads) {
    REPLEX_ASSERT(p.size() <= std::numeric_limits<std::uint32_t>::max());
    w.bytes(p);
  }
  return w.take();
}

Bytes encode_message(const Message& message) {
  if (const auto* gossip = std::get_if<Gossip>(&message)) {
    std::vector<ByteView> views(gossip->payloads.begin(), gossip->payloads.end());
    return encode_gossip(gossip->channel, gossip->also_sent_to, views);
  }
  ByteWriter header(kMaxMessageHeaderBytes);
  ByteView body;
  std::visit(Overloaded{
                 [&](const Ping& m) {
                   header.u8(static_cast<std::uint8_t>(MessageKind::kPing));
                   header.u64(m.nonce);
                 },
                 [&](const Pong& m) {
                   header.u8(static_cast<std::uint8_t>(MessageKind::kPong));
                   header.u64(m.nonce);
                 },
                 [&](const Direct& m) {
                   header.u8(static_cast<std::uint8_t>(MessageKind::kDirect));
                   header.u8(static_cast<std::uint8_t>(m.channel));
                   body = m.payload;
                 },
                 [&](const Gossip&) { REPLEX_ASSERT_MSG(false, "gossip is encoded by encode_gossip"); },
                 [&](const Request& m) {
                   header.u8(static_cast<std::uint8_t>(MessageKind::kRequest));
                   header.u8(static_cast<std::uint8_t>(m.channel));
                   header.u64(m.id);
                   body = m.payload;
                 },
                 [&](const Response& m) {
                   header.u8(static_cast<std::uint8_t>(MessageKind::kResponse));
                   header.u64(m.id);
                   header.u8(static_cast<std::uint8_t>(m.error.code()));
                   body =
                       m.error.is_ok()
                           ? ByteView(m.payload)
                           : as_bytes(std::string_view(m.error.message()).substr(0, kMaxResponseErrorBytes));
                 },
             },
             message);
  REPLEX_ASSERT(header.size() <= kMaxMessageHeaderBytes);
  // One allocation of the final size: payloads can be megabytes.
  Bytes out(header.size() + body.size());
  std::copy(header.data().begin(), header.data().end(), out.begin());
  std::copy(body.begin(), body.end(), out.begin() + static_cast<std::ptrdiff_t>(header.size()));
  return out;
}

Result<Message> decode_message(Bytes plaintext) {
  ByteReader r(plaintext);
  const std::uint8_t kind = r.u8("message.kind");
  REPLEX_RETURN_IF_ERROR(r.status());
  switch (static_cast<MessageKind>(kind)) {
    case MessageKind::kPing:
    case MessageKind::kPong: {
      const std::uint64_t nonce = r.u64("ping.nonce");
      REPLEX_RETURN_IF_ERROR(r.finish());
      if (kind == static_cast<std::uint8_t>(MessageKind::kPing)) return Message{Ping{nonce}};
      return Message{Pong{nonce}};
    }
    case MessageKind::kDirect: {
      REPLEX_ASSIGN_OR_RETURN(const Channel channel, read_channel(r, "message.channel"));
      if (!is_application_channel(channel)) {
        return Status::corruption("message.channel: peer_exchange carries only requests");
      }
      return Message{Direct{channel, take_rest(plaintext, r.offset())}};
    }
    case MessageKind::kGossip: {
      Gossip gossip;
      REPLEX_ASSIGN_OR_RETURN(gossip.channel, read_channel(r, "gossip.channel"));
      if (!is_application_channel(gossip.channel)) {
        return Status::corruption("gossip.channel: peer_exchange carries only requests");
      }
      const std::uint8_t also = r.u8("gossip.also_sent_to_count");
      gossip.also_sent_to.resize(also);
      for (NodeId& id : gossip.also_sent_to) {
        const ByteView raw = r.raw(PublicKey::kSize, "gossip.also_sent_to");
        if (!r.status()) break;
        std::copy(raw.begin(), raw.end(), id.bytes.begin());
      }
      REPLEX_RETURN_IF_ERROR(r.status());
      while (r.remaining() > 0) {
        const std::uint32_t length = r.u32("gossip.payload_length");
        const ByteView payload = r.raw(length, "gossip.payload");
        REPLEX_RETURN_IF_ERROR(r.status());
        gossip.payloads.emplace_back(payload.begin(), payload.end());
      }
      if (gossip.payloads.empty()) return Status::corruption("gossip.payloads: at least one payload");
      return Message{std::move(gossip)};
    }
    case MessageKind::kRequest: {
      REPLEX_ASSIGN_OR_RETURN(const Channel channel, read_channel(r, "request.channel"));
      const std::uint64_t id = r.u64("request.id");
      REPLEX_RETURN_IF_ERROR(r.status());
      return Message{Request{channel, id, take_rest(plaintext, r.offset())}};
    }
    case MessageKind::kResponse: {
      const std::uint64_t id = r.u64("response.id");
      const std::uint8_t code = r.u8("response.code");
      REPLEX_RETURN_IF_ERROR(r.status());
      if (code > static_cast<std::uint8_t>(StatusCode::kInternal)) {
        return Status::corruption("response.code: unknown status code " + std::to_string(code));
      }
      if (code == 0) return Message{Response{id, Status::ok(), take_rest(plaintext, r.offset())}};
      if (r.remaining() > kMaxResponseErrorBytes) {
        return Status::corruption("response.message: " + std::to_string(r.remaining()) + " bytes, at most " +
                                  std::to_string(kMaxResponseErrorBytes));
      }
      std::string text(as_chars(r.raw(r.remaining(), "response.message")));
      return Message{Response{id, Status(static_cast<StatusCode>(code), std::move(text)), {}}};
    }
  }
  return Status::corruption("message.kind: unknown kind " + std::to_string(kind));
}

Bytes encode_pex_addresses(std::span<const PexAddress> addresses) {
  ByteWriter w;
  std::vector<const PexAddress*> usable;
  std::vector<std::array<std::uint8_t, 16>> ips;
  std::vector<std::uint8_t> families;
  for (const PexAddress& a : addresses) {
    std::array<std::uint8_t, 16> ip{};
    if (inet_pton(AF_INET, a.ip.c_str(), ip.data()) == 1) {
      families.push_back(kFamilyIpv4);
    } else if (inet_pton(AF_INET6, a.ip.c_str(), ip.data()) == 1) {
      families.push_back(kFamilyIpv6);
    } else {
      continue;
    }
    usable.push_back(&a);
    ips.push_back(ip);
  }
  REPLEX_ASSERT(usable.size() <= 0xffff);
  put_u16(w, static_cast<std::uint16_t>(usable.size()));
  for (std::size_t i = 0; i < usable.size(); ++i) {
    w.raw(usable[i]->id.view());
    w.u8(families[i]);
    w.raw(ByteView(ips[i].data(), families[i] == kFamilyIpv4 ? 4 : 16));
    put_u16(w, usable[i]->port);
  }
  return w.take();
}

Result<std::vector<PexAddress>> decode_pex_addresses(ByteView payload, std::uint32_t max_addresses) {
  ByteReader r(payload);
  const std::uint16_t count = get_u16(r, "pex.count");
  REPLEX_RETURN_IF_ERROR(r.status());
  if (count > max_addresses) {
    return Status::corruption("pex.count: " + std::to_string(count) + " addresses, max_pex_addresses is " +
                              std::to_string(max_addresses));
  }
  std::vector<PexAddress> out;
  out.reserve(count);
  for (std::uint16_t i = 0; i < count; ++i) {
    PexAddress a;
    const ByteView id = r.raw(PublicKey::kSize, "pex.id");
    if (r.ok()) std::copy(id.begin(), id.end(), a.id.bytes.begin());
    const std::uint8_t family = r.u8("pex.family");
    if (!r.ok()) break;
    if (family != kFamilyIpv4 && family != kFamilyIpv6) {
      return Status::corruption("pex.family: " + std::to_string(family) + " is neither 4 nor 6");
    }
    const ByteView ip = r.raw(family == kFamilyIpv4 ? 4 : 16, "pex.ip");
    a.port = get_u16(r, "pex.port");
    if (!r.ok()) break;
    if (a.port == 0) return Status::corruption("pex.port: 0 at entry " + std::to_string(i));
    char text[INET6_ADDRSTRLEN] = {};
    const char* printed =
        inet_ntop(family == kFamilyIpv4 ? AF_INET : AF_INET6, ip.data(), text, sizeof(text));
    REPLEX_ASSERT(printed != nullptr);
    a.ip = text;
    out.push_back(std::move(a));
  }
  REPLEX_RETURN_IF_ERROR(r.finish());
  return out;
}

}  // namespace replex::p2p
