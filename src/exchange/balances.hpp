// Balances: an account's (available, locked) cell per asset, by asset index.
// Private to the module; part of AccountState.
//
// The first kInline cells live in the account record itself, so a trade's
// balance changes touch the record's first cache line and no heap block; a
// chain with more assets keeps the cells beyond those in one heap array.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "replex/core/assert.hpp"
#include "replex/exchange/types.hpp"

namespace replex::exchange {

struct BalanceCell {
  std::uint64_t available = 0;
  std::uint64_t locked = 0;
};

class Balances {
 public:
  // One market's base and quote: the bench genesis has two assets, and with
  // the 32-byte account key they fill the record's first 64-byte line.
  static constexpr std::size_t kInline = 2;

  Balances() = default;
  // `assets` zero cells.
  explicit Balances(std::size_t assets)
      : spill_(assets > kInline ? std::make_unique<BalanceCell[]>(assets - kInline) : nullptr),
        size_(static_cast<std::uint32_t>(assets)) {
    REPLEX_ASSERT(assets <= UINT32_MAX);
  }

  std::size_t size() const { return size_; }
  BalanceCell& operator[](AssetIndex asset) { return asset < kInline ? inline_[asset] : spill_[asset - kInline]; }
  const BalanceCell& operator[](AssetIndex asset) const {
    return asset < kInline ? inline_[asset] : spill_[asset - kInline];
  }

 private:
  std::array<BalanceCell, kInline> inline_{};
  std::unique_ptr<BalanceCell[]> spill_;  // cells kInline..size_-1, null when size_ <= kInline
  std::uint32_t size_ = 0;
};

}  // namespace replex::exchange
