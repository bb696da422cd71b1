// Stable reason codes for rejected transactions and orders.
//
// The numbers are part of the replicated state (they are hashed into
// app_hash through the block's events) and of every client's API: a code is
// never renumbered or reused. New codes are appended. Table: docs/exchange.md.
#pragma once

#include <cstdint>
#include <string_view>

namespace replex::exchange {

enum class Reason : std::uint32_t {
  kOk = 0,
  kBadEncoding = 1,              // envelope or body is not a valid protobuf
  kBadSignature = 2,             // the signature does not verify for body, key and chain
  kTxTooLarge = 3,               // envelope larger than params.max_tx_bytes
  kExpired = 4,                  // height > good_til_height
  kGoodTilTooFar = 5,            // good_til_height > height + params.max_tx_ttl_blocks
  kDuplicateNonce = 6,           // (account, nonce) already used within the window
  kUnknownMarket = 7,
  kUnknownAsset = 8,
  kInvalidField = 9,             // the message names the field and what is wrong
  kPriceNotOnTick = 10,
  kQuantityNotOnLot = 11,
  kQuantityTooSmall = 12,
  kQuantityTooLarge = 13,
  kInsufficientBalance = 14,
  kPostOnlyWouldTake = 15,
  kFokNotFillable = 16,
  kUnknownOrder = 17,            // no open order with that id or client id for this account and market
  kDuplicateClientOrderId = 18,
  kTooManyOpenOrders = 19,
  kStopWouldTrigger = 20,
  kNoSettlementAddress = 21,
  kGenesisOnly = 22,
  kAmountOverflow = 23,          // a price * quantity product does not fit in 64 bits
  kUnknownAccount = 24,          // the signer has never been funded (no account in state)
  kOrderNotAmendable = 25,       // pending stop orders cannot be amended; cancel and re-place
  kNotAnAttester = 26,           // a deposit attestation signed by a key not among the genesis attesters
  kUnknownChain = 27,            // a settlement chain id the genesis does not configure
  kAssetNotOnChain = 28,         // the asset is not bridged on that settlement chain
  kDuplicateAttestation = 29,    // the attester already attested this deposit
  kDepositAlreadyCredited = 30,  // the deposit was credited before (a late attestation; harmless)
  kTooManyPendingAttestations = 31,  // the attester's attestations awaiting the threshold are at the limit
};

inline constexpr std::uint32_t kMaxReasonCode = 31;

constexpr std::uint32_t code(Reason r) { return static_cast<std::uint32_t>(r); }

// "DUPLICATE_NONCE"; "OK" for 0; "UNKNOWN_REASON" for codes not defined.
std::string_view reason_name(std::uint32_t code);
inline std::string_view reason_name(Reason r) { return reason_name(code(r)); }

}  // namespace replex::exchange
