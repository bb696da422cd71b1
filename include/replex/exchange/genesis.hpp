// Genesis: the consensus-critical description of a chain (assets, markets,
// initial balances, fee account, parameters, and optionally the settlement
// section: deposit attesters and the EVM chains assets are bridged on).
// Plain data; the node parses its YAML into it. validate_genesis() checks
// every field and names the first bad one; encode_genesis() gives canonical
// bytes (lists sorted by key) so nodes can compare genesis hashes. Format:
// docs/wire-formats.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replex/core/bytes.hpp"
#include "replex/core/status.hpp"
#include "replex/exchange/types.hpp"

namespace replex::exchange {

inline constexpr std::size_t kMaxAssets = 1024;
inline constexpr std::size_t kMaxMarkets = 4096;
inline constexpr std::size_t kMaxAllocations = 1'000'000;
inline constexpr std::size_t kMaxSymbolBytes = 32;
inline constexpr std::uint32_t kMaxDecimals = 18;
inline constexpr std::uint32_t kMaxFeeBps = 1000;
// The order record stores client ids inline, so this bounds the parameter.
inline constexpr std::uint32_t kMaxClientOrderIdBytes = 36;
// Settlement section: validators attest deposits, so a few hundred at most.
inline constexpr std::size_t kMaxAttesters = 1024;
inline constexpr std::size_t kMaxSettlementChains = 256;
inline constexpr std::uint32_t kMaxPendingAttestationsLimit = 1'000'000;

struct GenesisAsset {
  std::string symbol;           // "BTC": A-Z, 0-9, at most kMaxSymbolBytes
  std::uint32_t decimals = 0;   // balances count units of 10^-decimals
  friend bool operator==(const GenesisAsset&, const GenesisAsset&) = default;
};

struct GenesisMarket {
  std::string symbol;                // "BTC-USDT": A-Z, 0-9, '-'
  std::string base;                  // asset symbol
  std::string quote;                 // asset symbol
  std::uint32_t price_decimals = 0;  // a price unit is 10^-price_decimals quote per whole base
  std::uint64_t tick_size = 0;       // price units
  std::uint64_t lot_size = 0;        // base units
  std::uint64_t min_quantity = 0;    // base units, multiple of lot_size
  std::uint64_t max_quantity = 0;    // base units, multiple of lot_size
  std::uint32_t maker_fee_bps = 0;   // 0..kMaxFeeBps
  std::uint32_t taker_fee_bps = 0;   // 0..kMaxFeeBps
  friend bool operator==(const GenesisMarket&, const GenesisMarket&) = default;
};

struct GenesisAllocation {
  AccountId account;
  std::string asset;
  std::uint64_t amount = 0;  // asset units, > 0
  friend bool operator==(const GenesisAllocation&, const GenesisAllocation&) = default;
};

struct GenesisParams {
  std::uint64_t max_tx_bytes = 4096;             // envelope size limit, 256..1 MiB
  std::uint64_t max_tx_ttl_blocks = 1000;        // good_til_height <= height + this
  std::uint32_t max_open_orders_per_account = 1000;  // resting orders plus pending stops
  std::uint32_t max_client_order_id_bytes = 36;  // 1..kMaxClientOrderIdBytes
  friend bool operator==(const GenesisParams&, const GenesisParams&) = default;
};

// An EVM chain the exchange settles on. Token addresses and decimals are the
// node's settlement config, not the state machine's: here only which assets
// are bridged there (deposits credit them, withdrawals may go there).
struct GenesisSettlementChain {
  std::uint64_t chain_id = 0;       // EIP-155 chain id, > 0, distinct
  std::vector<std::string> assets;  // asset symbols, at least one, distinct
  friend bool operator==(const GenesisSettlementChain&, const GenesisSettlementChain&) = default;
};

// Deposits from Ethereum: the accounts allowed to attest them (the
// validators' consensus keys) and how many distinct attesters must agree on a
// deposit before it is credited (the config module sets 2f+1).
struct GenesisSettlement {
  std::vector<AccountId> attesters;          // at least one, distinct, none all-zero
  std::uint32_t attestation_threshold = 0;   // 1..attesters.size()
  // Attestations of one attester on deposits not yet credited; bounds what a
  // faulty attester can leave in the state (1..kMaxPendingAttestationsLimit).
  std::uint32_t max_pending_attestations_per_attester = 10'000;
  std::vector<GenesisSettlementChain> chains;  // may be empty: no deposits, withdrawals as without
  friend bool operator==(const GenesisSettlement&, const GenesisSettlement&) = default;
};

struct Genesis {
  std::string chain_id;
  std::vector<GenesisAsset> assets;
  std::vector<GenesisMarket> markets;
  std::vector<GenesisAllocation> allocations;
  AccountId fee_account;
  GenesisParams params;
  // Absent: no deposits and withdrawals name no chain (encoded as before, so
  // such a genesis keeps its hash).
  std::optional<GenesisSettlement> settlement;
  friend bool operator==(const Genesis&, const Genesis&) = default;
};

// Ok, or INVALID_ARGUMENT naming the field: "markets[BTC-USDT].tick_size: must be > 0".
Status validate_genesis(const Genesis& genesis);

// The same genesis with assets, markets and allocations sorted by key (and in
// the settlement section attesters, chains by chain_id, each chain's assets);
// the asset and market indices used everywhere else are positions in these lists.
Genesis canonical_genesis(Genesis genesis);

// Canonical bytes of a valid genesis (sorted as canonical_genesis does).
Bytes encode_genesis(const Genesis& genesis);
// Parses and validates canonical bytes; rejects lists out of canonical order.
Result<Genesis> decode_genesis(ByteView bytes);
Hash256 genesis_hash(const Genesis& genesis);

}  // namespace replex::exchange
