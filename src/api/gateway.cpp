#include "replex/api/gateway.hpp"

#include "beast.hpp"

#include <spdlog/spdlog.h>

#include <thread>
#include <vector>

#include "exchange_api.hpp"
#include "exchange_service.hpp"
#include "http_server.hpp"
#include "replex/api/grpc_server.hpp"
#include "rest_routes.hpp"

namespace replex::api {

struct Gateway::Impl {
  Impl(ApiContext c, std::shared_ptr<const exchange::ChainRules> rules)
      : context(c), model(std::move(rules), c.api) {}

  ApiContext context;
  ReadModel model;
  boost::asio::io_context io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::unique_ptr<ExchangeApi> api;
  std::unique_ptr<ExchangeServiceImpl> exchange_service;
  std::atomic<std::uint32_t> streams{0};
  std::unique_ptr<GrpcServer> grpc;
  std::unique_ptr<HttpServer> http;
  std::uint16_t grpc_port = 0;
  std::uint16_t rest_port = 0;
  bool started = false;
  bool shut_down = false;
  bool waited = false;
};

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() { wait(); }

Result<std::unique_ptr<Gateway>> Gateway::create(ApiContext context, const std::string& home) {
  REPLEX_ASSIGN_OR_RETURN(std::shared_ptr<const exchange::ChainRules> rules,
                          exchange::ChainRules::create(context.genesis.exchange));
  auto impl = std::make_unique<Impl>(context, rules);
  REPLEX_RETURN_IF_ERROR(impl->model.backfill(context.store, context.block_limits, context.genesis.chain_id(),
                                              context.views.chain()));
  std::unique_ptr<Keystore> keystore;
  if (context.api.custodial) {
    keystore = std::make_unique<Keystore>(config::resolve_path(home, context.api.api_keys_file),
                                          config::resolve_path(home, context.api.keystore_dir));
  }
  impl->api = std::make_unique<ExchangeApi>(impl->context, impl->model, std::move(keystore), impl->io);
  impl->exchange_service = std::make_unique<ExchangeServiceImpl>(*impl->api, impl->model, impl->streams);
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

Status Gateway::start(NodeIdentity identity) {
  Impl& g = *impl_;
  if (g.started) return Status::failed_precondition("the gateway was started before");
  g.started = true;
  g.model.start();
  g.work.emplace(boost::asio::make_work_guard(g.io));
  const std::uint32_t threads = g.context.api.rest_enabled ? g.context.api.rest_threads : 1;
  for (std::uint32_t i = 0; i < threads; ++i) {
    g.threads.emplace_back([&io = g.io] {
      pthread_setname_np(pthread_self(), "replex-api");
      io.run();
    });
  }
  if (g.context.api.grpc_enabled) {
    REPLEX_ASSIGN_OR_RETURN(g.grpc, GrpcServer::start(g.context, identity, {g.exchange_service.get()}));
    g.grpc_port = g.grpc->port();
  }
  if (g.context.api.rest_enabled) {
    REPLEX_ASSIGN_OR_RETURN(config::ListenAddress listen, config::parse_listen_address(g.context.api.rest_listen));
    g.http = std::make_unique<HttpServer>(g.io, g.context.api, make_rest_routes(*g.api, g.model), *g.api, g.model);
    REPLEX_ASSIGN_OR_RETURN(g.rest_port, g.http->listen(listen));
  }
  return Status::ok();
}

void Gateway::feed(BlockDigest digest) { impl_->model.feed(std::move(digest)); }

void Gateway::shutdown() {
  Impl& g = *impl_;
  if (!g.started || g.shut_down) return;
  g.shut_down = true;
  g.exchange_service->stop_accepting();
  if (g.http) g.http->stop();
  if (g.grpc) g.grpc->shutdown();
}

void Gateway::wait() {
  Impl& g = *impl_;
  if (!g.started || g.waited) return;
  shutdown();
  g.waited = true;
  if (g.grpc) g.grpc->wait();
  g.model.stop();
  g.work.reset();
  g.io.stop();
  for (auto& t : g.threads) t.join();
}

std::uint16_t Gateway::grpc_port() const { return impl_->grpc_port; }
std::uint16_t Gateway::rest_port() const { return impl_->rest_port; }
ReadModel& Gateway::read_model() { return impl_->model; }
const GatewayStats& Gateway::stats() const { return impl_->api->stats(); }

}  // namespace replex::api
