// EventStream: the bytes encode_events returns, built a few events at a time.
// Private to the module. execute_block appends each transaction's events as
// soon as it ran, while they are still in cache; encoding a block's typed
// events afterwards read megabytes back from memory.
#pragma once

#include <cstddef>
#include <span>

#include "replex/core/bytes.hpp"
#include "replex/exchange/events.hpp"

namespace replex::exchange {

class EventStream {
 public:
  // An empty stream with room for `expected_bytes` of events (it grows past that).
  explicit EventStream(std::size_t expected_bytes);
  // Appends the canonical encoding of each of `events`.
  void append(std::span<const Event> events);
  // encode_events of everything appended, in order.
  Bytes finish() &&;

 private:
  Bytes out_;              // the count's 4 bytes (written by finish), the events, zeroed slack
  std::size_t used_ = 4;  // bytes of out_ written
  std::size_t count_ = 0;
};

}  // namespace replex::exchange
