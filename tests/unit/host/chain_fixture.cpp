#include "unit/host/chain_fixture.hpp"

#include <gtest/gtest.h>

#include "replex/consensus/block.hpp"
#include "replex/consensus/signing.hpp"
#include "replex/core/hash.hpp"

namespace replex::host::testing {

using consensus::CertifiedBlock;
using consensus::Height;

exchange::Genesis test_genesis() {
  exchange::Genesis g;
  g.chain_id = std::string(kChainId);
  g.assets = {{"BTC", 8}, {"USDT", 6}};
  g.markets = {exchange::GenesisMarket{.symbol = "BTC-USDT",
                                       .base = "BTC",
                                       .quote = "USDT",
                                       .price_decimals = 2,
                                       .tick_size = 1,
                                       .lot_size = 100'000,
                                       .min_quantity = 100'000,
                                       .max_quantity = 10'000'000'000,
                                       .maker_fee_bps = 10,
                                       .taker_fee_bps = 20}};
  for (int i = 0; i < 4; ++i) {
    const PublicKey key = KeyPair::from_label("trader-" + std::to_string(i)).public_key();
    g.allocations.push_back({key, "BTC", 100'000'000'000});
    g.allocations.push_back({key, "USDT", 100'000'000'000'000});
  }
  g.fee_account = KeyPair::from_label("fees").public_key();
  return g;
}

std::unique_ptr<exchange::ExchangeApp> genesis_app() {
  auto app = exchange::ExchangeApp::create(test_genesis());
  REPLEX_ASSERT_MSG(app.is_ok(), app.status().to_string());
  return std::move(app).value();
}

KeyPair validator_key(consensus::ValidatorIndex i) {
  return KeyPair::from_label("replica-test-validator-" + std::to_string(i));
}

consensus::ValidatorSet validator_set() {
  std::vector<PublicKey> keys;
  for (consensus::ValidatorIndex i = 0; i < kValidators; ++i) {
    keys.push_back(validator_key(i).public_key());
  }
  return consensus::ValidatorSet::create(std::move(keys)).value();
}

consensus::ChainInfo chain_info() {
  return {std::string(kChainId), exchange::genesis_hash(test_genesis()), kGenesisTimeMs};
}

HostOptions host_options() {
  HostOptions o;
  o.consensus.max_block_txs = 8;
  o.consensus.max_block_delay_ms = 10;
  o.consensus.checkpoint_interval = kCheckpointInterval;
  o.snapshots_kept = 2;
  return o;
}

ChainFixture::ChainFixture()
    : builder_(std::string(kChainId)), tip_hash_(chain_info().genesis_hash) {
  for (int i = 0; i < 4; ++i)
    traders_.push_back(KeyPair::from_label("trader-" + std::to_string(i)));
}

std::vector<Bytes> ChainFixture::orders(std::size_t count) {
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < count; ++i) {
    ++nonce_;
    exchange::PlaceOrderArgs a;
    a.market = "BTC-USDT";
    a.side = nonce_ % 2 == 0 ? exchange::Side::kBuy : exchange::Side::kSell;
    a.type = exchange::OrderType::kLimit;
    a.time_in_force = exchange::TimeInForce::kGtc;
    a.price = 3'000'000 + (nonce_ % 7) * 100;  // 30000.00 USDT and around
    a.quantity = 100'000 * (1 + nonce_ % 5);
    const KeyPair& trader = traders_[nonce_ % traders_.size()];
    out.push_back(builder_.place_order(trader, {nonce_, height_ + 50}, a));
  }
  return out;
}

CertifiedBlock ChainFixture::next_block(std::vector<Bytes> txs) {
  const Height h = height_ + 1;
  tip_time_ms_ += 100;
  auto block = std::make_shared<const consensus::Block>(consensus::make_block(
      kChainId, h, tip_time_ms_, tip_hash_, static_cast<consensus::ValidatorIndex>(h % kValidators),
      std::move(txs)));
  CertifiedBlock out;
  out.block = block;
  out.block_hash = consensus::block_hash(block->header);
  out.certificate = {0, h, out.block_hash, {}};
  for (consensus::ValidatorIndex i = 0; i < 3; ++i) {
    const Bytes signed_part =
        consensus::vote_signed_bytes(consensus::MessageType::kCommit, i, out.certificate.vote());
    out.certificate.signatures.push_back(
        {i, consensus::sign_consensus(validator_key(i), kChainId, signed_part)});
  }
  out.block_bytes = consensus::encode_block(*block);
  out.certificate_bytes = consensus::encode_commit_certificate(out.certificate);
  height_ = h;
  tip_hash_ = out.block_hash;
  blocks_.push_back(out);
  return out;
}

std::vector<consensus::BlockExecuted> ChainFixture::commit(BlockExecutor& executor,
                                                           std::size_t count,
                                                           std::size_t txs_each) {
  std::vector<consensus::BlockExecuted> out;
  for (std::size_t i = 0; i < count; ++i) {
    ExecutionResult result = executor.execute({next_block(orders(txs_each))});
    EXPECT_TRUE(result.status.is_ok()) << result.status.to_string();
    EXPECT_TRUE(result.input.has_value());
    if (!result.input) break;
    out.push_back(std::get<consensus::BlockExecuted>(*result.input));
  }
  return out;
}

consensus::CheckpointProof ChainFixture::prove(const consensus::BlockExecuted& executed) const {
  REPLEX_ASSERT(executed.state_digest.has_value());
  consensus::CheckpointProof proof;
  proof.checkpoint = {executed.height, executed.block_hash, executed.app_hash,
                      *executed.state_digest};
  for (consensus::ValidatorIndex i = 0; i < 3; ++i) {
    const Bytes signed_part = consensus::checkpoint_signed_bytes(i, proof.checkpoint);
    proof.signatures.push_back(
        {i, consensus::sign_consensus(validator_key(i), kChainId, signed_part)});
  }
  return proof;
}

TestNode::TestNode() { store = storage::MemoryStore::open(disk).value(); }

void TestNode::reopen() {
  store.reset();
  app = genesis_app();
  store = storage::MemoryStore::open(disk).value();
}

}  // namespace replex::host::testing
