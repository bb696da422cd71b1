#include "sim/byzantine.hpp"

#include <algorithm>

#include "replex/core/tx_envelope.hpp"

namespace replex::sim {

using consensus::Message;
using consensus::MessageType;
using consensus::SharedBytes;
using consensus::ValidatorIndex;

namespace {

constexpr std::size_t kReplayHistory = 256;

std::optional<consensus::View> view_of(const Message& m) {
  switch (m.type) {
    case MessageType::kPrePrepare:
    case MessageType::kPrepare:
    case MessageType::kCommit:
      return m.vote().view;
    case MessageType::kViewChange:
      return m.view_change().new_view;
    case MessageType::kNewView:
      return m.new_view().view;
    case MessageType::kCheckpoint:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

ByzantineValidator::ByzantineValidator(ValidatorIndex me, KeyPair key,
                                       consensus::ValidatorSet validators,
                                       const consensus::Config& config,
                                       const consensus::ChainInfo& chain,
                                       std::vector<Fault> behaviours, Prng rng)
    : me_(me),
      key_(std::move(key)),
      validators_(std::move(validators)),
      config_(config),
      limits_(consensus::message_limits(config)),
      chain_id_(chain.chain_id),
      genesis_hash_(chain.genesis_hash),
      behaviours_(std::move(behaviours)),
      rng_(rng) {
  for (Fault f : behaviours_) REPLEX_ASSERT(is_byzantine(f));
}

bool ByzantineValidator::has(Fault f) const {
  return std::find(behaviours_.begin(), behaviours_.end(), f) != behaviours_.end();
}

SharedBytes ByzantineValidator::sign(MessageType type, consensus::MessageBody body,
                                     std::vector<Bytes> blocks,
                                     std::optional<ValidatorIndex> claimed_sender) const {
  return consensus::share(consensus::encode_message(consensus::sign_message(
      type, claimed_sender.value_or(me_), std::move(body), std::move(blocks), key_, chain_id_)));
}

Hash256 ByzantineValidator::random_hash() {
  Hash256 h;
  for (std::size_t i = 0; i < Hash256::kSize; i += 8) {
    const std::uint64_t word = rng_.next();
    for (std::size_t j = 0; j < 8; ++j) h.bytes[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
  }
  return h;
}

consensus::Block ByzantineValidator::fabricated_block(consensus::Height height, const Hash256& prev,
                                                      std::uint64_t time_ms) {
  const Hash256 junk = random_hash();
  return consensus::make_block(chain_id_, height, time_ms, prev, me_,
                               {Bytes(junk.bytes.begin(), junk.bytes.end())});
}

std::vector<Outgoing> ByzantineValidator::rewrite(std::optional<ValidatorIndex> to,
                                                  MessageType type, const SharedBytes& bytes) {
  std::vector<Outgoing> out;
  if (to) {
    out.push_back({*to, type, bytes});
  } else {
    for (ValidatorIndex i = 0; i < validators_.size(); ++i) {
      if (i != me_) out.push_back({i, type, bytes});
    }
  }
  if (has(Fault::kSilent)) {
    counts_[Fault::kSilent] += out.size();
    return {};
  }
  auto decoded = consensus::decode_message(*bytes, validators_, limits_);
  REPLEX_ASSERT_MSG(decoded.is_ok(), "the core sent a message that does not decode: " +
                                         decoded.status().to_string());
  const Message& m = *decoded;
  if (const auto view = view_of(m)) highest_view_ = std::max(highest_view_, *view);

  if (type == MessageType::kPrePrepare && !to) {
    if (has(Fault::kInvalidProposal) && (!has(Fault::kEquivocate) || rng_.coin())) {
      propose_invalid(m, out);
    } else if (has(Fault::kEquivocate)) {
      equivocate(m, out);
    }
  }
  if (type == MessageType::kViewChange && has(Fault::kLyingViewChange)) lie_in_view_change(m, out);
  if (consensus::is_vote_type(type) && has(Fault::kLyingViewChange) && rng_.below(40) == 0) {
    unprompted_view_change(m.vote().view + 1, out);
  }
  if (has(Fault::kDoubleVote)) double_vote(m, out);
  if (has(Fault::kForge)) forge(m, out);
  if (has(Fault::kReplay)) replay(m, bytes, out);
  return out;
}

void ByzantineValidator::equivocate(const Message& m, std::vector<Outgoing>& out) {
  // A second block for the same height: one transaction fewer, or a later time.
  auto block = consensus::decode_block(
      m.blocks.at(0), {config_.max_block_txs, config_.max_block_bytes, config_.max_tx_bytes},
      chain_id_);
  REPLEX_ASSERT(block.is_ok());
  std::vector<Bytes> txs = block->txs;
  std::uint64_t time_ms = block->header.time_ms;
  if (txs.size() > 1) {
    txs.pop_back();
  } else {
    ++time_ms;
  }
  const consensus::Block other = consensus::make_block(
      chain_id_, block->header.height, time_ms, block->header.prev_block_hash, me_, std::move(txs));
  const consensus::VoteBody vote{m.vote().view, m.vote().height,
                                 consensus::block_hash(other.header)};
  const SharedBytes other_wire =
      sign(MessageType::kPrePrepare, vote, {consensus::encode_block(other)});
  // The first half gets the real proposal, the second half the other one,
  // and the first receiver both (so equivocation is provable).
  const std::size_t half = (out.size() + 1) / 2;
  for (std::size_t i = half; i < out.size(); ++i) out[i].bytes = other_wire;
  if (!out.empty()) out.push_back({out[0].to, MessageType::kPrePrepare, other_wire});
  ++counts_[Fault::kEquivocate];
}

void ByzantineValidator::propose_invalid(const Message& m, std::vector<Outgoing>& out) {
  auto block = consensus::decode_block(
      m.blocks.at(0), {config_.max_block_txs, config_.max_block_bytes, config_.max_tx_bytes},
      chain_id_);
  REPLEX_ASSERT(block.is_ok());
  std::vector<Bytes> txs = block->txs;
  Bytes bad;
  switch (rng_.below(3)) {
    case 0:  // not a transaction at all
      bad = to_bytes("byzantine junk " + random_hash().hex());
      break;
    case 1:  // a transaction twice in one block
      bad = txs.at(0);
      break;
    default:  // a real transaction with its signature damaged
      bad = txs.at(0);
      bad.back() ^= 0x01;
      break;
  }
  if (txs.size() >= config_.max_block_txs) txs.pop_back();
  txs.push_back(std::move(bad));
  const consensus::Block invalid =
      consensus::make_block(chain_id_, block->header.height, block->header.time_ms,
                            block->header.prev_block_hash, me_, std::move(txs));
  const consensus::VoteBody vote{m.vote().view, m.vote().height,
                                 consensus::block_hash(invalid.header)};
  const SharedBytes wire = sign(MessageType::kPrePrepare, vote, {consensus::encode_block(invalid)});
  for (Outgoing& o : out) o.bytes = wire;
  ++counts_[Fault::kInvalidProposal];
}

void ByzantineValidator::lie_in_view_change(const Message& m, std::vector<Outgoing>& out) {
  consensus::ViewChangeBody body = m.view_change();
  std::vector<Bytes> blocks = m.blocks;
  const consensus::Height next = body.committed_height + 1;
  const std::uint64_t choice = rng_.below(3);
  if (choice == 0) {
    // Omit the prepared certificates it holds (undetectable; a quorum of
    // honest VIEW-CHANGEs still carries every block that may have committed).
    body.prepared.clear();
    blocks.clear();
  } else if (choice == 1 || body.prepared.empty()) {
    // Claim a prepared certificate it does not have: a made-up block with
    // made-up signatures.
    const consensus::Block fake = fabricated_block(next, body.committed_hash, 1);
    body.prepared = {made_up_certificate(body.new_view - 1, fake)};
    blocks = {consensus::encode_block(fake)};
  } else {
    // Attach another block than the one its first certificate prepared.
    const consensus::PreparedCertificate& first = body.prepared.front();
    blocks.front() =
        consensus::encode_block(fabricated_block(first.height, body.committed_hash, 1));
  }
  const SharedBytes wire = sign(MessageType::kViewChange, body, std::move(blocks));
  for (Outgoing& o : out) {
    if (o.type == MessageType::kViewChange) o.bytes = wire;
  }
  ++counts_[Fault::kLyingViewChange];
}

consensus::PreparedCertificate ByzantineValidator::made_up_certificate(
    consensus::View view, const consensus::Block& block) {
  consensus::PreparedCertificate cert;
  cert.view = view;
  cert.height = block.header.height;
  cert.block_hash = consensus::block_hash(block.header);
  cert.pre_prepare_signature = key_.sign("made up", chain_id_, cert.block_hash.view());
  const ValidatorIndex primary = validators_.primary_of(view);
  for (ValidatorIndex v = 0;
       v < validators_.size() && cert.prepares.size() + 1 < validators_.quorum(); ++v) {
    if (v != primary)
      cert.prepares.push_back({v, key_.sign("made up", chain_id_, cert.block_hash.view())});
  }
  return cert;
}

void ByzantineValidator::unprompted_view_change(consensus::View view, std::vector<Outgoing>& out) {
  const consensus::Block fake = fabricated_block(1, genesis_hash_, 1);
  consensus::ViewChangeBody body{
      view, 0, genesis_hash_, std::nullopt, {made_up_certificate(view - 1, fake)}};
  const SharedBytes wire = sign(MessageType::kViewChange, body, {consensus::encode_block(fake)});
  for (ValidatorIndex i = 0; i < validators_.size(); ++i) {
    if (i != me_) out.push_back({i, MessageType::kViewChange, wire});
  }
  ++counts_[Fault::kLyingViewChange];
}

void ByzantineValidator::double_vote(const Message& m, std::vector<Outgoing>& out) {
  SharedBytes second;
  if (m.type == MessageType::kPrepare || m.type == MessageType::kCommit) {
    consensus::VoteBody vote = m.vote();
    vote.block_hash = random_hash();
    second = sign(m.type, vote, {});
  } else if (m.type == MessageType::kCheckpoint) {
    consensus::CheckpointBody checkpoint = m.checkpoint();
    checkpoint.app_hash = random_hash();
    second = sign(m.type, checkpoint, {});
  } else {
    return;
  }
  const std::size_t n = out.size();
  for (std::size_t i = 0; i < n; ++i) out.push_back({out[i].to, m.type, second});
  ++counts_[Fault::kDoubleVote];
}

void ByzantineValidator::forge(const Message& m, std::vector<Outgoing>& out) {
  for (Outgoing& o : out) {
    if (o.type != m.type || !rng_.coin()) continue;
    switch (rng_.below(4)) {
      case 0: {  // a claim to be another validator (signed with its own key)
        const auto other = static_cast<ValidatorIndex>(
            (me_ + 1 + rng_.below(validators_.size() - 1)) % validators_.size());
        o.bytes = sign(m.type, m.body, m.blocks, other);
        break;
      }
      case 1: {  // bytes that do not decode
        Bytes junk = *o.bytes;
        junk.resize(junk.size() / 2);
        o.bytes = consensus::share(std::move(junk));
        break;
      }
      default: {  // a damaged signature
        Message forged = m;
        forged.signature.bytes[rng_.below(Signature::kSize)] ^= 0x10;
        o.bytes = consensus::share(consensus::encode_message(forged));
        break;
      }
    }
    ++counts_[Fault::kForge];
  }
}

void ByzantineValidator::replay(const Message& m, const SharedBytes& bytes,
                                std::vector<Outgoing>& out) {
  if (const auto view = view_of(m)) {
    history_.emplace_back(*view, Outgoing{0, m.type, bytes});
    if (history_.size() > kReplayHistory) history_.pop_front();
  }
  if (history_.empty() || history_.front().first >= highest_view_ || rng_.below(4) != 0) return;
  // A message of a view it has left, to everyone.
  const auto& [view, old] = history_[rng_.below(history_.size())];
  if (view >= highest_view_) return;
  for (ValidatorIndex i = 0; i < validators_.size(); ++i) {
    if (i != me_) out.push_back({i, old.type, old.bytes});
  }
  ++counts_[Fault::kReplay];
}

std::optional<Bytes> ByzantineValidator::serve(Bytes answer) {
  if (has(Fault::kSilent)) return std::nullopt;
  if (has(Fault::kForge) && rng_.coin() && !answer.empty()) {
    // A damaged block or certificate in an answer.
    answer[answer.size() / 2 + rng_.below(answer.size() / 2)] ^= 0x04;
    ++counts_[Fault::kForge];
  }
  return answer;
}

}  // namespace replex::sim
