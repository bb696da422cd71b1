// The WebSocket side of the gateway (/api/v1/stream, docs/api.md "Streams").
//
// A client sends {"op": "subscribe"|"unsubscribe", "channels": [...],
// "id": n} (plus "api_key" or a signed "auth" for orders.<account>) and
// {"op": "ping"}; the session answers each with {"id": n, "result": ...} or
// {"id": n, "error": {...}} and then streams {"channel", "type", "data"}
// messages. Book channels start with a snapshot whose last_update_id the
// diffs continue. A client that lets more than api.max_ws_send_queue_bytes
// pile up is closed with reason "slow consumer". Runs on its connection's strand.
#pragma once

#include "beast.hpp"

#include <memory>
#include <mutex>
#include <vector>

#include "replex/config/node_config.hpp"

namespace replex::api {

class ExchangeApi;
class ReadModel;

// Something the server can close at shutdown.
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void close() = 0;
};

// The open sessions, closed all at once by HttpServer::stop(). Thread-safe.
class SessionRegistry {
 public:
  void add(const std::shared_ptr<Closable>& session);
  void close_all();

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<Closable>> sessions_;
  bool closed_ = false;
};

struct WsContext {
  const config::ApiSection& config;
  ExchangeApi& api;
  ReadModel& model;
  SessionRegistry& registry;
  std::shared_ptr<void> connection_slot;  // released when the session ends
};

// Accepts the upgrade and runs the session until the client or the server closes it.
void run_ws_session(boost::beast::tcp_stream stream,
                    boost::beast::http::request<boost::beast::http::string_body> upgrade, WsContext context);

}  // namespace replex::api
