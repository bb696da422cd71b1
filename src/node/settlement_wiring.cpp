// Node::Impl and settlement (docs/settlement.md): opening the Settler with
// the genesis' validator addresses and this node's Ethereum key, its ports
// (signature broadcast over p2p, deposit attestations through admission),
// and feeding it committed blocks and peers' messages. The Settler has its
// own threads; nothing here waits on Ethereum.
#include <spdlog/spdlog.h>

#include <chrono>

#include "node_impl.hpp"
#include "replex/config/key_file.hpp"
#include "replex/exchange/tx_builder.hpp"

namespace replex::node {
namespace {

// good_til_height of an attestation: the next height plus this.
constexpr std::uint64_t kAttestationTtlBlocks = 100;

}  // namespace

Status Node::Impl::open_settlement(const std::shared_ptr<const exchange::ChainRules>& rules) {
  const config::SettlementSection& s = config_.settlement;
  if (!s.enabled) return Status::ok();
  std::vector<settlement::EthAddress> addresses;
  for (std::size_t i = 0; i < genesis_.validators.size(); ++i) {
    if (!genesis_.validators[i].eth_address) {
      return Status::failed_precondition("settlement.enabled: the genesis lists no eth_address for validators[" +
                                         std::to_string(i) + "] (" + genesis_.validators[i].name + ")");
    }
    addresses.push_back(*genesis_.validators[i].eth_address);
  }
  std::optional<settlement::EthKey> eth_key;
  if (self_index_) {
    const std::string path = config::resolve_path(home_, s.eth_key_file);
    REPLEX_ASSIGN_OR_RETURN(config::SecretBytes secret, config::read_secret_file(path, "Ethereum key"));
    REPLEX_ASSIGN_OR_RETURN(settlement::EthKey key, settlement::EthKey::from_bytes(secret));
    if (key.address() != addresses[*self_index_]) {
      return Status::failed_precondition(path + ": its address " + settlement::to_checksum_hex(key.address()) +
                                         " is not this validator's in the genesis (" +
                                         settlement::to_checksum_hex(addresses[*self_index_]) +
                                         "): the contract would not count its signatures");
    }
    eth_key.emplace(std::move(key));
    // Attestations are transactions signed by the validator's consensus key.
    REPLEX_ASSIGN_OR_RETURN(KeyPair consensus_key,
                            config::read_key_file(config::resolve_path(home_, config_.node.validator_key_file),
                                                  "validator key"));
    attester_key_.emplace(std::move(consensus_key));
  }
  settlement::Settler::Ports ports;
  ports.broadcast = [this](Bytes message) {
    if (!network_) return;
    std::vector<p2p::NodeId> to;
    for (std::size_t i = 0; i < genesis_.validators.size(); ++i) {
      if (!self_index_ || i != *self_index_) to.push_back(genesis_.validators[i].node_id);
    }
    (void)network_->send_to(to, p2p::Channel::kSettlement, std::move(message));
  };
  ports.attest = [this](const settlement::DepositObserved& deposit) { attest(deposit); };
  REPLEX_ASSIGN_OR_RETURN(settler_, settlement::Settler::open(s.settler, rules, std::move(addresses), self_index_,
                                                              std::move(eth_key), *store_, std::move(ports)));
  if (metrics_) settlement_metrics_ = std::make_unique<SettlementMetrics>(metrics_->registry());
  return Status::ok();
}

void Node::Impl::attest(const settlement::DepositObserved& deposit) {
  if (!attester_key_ || !admission_) return;
  exchange::DepositAttestationArgs args;
  args.chain_id = deposit.chain_id;
  args.deposit_id = deposit.deposit_id;
  args.account = deposit.account;
  args.asset = deposit.asset;
  args.amount = deposit.amount;
  args.eth_tx_hash = deposit.eth_tx_hash;
  // Microsecond nonces, strictly increasing on this node.
  const auto now_us = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::uint64_t nonce = attest_nonce_.load();
  while (!attest_nonce_.compare_exchange_weak(nonce, std::max(now_us, nonce + 1))) {
  }
  nonce = std::max(now_us, nonce + 1);
  const exchange::TxHeader header{nonce, views_.chain()->height + kAttestationTtlBlocks};
  Bytes tx = exchange::TxBuilder(genesis_.chain_id()).deposit_attestation(*attester_key_, header, args);
  admission_->submit(std::move(tx), [deposit](Result<consensus::TxStatusReport> report) {
    if (!report) {
      spdlog::warn("settlement: attestation of deposit chain={} id={} not admitted: {}", deposit.chain_id,
                   deposit.deposit_id, report.status().to_string());
    } else if (report->verdict != consensus::TxVerdict::kAccepted &&
               report->verdict != consensus::TxVerdict::kDuplicate) {
      spdlog::info("settlement: attestation of deposit chain={} id={}: {}", deposit.chain_id, deposit.deposit_id,
                   report->message);
    }
  });
}

}  // namespace replex::node
