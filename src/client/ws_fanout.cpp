#include "replex/client/ws_fanout.hpp"

#include "beast.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "json_scan.hpp"
#include "replex/core/assert.hpp"

namespace replex::client {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kStreamPath = "/api/v1/stream";

std::int64_t ticks(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

class WsFanout::Impl {
 public:
  explicit Impl(FanoutOptions options);
  ~Impl();

  Status open();
  void begin_measure();
  FanoutReport end_measure();

  // A connection reached its snapshot (or its confirmation, for "blocks"), or failed to.
  void opened(bool ok, const std::string& error);

  const FanoutOptions options_;
  asio::io_context io_;
  tcp::resolver::results_type endpoints_;
  std::atomic<bool> measuring_{false};
  std::atomic<bool> closing_{false};

  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t attempts_done_ = 0;                       // guarded by mutex_
  std::size_t subscribed_ = 0;                          // guarded by mutex_
  std::map<std::string, std::uint64_t> open_failures_;  // guarded by mutex_
  std::uint64_t disconnects_ = 0;                       // guarded by mutex_
  std::map<std::string, std::uint64_t> close_reasons_;  // guarded by mutex_

 private:
  class Connection;
  void open_next();

  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::vector<std::shared_ptr<Connection>> connections_;  // [0]: the "blocks" reference
  std::size_t next_to_open_ = 1;                          // guarded by mutex_
  Clock::time_point measure_start_;
};

// One WebSocket; its stream and state are touched on its strand, its samples
// under its own mutex (read by end_measure()).
class WsFanout::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl& fanout, std::string channel) : fanout_(fanout), channel_(std::move(channel)),
        ws_(asio::make_strand(fanout.io_)) {}

  void start() {
    asio::dispatch(ws_.get_executor(), [self = shared_from_this()] { self->connect(); });
  }

  void close() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(self->ws_).close();
    });
  }

  struct Sample {
    std::uint64_t height;
    std::int64_t arrived_ns;  // steady clock
    std::uint64_t block_time_ms;  // "blocks" messages only
  };

  // Moves the samples out.
  std::vector<Sample> take_samples() {
    std::lock_guard lock(mutex_);
    return std::move(samples_);
  }
  std::uint64_t gaps() {
    std::lock_guard lock(mutex_);
    return gaps_;
  }

 private:
  void connect() {
    beast::get_lowest_layer(ws_).expires_after(fanout_.options_.open_timeout);
    beast::get_lowest_layer(ws_).async_connect(
        fanout_.endpoints_, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
          if (ec) return self->failed_to_open("connect: " + ec.message());
          self->handshake();
        });
  }

  void handshake() {
    ws_.async_handshake(fanout_.options_.rest_target, std::string(kStreamPath),
                        [self = shared_from_this()](beast::error_code ec) {
                          if (ec) return self->failed_to_open("upgrade: " + ec.message());
                          // The WebSocket keeps its own timeouts from here on (none idle, for a client).
                          beast::get_lowest_layer(self->ws_).expires_never();
                          self->ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
                          self->subscribe();
                        });
  }

  void subscribe() {
    request_ = R"({"op":"subscribe","id":1,"channels":[")" + channel_ + R"("]})";
    ws_.text(true);
    ws_.async_write(asio::buffer(request_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->failed_to_open("subscribe: " + ec.message());
      self->read();
    });
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      const auto arrived = Clock::now();
      if (ec) return self->ended(ec);
      const auto data = self->buffer_.cdata();
      self->handle(std::string_view(static_cast<const char*>(data.data()), data.size()), arrived);
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  void handle(std::string_view text, Clock::time_point arrived) {
    if (text.find(R"("type":"update")") != std::string_view::npos) {
      const auto first = scan_u64(text, "first_update_id");
      const auto last = scan_u64(text, "last_update_id");
      const auto height = scan_u64(text, "height");
      std::lock_guard lock(mutex_);
      if (!first || !last || !height || !last_update_id_ || *first != *last_update_id_ + 1) ++gaps_;
      if (last) last_update_id_ = *last;
      if (height && fanout_.measuring_.load(std::memory_order_relaxed)) {
        samples_.push_back(Sample{*height, ticks(arrived), 0});
      }
      return;
    }
    if (text.find(R"("type":"block")") != std::string_view::npos) {
      const auto height = scan_u64(text, "height");
      const auto time_ms = scan_u64(text, "time_ms");
      if (height && time_ms && fanout_.measuring_.load(std::memory_order_relaxed)) {
        std::lock_guard lock(mutex_);
        samples_.push_back(Sample{*height, ticks(arrived), *time_ms});
      }
      return;
    }
    if (text.find(R"("type":"snapshot")") != std::string_view::npos) {
      {
        std::lock_guard lock(mutex_);
        last_update_id_ = scan_u64(text, "last_update_id");
      }
      if (!open_) {
        open_ = true;
        fanout_.opened(true, {});
      }
      return;
    }
    if (text.find(R"("result":"subscribed")") != std::string_view::npos) {
      // "blocks" has no snapshot: its confirmation opens it.
      if (channel_ == "blocks" && !open_) {
        open_ = true;
        fanout_.opened(true, {});
      }
      return;
    }
    if (text.find(R"("error")") != std::string_view::npos && !open_) {
      failed_to_open("subscribe refused: " + std::string(text.substr(0, 200)));
    }
  }

  void failed_to_open(const std::string& error) {
    if (open_) return;
    open_ = true;  // answered, as a failure
    failed_ = true;
    fanout_.opened(false, error);
  }

  void ended(beast::error_code ec) {
    if (!open_) return failed_to_open("closed while opening: " + ec.message());
    if (failed_ || fanout_.closing_.load()) return;
    const std::string reason = ws_.reason().reason.empty() ? ec.message() : std::string(ws_.reason().reason.c_str());
    std::lock_guard lock(fanout_.mutex_);
    ++fanout_.disconnects_;
    ++fanout_.close_reasons_[reason];
  }

  Impl& fanout_;
  const std::string channel_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::string request_;
  bool open_ = false;    // strand only: opened() was called
  bool failed_ = false;  // strand only

  std::mutex mutex_;
  std::optional<std::uint64_t> last_update_id_;  // guarded by mutex_
  std::uint64_t gaps_ = 0;                       // guarded by mutex_
  std::vector<Sample> samples_;                  // guarded by mutex_
};

