// N Settlers in one process, as N validators would run them: each over its
// own MemoryStore (on a MemoryDisk that survives reopening), broadcast ports
// wired to each other, attest ports recorded. commit() writes a block to
// every node's store (with its events, as the node's executor does) and then
// hands the events to every running settler.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "replex/core/hash.hpp"
#include "replex/settlement/settler.hpp"
#include "replex/storage/memory_store.hpp"
#include "settlement_world.hpp"

namespace replex::settlement::testing {

class SettlerCluster {
 public:
  struct Node {
    std::shared_ptr<storage::MemoryDisk> disk = std::make_shared<storage::MemoryDisk>();
    std::unique_ptr<storage::MemoryStore> store;
    std::unique_ptr<Settler> settler;
    std::optional<std::size_t> key_index;  // the dev key this node signs with; nullopt: observer
    std::mutex attest_mu;
    std::vector<DepositObserved> attested;
  };

  // `validators`: the set's addresses by index. `keys[i]`: node i's dev key
  // index (usually the one whose address is validators[i]).
  SettlerCluster(std::shared_ptr<const exchange::ChainRules> rules, SettlerConfig config,
                 std::vector<EthAddress> validators, std::vector<std::optional<std::size_t>> keys)
      : rules_(std::move(rules)), config_(std::move(config)), validators_(std::move(validators)) {
    for (const auto& k : keys) {
      nodes_.push_back(std::make_unique<Node>());
      nodes_.back()->key_index = k;
    }
    for (std::size_t i = 0; i < nodes_.size(); ++i) open_store(i);
  }
  ~SettlerCluster() {
    for (std::size_t i = 0; i < nodes_.size(); ++i) close(i);
  }

  std::size_t size() const { return nodes_.size(); }
  Node& node(std::size_t i) { return *nodes_[i]; }
  Settler& settler(std::size_t i) { return *nodes_[i]->settler; }
  SettlerConfig& config() { return config_; }
  const SettlerConfig& config() const { return config_; }
  const exchange::ChainRules& rules() const { return *rules_; }

  void open_store(std::size_t i) {
    auto store = storage::MemoryStore::open(nodes_[i]->disk);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    nodes_[i]->store = std::move(store).value();
  }

  // Opens node i's settler on its store; started unless told otherwise.
  Status open(std::size_t i, bool start = true) {
    Node& n = *nodes_[i];
    if (!n.store) open_store(i);
    Settler::Ports ports;
    ports.broadcast = [this, i](Bytes message) { route(i, std::move(message)); };
    ports.attest = [&n](const DepositObserved& d) {
      std::lock_guard lock(n.attest_mu);
      n.attested.push_back(d);
    };
    std::optional<std::uint32_t> self;
    std::optional<EthKey> key;
    if (n.key_index) {
      self = static_cast<std::uint32_t>(i);
      key = dev_key(*n.key_index);
    }
    auto settler = Settler::open(config_, rules_, validators_, self, std::move(key), *n.store, std::move(ports));
    if (!settler.is_ok()) return settler.status();
    {
      std::lock_guard lock(route_mu_);
      n.settler = std::move(settler).value();
    }
    if (start) n.settler->start();
    return Status::ok();
  }

  void open_all() {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      Status s = open(i);
      ASSERT_TRUE(s.is_ok()) << s.to_string();
    }
  }

  // Stops and destroys node i's settler (its store stays open).
  void close_settler(std::size_t i) {
    std::unique_ptr<Settler> gone;
    {
      std::lock_guard lock(route_mu_);
      gone = std::move(nodes_[i]->settler);
    }
    gone.reset();  // outside the lock: its threads may be routing
  }
  // The settler and the store, as a process exit would (nothing unsynced lost:
  // the disk keeps pending writes until a crash).
  void close(std::size_t i) {
    close_settler(i);
    nodes_[i]->store.reset();
  }

  // One committed block on every node: stored with its events, then fed.
  void commit(std::uint64_t height, const std::vector<exchange::Event>& events) {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      Node& n = *nodes_[i];
      if (n.store && n.store->last_height() + 1 == height) {
        storage::BlockRecord record;
        record.height = height;
        record.block_hash = sha256(as_bytes("block " + std::to_string(height)));
        record.app_hash = record.block_hash;
        record.block = to_bytes("block " + std::to_string(height));
        record.events = exchange::encode_events(events);
        Status s = n.store->put_block(record);
        ASSERT_TRUE(s.is_ok()) << s.to_string();
      }
      std::lock_guard lock(route_mu_);
      if (n.settler) n.settler->on_block(height, height * 1000, events);
    }
  }

  std::vector<DepositObserved> attested(std::size_t i) {
    std::lock_guard lock(nodes_[i]->attest_mu);
    return nodes_[i]->attested;
  }

  // Messages from `from` reach every other open settler, unless cut.
  void cut(std::size_t i, bool cut_off) {
    std::lock_guard lock(route_mu_);
    if (cut_.size() < nodes_.size()) cut_.assign(nodes_.size(), false);
    cut_[i] = cut_off;
  }

 private:
  void route(std::size_t from, Bytes message) {
    std::lock_guard lock(route_mu_);
    if (!cut_.empty() && cut_[from]) return;
    for (std::size_t j = 0; j < nodes_.size(); ++j) {
      if (j == from || !nodes_[j]->settler || (!cut_.empty() && cut_[j])) continue;
      nodes_[j]->settler->on_message(static_cast<std::uint32_t>(from), message);
    }
  }

  std::shared_ptr<const exchange::ChainRules> rules_;
  SettlerConfig config_;
  std::vector<EthAddress> validators_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::mutex route_mu_;
  std::vector<bool> cut_;
};

}  // namespace replex::settlement::testing
