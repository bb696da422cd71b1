#include "node_service.hpp"

#include <chrono>

#include "block_info.hpp"
#include "submit_batch_call.hpp"
#include "submit_call.hpp"

#include "replex/core/tx_envelope.hpp"
#include "replex/exchange/reason.hpp"

namespace replex::api {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// How often a waiting call looks at cancellation and shutdown.
constexpr milliseconds kWaitSlice{100};

std::string bytes_of(const Hash256& h) { return std::string(as_chars(h.view())); }
std::string bytes_of(const PublicKey& k) { return std::string(as_chars(k.view())); }

// Decrements a counter when the call ends.
class CounterSlot {
 public:
  CounterSlot(std::atomic<std::uint32_t>& counter, std::uint32_t limit) : counter_(counter) {
    acquired_ = counter_.fetch_add(1, std::memory_order_acq_rel) < limit;
  }
  ~CounterSlot() { counter_.fetch_sub(1, std::memory_order_acq_rel); }
  CounterSlot(const CounterSlot&) = delete;
  CounterSlot& operator=(const CounterSlot&) = delete;
  bool acquired() const { return acquired_; }

 private:
  std::atomic<std::uint32_t>& counter_;
  bool acquired_ = false;
};


}  // namespace

grpc::ServerUnaryReactor* NodeServiceImpl::SubmitTransaction(grpc::CallbackServerContext*,
                                                            const v1::SubmitTransactionRequest* request,
                                                            v1::SubmitTransactionResponse* response) {
  return SubmitCall::start(ctx_, pending_submissions_, accepting_.load(std::memory_order_acquire), *request,
                           response);
}

grpc::ServerUnaryReactor* NodeServiceImpl::SubmitTransactions(grpc::CallbackServerContext*,
                                                             const v1::SubmitTransactionsRequest* request,
                                                             v1::SubmitTransactionsResponse* response) {
  return SubmitBatchCall::start(ctx_, pending_submissions_, accepting_.load(std::memory_order_acquire), *request,
                                response);
}

grpc::Status NodeServiceImpl::GetStatus(grpc::ServerContext*, const v1::GetStatusRequest*,
                                        v1::GetStatusResponse* response) {
  const auto chain = ctx_.views.chain();
  const auto consensus = ctx_.views.consensus();
  const auto identity = identity_.load(std::memory_order_acquire);
  response->set_chain_id(ctx_.genesis.chain_id());
  response->set_moniker(identity->moniker);
  response->set_mode(identity->mode == config::NodeMode::kObserver ? v1::NODE_MODE_OBSERVER : v1::NODE_MODE_VALIDATOR);
  response->set_node_id(bytes_of(identity->node_id));
  if (identity->validator_index) response->set_validator_index(*identity->validator_index);
  response->set_validator_count(static_cast<std::uint32_t>(ctx_.genesis.validators.size()));
  response->set_height(chain->height);
  response->set_block_hash(bytes_of(chain->block_hash));
  response->set_app_hash(bytes_of(chain->app_hash));
  response->set_block_time_ms(chain->block_time_ms);
  response->set_first_height(chain->first_height);
  response->set_view(consensus->view);
  response->set_primary(consensus->primary);
  response->set_in_view_change(consensus->in_view_change);
  response->set_committed_height(consensus->committed_height);
  if (consensus->diverged_at) {
    response->set_diverged_at(*consensus->diverged_at);
    response->set_divergence(consensus->divergence);
  }
  response->set_mempool_size(consensus->mempool_txs);
  response->set_mempool_bytes(consensus->mempool_bytes);
  response->set_p2p_listen(identity->p2p_listen);
  response->set_grpc_listen(identity->grpc_listen);
  if (ctx_.network != nullptr) {
    for (const p2p::PeerInfo& info : ctx_.network->peers()) {
      v1::Peer* peer = response->add_peers();
      peer->set_node_id(bytes_of(info.id));
      peer->set_address(info.address);
      peer->set_direction(info.direction == p2p::Direction::kInbound ? v1::PEER_DIRECTION_INBOUND
                                                                     : v1::PEER_DIRECTION_OUTBOUND);
      if (auto index = ctx_.genesis.index_of_node(info.id)) peer->set_validator_index(*index);
    }
  }
  return grpc::Status::OK;
}

