#include "replex/consensus/messages.hpp"

#include <algorithm>
#include <string>

namespace replex::consensus {
namespace {

constexpr std::uint64_t kSignatureBytes = Signature::kSize;
constexpr std::uint64_t kSignerBytes = 4 + kSignatureBytes;
constexpr std::uint64_t kVoteBodyBytes = 8 + 8 + Hash256::kSize;

std::string field(std::string_view prefix, std::string_view name) {
  std::string out(prefix);
  out += '.';
  out += name;
  return out;
}

std::string indexed(std::string_view prefix, std::string_view name, std::size_t i) {
  return field(prefix, name) + "[" + std::to_string(i) + "]";
}

void write_view_change_body(ByteWriter& w, const ViewChangeBody& body) {
  w.u64(body.new_view);
  w.u64(body.committed_height);
  w.hash(body.committed_hash);
  w.boolean(body.committed_certificate.has_value());
  if (body.committed_certificate) write_commit_certificate(w, *body.committed_certificate);
  w.u32(static_cast<std::uint32_t>(body.prepared.size()));
  for (const PreparedCertificate& cert : body.prepared) write_prepared_certificate(w, cert);
}

ViewChangeBody read_view_change_body(ByteReader& r, std::uint32_t max_prepared) {
  ViewChangeBody body;
  body.new_view = r.u64("VIEW-CHANGE.new_view");
  body.committed_height = r.u64("VIEW-CHANGE.committed_height");
  body.committed_hash = r.hash("VIEW-CHANGE.committed_hash");
  if (r.boolean("VIEW-CHANGE.has_committed_certificate")) {
    body.committed_certificate = read_commit_certificate(r);
  }
  const std::uint32_t count = r.u32("VIEW-CHANGE.prepared");
  if (r.ok() && count > max_prepared) {
    r.fail("VIEW-CHANGE.prepared", std::to_string(count) +
                                       " certificates exceeds max_inflight_heights " +
                                       std::to_string(max_prepared));
  }
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    body.prepared.push_back(read_prepared_certificate(r));
  }
  return body;
}

void write_new_view_body(ByteWriter& w, const NewViewBody& body) {
  w.u64(body.view);
  w.u32(static_cast<std::uint32_t>(body.view_changes.size()));
  for (const SignedViewChange& vc : body.view_changes) {
    w.bytes(view_change_signed_bytes(vc.sender, vc.body));
    w.raw(vc.signature.view());
  }
  w.u32(static_cast<std::uint32_t>(body.proposals.size()));
  for (const Reproposal& p : body.proposals) {
    w.u64(p.height);
    w.hash(p.block_hash);
    w.raw(p.signature.view());
  }
}

Signature read_signature(ByteReader& r, std::string_view name) {
  Signature sig;
  ByteView raw = r.raw(Signature::kSize, name);
  if (r.ok()) std::copy(raw.begin(), raw.end(), sig.bytes.begin());
  return sig;
}

// Structure of a VIEW-CHANGE body (also nested in NEW-VIEW).
Status check_view_change_body(const ViewChangeBody& body, const ValidatorSet& validators,
                              const MessageLimits& limits, std::string_view where) {
  if (body.new_view == 0) return Status::invalid_argument(field(where, "new_view") + ": 0");
  if (body.committed_height == 0) {
    if (body.committed_certificate) {
      return Status::invalid_argument(field(where, "committed_certificate") +
                                      ": present at height 0 (genesis)");
    }
  } else {
    if (!body.committed_certificate) {
      return Status::invalid_argument(field(where, "committed_certificate") +
                                      ": missing for height " +
                                      std::to_string(body.committed_height));
    }
    const CommitCertificate& cert = *body.committed_certificate;
    if (cert.height != body.committed_height || cert.block_hash != body.committed_hash) {
      return Status::invalid_argument(field(where, "committed_certificate") +
                                      ": certifies another height or block");
    }
    REPLEX_RETURN_IF_ERROR(check_commit_certificate_shape(cert, validators)
                               .with_context(field(where, "committed_certificate") + ": "));
  }
  Height previous = body.committed_height;
  for (std::size_t i = 0; i < body.prepared.size(); ++i) {
    const PreparedCertificate& cert = body.prepared[i];
    const std::string name = indexed(where, "prepared", i);
    if (cert.height <= previous) {
      return Status::invalid_argument(name + ".height: " + std::to_string(cert.height) +
                                      " not above " + std::to_string(previous));
    }
    if (cert.height > body.committed_height + limits.max_inflight_heights) {
      return Status::invalid_argument(name + ".height: " + std::to_string(cert.height) +
                                      " beyond the window above committed height " +
                                      std::to_string(body.committed_height));
    }
    if (cert.view >= body.new_view) {
      return Status::invalid_argument(name + ".view: " + std::to_string(cert.view) +
                                      " not below new_view " + std::to_string(body.new_view));
    }
    REPLEX_RETURN_IF_ERROR(
        check_prepared_certificate_shape(cert, validators).with_context(name + ": "));
    previous = cert.height;
  }
  return Status::ok();
}

Status check_body(const Message& m, const ValidatorSet& validators, const MessageLimits& limits) {
  const std::string_view where = message_type_name(m.type);
  switch (m.type) {
    case MessageType::kPrePrepare:
    case MessageType::kPrepare:
    case MessageType::kCommit: {
      if (m.vote().height == 0) return Status::invalid_argument(field(where, "height") + ": 0");
      const std::size_t want = m.type == MessageType::kPrePrepare ? 1 : 0;
      if (m.blocks.size() != want) {
        return Status::invalid_argument(field(where, "blocks") + ": " +
                                        std::to_string(m.blocks.size()) + " attached, expected " +
                                        std::to_string(want));
      }
      return Status::ok();
    }
    case MessageType::kCheckpoint: {
      const Height h = m.checkpoint().height;
      if (h == 0 || h % limits.checkpoint_interval != 0) {
        return Status::invalid_argument(field(where, "height") + ": " + std::to_string(h) +
                                        " is not a positive multiple of checkpoint_interval " +
                                        std::to_string(limits.checkpoint_interval));
      }
      if (!m.blocks.empty())
        return Status::invalid_argument(field(where, "blocks") + ": unexpected");
      return Status::ok();
    }
    case MessageType::kViewChange: {
      const ViewChangeBody& body = m.view_change();
      REPLEX_RETURN_IF_ERROR(check_view_change_body(body, validators, limits, where));
      if (m.blocks.size() != body.prepared.size()) {
        return Status::invalid_argument(
            field(where, "blocks") + ": " + std::to_string(m.blocks.size()) + " attached for " +
            std::to_string(body.prepared.size()) + " prepared certificates");
      }
      return Status::ok();
    }
    case MessageType::kNewView: {
      const NewViewBody& body = m.new_view();
      if (body.view == 0) return Status::invalid_argument(field(where, "view") + ": 0");
      if (body.view_changes.size() < validators.quorum()) {
        return Status::invalid_argument(field(where, "view_changes") + ": " +
                                        std::to_string(body.view_changes.size()) + ", needs " +
                                        std::to_string(validators.quorum()));
      }
      for (std::size_t i = 0; i < body.view_changes.size(); ++i) {
        const SignedViewChange& vc = body.view_changes[i];
        const std::string name = indexed(where, "view_changes", i);
        if (!validators.contains(vc.sender)) {
          return Status::invalid_argument(name + ".sender: " + std::to_string(vc.sender) +
                                          " is not a validator");
        }
        if (i > 0 && vc.sender <= body.view_changes[i - 1].sender) {
          return Status::invalid_argument(name + ".sender: not strictly ascending");
        }
        if (vc.body.new_view != body.view) {
          return Status::invalid_argument(name + ".new_view: " + std::to_string(vc.body.new_view) +
                                          ", expected " + std::to_string(body.view));
        }
        REPLEX_RETURN_IF_ERROR(check_view_change_body(vc.body, validators, limits, name));
      }
      if (body.proposals.size() > limits.max_inflight_heights) {
        return Status::invalid_argument(field(where, "proposals") + ": " +
                                        std::to_string(body.proposals.size()) +
                                        " exceeds max_inflight_heights");
      }
      for (std::size_t i = 1; i < body.proposals.size(); ++i) {
        if (body.proposals[i].height != body.proposals[i - 1].height + 1) {
          return Status::invalid_argument(indexed(where, "proposals", i) +
                                          ".height: not consecutive");
        }
      }
      if (m.blocks.size() > std::size_t{limits.max_inflight_heights} + 1) {
        return Status::invalid_argument(field(where, "blocks") + ": " +
                                        std::to_string(m.blocks.size()) +
                                        " attached, at most max_inflight_heights + 1");
      }
      return Status::ok();
    }
  }
  return Status::invalid_argument("message.type: unknown");
}

// Parses a signed part (recursively for the VIEW-CHANGEs nested in a NEW-VIEW).
Status parse_signed_part(ByteView signed_part, const MessageLimits& limits, MessageType& type,
                         ValidatorIndex& sender, MessageBody& body) {
  ByteReader r(signed_part);
  const std::uint8_t raw_type = r.u8("message.type");
  if (r.ok() && (raw_type == 0 || raw_type > kMaxMessageType)) {
    r.fail("message.type", "unknown type " + std::to_string(raw_type));
  }
  type = static_cast<MessageType>(raw_type);
  sender = r.u32("message.sender");
  REPLEX_RETURN_IF_ERROR(r.status());
  switch (type) {
    case MessageType::kPrePrepare:
    case MessageType::kPrepare:
    case MessageType::kCommit:
      body = read_vote_body(r);
      break;
    case MessageType::kCheckpoint:
      body = read_checkpoint_body(r);
      break;
    case MessageType::kViewChange:
      body = read_view_change_body(r, limits.max_inflight_heights);
      break;
    case MessageType::kNewView: {
      NewViewBody nv;
      nv.view = r.u64("NEW-VIEW.view");
      const std::uint32_t vc_count = r.u32("NEW-VIEW.view_changes");
      if (r.ok() && vc_count > ValidatorSet::kMaxValidators) {
        r.fail("NEW-VIEW.view_changes", std::to_string(vc_count) + " exceeds the validator limit");
      }
      for (std::uint32_t i = 0; i < vc_count && r.ok(); ++i) {
        const Bytes inner = r.bytes("NEW-VIEW.view_changes");
        const Signature sig = read_signature(r, "NEW-VIEW.view_changes.signature");
        if (!r.ok()) break;
        MessageType inner_type{};
        SignedViewChange vc;
        MessageBody inner_body;
        Status s = parse_signed_part(inner, limits, inner_type, vc.sender, inner_body);
        if (!s.is_ok()) return s.with_context("NEW-VIEW.view_changes[" + std::to_string(i) + "]: ");
        if (inner_type != MessageType::kViewChange) {
          return Status::invalid_argument("NEW-VIEW.view_changes[" + std::to_string(i) +
                                          "]: not a VIEW-CHANGE");
        }
        vc.body = std::get<ViewChangeBody>(std::move(inner_body));
        vc.signature = sig;
        nv.view_changes.push_back(std::move(vc));
      }
      const std::uint32_t proposal_count = r.u32("NEW-VIEW.proposals");
      if (r.ok() && proposal_count > limits.max_inflight_heights) {
        r.fail("NEW-VIEW.proposals",
               std::to_string(proposal_count) + " exceeds max_inflight_heights");
      }
      for (std::uint32_t i = 0; i < proposal_count && r.ok(); ++i) {
        Reproposal p;
        p.height = r.u64("NEW-VIEW.proposals.height");
        p.block_hash = r.hash("NEW-VIEW.proposals.block_hash");
        p.signature = read_signature(r, "NEW-VIEW.proposals.signature");
        nv.proposals.push_back(p);
      }
      body = std::move(nv);
      break;
    }
  }
  return r.finish();
}

Status verify_view_change(const SignedViewChange& vc, const ValidatorSet& validators,
                          std::string_view chain_id, std::string_view where) {
  const Bytes signed_bytes = view_change_signed_bytes(vc.sender, vc.body);
  if (!verify_consensus(validators.key(vc.sender), chain_id, signed_bytes, vc.signature)) {
    return Status::unauthenticated(std::string(where) + ": signature of validator " +
                                   std::to_string(vc.sender) + " does not verify");
  }
  if (vc.body.committed_certificate) {
    REPLEX_RETURN_IF_ERROR(
        verify_commit_certificate_signatures(*vc.body.committed_certificate, validators, chain_id)
            .with_context(std::string(where) + ".committed_certificate: "));
  }
  for (std::size_t i = 0; i < vc.body.prepared.size(); ++i) {
    REPLEX_RETURN_IF_ERROR(
        verify_prepared_certificate_signatures(vc.body.prepared[i], validators, chain_id)
            .with_context(std::string(where) + ".prepared[" + std::to_string(i) + "]: "));
  }
  return Status::ok();
}

}  // namespace

