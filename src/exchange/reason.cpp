#include "replex/exchange/reason.hpp"

namespace replex::exchange {

std::string_view reason_name(std::uint32_t c) {
  switch (static_cast<Reason>(c)) {
    case Reason::kOk: return "OK";
    case Reason::kBadEncoding: return "BAD_ENCODING";
    case Reason::kBadSignature: return "BAD_SIGNATURE";
    case Reason::kTxTooLarge: return "TX_TOO_LARGE";
    case Reason::kExpired: return "EXPIRED";
    case Reason::kGoodTilTooFar: return "GOOD_TIL_TOO_FAR";
    case Reason::kDuplicateNonce: return "DUPLICATE_NONCE";
    case Reason::kUnknownMarket: return "UNKNOWN_MARKET";
    case Reason::kUnknownAsset: return "UNKNOWN_ASSET";
    case Reason::kInvalidField: return "INVALID_FIELD";
    case Reason::kPriceNotOnTick: return "PRICE_NOT_ON_TICK";
    case Reason::kQuantityNotOnLot: return "QUANTITY_NOT_ON_LOT";
    case Reason::kQuantityTooSmall: return "QUANTITY_TOO_SMALL";
    case Reason::kQuantityTooLarge: return "QUANTITY_TOO_LARGE";
    case Reason::kInsufficientBalance: return "INSUFFICIENT_BALANCE";
    case Reason::kPostOnlyWouldTake: return "POST_ONLY_WOULD_TAKE";
    case Reason::kFokNotFillable: return "FOK_NOT_FILLABLE";
    case Reason::kUnknownOrder: return "UNKNOWN_ORDER";
    case Reason::kDuplicateClientOrderId: return "DUPLICATE_CLIENT_ORDER_ID";
    case Reason::kTooManyOpenOrders: return "TOO_MANY_OPEN_ORDERS";
    case Reason::kStopWouldTrigger: return "STOP_WOULD_TRIGGER";
    case Reason::kNoSettlementAddress: return "NO_SETTLEMENT_ADDRESS";
    case Reason::kGenesisOnly: return "GENESIS_ONLY";
    case Reason::kAmountOverflow: return "AMOUNT_OVERFLOW";
    case Reason::kUnknownAccount: return "UNKNOWN_ACCOUNT";
    case Reason::kOrderNotAmendable: return "ORDER_NOT_AMENDABLE";
    case Reason::kNotAnAttester: return "NOT_AN_ATTESTER";
    case Reason::kUnknownChain: return "UNKNOWN_CHAIN";
    case Reason::kAssetNotOnChain: return "ASSET_NOT_ON_CHAIN";
    case Reason::kDuplicateAttestation: return "DUPLICATE_ATTESTATION";
    case Reason::kDepositAlreadyCredited: return "DEPOSIT_ALREADY_CREDITED";
    case Reason::kTooManyPendingAttestations: return "TOO_MANY_PENDING_ATTESTATIONS";
  }
  return "UNKNOWN_REASON";
}

}  // namespace replex::exchange