grpc::Status NodeServiceImpl::load_block(std::uint64_t height, v1::Block* out) const {
  auto block = load_block_info(ctx_, height);
  if (!block) {
    const ApiError& e = block.error();
    return {e.kind == ApiErrorKind::kNotFound ? grpc::StatusCode::NOT_FOUND : grpc::StatusCode::INTERNAL, e.message};
  }
  out->set_height(block->height);
  out->set_block_hash(bytes_of(block->block_hash));
  out->set_prev_block_hash(bytes_of(block->prev_block_hash));
  out->set_time_ms(block->time_ms);
  out->set_proposer(block->proposer);
  out->set_app_hash(bytes_of(block->app_hash));
  out->set_tx_root(bytes_of(block->tx_root));
  for (std::size_t i = 0; i < block->transactions.size(); ++i) {
    out->add_transactions(std::string(as_chars(block->transactions[i])));
    v1::TransactionResult* result = out->add_results();
    result->set_tx_hash(bytes_of(block->results[i].tx_hash));
    result->set_result_code(block->results[i].code);
    result->set_result(std::string(exchange::reason_name(block->results[i].code)));
  }
  out->set_block_bytes(std::string(as_chars(block->block_bytes)));
  out->set_certificate(std::string(as_chars(block->certificate)));
  return grpc::Status::OK;
}

grpc::Status NodeServiceImpl::GetBlock(grpc::ServerContext*, const v1::GetBlockRequest* request,
                                       v1::GetBlockResponse* response) {
  if (auto diverged = state_diverged(ctx_)) return *diverged;
  std::uint64_t height = request->height();
  if (height == 0) height = ctx_.views.chain()->height;
  if (height == 0) return {grpc::StatusCode::NOT_FOUND, "no block executed yet"};
  return load_block(height, response->mutable_block());
}

grpc::Status NodeServiceImpl::StreamBlocks(grpc::ServerContext* context, const v1::StreamBlocksRequest* request,
                                           grpc::ServerWriter<v1::StreamBlocksResponse>* writer) {
  if (!accepting_.load(std::memory_order_acquire)) return shutting_down();
  if (auto diverged = state_diverged(ctx_)) return *diverged;
  CounterSlot slot(block_streams_, ctx_.api.max_block_streams);
  if (!slot.acquired()) {
    return {grpc::StatusCode::RESOURCE_EXHAUSTED,
            "too many block streams (api.max_block_streams = " + std::to_string(ctx_.api.max_block_streams) + ")"};
  }
  std::uint64_t next = request->from_height();
  if (next == 0) next = ctx_.views.chain()->height + 1;
  while (!context->IsCancelled()) {
    if (!accepting_.load(std::memory_order_acquire) || ctx_.views.closed()) return shutting_down();
    const auto chain = ctx_.views.chain();
    if (chain->first_height > 0 && next < chain->first_height) {
      return {grpc::StatusCode::OUT_OF_RANGE, "height " + std::to_string(next) +
                                                  " is below the first block this node holds (" +
                                                  std::to_string(chain->first_height) + ")"};
    }
    if (next <= chain->height && chain->height - next > ctx_.api.max_stream_lag_blocks) {
      return {grpc::StatusCode::RESOURCE_EXHAUSTED,
              "the stream is " + std::to_string(chain->height - next) +
                  " blocks behind (api.max_stream_lag_blocks); resume from height " + std::to_string(next)};
    }
    if (next > chain->height) {
      ctx_.views.wait_for_height(next, kWaitSlice);
      continue;
    }
    v1::StreamBlocksResponse message;
    if (grpc::Status s = load_block(next, message.mutable_block()); !s.ok()) return s;
    if (!writer->Write(message)) return {grpc::StatusCode::CANCELLED, "the client went away"};
    ++next;
  }
  return {grpc::StatusCode::CANCELLED, "cancelled by the client"};
}

}  // namespace replex::api
