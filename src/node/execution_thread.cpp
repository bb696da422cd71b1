// Node::Impl on the execution thread: BlockExecutor tasks, the chain read
// view, commit notifications and pushes to observers.
#include <spdlog/spdlog.h>

#include "node_impl.hpp"
#include "replex/consensus/block.hpp"
#include "replex/host/serving.hpp"

namespace replex::node {

void Node::Impl::publish_recovered_view() {
  const std::uint64_t height = app_->last_height();
  Hash256 block_hash = genesis_.hash();
  std::uint64_t time_ms = genesis_.genesis_time_ms;
  if (height > 0) {
    block_hash = host_->replica() ? host_->replica()->committed_hash() : host_->observer()->committed_hash();
    time_ms = 0;  // unknown until the next block when the block itself is not held (state transfer)
    if (auto stored = store_->block_at(height)) {
      auto block = consensus::decode_block(stored->block, block_limits(), genesis_.chain_id());
      if (block) time_ms = block->header.time_ms;
      block_hash = stored->block_hash;
    }
  }
  publish_chain_view(height, block_hash, app_->app_hash(), time_ms, ViewRefresh::kReset, nullptr);
}

void Node::Impl::post(host::ExecutionTask task) {
  // A committed block reaches the state (and so the mempool's checks) before
  // the tx index: callers refused meanwhile look the index up once it is done.
  waiters_.task_posted();
  execution_loop_.post([this, task = std::move(task), posted = std::chrono::steady_clock::now()]() mutable {
    // After a failure nothing held in memory can be trusted: later tasks are
    // dropped and the node stops (a restart recovers from the store).
    if (failed_.load()) return waiters_.task_dropped();
    const auto* chunk = std::get_if<consensus::StoreChunk>(&task);
    const std::uint64_t chunk_bytes = chunk ? chunk->chunk.size() : 0;
    host::ExecutionResult result = host_->executor().run(task);
    if (!result.status) {
      waiters_.task_dropped();
      fatal(result.status);
      return;
    }
    if (chunk) {
      ++chunks_spooled_;
      metrics_->on_state_chunk(chunk_bytes);
    }
    after_execution(result, posted);
    waiters_.task_done();
    consensus_loop_.post([this, result = std::move(result)]() mutable {
      if (failed_.load()) return;
      const Status s = host_->complete(unix_now_ms(), std::move(result));
      publish_consensus_view();
      if (!s) fatal(s);
    });
  });
}

void Node::Impl::after_execution(const host::ExecutionResult& result, std::chrono::steady_clock::time_point posted) {
  if (result.committed) {
    const host::CommittedBlock& block = *result.committed;
    api::BlockDigest digest;
    digest.summary = {block.height, block.block_hash, block.app_hash, block.time_ms,
                      static_cast<std::uint32_t>(block.tx_hashes.size()), 0};
    digest.tx_hashes = block.tx_hashes;
    digest.view = publish_chain_view(block.height, block.block_hash, block.app_hash, block.time_ms,
                                     ViewRefresh::kBlock, &digest.events);
    metrics_->on_block(digest, unix_now_ms());
    if (settler_) settler_->on_block(block.height, block.time_ms, digest.events);
    // The gateway's read model first: a waiter answered below looks its order up there.
    if (gateway_) gateway_->feed(std::move(digest));
    waiters_.notify_block(block.height, block.tx_hashes, block.tx_codes);
    metrics_->on_block_answered(std::chrono::steady_clock::now() - posted);  // posted when it committed
    push_to_observers(block.height);
    spdlog::debug("executed block {} ({} txs) app_hash {}", block.height, block.tx_hashes.size(),
                  block.app_hash.hex().substr(0, 16));
  }
  if (result.installed) {
    const host::InstalledState& state = *result.installed;
    spdlog::info("state transfer: installed state at height={} from a peer ({} chunks)", state.height,
                 std::exchange(chunks_spooled_, 0));
    api::BlockDigest digest;
    digest.summary = {state.height, state.block_hash, state.app_hash, views_.chain()->block_time_ms, 0, 0};
    digest.view = publish_chain_view(state.height, state.block_hash, state.app_hash, views_.chain()->block_time_ms,
                                     ViewRefresh::kReset, nullptr);
    if (gateway_) gateway_->feed(std::move(digest));  // the books jump; history resumes from here
  }
}

std::shared_ptr<const api::ChainView> Node::Impl::publish_chain_view(
    std::uint64_t height, const Hash256& block_hash, const Hash256& app_hash, std::uint64_t time_ms,
    ViewRefresh refresh, std::vector<exchange::Event>* events) {
  const api::ChainHead head{height, block_hash, app_hash, time_ms, store_->first_height()};
  std::shared_ptr<const api::ChainView> view;
  {
    // The execution thread is the only writer; the shared lock keeps these
    // reads consistent with the consensus thread's concurrent check_tx.
    auto lock = app_->lock_shared();
    view = refresh == ViewRefresh::kBlock ? chain_views_->after_block(head) : chain_views_->after_reset(head);
    if (events) *events = exchange_->last_block_events();
  }
  views_.publish_chain(view);
  return view;
}

void Node::Impl::push_to_observers(std::uint64_t height) {
  if (!network_) return;
  std::vector<p2p::NodeId> observers;
  for (const p2p::PeerInfo& peer : network_->peers()) {
    if (!genesis_.index_of_node(peer.id)) observers.push_back(peer.id);
  }
  if (observers.empty()) return;
  auto answer = host::serve_blocks(*store_, height, height, host_options_.serve);
  if (!answer) {
    spdlog::warn("cannot push block {} to observers: {}", height, answer.status().to_string());
    return;
  }
  (void)network_->send_to(observers, p2p::Channel::kBlocks, std::move(*answer));
}

}  // namespace replex::node