double sorted_percentile(const std::vector<double>& sorted, double p) {
  REPLEX_ASSERT(p >= 0 && p <= 1);
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

WsFanout::Impl::Impl(FanoutOptions options) : options_(std::move(options)) {
  REPLEX_ASSERT(options_.io_threads > 0 && options_.max_opening > 0);
  work_.emplace(asio::make_work_guard(io_));
  for (std::size_t i = 0; i < options_.io_threads; ++i) threads_.emplace_back([this] { io_.run(); });
}

WsFanout::Impl::~Impl() {
  closing_.store(true);
  for (auto& connection : connections_) connection->close();
  work_.reset();
  // The closes are posted; give them a moment before stopping the loop.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  io_.stop();
  for (auto& thread : threads_) thread.join();
  connections_.clear();
}

void WsFanout::Impl::opened(bool ok, const std::string& error) {
  bool reference_open = false;
  {
    std::lock_guard lock(mutex_);
    ++attempts_done_;
    if (ok) {
      ++subscribed_;
    } else {
      ++open_failures_[error];
    }
    reference_open = subscribed_ > 0;
  }
  changed_.notify_all();
  // Each answer opens the next subscriber, once the reference is open (see open()).
  if (reference_open) open_next();
}

void WsFanout::Impl::open_next() {
  std::shared_ptr<Connection> next;
  {
    std::lock_guard lock(mutex_);
    if (next_to_open_ >= connections_.size()) return;
    next = connections_[next_to_open_++];
  }
  next->start();
}

Status WsFanout::Impl::open() {
  const auto colon = options_.rest_target.rfind(':');
  if (colon == std::string::npos) return Status::invalid_argument("ws target: expected host:port, got " + options_.rest_target);
  beast::error_code ec;
  tcp::resolver resolver(io_);
  endpoints_ = resolver.resolve(options_.rest_target.substr(0, colon), options_.rest_target.substr(colon + 1), ec);
  if (ec) return Status::unavailable(options_.rest_target + ": " + ec.message());

  connections_.push_back(std::make_shared<Connection>(*this, "blocks"));
  for (std::size_t i = 0; i < options_.subscribers; ++i) {
    connections_.push_back(std::make_shared<Connection>(*this, "book." + options_.market));
  }
  // The reference first, alone, so a refused gateway fails fast.
  connections_.front()->start();
  const auto deadline = Clock::now() + options_.open_timeout;
  {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_until(lock, deadline, [this] { return attempts_done_ >= 1; }) || subscribed_ == 0) {
      std::string why = open_failures_.empty() ? "timed out" : open_failures_.begin()->first;
      return Status::unavailable(options_.rest_target + ": the \"blocks\" reference connection: " + why);
    }
  }
  for (std::size_t i = 0; i < options_.max_opening; ++i) open_next();
  std::unique_lock lock(mutex_);
  changed_.wait_until(lock, deadline, [this] { return attempts_done_ >= connections_.size(); });
  if (subscribed_ <= 1) return Status::unavailable(options_.rest_target + ": no subscriber could subscribe");
  return Status::ok();
}