MessageLimits message_limits(const Config& config) {
  return {config.max_message_bytes, config.max_inflight_heights, config.checkpoint_interval};
}

Bytes view_change_signed_bytes(ValidatorIndex sender, const ViewChangeBody& body) {
  ByteWriter w;
  w.u8(static_cast<std::uint8_t>(MessageType::kViewChange));
  w.u32(sender);
  write_view_change_body(w, body);
  return w.take();
}

Bytes message_signed_bytes(MessageType type, ValidatorIndex sender, const MessageBody& body) {
  switch (type) {
    case MessageType::kPrePrepare:
    case MessageType::kPrepare:
    case MessageType::kCommit:
      return vote_signed_bytes(type, sender, std::get<VoteBody>(body));
    case MessageType::kCheckpoint:
      return checkpoint_signed_bytes(sender, std::get<CheckpointBody>(body));
    case MessageType::kViewChange:
      return view_change_signed_bytes(sender, std::get<ViewChangeBody>(body));
    case MessageType::kNewView: {
      ByteWriter w;
      w.u8(static_cast<std::uint8_t>(MessageType::kNewView));
      w.u32(sender);
      write_new_view_body(w, std::get<NewViewBody>(body));
      return w.take();
    }
  }
  REPLEX_ASSERT_MSG(false, "unknown message type");
  return {};
}

