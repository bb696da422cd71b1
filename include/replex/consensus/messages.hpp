// Consensus messages: decoding with self-validation, encoding, signatures.
//
// Wire form: u8 version | bytes signed_part | signature[64] | u32 block count
// | bytes block... The signature covers exactly `signed_part` (see
// signing.hpp); blocks travel beside it and are bound to it by their hash.
// decode_message() checks sizes, counts, indices and nested certificate
// structure but no signature; verify_message_signatures() checks every
// signature, nested ones included. A driver may run verify_message() on a
// worker and then hand the bytes to the core with signature_verified = true.
// Layouts: docs/wire-formats.md, "Consensus".
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "replex/consensus/certificates.hpp"
#include "replex/consensus/config.hpp"
#include "replex/consensus/signing.hpp"
#include "replex/consensus/validator_set.hpp"

namespace replex::consensus {

inline constexpr std::uint8_t kWireVersion = 1;

// VIEW-CHANGE(new_view): the sender's proof of its last committed block and,
// for each height above it, its prepared certificate with the highest view.
struct ViewChangeBody {
  View new_view = 0;
  Height committed_height = 0;
  Hash256 committed_hash;  // the genesis hash when committed_height == 0
  std::optional<CommitCertificate> committed_certificate;  // present iff committed_height > 0
  // Strictly ascending heights within (committed_height, committed_height + max_inflight_heights].
  std::vector<PreparedCertificate> prepared;

  friend bool operator==(const ViewChangeBody&, const ViewChangeBody&) = default;
};

struct SignedViewChange {
  ValidatorIndex sender = 0;
  ViewChangeBody body;
  Signature signature;

  friend bool operator==(const SignedViewChange&, const SignedViewChange&) = default;
};

// The new primary's PRE-PREPARE(view, height, block_hash) for a block carried over.
struct Reproposal {
  Height height = 0;
  Hash256 block_hash;
  Signature signature;

  friend bool operator==(const Reproposal&, const Reproposal&) = default;
};

// NEW-VIEW(view): a quorum of VIEW-CHANGEs (senders ascending) and the
// re-proposals the selection rule derives from them.
struct NewViewBody {
  View view = 0;
  std::vector<SignedViewChange> view_changes;
  std::vector<Reproposal> proposals;  // consecutive heights from base + 1

  friend bool operator==(const NewViewBody&, const NewViewBody&) = default;
};

using MessageBody = std::variant<VoteBody, CheckpointBody, ViewChangeBody, NewViewBody>;

struct Message {
  MessageType type = MessageType::kPrepare;
  ValidatorIndex sender = 0;
  MessageBody body;
  Signature signature;
  // Attached block encodings: PRE-PREPARE exactly one; VIEW-CHANGE one per
  // prepared certificate, in order; NEW-VIEW the blocks its selection reads.
  std::vector<Bytes> blocks;

  const VoteBody& vote() const { return std::get<VoteBody>(body); }
  const CheckpointBody& checkpoint() const { return std::get<CheckpointBody>(body); }
  const ViewChangeBody& view_change() const { return std::get<ViewChangeBody>(body); }
  const NewViewBody& new_view() const { return std::get<NewViewBody>(body); }
};

// What decode_message() needs besides the validator set.
struct MessageLimits {
  std::uint64_t max_message_bytes = 0;
  std::uint32_t max_inflight_heights = 0;
  std::uint64_t checkpoint_interval = 0;
};
MessageLimits message_limits(const Config& config);

// The bytes a message's signature covers.
Bytes message_signed_bytes(MessageType type, ValidatorIndex sender, const MessageBody& body);
Bytes view_change_signed_bytes(ValidatorIndex sender, const ViewChangeBody& body);

// Signs and assembles a message (the caller guarantees it is well formed).
Message sign_message(MessageType type, ValidatorIndex sender, MessageBody body,
                     std::vector<Bytes> blocks, const KeyPair& key, std::string_view chain_id);
Bytes encode_message(const Message& message);

// Parses the wire form and validates its structure (see the header comment).
// Errors name the field: "VIEW-CHANGE.prepared[1].height: ...".
Result<Message> decode_message(ByteView wire, const ValidatorSet& validators,
                               const MessageLimits& limits);

// Checks every signature of a decoded message. `known_view_change`, if set,
// may return true for a nested VIEW-CHANGE already verified earlier (by its
// exact content), which is then skipped.
using KnownViewChange = std::function<bool(const SignedViewChange&)>;
Status verify_message_signatures(const Message& message, const ValidatorSet& validators,
                                 std::string_view chain_id,
                                 const KnownViewChange& known_view_change = {});

// decode_message() + verify_message_signatures(): what a driver runs on a
// worker before passing the bytes on with signature_verified = true.
Status verify_message(ByteView wire, const ValidatorSet& validators, std::string_view chain_id,
                      const MessageLimits& limits);

// Upper bound on the encoded size of a NEW-VIEW for `validator_count`
// validators under `config` (the largest message the core produces).
std::uint64_t max_new_view_bytes(std::size_t validator_count, const Config& config);

}  // namespace replex::consensus
