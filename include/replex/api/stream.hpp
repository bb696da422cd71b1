// Live updates the read model publishes after each block, and the sinks that
// receive them (a WebSocket session, a gRPC stream).
//
// Channels: "book.<market>", "trades.<market>", "candles.<market>.<interval>",
// "blocks", "orders.<account hex>". One StreamItem is shared by every
// subscriber of its channel; a transport renders it once (render_once).
// StreamSink::push is called with the read model's lock held: it must only
// enqueue, never block. Returning false (the sink is over its bound) makes
// the read model drop the sink, and the sink's owner closes the stream with
// the reason it recorded.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <variant>

#include "replex/api/records.hpp"

namespace replex::api {

struct CandleUpdate {
  exchange::MarketIndex market = 0;
  CandleInterval interval = CandleInterval::k1m;
  Candle candle;
};

struct StreamItem {
  std::string channel;
  std::variant<BookState, BookDiff, TradeRecord, CandleUpdate, BlockSummary, OrderRecord> update;

  // The item rendered by `render` the first time any subscriber asks, then
  // shared by all. Thread-safe.
  const std::string& render_once(const std::function<std::string(const StreamItem&)>& render) const {
    std::call_once(rendered_once_, [&] { rendered_ = render(*this); });
    return rendered_;
  }

 private:
  mutable std::once_flag rendered_once_;
  mutable std::string rendered_;
};

class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Enqueues without blocking; false when the subscriber cannot keep up.
  virtual bool push(std::shared_ptr<const StreamItem> item) = 0;
};

}  // namespace replex::api