Message sign_message(MessageType type, ValidatorIndex sender, MessageBody body,
                     std::vector<Bytes> blocks, const KeyPair& key, std::string_view chain_id) {
  Message m;
  m.type = type;
  m.sender = sender;
  m.body = std::move(body);
  m.blocks = std::move(blocks);
  m.signature = sign_consensus(key, chain_id, message_signed_bytes(type, sender, m.body));
  return m;
}

Bytes encode_message(const Message& message) {
  const Bytes signed_part = message_signed_bytes(message.type, message.sender, message.body);
  std::size_t size = 1 + 4 + signed_part.size() + kSignatureBytes + 4;
  for (const Bytes& b : message.blocks) size += 4 + b.size();
  ByteWriter w(size);
  w.u8(kWireVersion);
  w.bytes(signed_part);
  w.raw(message.signature.view());
  w.u32(static_cast<std::uint32_t>(message.blocks.size()));
  for (const Bytes& b : message.blocks) w.bytes(b);
  return w.take();
}

Result<Message> decode_message(ByteView wire, const ValidatorSet& validators,
                               const MessageLimits& limits) {
  if (wire.size() > limits.max_message_bytes) {
    return Status::invalid_argument("message: " + std::to_string(wire.size()) +
                                    " bytes exceeds max_message_bytes " +
                                    std::to_string(limits.max_message_bytes));
  }
  ByteReader r(wire);
  const std::uint8_t version = r.u8("message.version");
  if (r.ok() && version != kWireVersion) {
    r.fail("message.version", "unsupported version " + std::to_string(version));
  }
  const Bytes signed_part = r.bytes("message.signed_part");
  Message m;
  m.signature = read_signature(r, "message.signature");
  const std::uint32_t block_count = r.u32("message.blocks");
  if (r.ok() && block_count > std::uint64_t{limits.max_inflight_heights} + 1) {
    r.fail("message.blocks", std::to_string(block_count) + " attached blocks exceeds the limit");
  }
  for (std::uint32_t i = 0; i < block_count && r.ok(); ++i)
    m.blocks.push_back(r.bytes("message.blocks"));
  REPLEX_RETURN_IF_ERROR(r.finish());
  REPLEX_RETURN_IF_ERROR(parse_signed_part(signed_part, limits, m.type, m.sender, m.body));
  if (!validators.contains(m.sender)) {
    return Status::invalid_argument("message.sender: " + std::to_string(m.sender) +
                                    " is not a validator");
  }
  REPLEX_RETURN_IF_ERROR(check_body(m, validators, limits));
  return m;
}

