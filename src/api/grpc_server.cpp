#include "replex/api/grpc_server.hpp"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <chrono>

#include "node_service.hpp"

namespace replex::api {
namespace {

constexpr std::string_view kServiceName = "replex.v1.NodeService";

}  // namespace

Result<std::unique_ptr<GrpcServer>> GrpcServer::start(ApiContext context, NodeIdentity identity,
                                                      const std::vector<grpc::Service*>& services) {
  REPLEX_ASSIGN_OR_RETURN(config::ListenAddress listen, config::parse_listen_address(identity.grpc_listen));
  std::unique_ptr<GrpcServer> server(new GrpcServer());
  server->shutdown_grace_ms_ = context.api.shutdown_grace_ms;
  server->service_ = std::make_unique<NodeServiceImpl>(context);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(listen.to_string(), grpc::InsecureServerCredentials(), &bound_port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(context.api.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(context.api.max_message_bytes));
  grpc::ResourceQuota quota("replex-grpc");
  quota.SetMaxThreads(static_cast<int>(context.api.max_threads));
  builder.SetResourceQuota(quota);
  builder.RegisterService(server->service_.get());
  for (grpc::Service* service : services) builder.RegisterService(service);
  server->service_->set_identity(identity);
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || bound_port == 0) {
    server->server_.reset();
    return Status::io_error("api.grpc_listen: cannot listen on " + listen.to_string());
  }
  server->port_ = static_cast<std::uint16_t>(bound_port);
  identity.grpc_listen = config::ListenAddress{listen.host, server->port_}.to_string();
  server->service_->set_identity(std::move(identity));
  server->server_->GetHealthCheckService()->SetServingStatus(std::string(kServiceName), true);
  server->server_->GetHealthCheckService()->SetServingStatus("replex.v1.ExchangeService", true);
  return server;
}

GrpcServer::~GrpcServer() { wait(); }

void GrpcServer::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  // API callers get UNAVAILABLE from here on; health reports NOT_SERVING.
  service_->stop_accepting();
  server_->GetHealthCheckService()->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(shutdown_grace_ms_));
}

void GrpcServer::wait() {
  if (waited_) return;
  shutdown();
  waited_ = true;
  server_->Wait();
}

}  // namespace replex::api