void WsFanout::Impl::begin_measure() {
  measure_start_ = Clock::now();
  measuring_.store(true);
}

FanoutReport WsFanout::Impl::end_measure() {
  measuring_.store(false);
  const auto measure_end = Clock::now();
  // Wall clock of a steady instant, for the age against the blocks' time_ms.
  const std::int64_t wall_minus_steady_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count() -
      ticks(Clock::now());

  FanoutReport report;
  report.subscribers = options_.subscribers;
  report.seconds = std::chrono::duration<double>(measure_end - measure_start_).count();
  {
    std::lock_guard lock(mutex_);
    report.subscribed = subscribed_ == 0 ? 0 : subscribed_ - 1;  // without the reference
    report.open_failures = open_failures_;
    report.disconnects = disconnects_;
    report.close_reasons = close_reasons_;
  }
  // The reference's blocks: height -> (arrival, time_ms).
  std::unordered_map<std::uint64_t, std::pair<std::int64_t, std::uint64_t>> blocks;
  for (const auto& sample : connections_.front()->take_samples()) {
    blocks.emplace(sample.height, std::make_pair(sample.arrived_ns, sample.block_time_ms));
  }
  report.blocks = blocks.size();
  for (const auto& [height, block] : blocks) {
    report.block_age_ms.push_back(static_cast<double>(block.first + wall_minus_steady_ns) / 1e6 -
                                  static_cast<double>(block.second));
  }
  std::unordered_map<std::uint64_t, std::pair<std::int64_t, std::int64_t>> first_last;  // height -> min, max arrival
  for (std::size_t i = 1; i < connections_.size(); ++i) {
    report.gaps += connections_[i]->gaps();
    for (const auto& sample : connections_[i]->take_samples()) {
      ++report.updates;
      auto [it, fresh] = first_last.try_emplace(sample.height, sample.arrived_ns, sample.arrived_ns);
      if (!fresh) {
        it->second.first = std::min(it->second.first, sample.arrived_ns);
        it->second.second = std::max(it->second.second, sample.arrived_ns);
      }
      if (const auto block = blocks.find(sample.height); block != blocks.end()) {
        report.lag_ms.push_back(static_cast<double>(sample.arrived_ns - block->second.first) / 1e6);
        const double wall_ms = static_cast<double>(sample.arrived_ns + wall_minus_steady_ns) / 1e6;
        report.age_ms.push_back(wall_ms - static_cast<double>(block->second.second));
      }
    }
  }
  report.heights = first_last.size();
  for (const auto& [height, span] : first_last) {
    report.spread_ms.push_back(static_cast<double>(span.second - span.first) / 1e6);
  }
  std::sort(report.lag_ms.begin(), report.lag_ms.end());
  std::sort(report.age_ms.begin(), report.age_ms.end());
  std::sort(report.spread_ms.begin(), report.spread_ms.end());
  std::sort(report.block_age_ms.begin(), report.block_age_ms.end());
  return report;
}

WsFanout::WsFanout(FanoutOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}
WsFanout::~WsFanout() = default;
Status WsFanout::open() { return impl_->open(); }
void WsFanout::begin_measure() { impl_->begin_measure(); }
FanoutReport WsFanout::end_measure() { return impl_->end_measure(); }

}  // namespace replex::client