Status verify_message_signatures(const Message& message, const ValidatorSet& validators,
                                 std::string_view chain_id,
                                 const KnownViewChange& known_view_change) {
  const std::string_view where = message_type_name(message.type);
  const Bytes signed_bytes = message_signed_bytes(message.type, message.sender, message.body);
  if (!verify_consensus(validators.key(message.sender), chain_id, signed_bytes,
                        message.signature)) {
    return Status::unauthenticated(std::string(where) + ": signature of validator " +
                                   std::to_string(message.sender) + " does not verify");
  }
  if (message.type == MessageType::kViewChange) {
    SignedViewChange vc{message.sender, message.view_change(), message.signature};
    return verify_view_change(vc, validators, chain_id, where);
  }
  if (message.type == MessageType::kNewView) {
    const NewViewBody& nv = message.new_view();
    for (std::size_t i = 0; i < nv.view_changes.size(); ++i) {
      const SignedViewChange& vc = nv.view_changes[i];
      if (known_view_change && known_view_change(vc)) continue;
      REPLEX_RETURN_IF_ERROR(verify_view_change(
          vc, validators, chain_id, "NEW-VIEW.view_changes[" + std::to_string(i) + "]"));
    }
    for (std::size_t i = 0; i < nv.proposals.size(); ++i) {
      const Reproposal& p = nv.proposals[i];
      const Bytes pre_prepare = vote_signed_bytes(MessageType::kPrePrepare, message.sender,
                                                  {nv.view, p.height, p.block_hash});
      if (!verify_consensus(validators.key(message.sender), chain_id, pre_prepare, p.signature)) {
        return Status::unauthenticated("NEW-VIEW.proposals[" + std::to_string(i) +
                                       "]: PRE-PREPARE signature does not verify");
      }
    }
  }
  return Status::ok();
}

