#include "replex/consensus/inputs_and_actions.hpp"

namespace replex::consensus {

std::string_view timer_kind_name(TimerKind kind) {
  switch (kind) {
    case TimerKind::kBatch:
      return "batch";
    case TimerKind::kView:
      return "view";
    case TimerKind::kFetch:
      return "fetch";
    case TimerKind::kRetransmit:
      return "retransmit";
  }
  return "unknown";
}

std::string_view evidence_kind_name(EvidenceKind kind) {
  switch (kind) {
    case EvidenceKind::kMalformedMessage:
      return "MALFORMED_MESSAGE";
    case EvidenceKind::kBadSignature:
      return "BAD_SIGNATURE";
    case EvidenceKind::kSenderMismatch:
      return "SENDER_MISMATCH";
    case EvidenceKind::kWrongProposer:
      return "WRONG_PROPOSER";
    case EvidenceKind::kEquivocation:
      return "EQUIVOCATION";
    case EvidenceKind::kDoubleVote:
      return "DOUBLE_VOTE";
    case EvidenceKind::kInvalidProposal:
      return "INVALID_PROPOSAL";
    case EvidenceKind::kOldView:
      return "OLD_VIEW";
    case EvidenceKind::kInvalidViewChange:
      return "INVALID_VIEW_CHANGE";
    case EvidenceKind::kInvalidNewView:
      return "INVALID_NEW_VIEW";
    case EvidenceKind::kInvalidCertifiedBlock:
      return "INVALID_CERTIFIED_BLOCK";
    case EvidenceKind::kInvalidStateTransfer:
      return "INVALID_STATE_TRANSFER";
    case EvidenceKind::kStateDivergence:
      return "STATE_DIVERGENCE";
    case EvidenceKind::kRefusedToSign:
      return "REFUSED_TO_SIGN";
    case EvidenceKind::kSafetyViolation:
      return "SAFETY_VIOLATION";
    case EvidenceKind::kCensorship:
      return "CENSORSHIP";
  }
  return "UNKNOWN";
}

std::string_view tx_verdict_name(TxVerdict verdict) {
  switch (verdict) {
    case TxVerdict::kAccepted:
      return "ACCEPTED";
    case TxVerdict::kDuplicate:
      return "DUPLICATE";
    case TxVerdict::kMempoolFull:
      return "MEMPOOL_FULL";
    case TxVerdict::kTooLarge:
      return "TOO_LARGE";
    case TxVerdict::kRejected:
      return "REJECTED";
    case TxVerdict::kEvicted:
      return "EVICTED";
    case TxVerdict::kHeld:
      return "HELD";
    case TxVerdict::kReleased:
      return "RELEASED";
  }
  return "UNKNOWN";
}

}  // namespace replex::consensus
