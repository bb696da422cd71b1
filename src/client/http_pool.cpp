#include "replex/client/http_pool.hpp"

#include "beast.hpp"

#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "replex/core/assert.hpp"

namespace replex::client {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Largest answer body read (a book or a block is far smaller).
constexpr std::uint64_t kMaxBodyBytes = 64u << 20;

struct Job {
  HttpCall call;
  HttpPool::Done done;
};

class Connection;

}  // namespace

class HttpPool::Impl {
 public:
  Impl(std::string host_port, std::size_t max_connections, std::size_t io_threads, std::chrono::milliseconds timeout);
  ~Impl();

  void send(HttpCall call, Done done);
  // `connection` answered its request: it takes the next queued one or goes idle.
  void finished(const std::shared_ptr<Connection>& connection);

  const std::string host_port_;
  const std::size_t max_connections_;
  const std::chrono::milliseconds timeout_;
  asio::io_context io_;
  tcp::resolver::results_type endpoints_;
  std::string resolve_error_;
  std::atomic<std::size_t> connects_{0};
  std::atomic<bool> stopping_{false};

 private:
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::deque<Job> queue_;                               // guarded by mutex_
  std::vector<std::shared_ptr<Connection>> idle_;       // guarded by mutex_
  std::vector<std::shared_ptr<Connection>> all_;        // guarded by mutex_
};

namespace {

// One keep-alive connection; every member is touched on its strand only.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(HttpPool::Impl& pool) : pool_(pool), stream_(asio::make_strand(pool.io_)) {}

  void run(Job job) {
    asio::dispatch(stream_.get_executor(),
                   [self = shared_from_this(), job = std::move(job)]() mutable { self->start(std::move(job), false); });
  }

  // On the strand, from finished().
  void start(Job job, bool retry) {
    job_ = std::move(job);
    retried_ = retry;
    request_ = {};
    request_.method(http::string_to_verb(job_.call.method));
    request_.target(job_.call.target);
    request_.version(11);
    request_.set(http::field::host, pool_.host_port_);
    for (const auto& [name, value] : job_.call.headers) request_.set(name, value);
    if (!job_.call.body.empty()) request_.set(http::field::content_type, "application/json");
    request_.body() = job_.call.body;
    request_.keep_alive(true);
    request_.prepare_payload();
    if (!pool_.resolve_error_.empty()) return complete(HttpReply{0, {}, "resolve: " + pool_.resolve_error_});
    if (connected_) return write();
    stream_.expires_after(pool_.timeout_);
    stream_.async_connect(pool_.endpoints_, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return self->fail(ec, "connect");
      beast::error_code ignored;
      self->stream_.socket().set_option(tcp::no_delay(true), ignored);
      self->connected_ = true;
      self->reused_ = false;
      self->pool_.connects_.fetch_add(1);
      self->write();
    });
  }

 private:
  void write() {
    stream_.expires_after(pool_.timeout_);
    http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail(ec, "write");
      self->read();
    });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    stream_.expires_after(pool_.timeout_);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail(ec, "read");
      self->answered();
    });
  }

  void answered() {
    http::response<http::string_body> response = parser_->release();
    HttpReply reply{static_cast<int>(response.result_int()), std::move(response.body()), {}};
    if (response.keep_alive()) {
      reused_ = true;
    } else {
      reset();
    }
    complete(std::move(reply));
  }

  void fail(beast::error_code ec, const char* what) {
    // A kept-alive connection the server closed meanwhile: one more try on a fresh one.
    const bool stale = reused_ && !retried_ &&
                       (ec == http::error::end_of_stream || ec == asio::error::eof ||
                        ec == asio::error::connection_reset || ec == asio::error::broken_pipe);
    reset();
    if (stale && !pool_.stopping_.load()) return start(std::move(job_), true);
    complete(HttpReply{0, {}, std::string(what) + ": " + ec.message()});
  }

  void reset() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.clear();
    connected_ = false;
    reused_ = false;
  }

  void complete(HttpReply reply) {
    Job job = std::move(job_);
    job_ = {};
    if (pool_.stopping_.load()) return;
    job.done(std::move(reply));
    pool_.finished(shared_from_this());
  }

  HttpPool::Impl& pool_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::optional<http::response_parser<http::string_body>> parser_;
  Job job_;
  bool connected_ = false;
  bool reused_ = false;   // answered a request already
  bool retried_ = false;  // the job in hand is a retry
};

std::pair<std::string, std::string> split_host_port(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos) return {host_port, "80"};
  return {host_port.substr(0, colon), host_port.substr(colon + 1)};
}

}  // namespace

HttpPool::Impl::Impl(std::string host_port, std::size_t max_connections, std::size_t io_threads,
                     std::chrono::milliseconds timeout)
    : host_port_(std::move(host_port)), max_connections_(max_connections), timeout_(timeout) {
  REPLEX_ASSERT(max_connections_ > 0 && io_threads > 0);
  const auto [host, port] = split_host_port(host_port_);
  beast::error_code ec;
  tcp::resolver resolver(io_);
  endpoints_ = resolver.resolve(host, port, ec);
  if (ec) resolve_error_ = host_port_ + ": " + ec.message();
  work_.emplace(asio::make_work_guard(io_));
  for (std::size_t i = 0; i < io_threads; ++i) threads_.emplace_back([this] { io_.run(); });
}

HttpPool::Impl::~Impl() {
  // Unanswered requests are dropped: their handlers are destroyed with the
  // io_context, and complete() no longer calls `done` once stopping_ is set.
  stopping_.store(true);
  work_.reset();
  io_.stop();
  for (auto& thread : threads_) thread.join();
  std::lock_guard lock(mutex_);
  queue_.clear();
  idle_.clear();
  all_.clear();
}

void HttpPool::Impl::send(HttpCall call, Done done) {
  std::shared_ptr<Connection> connection;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    } else if (all_.size() < max_connections_) {
      connection = std::make_shared<Connection>(*this);
      all_.push_back(connection);
    } else {
      queue_.push_back(Job{std::move(call), std::move(done)});
      return;
    }
  }
  connection->run(Job{std::move(call), std::move(done)});
}

void HttpPool::Impl::finished(const std::shared_ptr<Connection>& connection) {
  Job next;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) {
      idle_.push_back(connection);
      return;
    }
    next = std::move(queue_.front());
    queue_.pop_front();
  }
  connection->start(std::move(next), false);  // on the connection's strand already
}

HttpPool::HttpPool(std::string host_port, std::size_t max_connections, std::size_t io_threads,
                   std::chrono::milliseconds timeout)
    : impl_(std::make_shared<Impl>(std::move(host_port), max_connections, io_threads, timeout)) {}

HttpPool::~HttpPool() = default;

void HttpPool::send(HttpCall call, Done done) { impl_->send(std::move(call), std::move(done)); }

const std::string& HttpPool::target() const { return impl_->host_port_; }

std::size_t HttpPool::connects() const { return impl_->connects_.load(); }

}  // namespace replex::client