Status verify_message(ByteView wire, const ValidatorSet& validators, std::string_view chain_id,
                      const MessageLimits& limits) {
  REPLEX_ASSIGN_OR_RETURN(const Message message, decode_message(wire, validators, limits));
  return verify_message_signatures(message, validators, chain_id);
}

std::uint64_t max_new_view_bytes(std::size_t validator_count, const Config& config) {
  const std::uint64_t n = validator_count;
  const std::uint64_t window = config.max_inflight_heights;
  const std::uint64_t commit_cert = 1 + kVoteBodyBytes + 4 + n * kSignerBytes;
  const std::uint64_t prepared_cert = kVoteBodyBytes + kSignatureBytes + 4 + n * kSignerBytes;
  const std::uint64_t view_change =
      1 + 4 + 8 + 8 + Hash256::kSize + 1 + commit_cert + 4 + window * prepared_cert;
  // The core includes exactly a quorum of VIEW-CHANGEs; each may carry
  // certificates with up to n signatures.
  const std::uint64_t quorum = n - (n - 1) / 3;
  const std::uint64_t signed_part = 1 + 4 + 8 + 4 + quorum * (4 + view_change + kSignatureBytes) +
                                    4 + window * (8 + Hash256::kSize + kSignatureBytes);
  return 1 + 4 + signed_part + kSignatureBytes + 4 + (window + 1) * (4 + config.max_block_bytes);
}

}  // namespace replex::consensus
