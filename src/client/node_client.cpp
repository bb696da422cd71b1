#include "replex/client/node_client.hpp"

namespace replex::client {
namespace {

std::chrono::system_clock::time_point deadline_after(std::chrono::milliseconds timeout) {
  return std::chrono::system_clock::now() + timeout;
}

StatusCode code_of(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return StatusCode::kInvalidArgument;
    case grpc::StatusCode::NOT_FOUND:
      return StatusCode::kNotFound;
    case grpc::StatusCode::ALREADY_EXISTS:
      return StatusCode::kAlreadyExists;
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return StatusCode::kFailedPrecondition;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return StatusCode::kResourceExhausted;
    case grpc::StatusCode::PERMISSION_DENIED:
      return StatusCode::kPermissionDenied;
    case grpc::StatusCode::UNAUTHENTICATED:
      return StatusCode::kUnauthenticated;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return StatusCode::kDeadlineExceeded;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::CANCELLED:
      return StatusCode::kUnavailable;
    default:
      return StatusCode::kInternal;
  }
}

}  // namespace

std::shared_ptr<grpc::Channel> make_node_channel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1'000);
  // In gRPC core the "min reconnect backoff" is the connect attempt's timeout: keep it ample.
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 5'000);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

Status from_grpc(const grpc::Status& status, const std::string& context) {
  if (status.ok()) return Status::ok();
  return Status(code_of(status.error_code()),
                context + ": " + status.error_message() + " (gRPC code " + std::to_string(status.error_code()) + ")");
}

NodeClient::NodeClient(std::string target)
    : target_(std::move(target)), channel_(make_node_channel(target_)), stub_(v1::NodeService::NewStub(channel_)) {}

Result<v1::GetStatusResponse> NodeClient::status(std::chrono::milliseconds timeout) const {
  grpc::ClientContext context;
  context.set_deadline(deadline_after(timeout));
  v1::GetStatusResponse response;
  REPLEX_RETURN_IF_ERROR(from_grpc(stub_->GetStatus(&context, {}, &response), target_ + " GetStatus"));
  return response;
}

Result<v1::Block> NodeClient::block(std::uint64_t height, std::chrono::milliseconds timeout) const {
  grpc::ClientContext context;
  context.set_deadline(deadline_after(timeout));
  v1::GetBlockRequest request;
  request.set_height(height);
  v1::GetBlockResponse response;
  REPLEX_RETURN_IF_ERROR(
      from_grpc(stub_->GetBlock(&context, request, &response), target_ + " GetBlock " + std::to_string(height)));
  return std::move(*response.mutable_block());
}

Result<v1::SubmitTransactionResponse> NodeClient::submit(const Bytes& tx, bool wait_for_commit,
                                                         std::chrono::milliseconds timeout) const {
  grpc::ClientContext context;
  context.set_deadline(deadline_after(timeout));
  v1::SubmitTransactionRequest request;
  request.set_transaction(std::string(as_chars(tx)));
  request.set_wait_for_commit(wait_for_commit);
  request.set_timeout_ms(static_cast<std::uint32_t>(timeout.count()));
  v1::SubmitTransactionResponse response;
  REPLEX_RETURN_IF_ERROR(
      from_grpc(stub_->SubmitTransaction(&context, request, &response), target_ + " SubmitTransaction"));
  return response;
}

}  // namespace replex::client
