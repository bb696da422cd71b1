#include "replex/consensus/observer.hpp"

#include <algorithm>
#include <string>

#include "replex/core/assert.hpp"

namespace replex::consensus {

Result<Observer> Observer::create(const Config& config, const ChainInfo& chain,
                                  ValidatorSet validators, Height committed_height,
                                  const Hash256& committed_hash) {
  REPLEX_RETURN_IF_ERROR(config.validate());
  if (chain.chain_id.empty() || chain.chain_id.size() > kMaxChainIdBytes) {
    return Status::invalid_argument("chain.chain_id: must be 1.." +
                                    std::to_string(kMaxChainIdBytes) + " bytes");
  }
  if (committed_height == 0 && committed_hash != chain.genesis_hash) {
    return Status::invalid_argument("committed_hash: at height 0 it must be the genesis hash");
  }
  return Observer(config, chain, std::move(validators), committed_height, committed_hash);
}

Observer::Observer(const Config& config, const ChainInfo& chain, ValidatorSet validators,
                   Height committed_height, const Hash256& committed_hash)
    : config_(config),
      chain_(chain),
      validators_(std::move(validators)),
      committed_height_(committed_height),
      committed_hash_(committed_hash),
      target_height_(committed_height) {
  REPLEX_ASSERT(validators_.size() > 0);
  for (ValidatorIndex i = 0; i < validators_.size(); ++i) peers_.push_back(i);
}

std::vector<Action> Observer::start(std::uint64_t now_ms) {
  now_ms_ = now_ms;
  std::vector<Action> out;
  // Whatever the peers have above this height; later pushes reveal the rest.
  request(committed_height_ + config_.max_fetch_blocks, out);
  return out;
}

std::vector<Action> Observer::handle(Input input) {
  now_ms_ = input.now_ms;
  std::vector<Action> out;
  if (auto* blocks = std::get_if<BlocksReceived>(&input.event)) {
    on_blocks(*blocks, out);
  } else if (auto* timer = std::get_if<TimerFired>(&input.event)) {
    if (timer->kind == TimerKind::kFetch && fetch_deadline_ms_ && now_ms_ >= *fetch_deadline_ms_) {
      fetch_deadline_ms_.reset();
      fetching_to_.reset();
    }
  }
  if (fetching_to_ && committed_height_ >= *fetching_to_) {
    fetching_to_.reset();
    if (fetch_deadline_ms_) {
      fetch_deadline_ms_.reset();
      out.emplace_back(CancelTimer{TimerKind::kFetch});
    }
  }
  if (!fetching_to_ && target_height_ > committed_height_) {
    request(std::min<Height>(target_height_, committed_height_ + config_.max_fetch_blocks), out);
  }
  return out;
}

void Observer::on_blocks(const BlocksReceived& input, std::vector<Action>& out) {
  const ChainContext chain{validators_,
                           chain_.chain_id,
                           {config_.max_block_txs, config_.max_block_bytes, config_.max_tx_bytes},
                           config_.checkpoint_interval};
  const Height limit = committed_height_ + 2 * Height{config_.max_fetch_blocks};
  for (std::size_t i = 0; i < input.blocks.size(); ++i) {
    // Held: dropped before its signatures are checked (a later height is
    // verified even beyond `limit`: it tells the observer how far to fetch).
    const auto claimed = claimed_height(input.blocks[i]);
    if (claimed && *claimed <= committed_height_) continue;
    auto block = verify_certified_block(input.blocks[i], chain);
    if (!block) {
      out.emplace_back(
          EvidenceFound{Evidence{EvidenceKind::kInvalidCertifiedBlock,
                                 input.from,
                                 0,
                                 0,
                                 "blocks[" + std::to_string(i) + "]: " + block.status().message(),
                                 {}}});
      break;
    }
    const Height height = block->height();
    if (height <= committed_height_) continue;
    REPLEX_ASSERT(height >= 1);
    target_height_ = std::max(target_height_, height);
    if (input.from && validators_.contains(*input.from)) {
      // The sender has it: ask it first, then the others.
      std::vector<ValidatorIndex> peers{*input.from};
      for (ValidatorIndex p : peers_) {
        if (p != *input.from) peers.push_back(p);
      }
      peers_ = std::move(peers);
    }
    if (height <= limit) pending_.try_emplace(height, std::move(block).value());
  }
  release(out);
}

void Observer::release(std::vector<Action>& out) {
  for (auto it = pending_.find(committed_height_ + 1); it != pending_.end();
       it = pending_.find(committed_height_ + 1)) {
    CertifiedBlock block = std::move(it->second);
    pending_.erase(it);
    const Status link = verify_chain_link(committed_height_, committed_hash_, block.block->header);
    if (!link.is_ok()) {
      out.emplace_back(EvidenceFound{Evidence{EvidenceKind::kSafetyViolation,
                                              std::nullopt,
                                              block.certificate.view,
                                              block.height(),
                                              "certified block: " + link.message(),
                                              {}}});
      continue;
    }
    REPLEX_ASSERT(block.height() == committed_height_ + 1);
    committed_height_ = block.height();
    committed_hash_ = block.block_hash;
    out.emplace_back(CommitBlock{std::move(block)});
  }
  pending_.erase(pending_.begin(), pending_.upper_bound(committed_height_));
  // Nothing pending at or below the committed height, nothing beyond the window.
  REPLEX_ASSERT(pending_.empty() || pending_.begin()->first > committed_height_ + 1);
}

void Observer::request(Height to, std::vector<Action>& out) {
  REPLEX_ASSERT(to > committed_height_);
  out.emplace_back(RequestBlocks{committed_height_ + 1, to, peers_});
  fetching_to_ = to;
  fetch_deadline_ms_ = now_ms_ + config_.fetch_timeout_ms;
  out.emplace_back(SetTimer{TimerKind::kFetch, *fetch_deadline_ms_});
}

}  // namespace replex::consensus
