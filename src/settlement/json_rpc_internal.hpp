// Private: the JSON-level side of JsonRpcClient for eth_client.cpp (params
// and results as nlohmann::json, which public headers must not include), and
// the error builders both files share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "replex/settlement/json_rpc.hpp"

namespace replex::settlement {

struct JsonRpcAccess {
  // Precondition: params is an array.
  static RpcResult<nlohmann::json> call(JsonRpcClient& client, std::string_view method,
                                        const nlohmann::json& params);
};

namespace detail {

// "eth_chainId: malformed response: result: not a quantity".
RpcError malformed_response(std::string_view method, std::string_view detail);
// "eth_getLogs: invalid request: topics: at most 4 positions".
RpcError invalid_request(std::string_view method, std::string_view detail);
// The kind a JSON-RPC error object stands for, from its code and message.
RpcErrorKind classify_rpc_error(std::int64_t code, std::string_view message);
// The node's text made safe for one log line: control bytes escaped, cut at
// max_chars (a "..." marks the cut).
std::string printable(std::string_view text, std::size_t max_chars);

}  // namespace detail
}  // namespace replex::settlement
