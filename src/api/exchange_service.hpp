// ExchangeServiceImpl: replex.v1.ExchangeService (proto/replex/v1/exchange.proto)
// over ExchangeApi and the ReadModel, the gRPC twin of the REST routes.
//
// Threads: gRPC's. Order entry is on the callback API (a call waiting for
// admission or its commit holds no thread); reads are synchronous and quick;
// a stream holds one thread while it runs, at most api.max_block_streams of
// them (shared with NodeService.StreamBlocks), and ends with
// RESOURCE_EXHAUSTED when its client falls api.max_ws_send_queue_bytes behind.
#pragma once

#include <atomic>

#include "exchange_api.hpp"
#include "replex/v1/exchange.grpc.pb.h"

namespace replex::api {

using ExchangeServiceBase = v1::ExchangeService::WithCallbackMethod_PlaceOrder<
    v1::ExchangeService::WithCallbackMethod_CancelOrder<v1::ExchangeService::WithCallbackMethod_CancelAllOrders<
        v1::ExchangeService::WithCallbackMethod_AmendOrder<v1::ExchangeService::Service>>>>;

class ExchangeServiceImpl final : public ExchangeServiceBase {
 public:
  ExchangeServiceImpl(ExchangeApi& api, ReadModel& model, std::atomic<std::uint32_t>& streams);

  // Refuse new calls and end streams (shutdown).
  void stop_accepting() { accepting_.store(false, std::memory_order_release); }

  grpc::ServerUnaryReactor* PlaceOrder(grpc::CallbackServerContext* context, const v1::PlaceOrderRequest* request,
                                       v1::PlaceOrderResponse* response) override;
  grpc::ServerUnaryReactor* CancelOrder(grpc::CallbackServerContext* context, const v1::CancelOrderRequest* request,
                                        v1::CancelOrderResponse* response) override;
  grpc::ServerUnaryReactor* CancelAllOrders(grpc::CallbackServerContext* context,
                                            const v1::CancelAllOrdersRequest* request,
                                            v1::CancelAllOrdersResponse* response) override;
  grpc::ServerUnaryReactor* AmendOrder(grpc::CallbackServerContext* context, const v1::AmendOrderRequest* request,
                                       v1::AmendOrderResponse* response) override;

  grpc::Status GetOrder(grpc::ServerContext* context, const v1::GetOrderRequest* request,
                        v1::GetOrderResponse* response) override;
  grpc::Status ListOrders(grpc::ServerContext* context, const v1::ListOrdersRequest* request,
                          v1::ListOrdersResponse* response) override;
  grpc::Status ListMarkets(grpc::ServerContext* context, const v1::ListMarketsRequest* request,
                           v1::ListMarketsResponse* response) override;
  grpc::Status GetBook(grpc::ServerContext* context, const v1::GetBookRequest* request,
                       v1::GetBookResponse* response) override;
  grpc::Status ListTrades(grpc::ServerContext* context, const v1::ListTradesRequest* request,
                          v1::ListTradesResponse* response) override;
  grpc::Status ListAccountTrades(grpc::ServerContext* context, const v1::ListAccountTradesRequest* request,
                                 v1::ListAccountTradesResponse* response) override;
  grpc::Status ListCandles(grpc::ServerContext* context, const v1::ListCandlesRequest* request,
                           v1::ListCandlesResponse* response) override;
  grpc::Status GetBalances(grpc::ServerContext* context, const v1::GetBalancesRequest* request,
                           v1::GetBalancesResponse* response) override;
  grpc::Status GetTransaction(grpc::ServerContext* context, const v1::GetTransactionRequest* request,
                              v1::GetTransactionResponse* response) override;
  grpc::Status StreamBook(grpc::ServerContext* context, const v1::StreamBookRequest* request,
                          grpc::ServerWriter<v1::StreamBookResponse>* writer) override;
  grpc::Status StreamTrades(grpc::ServerContext* context, const v1::StreamTradesRequest* request,
                            grpc::ServerWriter<v1::StreamTradesResponse>* writer) override;
  grpc::Status StreamCandles(grpc::ServerContext* context, const v1::StreamCandlesRequest* request,
                             grpc::ServerWriter<v1::StreamCandlesResponse>* writer) override;
  grpc::Status StreamOrders(grpc::ServerContext* context, const v1::StreamOrdersRequest* request,
                            grpc::ServerWriter<v1::StreamOrdersResponse>* writer) override;

 private:
  template <typename Response>
  grpc::Status stream(grpc::ServerContext* context, const std::string& channel, grpc::ServerWriter<Response>* writer,
                      const std::function<bool(const StreamItem&, Response&)>& fill);

  ExchangeApi& api_;
  ReadModel& model_;
  std::atomic<std::uint32_t>& streams_;
  std::atomic<bool> accepting_{true};
};

// The gRPC status of an ApiError (the code named first in the message).
grpc::Status to_grpc_status(const ApiError& error);

}  // namespace replex::api
